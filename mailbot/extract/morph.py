"""The one shared morfeusz2 analyser and its readings as small frozen values."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_INSTANCE: list[Any] = []


def analyser() -> Any:
    """Build morfeusz2.Morfeusz once (it takes ~20-100 ms) and reuse it."""
    if not _INSTANCE:
        import morfeusz2

        _INSTANCE.append(morfeusz2.Morfeusz())
    return _INSTANCE[0]


@dataclass(frozen=True)
class Reading:
    """One interpretation of a word: lemma (homonym suffix removed) and its tag parts."""

    orth: str
    lemma: str
    pos: str
    numbers: frozenset[str]
    cases: frozenset[str]
    genders: frozenset[str]
    names: tuple[str, ...]
    tag: str = ""

    @property
    def is_first_name(self) -> bool:
        return "imię" in self.names

    @property
    def is_surname(self) -> bool:
        return any(n.startswith("nazwisko") for n in self.names)


def _parts(tag: str) -> tuple[str, frozenset[str], frozenset[str], frozenset[str]]:
    bits = tag.split(":")
    pos = bits[0]
    numbers: frozenset[str] = frozenset()
    cases: frozenset[str] = frozenset()
    genders: frozenset[str] = frozenset()
    if pos in ("subst", "depr", "adj", "ppas", "pact", "num") and len(bits) >= 4:
        numbers = frozenset(bits[1].split("."))
        cases = frozenset(bits[2].split("."))
        genders = frozenset(bits[3].split("."))
    return pos, numbers, cases, genders


def _reading(orth: str, lemma: str, tag: str, names: list[str]) -> Reading:
    pos, numbers, cases, genders = _parts(tag)
    return Reading(orth, lemma.split(":", 1)[0], pos, numbers, cases, genders, tuple(names), tag)


@lru_cache(maxsize=8192)
def readings(word: str) -> tuple[Reading, ...]:
    """Single-token readings of one word (empty when morfeusz does not know it)."""
    if not word or len(word) > 60 or not any(ch.isalpha() for ch in word):
        return ()
    out: list[Reading] = []
    for start, end, (orth, lemma, tag, names, _labels) in analyser().analyse(word):
        if start != 0 or end != 1 or tag == "ign":
            continue
        out.append(_reading(orth, lemma, tag, list(names)))
    return tuple(out)


@lru_cache(maxsize=2048)
def forms(lemma: str) -> tuple[Reading, ...]:
    """All generated forms of a lemma (used to decline adjectives and build name indexes)."""
    try:
        generated = analyser().generate(lemma)
    except Exception:  # morfeusz raises on lemmas it does not know
        return ()
    return tuple(_reading(orth, lem, tag, list(names))
                 for orth, lem, tag, names, _labels in generated)


def nominative_of(reading: Reading, gender: str | None = None) -> str | None:
    """The singular nominative form of an adjective/participle reading, in `gender`."""
    wanted = gender or next(iter(sorted(reading.genders)), "m1")
    for form in forms(reading.lemma):
        degree_ok = form.tag.split(":")[-1] == reading.tag.split(":")[-1] or form.pos != "adj"
        if (form.pos == reading.pos and "sg" in form.numbers and "nom" in form.cases
                and wanted in form.genders and degree_ok):
            return form.orth
    return None
