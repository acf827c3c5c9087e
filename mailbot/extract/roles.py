"""Roles of attendees: lower case, nominative, without the organisation ("prezesa klubu" -> "prezes")."""

from __future__ import annotations

import re

from mailbot.extract.morph import nominative_of, readings
from mailbot.extract.orgheads import GENERIC_GENITIVES, head_form
from mailbot.extract.textprep import fold

# Folded beginnings of words that name a function in an organisation.
_ROLE_HEADS = (
    "prezes", "wiceprezes", "czlon", "sekretar", "skarbni", "przewodnicz", "wiceprzewodnicz",
    "koordynator", "dyrektor", "wicedyrektor", "kierowni", "specjalist", "wolontariusz",
    "ksiegow", "trener", "instruktor", "pelnomocni", "asystent", "pracowni", "referent",
    "animator", "pedagog", "psycholog", "opiekun", "rzeczni", "zalozyciel", "fundator", "doradc",
    "mentor", "edukator", "lider", "menedzer", "manager", "kurator", "dzialacz", "radn",
    "przedstawiciel", "reprezentant", "redaktor", "glown", "starsz", "zastep", "wspolpracowni",
    "terapeut", "prawni", "nauczyciel", "wychowaw", "ratowni", "lekarz", "pielegniar", "soltys",
    "proboszcz", "szef", "stazyst", "praktykant", "ekspert", "konsultant", "administrator",
    "president", "chair", "coordinator", "director", "volunteer", "treasurer", "secretary",
    "member", "project", "board", "druzynow", "hufcow", "komendant", "harcmistrz",
    "kapitan",
)
_NOT_ROLE = re.compile(r"^(?:tel|telefon|kom|fax|faks|e-?mail|mail|ul|al|os|www|http|nip|krs|"
                       r"regon|adres|kontakt|nr)\b", re.I)
_OBLIQUE = frozenset({"gen", "acc", "dat", "inst", "loc"})
_DIGIT_OR_AT = re.compile(r"[\d@]")
# "naszej koordynatorki", "mojego zastępcy": the pronoun is not part of the function.
_POSSESSIVE = re.compile(r"^(?:nasz|wasz|moj|swoj)(?:a|e|ego|ej|emu|ym|ych|ymi)?$")


def is_role_word(word: str) -> bool:
    return fold(word).startswith(_ROLE_HEADS)


def is_possessive(word: str) -> bool:
    return bool(_POSSESSIVE.match(fold(word)))


def feminine_only(word: str) -> bool:
    """'koordynatorkę', 'księgową': a form that can name only a woman's function."""
    options = [r for r in readings(word.lower()) if r.pos in ("subst", "adj")]
    return bool(options) and all("f" in r.genders and "m1" not in r.genders for r in options)


def _cut_organisation(words: list[str]) -> list[str]:
    """Drop a trailing organisation name: 'Prezes Zarządu Fundacji Pracownia Młodych'."""
    for i, word in enumerate(words[1:], start=1):
        if head_form(word) and i + 1 < len(words) and words[i + 1][:1].isupper():
            return words[:i]
        if word[:1] in "„\"“" or (word[:1].isupper() and i >= 1 and not _cased_role_part(word)):
            return words[:i]
    return words


def _cased_role_part(word: str) -> bool:
    """Capitalised words inside a role written in title case ('Prezes Zarządu')."""
    return any(r.pos in ("subst", "adj", "ppas", "pact")
               and (not r.names or "nazwa_pospolita" in r.names)
               for r in readings(word.lower()))


def _adjective(word: str) -> bool:
    options = [r for r in readings(word.lower()) if "sg" in r.numbers]
    return bool(options) and all(r.pos in ("adj", "pact", "ppas") for r in options)


def _to_nominative(word: str) -> tuple[str, bool]:
    """(word in the nominative, whether it was declined)."""
    lowered = word.lower()
    options = [r for r in readings(lowered) if "sg" in r.numbers
               and r.pos in ("subst", "adj", "pact", "ppas")]
    if not options or any("nom" in r.cases for r in options):
        return lowered, False
    for reading in options:
        if reading.cases & _OBLIQUE:
            if reading.pos == "subst":
                return reading.lemma.lower(), True
            gender = "f" if "f" in reading.genders else "m1"
            form = nominative_of(reading, gender)
            if form:
                return form.lower(), True
    return lowered, False


def normalise_role(raw: str | None, *, strict: bool = True) -> str | None:
    """The role as a clerk writes it; None when `raw` is not a role.

    `strict` requires a known function word at the start; tables and form fields pass False.
    """
    if not raw:
        return None
    text = " ".join(raw.replace("\u00a0", " ").split()).strip(" ,.;:–—-()")
    if not text or len(text) > 80 or _DIGIT_OR_AT.search(text) or _NOT_ROLE.match(text):
        return None
    words = text.split()
    if len(words) > 1 and is_possessive(words[0]):
        words = words[1:]
    # "prezes naszej fundacji": what follows the pronoun is the organisation.
    cut = next((i for i, word in enumerate(words) if i and is_possessive(word)), len(words))
    words = _cut_organisation(words[:cut])
    if not words or len(words) > 7:
        return None
    if head_form(words[0]):
        return None
    if strict and not is_role_word(words[0]):
        return None
    out: list[str] = []
    declined = False
    for i, word in enumerate(words):
        # The head noun declines, and so does an adjective before it ("główną księgową").
        if i == 0 or (i == 1 and _adjective(words[0]) and is_role_word(word)):
            new, changed = _to_nominative(word)
            declined = declined or changed
            out.append(new)
        else:
            out.append(word.lower())
    # A declined role drops a generic organisation noun after it ("prezesa klubu" -> "prezes").
    if declined and len(out) == 2 and out[1] in GENERIC_GENITIVES:
        out = out[:1]
    return " ".join(out) or None


# "zgłaszam swój udział … jako prezes Klubu Seniora X": the writer's own function.
_AS_ROLE = re.compile(r"(?i)\bjako\s+([^,;.()\n]{2,80}?)(?=\s*(?:[,;.()]|\s[–—-]\s|$))")
# Representing an organisation says who they speak for, not their function in it.
_NOT_FUNCTION = ("przedstawiciel", "reprezentant")


def role_after_jako(sentence: str) -> str | None:
    """The function a writer gives themself with 'jako …', in the nominative."""
    for match in _AS_ROLE.finditer(sentence):
        text = match.group(1)
        words = text.split()
        if words and is_possessive(words[0]):
            words = words[1:]
        if not words or fold(words[0]).startswith(_NOT_FUNCTION):
            continue
        role = normalise_role(" ".join(words))
        if role:
            return role
    return None
