"""Organisation names in running text: find 'Fundacji X' spans and put the head in the nominative."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from mailbot.extract.morph import readings
from mailbot.extract.orgheads import HeadForm, head_form, heads
from mailbot.extract.textprep import fold, has_diacritics, plain
from mailbot.textutil import text_cache

_TOKEN = re.compile(r"[„\"“”«»]|[^\W\d_]+(?:[-'’][^\W\d_]+)*|\d+|[^\w\s]")
_OPENING = "„“«"
_CLOSING = "”»"
# Lower-case words that may sit inside a name: "Kraków na Kołach", "Przyjaciół Szkół w Krakowie".
_CONNECTORS = frozenset({"z", "ze", "i", "na", "dla", "w", "we", "od", "do", "pod", "przy", "o",
                         "im", "imienia", "sw", "rzecz", "oraz", "nad", "de", "of", "the", "and"})
# Capitalised words that end a name (sentence verbs written in capitals, e-mail words).
_STOP = frozenset({"zglasza", "zglaszaja", "zglaszamy", "dziala", "prowadzi", "nie", "jest",
                   "tel", "telefon", "ul", "adres", "krs", "nip", "regon", "e-mail", "email",
                   "kom", "fax", "www", "prezes", "zarzad", "sekretariat", "biuro"})
_PRONOUNS = frozenset({"nasz", "wasz", "mój", "twój", "swój", "ten", "tamten", "który", "każdy",
                       "cały", "jakiś", "inny", "niniejszy", "powyższy", "wyżej"})
_GENDER = {"f": "f", "n": "n", "m3": "m3"}

# Adjective endings per (gender, case) and their nominative replacement.
_ADJ: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}
for _case in ("gen", "dat", "loc"):
    _ADJ[("f", _case)] = (("ej", "a"),)
for _case in ("acc", "inst"):
    _ADJ[("f", _case)] = (("ą", "a"),)
_ADJ[("n", "gen")] = (("kiego", "kie"), ("giego", "gie"), ("ego", "e"))
_ADJ[("n", "dat")] = (("kiemu", "kie"), ("giemu", "gie"), ("emu", "e"))
_ADJ[("n", "inst")] = _ADJ[("n", "loc")] = (("kim", "kie"), ("gim", "gie"), ("ym", "e"))
_ADJ[("m3", "gen")] = (("kiego", "ki"), ("giego", "gi"), ("ego", "y"))
_ADJ[("m3", "dat")] = (("kiemu", "ki"), ("giemu", "gi"), ("emu", "y"))
_ADJ[("m3", "inst")] = _ADJ[("m3", "loc")] = (("kim", "ki"), ("gim", "gi"), ("ym", "y"))


@dataclass(frozen=True)
class Mention:
    """An organisation name found in a line, already in the nominative."""

    start: int
    end: int
    name: str
    head_case_oblique: bool
    cases: frozenset[str] = frozenset()


class _Tok(NamedTuple):
    """One token of a line (a tuple: built for every word of every line searched)."""

    start: int
    end: int
    text: str


def _style(word: str, template: str) -> str:
    """Spell a replacement like the written word: capitals kept, diacritics only if used."""
    out = word if has_diacritics(template) or not has_diacritics(word) else plain(word)
    if template.isupper() and len(template) > 1:
        return out.upper()
    return out[:1].upper() + out[1:] if template[:1].isupper() else out


def _adjective_nominative(word: str, head: HeadForm) -> str | None:
    """The nominative of an adjective agreeing with an oblique head, else None."""
    folded = fold(word)
    for case in sorted(head.cases - {"nom"}):
        for suffix, replacement in _ADJ.get((head.gender, case), ()):
            if folded.endswith(fold(suffix)) and len(folded) > len(suffix) + 2:
                if suffix in ("ą",) and not word.lower().endswith("ą"):
                    continue
                if not _is_adjective(word):
                    continue
                return _style(word[: len(word) - len(suffix)] + replacement, word)
    return None


def _is_adjective(word: str) -> bool:
    # "Turystyczno-Krajoznawczego": the last part carries the case.
    options = readings(word.lower().rsplit("-", 1)[-1])
    if not options:
        return True  # unknown (e.g. without diacritics): the suffix decides
    return any(r.pos in ("adj", "pact", "ppas") and r.lemma not in _PRONOUNS for r in options)


def _left_adjective(word: str, head: HeadForm) -> str | None:
    """A capitalised adjective before the head ('Uczniowskiego Klubu'), in the nominative."""
    if not word[:1].isupper() or fold(word) in _STOP:
        return None
    options = [r for r in readings(word.lower()) if r.pos == "adj" and "sg" in r.numbers]
    if not options or any(r.lemma in _PRONOUNS for r in options):
        return None
    if not any(_GENDER[head.gender] in r.genders and r.cases & head.cases for r in options):
        return None
    if "nom" in head.cases:
        return word
    return _adjective_nominative(word, head)


def mentions(line: str) -> list[Mention]:
    """Organisation names in one line of text."""
    return list(_mentions(line))


# Every head word, folded, starts with one of these: a line whose folded text contains none of
# them has no head word (fold keeps each character's place), so it is not tokenised at all.
HEAD_STEMS = tuple(sorted({fold(form)[:4] for form in heads()} | {form[:4] for form in heads(True)}))
# The same test as one alternation of literals: it matches iff some stem occurs, and sre skips
# to the stems' first letters instead of scanning the line once per stem (~2x faster).
_HEAD_STEM = re.compile("|".join(re.escape(stem) for stem in HEAD_STEMS))


# Several extractors look for organisation names in the same lines.
@text_cache(maxsize=1024, max_chars=500)
def _mentions(line: str) -> tuple[Mention, ...]:
    folded = fold(line)
    if _HEAD_STEM.search(folded) is None:
        return ()
    tokens = [_Tok(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(line)]
    found: list[Mention] = []
    i = 0
    while i < len(tokens):
        text = tokens[i].text
        # Only a capitalised word can be a head (head_form's own first test, without the call).
        head = head_form(text) if text[:1].isupper() else None
        mention = _capture(line, tokens, i, head) if head else None
        if mention is None:
            i += 1
            continue
        found.append(mention[0])
        i = mention[1] + 1
    return tuple(found)


def _gap(line: str, left: _Tok, right: _Tok) -> str:
    return line[left.end: right.start]


def _capture(line: str, tokens: list[_Tok], i: int,
             head: HeadForm) -> tuple[Mention, int] | None:
    oblique = "nom" not in head.cases
    replaced: dict[int, str] = {i: _style(head.nominative, tokens[i].text) if oblique
                                else tokens[i].text}
    first = i
    while first - 1 >= 0 and i - first < 2 and _gap(line, tokens[first - 1], tokens[first]) == " ":
        adjective = _left_adjective(tokens[first - 1].text, head)
        if adjective is None:
            break
        first -= 1
        replaced[first] = adjective
    wrapped = first > 0 and tokens[first - 1].text in _OPENING + '"' \
        and not _gap(line, tokens[first - 1], tokens[first])
    last = i
    k = i + 1
    in_quote = False
    declining = oblique
    while k < len(tokens):
        tok = tokens[k]
        gap = _gap(line, tokens[k - 1], tok)
        if "\n" in gap or "\t" in gap or len(gap) > 2:
            break
        text = tok.text
        if text in _OPENING + _CLOSING + '"':
            if in_quote:
                in_quote = False
                last = k
            elif wrapped and text in _CLOSING + '"' and gap == "":
                break
            elif text in _OPENING + '"' and gap:
                in_quote = True
            else:
                break
        elif in_quote:
            last = k
        elif text[:1].isalpha() and (text[:1].isupper()):
            if fold(text) in _STOP:
                break
            if declining:
                adjective = _adjective_nominative(text, head)
                if adjective is not None:
                    replaced[k] = adjective
                else:
                    declining = False
            last = k
        elif text[:1].isalpha() and fold(text) in _CONNECTORS:
            declining = False
        elif text == "." and fold(tokens[k - 1].text) in ("im", "sw") and not gap:
            pass
        elif text.isdigit() and last == k - 1 and tokens[k - 1].text[:1].isupper():
            last = k
        else:
            break
        k += 1
    if last == i and first == i:
        return None
    if in_quote:
        return None
    pieces: list[str] = []
    for j in range(first, last + 1):
        if j > first:
            gap = _gap(line, tokens[j - 1], tokens[j])
            pieces.append(" " if gap.strip() == "" and gap else gap)
        pieces.append(replaced.get(j, tokens[j].text))
    name = "".join(pieces).strip()
    start = tokens[first].start
    end = tokens[last].end
    return Mention(start, end, name, oblique, head.cases), last
