"""Who wrote the message: the person who signs, their role and phone, from the signature block."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mailbot.extract.names import person_display_name
from mailbot.extract.personscan import initial_surname
from mailbot.extract.phones import is_office_phone, normalise_phone, phones_in
from mailbot.extract.roles import normalise_role
from mailbot.extract.textprep import fold, sentences

_CLOSING = re.compile(
    r"^\s*(?:pozdrawiam\w*|pozdrowienia|serdecznie pozdrawiam\w*|z pozdrowieniami|"
    r"z powazaniem|z wyrazami szacunku|lacze wyrazy szacunku|lacze pozdrowienia|lacze wyrazy|"
    r"dziekuje\w*|z gory dziekuje\w*|z serdecznymi pozdrowieniami|ukłony|uklony|pzdr|"
    r"best regards|kind regards|regards|best wishes|cheers|thanks|thank you|sincerely|"
    r"yours sincerely|do zobaczenia)\b[^\n]{0,30}$"
    r"|^[^\n]{0,60}\bpozdrawiam\w*[.!]?\s*$", re.I)
# "Pozdrawiam, Jan Kowalski, Fundacja X" on one line (or after a sentence on the same line).
_INLINE_CLOSING = re.compile(
    r"(?:^|(?<=[.!?] ))\s*(pozdrawiam\w*|pozdrowienia|z powazaniem|z wyrazami szacunku|"
    r"serdecznie pozdrawiam\w*|z pozdrowieniami|best regards|kind regards|regards)"
    r"\s*[,:–-]\s*(?=\S)")
_BARE_PHONE = re.compile(r"\s*(?:\+|\(|\d)[\d \-()./+]{7,22}\d\s*")
# Where a name on a signature line ends: "Ewa Kot, sekretarz", "Ewa Kot | GSM …",
# "Ewa Kot – prezes", "Robert Sikora tel. 698 …", "Ewa Kot 600 700 800", "Ewa Kot e.kot@x.pl".
_NAME_END = re.compile(r"[,|;]|\s+[–—-]\s+|\s+(?=(?:tel|telefon|kom|gsm|mob|e-?mail)\b|[+(]?\d"
                       r"|[\w.+-]+@)", re.I)
_CONTACT_LINE = re.compile(r"(?i)kontakt\s+do\s+mnie|m[oó]j\s+(?:nr|numer|telefon)|"
                           r"telefon\s+kontaktowy|tel\.\s*kontaktowy|kontakt\s*:")
_BLOCK_PARTS = re.compile(r"[,|;]|\s[–—-]\s")


@dataclass(frozen=True)
class Signature:
    """The signer of the sender's own text (None when nobody signs as a person)."""

    name: str | None
    role: str | None
    phone: str | None
    lines: tuple[str, ...]
    reason: str


def _name_line(line: str, display_person: str | None) -> str | None:
    text = line.strip().strip(",.")
    if not text or len(text) > 60:
        return None
    # "Maria Dąbrowska, sekretarz": the name before a comma (where the first split would end:
    # every _NAME_END match takes at least one character; no match leaves the same text).
    person = person_display_name(text)
    if person:
        return person
    end = _NAME_END.search(text)
    person = person_display_name(text[: end.start()]) if end else None
    if person:
        return person
    initial = initial_surname(text)
    if initial and display_person:
        first, surname = display_person.split()[0], display_person.split()[-1]
        if fold(first).startswith(fold(initial[0])) and fold(surname) == fold(initial[1]):
            return display_person
    return None


def _block(lines: Sequence[str], start: int) -> tuple[str, ...]:
    """Lines after the signer's name: until two blank lines, a long body line, or 10 lines."""
    out: list[str] = []
    blanks = 0
    for line in lines[start:start + 14]:
        if not line.strip():
            blanks += 1
            if blanks >= 2:
                break
            continue
        blanks = 0
        if len(line.strip()) > 90:
            break
        out.append(line.strip())
        if len(out) >= 10:
            break
    return tuple(out)


