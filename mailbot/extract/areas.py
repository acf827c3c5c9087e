"""Fields of activity the organisation states for itself, as contract codes in contract order."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from mailbot.extract.forms import Field
from mailbot.extract.orgnames import mentions
from mailbot.extract.textprep import fold, sentences
from mailbot.models import AREA_CODES
from mailbot.textutil import text_cache

# Folded word stems per code. Beneficiary groups (seniorzy, osoby z niepełnosprawnościami)
# are deliberately absent: "zajęcia sportowe dla seniorów" states sport, not social welfare.
_STEMS: dict[str, tuple[str, ...]] = {
    "culture": ("kultur", "sztuk", "teatr", "muzyk", "muzycz", "muzea", "muzeum", "muzealn",
                "artyst", "plastyczn", "literac", "literatur", "filmow", "dziedzictw",
                "folklor", "rekodziel", "tanecz", "taniec", "spiew", "cultur", "art "),
    "social_welfare": ("pomoc spoleczn", "pomocy spoleczn", "pomoca spoleczn", "pomoc socjaln",
                       "opieki spoleczn", "opieka spoleczn", "bezdomn", "wykluczen", "ubostw",
                       "integracji spoleczn", "dobroczyn", "charytatywn", "social welfare",
                       "social care", "homeless"),
    "education": ("edukac", "szkol", "oswiat", "nauczan", "wychowa", "dydakty", "przedszkol",
                  "korepetycj", "ksztalc", "pedagogi", "educat"),
    "sport": ("sport", "plyw", "rekreac", "pilk", "biegow", "biegan", "rower", "kolarst",
              "gimnasty", "fitnes", "lekkoatlet", "wspinacz", "narciar", "zeglar", "turystyk"),
    "entrepreneurship": ("przedsiebiorcz", "ekonomii spoleczn", "ekonomia spoleczn", "biznes",
                         "startup", "entrepreneur", "wlasne firm", "wlasnej firm", "zakladani firm",
                         "dzialalnosci gospodarcz", "dzialalnosc gospodarcz"),
    "health": ("zdrow", "profilakty", "medyc", "leczen", "rehabilit", "terapi", "psychiatr",
               "onkolog", "uzaleznien", "hospic", "health"),
    "environment": ("ekolog", "srodowisk", "przyrod", "zielen", "klimat", "recykl", "odpad",
                    "environment"),
}
# One alternation per code: it matches where any of the code's stems starts a word.
_CODE_PATTERNS = tuple(
    (code, re.compile(r"(?<![a-z])(?:" + "|".join(re.escape(stem) for stem in stems) + ")"))
    for code, stems in _STEMS.items())
_OTHER = re.compile(r"(?:^|[\s,;])inne(?:$|[\s,;.])")
# A clause that describes what the organisation does.
_ACTIVITY = re.compile(r"\bdzial(?:a|amy|aja|ajac\w*|alnos\w*)\b|\bzajmuj\w*|\bprowadz\w*|"
                       r"\borganizuj\w*|\bwspiera\w*|\bpromuj\w*|\bdbamy\b|\bdba\b|\bna rzecz\b|"
                       r"\bw obszarze\b|\bw zakresie\b|\bspecjalizuj\w*|\bskupiamy\b|\bpomagamy\b|"
                       r"\brealizuj\w*|\bwe work\b|\bactive in\b")
# Clauses about the conference or the sender's registration say nothing about the organisation.
_OFF_TOPIC = re.compile(r"konferencj|zaprosz|zglasz|zglosz|rejestr|wspolnie dla krakowa|"
                        r"udzial\w* w|uczestni")
_SPLIT = re.compile(r"\s[–—-]\s|;|\(|\)")
_DASH = re.compile(r"\s[–—-]\s")


def codes_in(text: str) -> set[str]:
    folded = " " + fold(text) + " "
    return {code for code, pattern in _CODE_PATTERNS if pattern.search(folded)}


@text_cache(maxsize=512, max_chars=500)
def _without_names(line: str) -> str:
    """Blank organisation names: 'Stowarzyszenie Seniorów …' says nothing about its areas."""
    out = line
    for mention in mentions(line):
        out = out[: mention.start] + " " * (mention.end - mention.start) + out[mention.end:]
    return out


def find_areas(lines: Sequence[str], fields: Sequence[Field], organisation: str | None) -> \
        tuple[str, ...]:
    """Codes the organisation states (form field, or descriptive clauses), in contract order."""
    found: set[str] = set()
    for item in fields:
        if item.key == "areas":
            found |= codes_in(item.value)
            if _OTHER.search(fold(item.value)):
                found.add("other")
    org_folded = fold(organisation or "")
    for line in lines:
        if len(line) <= _CACHED_LINE_CHARS:
            found |= _cached_line_codes(line, org_folded)
        else:
            found |= _line_codes(line, org_folded)
    return tuple(code for code in AREA_CODES if code in found)


# Lines recur (signatures, quoted notices, a backlog's common phrases); each is read once.
_CACHED_LINE_CHARS = 500


@lru_cache(maxsize=512)
def _cached_line_codes(line: str, org_folded: str) -> frozenset[str]:
    return frozenset(_line_codes(line, org_folded))


def _line_codes(line: str, org_folded: str) -> set[str]:
    """Codes one line states about the organisation (`org_folded`: its folded name, or "")."""
    found: set[str] = set()
    text = _without_names(line)
    # Whether the line opens with the organisation's name is the same for each sentence.
    line_opens = bool(org_folded) and fold(line).lstrip(" -•*").startswith(org_folded)
    for sentence in sentences(text):
        folded = fold(sentence)
        starts_with_org = line_opens and bool(_DASH.search(sentence))
        if not _ACTIVITY.search(folded) and not starts_with_org:
            continue
        # Split only the sentences that may state an area (most do not).
        clauses = [c for c in _SPLIT.split(sentence) if c.strip()]
        for clause in clauses:
            if _OFF_TOPIC.search(fold(clause)):
                continue
            if _ACTIVITY.search(fold(clause)) or starts_with_org or len(clauses) > 1:
                found |= codes_in(clause)
    return found
