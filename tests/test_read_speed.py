"""The reader's speed-ups keep its answers: fast forms equal the rules they replace, caches are safe."""

from __future__ import annotations

from pathlib import Path
from re import Pattern
from re import _constants as sre_constants  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]
from typing import Any

import mailparser
from hypothesis import given, settings
from hypothesis import strategies as st
from reader_support import devset_sentences

from mailbot import textutil
from mailbot.extract import cues, readable
from mailbot.extract.orgnames import mentions
from mailbot.extract.phones import phones_in
from mailbot.extract.textprep import sentences
from mailbot.parse import _TreeAndDefects

DEVSET = Path(__file__).resolve().parents[1].parent / "shared" / "devset"
# Polish letters, C1 controls, Latin-1 and Latin Extended letters, symbols, the replacement char.
MIXED = st.text(alphabet=st.sampled_from(
    "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ abcXYZ\n\x80\x85\x9f\xa0¿³æ¶±¼ñÅ‚Ä‡Ã„”–…€©\ufffd\u2020\u2021\u2030Šжω"),
    max_size=60)


def _polish_score_reference(text: str) -> int:
    score = 0
    for ch in text:
        if ord(ch) < 0x80:
            continue
        if ch in textutil.POLISH_LETTERS:
            score += 2
        elif "\x80" <= ch <= "\x9f" or ch == "\ufffd":
            score -= 4
        elif textutil._is_rare(ch):
            score -= 2
    return score


def _garbled_reference(text: str) -> bool:
    letters = sum(1 for ch in text if ch.isalpha())
    if letters < 20:
        return False
    return sum(1 for ch in text if textutil._is_rare(ch)) * 5 > letters


def test_rare_class_is_exactly_is_rare() -> None:
    wrong = [code for code in range(0x110000)
             if (textutil._RARE.fullmatch(chr(code)) is not None) != textutil._is_rare(chr(code))]
    assert wrong == []


def test_foreign_class_is_exactly_not_ascii_nor_latin() -> None:
    wrong = [code for code in range(0x110000)
             if (readable._FOREIGN.fullmatch(chr(code)) is not None)
             != (not chr(code).isascii() and chr(code) not in readable._LATIN_OK)]
    assert wrong == []


@settings(max_examples=300, deadline=None)
@given(MIXED)
def test_polish_score_and_garbled_equal_the_per_character_rules(text: str) -> None:
    assert textutil.polish_score(text) == _polish_score_reference(text)
    long_text = text * 3
    assert textutil.garbled(long_text) == _garbled_reference(long_text)


def test_mojibake_repair_unchanged() -> None:
    assert textutil.repair_mojibake("za¿ó³æ gê¶l± ja¼ñ") == "zażółć gęślą jaźń"
    assert textutil.repair_mojibake("Grüße, René") == "Grüße, René"


# A regex's possible matches, read from its parsed form: does every match contain a word?
def _run_has_word(run: str, words: tuple[str, ...]) -> bool:
    return any(word in run for word in words)


def _sequence_covered(items: list[tuple[Any, Any]], words: tuple[str, ...]) -> bool:
    run = ""
    for op, av in items:
        if op is sre_constants.LITERAL:
            run += chr(av)
            continue
        if op is sre_constants.AT:
            continue  # zero width: the text around it is contiguous
        if _run_has_word(run, words):
            return True
        run = ""
        if op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            continue
        if _node_covered(op, av, words):
            return True
    return _run_has_word(run, words)


def _node_covered(op: Any, av: Any, words: tuple[str, ...]) -> bool:
    if op is sre_constants.SUBPATTERN:
        return _sequence_covered(list(av[-1]), words)
    if op is sre_constants.BRANCH:
        return all(_sequence_covered(list(alt), words) for alt in av[1])
    if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
        low, _, item = av
        return bool(low >= 1) and _sequence_covered(list(item), words)
    return False  # classes, categories, optional parts: no word guaranteed


def _every_match_contains(pattern: Pattern[str], words: tuple[str, ...]) -> bool:
    assert not pattern.flags & 2  # IGNORECASE would make `in` the wrong test
    return _sequence_covered(list(sre_parser.parse(pattern.pattern, pattern.flags)), words)