def _expand(lines: Sequence[str], display_person: str | None) -> list[str]:
    """Split one-line signatures into the lines a signature block would have."""
    out: list[str] = []
    for line in lines:
        match = _INLINE_CLOSING.search(fold(line)) if len(line) < 2000 else None
        if match is None:
            out.extend(_trailing_name(line, display_person))
            continue
        before = line[: match.start(1)].strip()
        if before:
            out.append(before)
        out.append(line[match.start(1): match.end(1)])
        out.extend(part.strip() for part in line[match.end():].split(",") if part.strip())
    return out


def _trailing_name(line: str, display_person: str | None) -> list[str]:
    """'… jako prezes Klubu X. Robert Sikora tel. 698 …': the last sentence signs the text."""
    if len(line) <= 60 or len(line) >= 2000:
        return [line]
    parts = sentences(line)
    last = parts[-1] if parts else line
    if len(last) > 60 or last == line or not _name_line(last, display_person):
        return [line]
    return [line[: len(line) - len(last)].rstrip(), last.strip()]


def read_signature(lines: Sequence[str], display_person: str | None) -> Signature:
    """Find the signer among the sender's own lines (not a forwarded or quoted part)."""
    lines = _expand(lines, display_person)
    names = [(i, n) for i, line in enumerate(lines) if (n := _name_line(line, display_person))]
    closings = [i for i, line in enumerate(lines) if _CLOSING.match(fold(line))]
    if not closings:
        # A "-- " separator opens a signature block too.
        closings = [i for i, line in enumerate(lines) if line.rstrip() in ("--", "-- ", "—")]
    chosen: tuple[int, str, str] | None = None
    if display_person:
        same = [(i, n) for i, n in names if fold(n) == fold(display_person)]
        if same:
            # The first signature after a closing formula, else the last such name line.
            after = [(i, n) for i, n in same if any(c < i for c in closings)]
            i, n = after[0] if after else same[-1]
            chosen = (i, n, "podpis zgodny z nazwą wyświetlaną")
    if chosen is None and closings:
        for i, n in names:
            if closings[0] < i <= closings[0] + 4:
                chosen = (i, n, "nazwisko po formule pożegnalnej")
                break
    if chosen is None and names:
        non_empty = [i for i, line in enumerate(lines) if line.strip()]
        tail = set(non_empty[-8:])
        last = [(i, n) for i, n in names if i in tail]
        if last:
            chosen = (last[-1][0], last[-1][1], "nazwisko w ostatnich wierszach tekstu")
    if chosen is None:
        start = closings[0] + 1 if closings else len(lines)
        block = _block(lines, start)
        return Signature(None, None, _first_phone(block), block,
                         "nikt nie podpisuje się imieniem i nazwiskiem")
    index, name, reason = chosen
    # What follows the name on its own line ("Ewa Kot | GSM: 600 700 800") belongs to the block.
    rest = _NAME_END.split(lines[index].strip(), maxsplit=1)[1:]
    parts = _BLOCK_PARTS.split(rest[0]) if rest else []
    block = tuple(p.strip() for p in parts if p.strip()) + _block(lines, index + 1)
    role = next((r for line in block[:3] if (r := normalise_role(line))), None)
    phone = _first_phone(block)
    return Signature(name, role, phone, block, reason)


def _first_phone(block: Sequence[str]) -> str | None:
    for line in block:
        found = phones_in(line)
        if not found and _BARE_PHONE.fullmatch(line):
            # A signature line that is only a number: "604 555 666".
            number = normalise_phone(line)
            found = [number] if number and not is_office_phone(number) else []
        if found:
            return found[0]
    return None


def contact_line_phone(lines: Sequence[str]) -> str | None:
    """'Kontakt do mnie 604111927', 'mój numer: …' anywhere in the sender's own text."""
    for line in lines:
        if _CONTACT_LINE.search(line):
            found = phones_in(line)
            if found:
                return found[0]
    return None
