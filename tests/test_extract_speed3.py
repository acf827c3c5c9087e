"""The extract stage's faster forms find exactly what the plain rules find (issue 6, round 3)."""

from __future__ import annotations

import re
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from reader_support import DEVSET, devset_sentences
from test_read_speed import _every_match_contains

from mailbot.extract import cues, forms, ids, organisation, orgnames, phones, readable, sender
from mailbot.extract.textprep import fold, fold_lines


# The characters a match can start with, read from the parsed pattern (None: any character).
def _first_of_sequence(items: list[tuple[Any, Any]]) -> tuple[set[str] | None, bool]:
    """(possible first characters, whether the sequence can match the empty string)."""
    out: set[str] = set()
    for op, av in items:
        if op in (sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            continue  # zero width: the next item consumes the first character
        first, empty = _first_of_node(op, av)
        if first is None:
            return None, False
        out |= first
        if not empty:
            return out, False
    return out, True


def _first_of_node(op: Any, av: Any) -> tuple[set[str] | None, bool]:
    if op is sre_constants.LITERAL:
        return {chr(av)}, False
    if op is sre_constants.IN:
        chars: set[str] = set()
        for kind, value in av:
            if kind is sre_constants.LITERAL:
                chars.add(chr(value))
            elif kind is sre_constants.RANGE:
                chars |= {chr(c) for c in range(value[0], value[1] + 1)}
            else:
                return None, False  # categories, negation: not a finite set we read
        return chars, False
    if op is sre_constants.SUBPATTERN:
        return _first_of_sequence(list(av[-1]))
    if op is sre_constants.BRANCH:
        chars = set()
        empty = False
        for alternative in av[1]:
            first, alt_empty = _first_of_sequence(list(alternative))
            if first is None:
                return None, False
            chars |= first
            empty = empty or alt_empty
        return chars, empty
    if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
        low, _, item = av
        first, empty = _first_of_sequence(list(item))
        return first, empty or low == 0
    return None, False


def _starts_covered(pattern: re.Pattern[str], first: str) -> bool:
    """Every match of `pattern` starts with a character of `first` (and none is empty)."""
    assert not pattern.flags & re.IGNORECASE  # the class would need both cases
    chars, empty = _first_of_sequence(list(sre_parser.parse(pattern.pattern, pattern.flags)))
    return chars is not None and not empty and chars <= set(first)


_SCANNERS = [(cues.REGISTRATION, cues.REGISTRATION_SCAN), (cues.SELF, cues.SELF_SCAN),
             (cues.QUESTION, cues.QUESTION_SCAN), (cues.EVENT, cues.EVENT_SCAN),
             (cues.CANCELLATION, cues.CANCELLATION_SCAN)]


def _lookahead_class(scanner: re.Pattern[str]) -> str:
    match = re.match(r"\(\?=\[([^\]]+)\]\)\(\?:", scanner.pattern)
    assert match is not None
    return match.group(1)


def test_scanners_look_ahead_for_every_possible_first_character() -> None:
    for pattern, scanner in _SCANNERS:
        assert scanner.pattern.endswith("(?:" + pattern.pattern + ")")
        assert scanner.flags == pattern.flags
        assert _starts_covered(pattern, _lookahead_class(scanner))
    # The check can fail: a class without one needed letter does not cover the pattern.
    assert not _starts_covered(cues.REGISTRATION, "bcdioprw")
    assert not _starts_covered(cues.SELF, "abcijmoprw")
    assert not _starts_covered(re.compile(r"a?"), "a")


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


_WORDS = ["zglaszam", "zglaszamy", "siebie", "sie", "nie", "bede", "obecna", "udzial", "w",
          "konferencji", "zapisac", "chcemy", "czy", "prosze", "o", "informacje", "?", "pan",
          "pani", "zamiast", "wezme", "przyjde", "ja", "oraz", "register", "myself", "i",
          "will", "attend", "potwierdzam", "moj", "reprezentowac", "rejestr", "wydarzenie",
          "rezygnujemy", "nikt", "przyjdzie", "odwolujemy", "nasze", "zgloszenie", "z", "listy",
          "wykreslenie", "cancel", "our", "registration", "mozemy", "wziac", "udzialu"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=14),
       st.lists(st.sampled_from([" ", " ", ", ", ". ", ""]), min_size=14, max_size=14))
def test_scanners_find_the_same_matches(words: list[str], gaps: list[str]) -> None:
    text = "".join(word + gap for word, gap in zip(words, gaps[: len(words)], strict=True))
    for pattern, scanner in _SCANNERS:
        assert _spans(scanner, text) == _spans(pattern, text)


def test_scanners_find_the_same_matches_in_devset_sentences() -> None:
    checked = 0
    for folded in devset_sentences():
        for pattern, scanner in _SCANNERS:
            assert _spans(scanner, folded) == _spans(pattern, folded)
        checked += 1
    assert checked > 500


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdefgiklnoprstuwyz ", max_size=60))
def test_head_stem_pattern_is_the_substring_test(text: str) -> None:
    expected = any(stem in text for stem in orgnames.HEAD_STEMS)
    assert (orgnames._HEAD_STEM.search(text) is not None) == expected
    for stem in orgnames.HEAD_STEMS:
        assert orgnames._HEAD_STEM.search(text + stem) is not None