def test_cue_prefilter_words_cover_every_match() -> None:
    assert _every_match_contains(cues.REGISTRATION, cues.REGISTRATION_WORDS)
    assert _every_match_contains(cues.SELF, cues.SELF_WORDS)
    # The check can fail: without one needed word the patterns are not covered.
    assert not _every_match_contains(cues.REGISTRATION,
                                     tuple(w for w in cues.REGISTRATION_WORDS if w != "zamiast"))
    assert not _every_match_contains(cues.SELF, tuple(w for w in cues.SELF_WORDS if w != "bede"))


def test_cues_agree_with_their_patterns_on_devset_sentences() -> None:
    checked = 0
    for folded in devset_sentences():
        assert cues.registration_cue(folded) == cues._said(cues.REGISTRATION, folded)
        assert cues.self_cue(folded) == cues._said(cues.SELF, folded)
        checked += 1
    assert checked > 500


def test_text_cache_computes_short_texts_once_and_long_ones_always() -> None:
    calls: list[str] = []

    @textutil.text_cache(maxsize=8, max_chars=5)
    def shout(text: str) -> str:
        calls.append(text)
        return text.upper()

    assert [shout("abc"), shout("abc"), shout("abcdefgh"), shout("abcdefgh")] == \
        ["ABC", "ABC", "ABCDEFGH", "ABCDEFGH"]
    assert calls == ["abc", "abcdefgh", "abcdefgh"]


def test_cached_readers_hand_out_fresh_lists() -> None:
    line = "Zgłaszam Fundację Pomocy Sąsiedzkiej. Tel. 600 700 800. Dziękuję."
    first = sentences(line)
    first.clear()
    assert sentences(line) == ["Zgłaszam Fundację Pomocy Sąsiedzkiej.", "Tel. 600 700 800.",
                               "Dziękuję."]
    found = mentions(line)
    found.clear()
    assert [m.name for m in mentions(line)] == ["Fundacja Pomocy Sąsiedzkiej"]
    phones = phones_in(line)
    phones.append("+48111111111")
    assert phones_in(line) == ["+48600700800"]


def test_mail_parser_without_its_summaries_keeps_tree_and_defects() -> None:
    raws = [path.read_bytes() for path in sorted(DEVSET.glob("*.eml"))]
    raws.append(b"From: a@b.c\nTo: \"x\" <<bad>>\nContent-Type: multipart/mixed\n\nno boundary")
    for raw in raws:
        full = mailparser.parse_from_bytes(raw)
        lean = _TreeAndDefects.from_bytes(raw)
        assert lean.defects_categories == full.defects_categories
        assert lean.message.as_bytes() == full.message.as_bytes()


def test_head_stems_cover_every_head_word() -> None:
    from mailbot.extract.orgheads import heads
    from mailbot.extract.orgnames import HEAD_STEMS
    from mailbot.extract.textprep import fold

    forms = [fold(form) for form in heads()] + list(heads(True))
    assert forms
    assert all(any(form.startswith(stem) for stem in HEAD_STEMS) for form in forms)
    # A line without any stem has no organisation name; one with a head word keeps it.
    assert mentions("Dzień dobry, przesyłam zgłoszenie.") == []
    assert [m.name for m in mentions("W imieniu Stowarzyszenia Przyjaciół Tyńca")] == \
        ["Stowarzyszenie Przyjaciół Tyńca"]


def test_list_cache_hands_out_fresh_lists_and_skips_long_texts() -> None:
    from mailbot.textutil import list_cache

    calls: list[tuple[str, int]] = []

    @list_cache(maxsize=8, max_chars=5)
    def repeat(text: str, times: int) -> list[str]:
        calls.append((text, times))
        return [text] * times

    first = repeat("ab", 2)
    first.append("changed")
    assert repeat("ab", 2) == ["ab", "ab"]
    assert repeat("ab", 3) == ["ab", "ab", "ab"]
    assert repeat("abcdefg", 1) == repeat("abcdefg", 1) == ["abcdefg"]
    assert calls == [("ab", 2), ("ab", 3), ("abcdefg", 1), ("abcdefg", 1)]
