"""Polish person names to the nominative: first name and surname agreeing in case and gender."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from mailbot.extract.firstnames import COMMON
from mailbot.extract.morph import Reading, forms, readings
from mailbot.extract.surnames import decline_surname
from mailbot.extract.textprep import fold, has_diacritics, plain
from mailbot.textutil import text_cache

# Title -> (genders, cases) it implies for the name that follows.
TITLES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "pan": (frozenset({"m1"}), frozenset({"nom", "voc"})),
    "pana": (frozenset({"m1"}), frozenset({"gen", "acc"})),
    "panu": (frozenset({"m1"}), frozenset({"dat"})),
    "panem": (frozenset({"m1"}), frozenset({"inst"})),
    "panie": (frozenset({"m1"}), frozenset({"loc", "voc"})),
    "pani": (frozenset({"f"}), frozenset({"nom", "gen", "dat", "loc", "voc"})),
    "panią": (frozenset({"f"}), frozenset({"acc", "inst"})),
    "pania": (frozenset({"f"}), frozenset({"acc", "inst", "nom"})),
}
NEUTRAL_TITLES = frozenset({"p", "dr", "hab", "mgr", "inż", "inz", "prof", "ks", "lic", "mr", "mrs",
                            "ms", "dyr", "red", "doc", "płk", "mec", "kol", "hm", "phm", "pwd",
                            "dh", "dhna"})
_COMMON_ANY = COMMON | frozenset(plain(n) for n in COMMON)
INLINE = ("gen", "acc", "inst", "nom", "dat", "loc", "voc")
NOMINATIVE = ("nom", "gen", "acc", "inst", "dat", "loc", "voc")


@dataclass(frozen=True)
class FirstName:
    lemma: str
    cases: frozenset[str]
    gender: str  # "m1" or "f"


@dataclass(frozen=True)
class NameReading:
    """A person's name read in the nominative, with how sure we are and why."""

    name: str
    gender: str
    case: str
    confidence: float
    reason: str


def proper_case(word: str) -> str:
    """'KOWALSKI'/'kowalski' -> 'Kowalski'; 'wróbel-kos' -> 'Wróbel-Kos'; mixed case kept."""
    if word.isupper() or word.islower():
        return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))
    return word


def _gender(reading: Reading) -> str | None:
    if "m1" in reading.genders:
        return "m1"
    if "f" in reading.genders:
        return "f"
    return None


@lru_cache(maxsize=1)
def _plain_index() -> dict[str, tuple[FirstName, ...]]:
    """Forms of common first names without diacritics -> readings (for 'Stanislawa')."""
    index: dict[str, list[FirstName]] = {}
    for name in sorted(COMMON):
        for form in forms(name):
            gender = _gender(form)
            if form.is_first_name and "sg" in form.numbers and gender and form.lemma == name:
                key = fold(form.orth)
                index.setdefault(key, []).append(FirstName(plain(name), form.cases, gender))
    return {key: tuple(value) for key, value in index.items()}


@lru_cache(maxsize=4096)
def first_name_readings(word: str) -> tuple[FirstName, ...]:
    """Singular first-name readings of a word (empty when it is not a first name)."""
    cased = proper_case(word)
    out = [FirstName(r.lemma, r.cases, g) for r in readings(cased)
           if r.is_first_name and "sg" in r.numbers and r.pos in ("subst", "depr")
           and (g := _gender(r)) is not None and r.lemma[:1].isupper()]
    if not has_diacritics(cased):
        # Written without diacritics the word may be another form ("Bogumile" for Bogumiłę).
        out += [f for f in _plain_index().get(fold(cased), ()) if f not in out]
    return tuple(out)


def is_first_name(word: str) -> bool:
    return bool(first_name_readings(word))


def _title_key(title: str | None) -> str:
    return (title or "").lower().rstrip(".")


def nominative(words: Sequence[str], *, title: str | None = None,
               prefer: Sequence[str] = NOMINATIVE, force: bool = False) -> NameReading | None:
    """Read [first, (second first,) surname] in the nominative; None when not a person's name.

    `title` (Pan, Pani, Pana, Panią, ...) constrains gender and case; `prefer` orders the cases
    the context suggests; `force` accepts an unknown first name (a form field says it is one).
    """
    if len(words) < 2 or len(words) > 3:
        return None
    firsts = first_name_readings(words[0])
    genders, cases = TITLES.get(_title_key(title), (frozenset({"m1", "f"}), frozenset(prefer)))
    best: tuple[float, NameReading] | None = None
    for first in firsts:
        if first.gender not in genders:
            continue
        for case in first.cases & cases:
            reading = _combine(first, case, words, prefer)
            if reading is None:
                continue
            score = 0.5 * (list(prefer).index(case) if case in prefer else len(prefer))
            # Prefer the common Polish first name (Robert over Roberto, Jacek over Jack).
            score += 0.0 if first.lemma in _COMMON_ANY else 0.5
            score += (1.0 - reading.confidence) * 8
            if best is None or score < best[0]:
                best = (score, reading)
    if best is not None:
        return best[1]
    if force:
        name = " ".join(proper_case(w) for w in words)
        return NameReading(name, "?", "nom", 0.6, "imię spoza słownika; zapisano jak w wiadomości")
    return None


def _combine(first: FirstName, case: str, words: Sequence[str],
             prefer: Sequence[str]) -> NameReading | None:
    lemma = first.lemma
    if not has_diacritics(words[0]) and has_diacritics(lemma):
        lemma = plain(lemma)
    parts = [lemma]
    if len(words) == 3:
        middle = [f for f in first_name_readings(words[1])
                  if f.gender == first.gender and case in f.cases]
        if not middle:
            return None
        second = middle[0].lemma
        parts.append(plain(second) if not has_diacritics(words[1]) else second)
    surname, confidence, reason = decline_surname(words[-1], case, first.gender)
    parts.append(surname)
    return NameReading(" ".join(parts), first.gender, case, confidence, reason)


def person_display_name(text: str | None) -> str | None:
    """'Jan Kowalski' when a display name or signature line is just a person's name."""
    if not text:
        return None
    return _display_name(text)


# Every title a display name may open with (built once, not per name read).
_ANY_TITLE = frozenset(TITLES) | NEUTRAL_TITLES


# Signature lines and display names are read by the contact, sender and people readers.
@text_cache(maxsize=1024, max_chars=200)
def _display_name(text: str) -> str | None:
    words = [w for w in text.replace(",", " ").split() if w]
    while words and _title_key(words[0]) in _ANY_TITLE:
        words = words[1:]
    if not 2 <= len(words) <= 3 or not all(_is_name_word(w) for w in words):
        return None
    reading = nominative(words, prefer=NOMINATIVE)
    if reading is None and len(words) == 2 and is_first_name(words[1]):
        reading = nominative([words[1], words[0]], prefer=NOMINATIVE)
    if reading is None or reading.case != "nom":
        return None
    return reading.name


def _is_name_word(word: str) -> bool:
    core = word.replace("-", "")
    return core.isalpha() and (word[:1].isupper() or word.islower()) and len(core) >= 2