def test_cancellation_prefilter_words_cover_every_match() -> None:
    assert _every_match_contains(cues.CANCELLATION, cues.CANCELLATION_WORDS)
    assert not _every_match_contains(
        cues.CANCELLATION, tuple(w for w in cues.CANCELLATION_WORDS if w != "z listy"))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=" \t\xa0\x00|ab\u2003", max_size=12))
def test_cell_gap_says_when_a_line_has_two_cells(line: str) -> None:
    two = "|" in line or forms._CELL_GAP.search(line) is not None
    assert two == (len(forms._cells(line)) >= 2)


def test_cell_gap_examples() -> None:
    assert forms._CELL_GAP.search("Imię i nazwisko  Funkcja")
    assert forms._CELL_GAP.search("Imię\tFunkcja")
    assert not forms._CELL_GAP.search("  Jan Kowalski, prezes  ")


@settings(max_examples=500, deadline=None)
@given(st.from_regex(readable._WORD, fullmatch=True))
def test_ascii_lower_tail_words_are_never_odd(word: str) -> None:
    if word.isascii() and word[1:].islower():
        assert not readable._odd(word)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="aAbZąĄ", min_size=2, max_size=8))
def test_ascii_lower_tail_shortcut_on_mixed_words(word: str) -> None:
    if word.isascii() and word[1:].islower():
        assert not readable._odd(word)


def _label_free(pattern: re.Pattern[str], letter: str) -> re.Pattern[str]:
    """The id pattern as it was, without the lookahead for its first letter."""
    assert pattern.pattern.startswith(f"(?={letter})(?<![\\w]){letter}")
    return re.compile(pattern.pattern.removeprefix(f"(?={letter})"), pattern.flags)


_IDS = [(ids._KRS, "K"), (ids._NIP, "N"), (ids._REGON, "R")]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["KRS", "krs", "NIP", "nip", "REGON", "Regon", "PL", "nr", ":",
                                 " ", "\t", "-", "1", "5", "0000123456", "x", "\u212a", "\n"]),
                max_size=16))
def test_id_patterns_find_what_they_found_without_the_lookahead(parts: list[str]) -> None:
    text = "".join(parts)
    for pattern, letter in _IDS:
        plain = _label_free(pattern, letter)
        assert [m.groups() + m.span() for m in pattern.finditer(text)] == \
            [m.groups() + m.span() for m in plain.finditer(text)]


def test_id_patterns_on_devset_text() -> None:
    found = 0
    for path in sorted(DEVSET.glob("*.eml")):
        text = path.read_bytes().decode("utf-8", "replace")
        for pattern, letter in _IDS:
            spans = [m.span() for m in pattern.finditer(text)]
            assert spans == [m.span() for m in _label_free(pattern, letter).finditer(text)]
            found += len(spans)
    assert found > 0


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="Ab ,|;–-\t5+(@.e", max_size=24))
def test_name_end_search_is_where_the_first_split_ends(text: str) -> None:
    match = sender._NAME_END.search(text)
    assert sender._NAME_END.split(text)[0] == (text[: match.start()] if match else text)
    assert match is None or match.end() > match.start()


def test_polish_numbers_read_without_parse_as_parse_reads_them() -> None:
    import random

    import phonenumbers

    rng = random.Random(6)
    checked = valid = 0
    # Every three-digit prefix (validity follows the numbering plan's leading digits).
    for prefix in range(100, 1000):
        for _ in range(3):
            candidate = f"+48{prefix}{rng.randrange(10**6):06d}"
            fast = phones._e164(candidate)
            assert fast == phones._parsed_e164(candidate)
            assert fast is None or phonenumbers.parse(candidate, None) == \
                phonenumbers.PhoneNumber(country_code=48, national_number=int(candidate[3:]))
            checked += 1
            valid += fast is not None
    assert checked == 2700
    assert 0 < valid < checked
    # Not the fast path: another country, a leading zero, other lengths, non-ASCII digits.
    for candidate in ("+4912345678901", "+48012345678", "+4860070080", "+48600700800\u0661",
                      "+48\u0666\u0660\u0660700800", "+1 202 555 0143"):
        assert phones._e164(candidate) == phones._parsed_e164(candidate)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.text(alphabet="AaΣσςİIıąĄŁł'.\u0301 \n\u2028", max_size=8), max_size=6))
def test_fold_lines_is_the_fold_of_the_joined_text(lines: list[str]) -> None:
    assert fold_lines(lines) == fold("\n".join(lines))


def test_fold_lines_keeps_the_final_sigma_rule_at_line_ends() -> None:
    assert fold_lines(["ΑΣ", "'Β"]) == fold("ΑΣ\n'Β") == "ας\n'β"


def test_group_quote_needs_an_opening_quote() -> None:
    opening = re.search(r"\[([^\]]+)\]\(\[", organisation._GROUP_QUOTE.pattern)
    assert opening is not None
    assert set(opening.group(1).replace("\\", "")) == set(organisation._OPENING_QUOTES)
    assert all(mark.lower() == mark.upper() for mark in organisation._OPENING_QUOTES)
    assert organisation._GROUP_QUOTE.search('grupa „Seniorzy z Nowej Huty”')


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["grupa", "Grupa", "FUNDACJA", "klub", " ", "„", "”", "\"", "“",
                                 "Seniorzy", "x", "\n"]), max_size=10))
def test_group_quote_prefilter_keeps_every_match(parts: list[str]) -> None:
    line = "".join(parts)
    if organisation._GROUP_QUOTE.search(line):
        assert any(mark in line for mark in organisation._OPENING_QUOTES)
