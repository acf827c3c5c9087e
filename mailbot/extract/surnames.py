"""Surnames to the nominative: the dictionary first, then suffix rules with honest confidence."""

from __future__ import annotations

from mailbot.extract.morph import readings
from mailbot.extract.textprep import fold, has_diacritics, plain

_VOWELS = set("aąeęioóuy")
# Case names for the Polish reasons staff read.
_CASE_PL = {"nom": "mianownik", "gen": "dopełniacz", "dat": "celownik", "acc": "biernik",
            "inst": "narzędnik", "loc": "miejscownik", "voc": "wołacz"}

# (case set, suffix as folded, replacement, confidence) per gender, most specific first.
_MALE: tuple[tuple[frozenset[str], str, str, float], ...] = (
    (frozenset({"gen", "acc"}), "skiego", "ski", 0.8),
    (frozenset({"gen", "acc"}), "ckiego", "cki", 0.8),
    (frozenset({"gen", "acc"}), "dzkiego", "dzki", 0.8),
    (frozenset({"dat"}), "skiemu", "ski", 0.8),
    (frozenset({"dat"}), "ckiemu", "cki", 0.8),
    (frozenset({"inst", "loc"}), "skim", "ski", 0.8),
    (frozenset({"inst", "loc"}), "ckim", "cki", 0.8),
    (frozenset({"gen", "acc"}), "iego", "i", 0.6),
    (frozenset({"gen", "acc"}), "ego", "y", 0.6),
    (frozenset({"dat"}), "owi", "", 0.55),
    (frozenset({"inst"}), "kiem", "k", 0.55),
    (frozenset({"inst"}), "giem", "g", 0.55),
    (frozenset({"inst"}), "em", "", 0.55),
    (frozenset({"inst"}), "ą", "a", 0.55),
    (frozenset({"gen"}), "ki", "ka", 0.55),
    (frozenset({"gen"}), "gi", "ga", 0.55),
    (frozenset({"gen"}), "i", "ia", 0.5),
    (frozenset({"gen"}), "y", "a", 0.55),
    (frozenset({"acc"}), "ę", "a", 0.55),
)
_FEMALE: tuple[tuple[frozenset[str], str, str, float], ...] = (
    (frozenset({"gen", "dat", "loc"}), "skiej", "ska", 0.8),
    (frozenset({"gen", "dat", "loc"}), "ckiej", "cka", 0.8),
    (frozenset({"gen", "dat", "loc"}), "dzkiej", "dzka", 0.8),
    (frozenset({"gen", "dat", "loc"}), "owej", "owa", 0.75),
    (frozenset({"gen", "dat", "loc"}), "ej", "a", 0.45),
    (frozenset({"acc", "inst"}), "ską", "ska", 0.8),
    (frozenset({"acc", "inst"}), "cką", "cka", 0.8),
    (frozenset({"acc", "inst"}), "ą", "a", 0.7),
    (frozenset({"acc"}), "ę", "a", 0.7),
    (frozenset({"gen"}), "ki", "ka", 0.6),
    (frozenset({"gen"}), "gi", "ga", 0.6),
    (frozenset({"gen"}), "i", "ia", 0.55),
    (frozenset({"gen"}), "y", "a", 0.6),
)


def _dictionary(word: str, case: str, gender: str) -> str | None:
    found = [r.lemma for r in readings(word)
             if r.is_surname and "sg" in r.numbers and case in r.cases and gender in r.genders]
    # In an oblique case a declining reading beats an indeclinable homograph
    # (Krystyny Jandy -> Janda, not "Jandy").
    declined = [lemma for lemma in found if lemma != word]
    choice = declined or found
    # Between homographs (Mazurowi: Mazur or Mazuro) the shorter, consonant-stem lemma is the
    # common Polish surname.
    return min(choice, key=len) if choice else None


def _part(word: str, case: str, gender: str) -> tuple[str, float, str]:
    cased = word[:1].upper() + word[1:].lower() if word.isupper() or word.islower() else word
    if case in ("nom", "voc"):
        surnames = [r for r in readings(cased) if r.is_surname and "sg" in r.numbers]
        if any(case in r.cases and gender in r.genders for r in surnames):
            return cased, 0.95, "nazwisko w mianowniku, jak w wiadomości"
        if surnames:
            # Known only in another case: probably declined, not a nominative.
            return cased, 0.6, "nazwisko wygląda na odmienione; zapisano jak w wiadomości"
        return cased, 0.9, "nazwisko w mianowniku, jak w wiadomości"
    lemma = _dictionary(cased, case, gender)
    if lemma:
        if not has_diacritics(cased) and has_diacritics(lemma):
            lemma = plain(lemma)
        return lemma, 0.95, f"nazwisko ze słownika ({_CASE_PL.get(case, case)})"
    folded = fold(cased)
    rules = _FEMALE if gender == "f" else _MALE
    for cases, suffix, replacement, confidence in rules:
        if case in cases and folded.endswith(fold(suffix)) and len(folded) > len(suffix) + 1:
            # Diacritics-free text gets a diacritics-free replacement ("Koziela" stays plain).
            stem = cased[: len(cased) - len(suffix)]
            return stem + replacement, confidence, f"nazwisko spoza słownika: reguła końcówki -{suffix}"
    if gender == "f" and folded[-1:] not in _VOWELS:
        # Feminine surnames ending in a consonant do not decline (Pani Ewy Mazur).
        return cased, 0.8, "nazwisko żeńskie zakończone spółgłoską: nieodmienne"
    if gender == "m1" and case in ("gen", "acc") and folded.endswith("a") and len(folded) > 3:
        stem = cased[:-1]
        # A consonant cluster before -a often hides an inserted vowel (Dudka -> Dudek).
        clean = fold(stem)[-2:-1] in _VOWELS
        return stem, 0.55 if clean else 0.45, "nazwisko spoza słownika: odcięto końcówkę -a"
    if gender == "f" and case in ("gen", "dat", "loc", "acc", "inst") and folded.endswith("a"):
        # Written without diacritics, -ą/-ę/-a forms look nominative already.
        return cased, 0.6, "nazwisko spoza słownika; zapisano jak w wiadomości"
    return cased, 0.45, f"nazwisko spoza słownika; niepewna odmiana ({_CASE_PL.get(case, case)})"


def decline_surname(word: str, case: str, gender: str) -> tuple[str, float, str]:
    """(nominative surname, confidence, reason); hyphenated surnames decline part by part."""
    pieces = [p for p in word.split("-") if p]
    if not pieces:
        return word, 0.3, "puste nazwisko"
    results = [_part(p, case, gender) for p in pieces]
    name = "-".join(r[0] for r in results)
    worst = min(results, key=lambda r: r[1])
    return name, worst[1], worst[2]
