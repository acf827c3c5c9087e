"""Form-like text: 'Key: value' fields and tables (pipe-separated or column-aligned)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mailbot.extract.textprep import fold
from mailbot.textutil import text_cache

# Folded field labels -> the field they fill.
_KEYS: dict[str, str] = {
    "imie i nazwisko": "name", "nazwisko i imie": "name", "imie, nazwisko": "name",
    "imiona i nazwiska": "name", "uczestnik": "name", "uczestniczka": "name",
    "imie": "first_name", "nazwisko": "surname",
    "funkcja": "role", "stanowisko": "role", "funkcja w organizacji": "role", "rola": "role",
    "pelniona funkcja": "role", "position": "role", "role": "role",
    "telefon": "phone", "tel": "phone", "tel.": "phone", "nr telefonu": "phone",
    "telefon kontaktowy": "phone", "numer telefonu": "phone", "tel. kom.": "phone",
    "phone": "phone", "komorka": "phone",
    "e-mail": "email", "email": "email", "mail": "email", "adres e-mail": "email",
    "adres email": "email", "e-mail kontaktowy": "email",
    "nazwa organizacji": "organisation", "organizacja": "organisation",
    "pelna nazwa organizacji": "organisation", "nazwa": "organisation",
    "nazwa podmiotu": "organisation", "organisation": "organisation",
    "organization": "organisation", "nazwa stowarzyszenia": "organisation",
    "nazwa fundacji": "organisation",
    "obszar dzialalnosci": "areas", "obszar": "areas", "zakres dzialalnosci": "areas",
    "obszary dzialalnosci": "areas", "dziedzina dzialalnosci": "areas",
    "osoba do kontaktu": "contact", "osoba kontaktowa": "contact",
    "krs": "krs", "nip": "nip", "regon": "regon", "adres": "address",
    "adres siedziby": "address",
}
_FIELD = re.compile(r"^[ \t]*(?:\d{1,2}[.)][ \t]*)?([^\W\d][\w .,/()-]{0,60}?)"
                    r"(?:[ \t]*(?::|\|)|[ \t]{2,}|\t)[ \t]*(.*)$")
_CELL_SPLIT = re.compile(r"\S+(?: \S+)*")
_INNER_SPACE = re.compile(r"(?<=\S) (?=\S)")
_NON_SPACE = re.compile(r"\S+")
# Where a row without pipes splits into two cells: whitespace between two non-spaces that is
# not one plain space. A line without one (or a pipe) is a single cell, never a header.
_CELL_GAP = re.compile(r"\S(?:\s{2,}|[^\S ])\S")


# Words that say whose field it is: "Imię i nazwisko uczestnika/uczestniczki", "Telefon osoby
# zgłaszanej", "Funkcja uczestnika w organizacji". Removed, they leave the plain label.
_WHOSE = re.compile(
    r"\(?\b(?:uczestni(?:ka|kow|czki|czek)|osoby (?:zglaszanej|zgloszonej|delegowanej)"
    r"|delegata|przedstawiciela)(?:\s*/\s*[a-z]+)*\)?"
    r"(?:\s+(?:do udzialu|w konferencji|konferencji|w wydarzeniu))*")
# Labels that name the participant themself: the value is their name.
_PARTICIPANT = re.compile(
    r"^(?:uczestnik|uczestniczka|uczestnik\s*/\s*uczestniczka|uczestnik\s*\(?\s*ka\s*\)?"
    r"|osoba (?:zglaszana|zgloszona|delegowana|uczestniczaca)|(?:zglaszana|zgloszona) osoba"
    r"|delegat|delegatka)(?:\s+(?:nr\s*)?\d{1,2})?$")
_PERSON_KEYS = frozenset({"name", "first_name", "surname", "role", "phone", "email"})


@dataclass(frozen=True)
class Field:
    line: int
    key: str
    value: str


@text_cache(maxsize=1024, max_chars=200)
def field_key(label: str) -> str | None:
    """The field a label fills ('Imię i nazwisko uczestnika' -> 'name'), None when unknown."""
    folded = " ".join(fold(label).strip(" .:").split())
    key = _KEYS.get(folded)
    if key is not None:
        return key
    rest, found = _WHOSE.subn(" ", folded)
    rest = " ".join(rest.split()).strip(" .:,/-")
    if found and (not rest or rest in ("dane", "dane osobowe") or _PARTICIPANT.match(rest)):
        return "name"  # "Dane uczestnika: …", "Dane osobowe uczestnika: …"
    if found:
        key = _KEYS.get(rest)
        return key if key in _PERSON_KEYS else None
    return "name" if _PARTICIPANT.match(folded) else None


def fields(lines: Sequence[str]) -> list[Field]:
    """'Key: value' lines (also 'Key | value' rows of a two-column table) with a known key."""
    out: list[Field] = []
    for i, line in enumerate(lines):
        match = _FIELD.match(line)
        if not match:
            continue
        key = field_key(match.group(1))
        if key is None:
            continue
        value = match.group(2).strip().strip("|").strip()
        if "|" in value and key != "name":
            value = value.split("|")[0].strip()
        out.append(Field(i, key, value))
    return out


def _cells(line: str) -> list[tuple[int, str]]:
    """(start column, text) of each cell of a pipe row or a column-aligned row."""
    if "|" in line:
        cells: list[tuple[int, str]] = []
        position = 0
        for part in line.split("|"):
            cells.append((position, part.strip()))
            position += len(part) + 1
        return cells
    spaced = _INNER_SPACE.sub("\x00", line)
    return [(m.start(), m.group(0).replace("\x00", " "))
            for m in _NON_SPACE.finditer(spaced)]


@dataclass(frozen=True)
class Table:
    rows: tuple[dict[str, str], ...]
    first_line: int
    last_line: int


def tables(lines: Sequence[str]) -> list[Table]:
    """Tables with a header naming at least a person column and one more known column."""
    found: list[Table] = []
    i = 0
    while i < len(lines):
        if "|" not in lines[i] and _CELL_GAP.search(lines[i]) is None:
            i += 1  # one cell (most prose lines): not split into cells at all
            continue
        header = _cells(lines[i])
        if len(header) < 2:
            # One cell (most prose lines) is never a header: its label is not looked up.
            i += 1
            continue
        keys = [(col, field_key(text)) for col, text in header]
        known = {k for _, k in keys if k}
        has_name = "name" in known or {"first_name", "surname"} <= known
        if not has_name or len(known) < 2 or len(header) < 2:
            i += 1
            continue
        rows: list[dict[str, str]] = []
        j = i + 1
        blanks = 0
        piped = "|" in lines[i]
        while j < len(lines) and blanks <= 1:
            line = lines[j]
            if not line.strip():
                blanks += 1
                j += 1
                continue
            # A row goes on while its cells stay apart: by pipes, by two spaces or more (aligned
            # or a document's table), or by tabs (a table pasted into a plain-text mail).
            inner = line.strip()
            if piped != ("|" in line) or (not piped and "  " not in inner and "\t" not in inner):
                break
            blanks = 0
            cells = _cells(line)
            if sum(1 for _, text in cells if field_key(text)) >= 2:
                break  # the header of the next table
            rows.append(_row(cells, keys, piped))
            j += 1
        if rows:
            found.append(Table(tuple(rows), i, j - 1))
        i = j
    return found


_EMAIL_CELL = re.compile(r"^\S+@\S+\.\S+$")
_PHONE_CELL = re.compile(r"^(?:tel\.?\s*)?[+(]?[\d][\d \-()/.+]{6,24}$")
_NUMBER_CELL = re.compile(r"^\d{1,3}[.)]?$")


def _aligned(cells: list[tuple[int, str]], keys: list[tuple[int, str | None]]) -> bool:
    """Whether a row's cells start where the header's columns start (a rendered HTML table)."""
    starts = {c for c, _ in keys}
    return all(any(abs(col - s) <= 1 for s in starts) for col, _ in cells)


def _by_content(cells: list[tuple[int, str]], keys: list[tuple[int, str | None]]) -> dict[str, str]:
    """A row with empty cells dropped (.docx/.odt text): place cells by what they look like."""
    row: dict[str, str] = {}
    wanted = [k for _, k in keys if k in ("name", "role", "first_name", "surname")]
    for _, text in cells:
        if _EMAIL_CELL.match(text) and "email" not in row:
            row["email"] = text
        elif _PHONE_CELL.match(text) and sum(ch.isdigit() for ch in text) >= 7:
            row.setdefault("phone", text)
        elif _NUMBER_CELL.match(text):
            continue
        elif wanted:
            row[wanted.pop(0)] = text
    return row


def _row(cells: list[tuple[int, str]], keys: list[tuple[int, str | None]],
         piped: bool) -> dict[str, str]:
    row: dict[str, str] = {}
    # Cells joined by a fixed separator (a .docx table) match the header one by one.
    by_index = piped or len(cells) == len(keys)
    if not by_index and not _aligned(cells, keys):
        return _by_content(cells, keys)
    for index, (col, text) in enumerate(cells):
        if by_index:
            key = keys[index][1] if index < len(keys) else None
        else:
            # The column whose header starts nearest at or before this cell.
            starts = [(c, k) for c, k in keys if c <= col + 2]
            key = starts[-1][1] if starts else None
        # What a cell plainly is beats where it happens to start.
        if _EMAIL_CELL.match(text):
            key = "email"
        elif key in ("role", "name") and _PHONE_CELL.match(text) \
                and sum(ch.isdigit() for ch in text) >= 7:
            key = "phone"
        if key and text:
            row[key] = (row.get(key, "") + " " + text).strip()
    return row
