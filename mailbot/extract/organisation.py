"""The organisation's name: form fields, 'w imieniu …' phrases, signatures, subject, display name."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mailbot.extract.forms import Field
from mailbot.extract.orgnames import Mention, mentions
from mailbot.extract.textprep import QUOTES, fold
from mailbot.textutil import text_cache

# Never the office, the conference or the notice's own names.
_EXCLUDED = re.compile(r"urzad miast|urzedu miast|mowis|wspolnie dla krakowa|gmina miejsk|"
                       r"wydzial|konferencj", re.I)
_ADDRESS_AFTER = re.compile(r",\s*(?:ul\.|al\.|os\.|pl\.|\d{2}-\d{3})")
_BEFORE_STRONG = re.compile(r"(?:w imieniu|z ramienia|reprezentuj\w*|przedstawiciel\w*|nasz\w*|"
                            r"czlonk\w*|jestem z|jestesmy z)\s*[„\"“]?\s*$")
_BEFORE_FROM = re.compile(r"(?:^|\s)(?:z|ze|od)\s*[„\"“]?\s*$")
_AFTER_SUBJECT = re.compile(r"^\s*[”\"]?\s*(?:\([^)]*\)\s*)?(?:zglasza\w*|bierze|wezmie|chcial\w*|"
                            r"chce|deleguje|prosi|przesyla|nie wezmie|rezygnuje|dziala|"
                            r"zajmuje|prowadzi|serdecznie|uprzejmie|niniejszym)")
_GROUP_QUOTE = re.compile(r"(?i)\b(?:grup\w*|inicjatyw\w*|organizacj\w*|kolektyw\w*|zespo\w*|"
                          r"stowarzyszeni\w*|fundacj\w*|klub\w*|kol[oa]\w*)\s+"
                          r"(?:[^\s„\"“”]+\s+){0,2}[„\"“]([^„\"“”\n]{2,80})[”\"“]")

_OPENING_QUOTES = ("„", "\"", "“")


@dataclass(frozen=True)
class OrgGuess:
    name: str
    confidence: float
    reason: str


def clean_name(value: str) -> str | None:
    """Strip quotes that wrap the whole name, trailing punctuation and an address after a comma."""
    text = " ".join(value.split()).strip(" ,;:.–-")
    text = _ADDRESS_AFTER.split(text)[0].strip()
    if len(text) >= 2 and text[0] in QUOTES and text[-1] in QUOTES \
            and not any(q in text[1:-1] for q in QUOTES):
        text = text[1:-1].strip()
    if not text or len(text) > 150 or _EXCLUDED.search(fold(text)):
        return None
    return text


def _context_confidence(line: str, mention: Mention, whole_line: bool) -> tuple[float, str]:
    before = fold(line[max(0, mention.start - 40): mention.start])
    after = fold(line[mention.end: mention.end + 40])
    if _BEFORE_STRONG.search(before):
        return 0.9, "wskazana jako organizacja nadawcy"
    if _AFTER_SUBJECT.match(after):
        return 0.9, "podmiot zdania ze zgłoszeniem"
    # "z Fundacji X" (from) names the people's organisation; "z Fundacją X" (with) a partner.
    if _BEFORE_FROM.search(before) and "gen" in mention.cases:
        return 0.85, "„z/ze …” wskazuje, skąd są zgłaszane osoby"
    if whole_line:
        return 0.85, "z podpisu"
    return 0.7, "wymieniona w treści"


def candidates(lines: Sequence[str], fields: Sequence[Field], subject: str,
               display_names: Sequence[str | None]) -> list[OrgGuess]:
    """Every organisation name we can read, with a confidence from where it was found."""
    found: list[OrgGuess] = []
    for item in fields:
        if item.key == "organisation":
            name = clean_name(item.value)
            if name:
                found.append(OrgGuess(name, 0.95, "z formularza"))
    for line in lines:
        found.extend(_line_guesses(line))
    for mention in mentions(subject):
        name = clean_name(mention.name)
        if name:
            found.append(OrgGuess(name, 0.8, "z tematu wiadomości"))
    for display in display_names:
        for mention in mentions(display or ""):
            name = clean_name(mention.name)
            if name:
                found.append(OrgGuess(name, 0.75, "z nazwy wyświetlanej nadawcy"))
    return found


# Lines recur (signatures, quoted notices, a backlog's common phrases); each is read once.
@text_cache(maxsize=1024, max_chars=500)
def _line_guesses(line: str) -> tuple[OrgGuess, ...]:
    """The organisation names one line of text gives, in order."""
    found: list[OrgGuess] = []
    for mention in mentions(line):
        name = clean_name(mention.name)
        if not name:
            continue
        whole = not line[:mention.start].strip() and not line[mention.end:].strip(" .")
        confidence, reason = _context_confidence(line, mention, whole)
        found.append(OrgGuess(name, confidence, reason))
    # Every match holds an opening quote (uncased characters, so the same under re.I).
    quoted = any(mark in line for mark in _OPENING_QUOTES)
    for match in _GROUP_QUOTE.finditer(line) if quoted else ():
        head = fold(match.group(0).split()[0])
        if head.startswith("konferencj"):
            continue
        name = clean_name(match.group(1))
        if name and not mentions(name):
            found.append(OrgGuess(name, 0.6, "grupa podana w cudzysłowie"))
    return tuple(found)


def choose(found: Sequence[OrgGuess]) -> OrgGuess | None:
    """The best-supported name: highest confidence, then most often repeated, then first."""
    if not found:
        return None
    counts: dict[str, int] = {}
    for guess in found:
        key = fold(guess.name)
        counts[key] = counts.get(key, 0) + 1
    best = max(found, key=lambda g: (g.confidence + 0.02 * min(counts[fold(g.name)] - 1, 3),
                                     -found.index(g)))
    return best
