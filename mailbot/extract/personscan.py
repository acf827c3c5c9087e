"""Find people's names in a line: optional titles, first name(s), surname; read in the nominative."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mailbot.extract.morph import readings
from mailbot.extract.names import (
    NEUTRAL_TITLES,
    TITLES,
    NameReading,
    is_first_name,
    nominative,
    proper_case,
)
from mailbot.extract.orgheads import head_form
from mailbot.extract.roles import is_role_word
from mailbot.extract.textprep import fold

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_INITIAL_SURNAME = re.compile(r"\s*([A-ZĄĆĘŁŃÓŚŹŻ])\.\s*([A-ZĄĆĘŁŃÓŚŹŻ][\w-]+)\s*")
# Capitalised words that are never surnames after a first name.
_NOT_SURNAME = frozenset({"zarzadu", "zarzad", "prezes", "fundacji", "fundacja", "krakow",
                          "krakowa", "dzien", "dobry", "pozdrawiam", "tel", "telefon", "kom",
                          "e-mail", "email", "ul", "nip", "krs", "regon", "marca", "lutego",
                          "kwietnia", "i", "oraz", "w", "z"})


@dataclass(frozen=True)
class PersonMention:
    """A person's name in a line: where it is, the title before it, and its nominative."""

    start: int
    end: int
    title: str | None
    reading: NameReading

    @property
    def name(self) -> str:
        return self.reading.name


def _is_title(word: str, following: str) -> bool:
    key = word.lower()
    if key in TITLES:
        return True
    if key in NEUTRAL_TITLES:
        # "p" alone is a title only as the abbreviation "p."
        return key != "p" or following.startswith(".")
    return False


def _capitalised(word: str, allow_lower: bool) -> bool:
    return word[:1].isupper() or (allow_lower and word[:1].islower())


def person_mentions(line: str, *, prefer: Sequence[str], allow_lower: bool = False,
                    force: bool = False) -> list[PersonMention]:
    """Names of people in `line` (a sentence, list item, cell or signature line)."""
    words = list(_WORD.finditer(line))
    found: list[PersonMention] = []
    i = 0
    while i < len(words):
        title: str | None = None
        j = i
        while j < len(words) and _is_title(words[j].group(0), line[words[j].end():]):
            gap = line[words[j].end(): words[j + 1].start()] if j + 1 < len(words) else ""
            if gap.strip(" .\t"):
                break
            if words[j].group(0).lower() in TITLES or title is None:
                title = words[j].group(0)
            j += 1
        # After "pana"/"pani" a name may be written in lower case ("pana jana kowalskiego").
        lower_ok = allow_lower or bool(title and title.lower() in TITLES)
        mention = _mention_at(line, words, j, title, prefer, lower_ok, force)
        if mention is None:
            i = max(i + 1, j if j > i else i + 1)
            continue
        found.append(mention[0])
        i = mention[1]
    return found


def _mention_at(line: str, words: list[re.Match[str]], j: int, title: str | None,
                prefer: Sequence[str], allow_lower: bool,
                force: bool) -> tuple[PersonMention, int] | None:
    if j + 1 >= len(words):
        return None
    span: list[re.Match[str]] = [words[j]]
    for k in (j + 1, j + 2):
        if k >= len(words) or line[words[k - 1].end(): words[k].start()] not in (" ", "  "):
            break
        span.append(words[k])
    tokens = [m.group(0) for m in span]
    if is_role_word(tokens[0]):
        return None  # "Pana Prezesa Jana Kowalskiego": the name starts after the role
    if len(tokens) < 2 or not all(_capitalised(t, allow_lower) for t in tokens[:2]):
        return None
    attempts = []
    if len(tokens) == 3 and is_first_name(tokens[1]) and _capitalised(tokens[2], allow_lower):
        attempts.append(3)
    attempts.append(2)
    for size in attempts:
        surname = tokens[size - 1]
        if fold(surname) in _NOT_SURNAME or head_form(proper_case(surname)) or len(surname) < 2:
            continue
        reading = nominative(tokens[:size], title=title, prefer=prefer, force=force)
        if reading is None and title and title.lower() in TITLES and size == 2 \
                and _unknown_word(tokens[0]):
            reading = _unknown_with_title(tokens[:size], title)
        if reading is not None:
            last = span[size - 1]
            start = words[j].start()
            return PersonMention(start, last.end(), title, reading), j + size
    return None


def _unknown_word(word: str) -> bool:
    """Not in the dictionary as an ordinary word (so it may be a rare first name)."""
    return not any(not r.names or "nazwa_pospolita" in r.names for r in readings(word.lower()))


def _unknown_with_title(tokens: Sequence[str], title: str) -> NameReading | None:
    """'Pani Xymena Abc': the title says a person, but the first name is not in the dictionary."""
    genders, cases = TITLES[title.lower()]
    name = " ".join(proper_case(t) for t in tokens)
    gender = next(iter(genders))
    if "nom" in cases:
        return NameReading(name, gender, "nom", 0.6, "imię spoza słownika")
    return NameReading(name, gender, sorted(cases)[0], 0.4,
                       "imię spoza słownika; odmienioną formę zapisano jak w wiadomości")


def initial_surname(line: str) -> tuple[str, str] | None:
    """'R. Kania' -> ('R', 'Kania'): a signature with an initial."""
    match = _INITIAL_SURNAME.fullmatch(line)
    return (match.group(1), match.group(2)) if match else None
