"""Second round of reader speed-ups: the lean mail-parser header pass gives the same defects."""

from __future__ import annotations

import csv
import email.policy
from collections.abc import Callable
from pathlib import Path
from re import _parser as sre_parser  # type: ignore[attr-defined]
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from mailparser.core import MailParser

from mailbot import quotes
from mailbot.addresses import _FROM_HEADER, mailbox
from mailbot.extract import textprep
from mailbot.limits import check_limits
from mailbot.parse import _cached_address_defective, _TreeAndDefects

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DATA = Path(__file__).resolve().parent / "data"


class _Reference(MailParser):  # type: ignore[misc]
    """mail-parser's own header pass (only its unused summaries skipped), as before this round."""

    def _make_mail(self, complete: bool = True) -> dict[str, object]:
        return {}


def _outcome(cls: type[MailParser], raw: bytes) -> object:
    try:
        return sorted(cls.from_bytes(raw).defects_categories)
    except Exception as exc:
        return type(exc).__name__


def _raws() -> list[bytes]:
    raws = [p.read_bytes() for p in sorted((SHARED / "devset").glob("*.eml"))]
    for folder in ("holdout", "holdout2", "reader"):
        raws += [p.read_bytes() for p in sorted((DATA / folder).glob("*.eml"))]
    with (SHARED / "corpus" / "index.csv").open(encoding="utf-8") as handle:
        raws += [(SHARED / "corpus" / row["path"]).read_bytes() for row in csv.DictReader(handle)]
    return [raw for raw in raws if check_limits(raw) is None]


def test_lean_header_pass_equals_mail_parser_on_every_stored_message() -> None:
    raws = _raws()
    assert len(raws) > 1000
    differ = [i for i, raw in enumerate(raws)
              if _outcome(_TreeAndDefects, raw) != _outcome(_Reference, raw)]
    assert differ == []
    # The corpus holds every category the header pass can add, so the comparison means something.
    outcomes = [_outcome(_Reference, raw) for raw in raws]
    seen = {c for o in outcomes if isinstance(o, list) for c in o}
    assert {"AddressHeaderDefect", "DateHeaderDefect"} <= seen


# Pieces of header values: good and broken addresses, encoded words, raw 8-bit, dates.
_PIECES = st.sampled_from([
    "a@b.pl", "<ngo@um.krakow.pl>", "Jan Kot <jan@kot.pl>", '"Kot, Jan" <jan@kot.pl>',
    "=?utf-8?q?Pawe=C5=82?=", "=?windows-1250?q?Miros=B3aw?=", "=?utf-8?b?!!?=", "<<bad>>",
    "x@y.pl(<z@w.pl>", "Żółw", "\udcc5\udc82", ",", ";", "(c)", "<", ">", "@", " ", "\r\n\t",
    "Mon, 24 Feb 2014 07:32:14 +0100", "32 Feb 2014 25:00 +9999", "Thu, 1 Jan 1970", "-0000",
    "from mx.pl (mx.pl [1.2.3.4])", "by mx.um.krakow.pl (Postfix)", "with ESMTP id 5FF3",
    "for <ngo@um.krakow.pl>", "; ", "id", "via", "[", "]",
])
MIXED_FOLD = st.text(alphabet=st.sampled_from(
    "ąćęłńóśźżĄĆĘŁŃÓŚŹŻáàâäãåçčďéèêëěíìîïňñòôöõřšťúùûüůýÿžÁÀÂÄÃÅÇČĎÉÈÊËĚÍÌÎÏŇÑÒÔÖÕŘŠŤÚÙÛÜŮÝŽ"
    "aZ 0.İſKß\udcc5\u0301-[]^\\"), max_size=300)
_VALUES = st.lists(_PIECES, min_size=0, max_size=8).map("".join)
_NAMES = st.sampled_from(["From", "To", "Cc", "Bcc", "Reply-To", "Delivered-To", "Date",
                          "Resent-Date", "Received", "Subject"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_NAMES, _VALUES), min_size=1, max_size=6))
def test_lean_header_pass_equals_mail_parser_on_generated_headers(
        fields: list[tuple[str, str]]) -> None:
    head = "\r\n".join(f"{name}: {value}" for name, value in fields)
    raw = (head + "\r\n\r\nTreść.\r\n").encode("utf-8", "surrogateescape")
    assert _outcome(_TreeAndDefects, raw) == _outcome(_Reference, raw)
    # Read a second time (the address cache now answers): still the same.
    assert _outcome(_TreeAndDefects, raw) == _outcome(_Reference, raw)


def test_address_cache_is_small_and_answers_like_the_first_reading() -> None:
    assert _cached_address_defective("<<bad>>") is True
    assert _cached_address_defective("<<bad>>") is True
    assert _cached_address_defective("Jan Kot <jan@kot.pl>") is False
    info = _cached_address_defective.cache_info()
    assert info.maxsize is not None
    assert info.maxsize <= 64
    assert info.hits >= 1


def _registry_reading(make: Callable[[str, str], Any], raw: str) -> object:
    try:
        header = make("from", raw)
        return ([a.addr_spec for a in header.addresses], [str(d) for d in header.defects],
                str(header))
    except Exception as exc:
        return type(exc).__name__


@settings(max_examples=300, deadline=None)
@given(_VALUES)
def test_registry_class_made_once_reads_like_the_header_factory(value: str) -> None:
    raw = " ".join(value.split())
    assert _registry_reading(_FROM_HEADER, raw) == \
        _registry_reading(email.policy.default.header_factory, raw)


@settings(max_examples=300, deadline=None)
@given(_VALUES)
def test_cached_mailbox_reads_like_the_uncached_rule(value: str) -> None:
    uncached = mailbox.__wrapped__  # type: ignore[attr-defined]
    assert mailbox(value) == uncached(value)
    assert mailbox(value) == uncached(value)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("aZ 09.,ąĄłŁżŻéÉßİſKµ\u0130\u212a\xa0\t"), max_size=300))
def test_fold_ascii_path_equals_the_table(text: str) -> None:
    assert not any(key < 128 for key in textprep._FOLD)
    expected = text.translate(textprep._FOLD).lower()
    assert textprep._fold(text) == expected
    assert textprep.fold(text) == expected
    assert textprep.fold(text.encode("ascii", "ignore").decode()) == \
        text.encode("ascii", "ignore").decode().lower()


def test_attribution_patterns_need_a_colon() -> None:
    from test_read_speed import _sequence_covered

    for pattern in (quotes._WROTE, quotes._APPLE_PL):
        parsed = list(sre_parser.parse(pattern.pattern, pattern.flags))
        assert _sequence_covered(parsed, (":",))
    # The check can fail: the date pattern has no colon in every match.
    assert not _sequence_covered(list(sre_parser.parse(quotes._DATE_OR_TIME.pattern)), (":",))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("Wdniu 2014 napisał(a)wrote pisze:Przez<>@ \t"), max_size=80))
def test_attribution_precheck_changes_no_answer(text: str) -> None:
    if ":" not in text:
        assert quotes._WROTE.search(text) is None
        assert quotes._APPLE_PL.match(text) is None
        assert not quotes._is_attribution(text)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=300) | MIXED_FOLD)
def test_fold_equals_the_translation_table_on_any_text(text: str) -> None:
    assert textprep._fold(text) == text.translate(textprep._FOLD).lower()
    assert textprep.fold(text) == text.translate(textprep._FOLD).lower()
