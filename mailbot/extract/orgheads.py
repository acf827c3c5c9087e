"""Head words of organisation names with their singular forms: Fundacji -> Fundacja (f, gen)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from mailbot.extract.textprep import fold
from mailbot.textutil import text_cache


@dataclass(frozen=True)
class HeadForm:
    """One written form of a head word: its nominative, gender and the cases it can be."""

    nominative: str
    gender: str  # "f", "n", "m3"
    cases: frozenset[str]


# nominative, gender, then "form:cases" for the oblique forms (cases separated by '.').
_TABLE = """
Fundacja f Fundacji:gen.dat.loc Fundację:acc Fundacją:inst
Stowarzyszenie n Stowarzyszenia:gen Stowarzyszeniu:dat.loc Stowarzyszeniem:inst
Towarzystwo n Towarzystwa:gen Towarzystwu:dat Towarzystwem:inst Towarzystwie:loc
Zrzeszenie n Zrzeszenia:gen Zrzeszeniu:dat.loc Zrzeszeniem:inst
Bractwo n Bractwa:gen Bractwu:dat Bractwem:inst Bractwie:loc
Koło n Koła:gen Kołu:dat Kołem:inst Kole:loc
Centrum n
Forum n
Klub m3 Klubu:gen Klubowi:dat Klubem:inst Klubie:loc
Oddział m3 Oddziału:gen Oddziałowi:dat Oddziałem:inst Oddziale:loc
Związek m3 Związku:gen.loc Związkowi:dat Związkiem:inst
Instytut m3 Instytutu:gen Instytutowi:dat Instytutem:inst Instytucie:loc
Ośrodek m3 Ośrodka:gen Ośrodkowi:dat Ośrodkiem:inst Ośrodku:loc
Spółdzielnia f Spółdzielni:gen.dat.loc Spółdzielnię:acc Spółdzielnią:inst
Federacja f Federacji:gen.dat.loc Federację:acc Federacją:inst
Akademia f Akademii:gen.dat.loc Akademię:acc Akademią:inst
Inicjatywa f Inicjatywy:gen Inicjatywie:dat.loc Inicjatywę:acc Inicjatywą:inst
Liga f Ligi:gen Lidze:dat.loc Ligę:acc Ligą:inst
Parafia f Parafii:gen.dat.loc Parafię:acc Parafią:inst
Grupa f Grupy:gen Grupie:dat.loc Grupę:acc Grupą:inst
Caritas f
"""


def _build(folded: bool) -> dict[str, HeadForm]:
    table: dict[str, HeadForm] = {}
    for line in _TABLE.strip().splitlines():
        nominative, gender, *obliques = line.split()
        entries = [(nominative, frozenset({"nom"} if gender == "f" else {"nom", "acc"}))]
        if not obliques:
            entries = [(nominative, frozenset({"nom", "gen", "dat", "acc", "inst", "loc"}))]
        for item in obliques:
            form, names = item.split(":")
            entries.append((form, frozenset(names.split("."))))
        for form, case_set in entries:
            key = fold(form) if folded else form.lower()
            known = table.get(key)
            merged = case_set | known.cases if known and known.nominative == nominative \
                else case_set
            table[key] = HeadForm(nominative, gender, merged)
    return table


@lru_cache(maxsize=2)
def heads(folded: bool = False) -> dict[str, HeadForm]:
    """Lower-cased form -> HeadForm; `folded` keys are without diacritics (and ambiguous)."""
    return _build(folded)


@text_cache(maxsize=4096, max_chars=60)
def head_form(word: str) -> HeadForm | None:
    """The head-word reading of a capitalised word ('Fundacji'), else None."""
    if not word[:1].isupper():
        return None
    exact = heads().get(word.lower())
    if exact is not None or fold(word) != word.lower():
        return exact
    return heads(True).get(word.lower())


# Generic organisation nouns, lower case, in the genitive: "prezesa klubu" -> "prezes".
GENERIC_GENITIVES = frozenset({"klubu", "fundacji", "stowarzyszenia", "towarzystwa", "oddziału",
                               "oddzialu", "spółdzielni", "spoldzielni", "organizacji",
                               "związku", "zwiazku", "koła", "kola"})
