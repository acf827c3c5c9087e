"""The third audit round (issue 6): header values compared raw read the same as header objects."""

from __future__ import annotations

import email.policy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from email.feedparser import FeedParser
from email.message import Message
from email.parser import BytesParser
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import mailbot.render_audit as render_audit
from mailbot.config import EventSettings
from mailbot.errors import RenderError
from mailbot.models import Person
from mailbot.render import AnswerRequest, Renderer
from mailbot.render_audit import _PLAIN_MSG_ID, _PLAIN_TEXT, _plain, audit_bytes
from mailbot.render_wire import CRLF, header_line

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
WARSAW = ZoneInfo("Europe/Warsaw")
NOW = datetime(2014, 3, 4, 12, 35, tzinfo=WARSAW)
TEXT_NAMES = ["Subject", "In-Reply-To", "References", "Auto-Submitted", "X-Mailbot-Loop",
              "X-Auto-Response-Suppress", "Comments"]
ALL_NAMES = [*TEXT_NAMES, "Message-ID", "Date", "To", "From", "MIME-Version", "Content-Type"]


def reads_as(name: str, raw: str, value: str) -> bool:
    """What the audit asks of a header object: policy.default's own (not the audit's cached
    one) has no defects and reads, unfolded and stripped, as `value`."""
    header = email.policy.default.header_fetch_parse(name, raw)
    return not header.defects and str(header).strip() == value


def raw_forms(name: str, value: str) -> list[str]:
    """The raw values the audit may meet for `value`: as written on one line, folded onto its
    own line, and as the serialiser writes it (re-read by the compat32 parser, as audited)."""
    forms = [value, "\r\n " + value]
    try:
        line = header_line(name, value)
    except RenderError:  # a value the serialiser refuses is not written at all
        return forms
    parsed = BytesParser(policy=email.policy.compat32).parsebytes((line + CRLF + CRLF).encode())
    forms.extend(str(raw) for _, raw in parsed.raw_items())
    return forms


def check(name: str, value: str) -> int:
    """Every raw form the fast path accepts reads as the value; how many it accepted."""
    accepted = 0
    for raw in raw_forms(name, value):
        if _plain(name, raw, value):
            accepted += 1
            assert reads_as(name, raw, value), (name, raw, value)
    return accepted


# Text weighted toward what the header parsers treat specially: encoded-word marks, specials,
# whitespace of every kind, line breaks and non-ASCII.
_tricky = st.sampled_from([*"=?_qQbB<>@()[]:;,.\\\"' \t\r\n\x7fżę\x00", "=?", "?=", "=?utf-8?q?",
                          "  "])
_near = st.lists(st.one_of(_tricky, st.characters(min_codepoint=0x20, max_codepoint=0x7e)),
                 max_size=40).map("".join)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(ALL_NAMES),
       value=st.one_of(st.from_regex(_PLAIN_TEXT, fullmatch=True), _near,
                       st.from_regex(_PLAIN_MSG_ID, fullmatch=True)))
@example(name="Subject", value="a =?utf-8?q?b?=")
@example(name="In-Reply-To", value="<x=?utf-8?q?y?=@z.pl>")
@example(name="Subject", value="x" * 200)
def test_a_value_compared_raw_reads_as_itself(name: str, value: str) -> None:
    check(name, value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(TEXT_NAMES), value=st.from_regex(_PLAIN_TEXT, fullmatch=True))
def test_plain_text_is_compared_raw(name: str, value: str) -> None:
    assume("=?" not in value)
    # Not vacuous: each value in the shape is compared raw in every form it is written in.
    assert check(name, value) == len(raw_forms(name, value))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=st.from_regex(_PLAIN_MSG_ID, fullmatch=True))
@example(value="<" + "a" * 240 + "@b.pl>")
@example(value="<CAB7x9=abc.123@mail.gmail.com>")
def test_plain_message_ids_are_compared_raw(value: str) -> None:
    assert check("Message-ID", value) == len(raw_forms("Message-ID", value))
    # In-Reply-To and References are unstructured for policy.default: without "=?" the same.
    for name in ("In-Reply-To", "References"):
        assert check(name, value) == (0 if "=?" in value else len(raw_forms(name, value)))


# Every whole-minute offset a timezone may have (-23:59 .. +23:59), and a real zone.
_zones = st.one_of(st.just(WARSAW), st.integers(-1439, 1439).map(
    lambda minutes: timezone(timedelta(minutes=minutes))))
_moments = st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 30),  # noqa: DTZ001
                        timezones=_zones)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(moment=_moments)
@example(moment=datetime(2014, 3, 3, 13, tzinfo=timezone(timedelta(hours=1))))
@example(moment=datetime(2016, 2, 29, 23, 59, 59, tzinfo=UTC))
def test_formatted_dates_are_compared_raw(moment: datetime) -> None:
    value = format_datetime(moment)
    assert check("Date", value) == len(raw_forms("Date", value))


def _date_edits() -> st.SearchStrategy[str]:
    """A formatted date with one field replaced: impossible days, wrong weekdays, two-digit
    years (read as 19xx/20xx), offsets out of range, -0000 (no zone)."""
    fields = {0: ["Mon,", "Tue,", "Sun,", "Foo,"], 1: ["00", "29", "30", "31", "32", "39", "7"],
              2: ["Feb", "Apr", "Sep", "Foo"], 3: ["0050", "0999", "1000", "1900", "2100", "99"],
              4: ["24:00:00", "23:59:60", "00:00:00", "7:00:00"],
              5: ["-0000", "+0000", "+2359", "-2359", "+2400", "+0060", "+1300", "GMT", "UTC"]}
    return st.builds(
        lambda moment, field, choice: " ".join(
            [fields[field][choice % len(fields[field])] if i == field else part
             for i, part in enumerate(format_datetime(moment).split(" "))]),
        _moments, st.sampled_from(sorted(fields)), st.integers(0, 6))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_date_edits())
@example(value="Mon, 31 Feb 2014 13:00:00 +0100")
@example(value="Tue, 03 Mar 2014 13:00:00 +0100")
@example(value="Mon, 03 Mar 2014 13:00:00 -0000")
def test_edited_dates_compared_raw_read_as_themselves(value: str) -> None:
    check("Date", value)


@pytest.mark.parametrize(("name", "value"), [
    ("Subject", "Zgłoszenie"), ("Subject", "a  b"), ("Subject", " a"), ("Subject", "a\tb"),
    ("Subject", "=?utf-8?q?x?="), ("Subject", "a=?b"), ("In-Reply-To", "<x=?utf-8?q?y?=@z.pl>"),
    ("Message-ID", "<a@b"), ("Message-ID", "<a..b@c>"), ("Message-ID", "<a@[1.2.3.4]>"),
    ("Message-ID", "<\"a\"@b>"), ("Message-ID", "a@b"), ("Message-ID", "<a@b> x"),
    ("Date", "Mon, 31 Feb 2014 13:00:00 +0100"), ("Date", "Tue, 03 Mar 2014 13:00:00 +0100"),
    ("Date", "Mon, 03 Mar 0050 13:00:00 +0100"), ("Date", "Mon, 3 Mar 2014 13:00:00 +0100"),
    ("MIME-Version", "1.0"), ("To", "a@b.pl"), ("From", "a@b.pl"), ("Content-Type", "text/plain"),
])
def test_values_outside_the_shapes_build_the_header_object(name: str, value: str) -> None:
    assert not _plain(name, value, value)


def test_a_raw_value_that_differs_is_not_compared_raw() -> None:
    assert _plain("Subject", "a b", "a b")
    assert _plain("Subject", "a\r\n b", "a b")
    assert not _plain("Subject", "a b ", "a b")
    assert not _plain("Subject", "a\r\n\tb", "a b")
    assert not _plain("Subject", "a  b", "a b")
    assert not _plain("Message-ID", "\r\n\t<a@b.pl>", "<a@b.pl>")
    assert not _plain("Message-ID", "<a@b.pl>", "<a@c.pl>")


# -- the audit as a whole: the same findings with and without the raw comparison -------------

@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(TEMPLATES, EventSettings())


def _answer(renderer: Renderer) -> tuple[bytes, dict[str, str | None]]:
    """A real answer and the values its audit expects (as render.py passes them)."""
    request = AnswerRequest(
        kind="confirmation", to_addr="jan.kowalski@fundacja.org.pl", to_name="Jan Kowalski",
        in_reply_to="<CAB7x9=abc.123@mail.gmail.com>", inbound_subject="Zgłoszenie",
        organisation="Fundacja", attendees=(Person("Jan Kowalski"),),
        received_at=NOW, key="m42-confirmation-1")
    mail = renderer.answer(request, NOW)
    return mail.data, {**EXPECTED, "Subject": mail.subject}


EXPECTED: dict[str, str | None] = {
    "From": None, "To": None, "Subject": None, "Date": "Tue, 04 Mar 2014 12:35:00 +0100",
    "Message-ID": "<mailbot.m42-confirmation-1@um.krakow.pl>",
    "In-Reply-To": "<CAB7x9=abc.123@mail.gmail.com>",
    "References": "<CAB7x9=abc.123@mail.gmail.com>", "Auto-Submitted": "auto-replied",
    "X-Auto-Response-Suppress": "All", "X-Mailbot-Loop": "1", "MIME-Version": "1.0",
    "Content-Type": None}
RCPT = ["jan.kowalski@fundacja.org.pl"]


def _both(data: bytes, expected: dict[str, str | None],
          monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    fast = audit_bytes(data, expected, RCPT)
    with monkeypatch.context() as patch:
        patch.setattr(render_audit, "_plain", lambda name, raw, value: False)
        slow = audit_bytes(data, expected, RCPT)
    return fast, slow


def test_a_real_answer_is_audited_the_same(renderer: Renderer,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    data, expected = _answer(renderer)
    assert _both(data, expected, monkeypatch) == ([], [])
    # The raw comparison is used for what the serialiser writes plainly.
    seen: list[str] = []
    real = render_audit._modern_header
    monkeypatch.setattr(render_audit, "_modern_header",
                        lambda name, raw: seen.append(name) or real(name, raw))
    assert audit_bytes(data, expected, RCPT) == []
    # To in the renderer's plain shape is read by render_audit_to.plain_to (test_audit_to.py).
    assert sorted(set(seen)) == ["Content-Type", "From", "MIME-Version", "Subject"]


# (old, new, found): whether the header-object audit refuses the edit. Some edits read the same
# (policy.default recomputes the weekday, unfolds, strips, decodes an encoded word): those are
# let through by both, as before.
_HEADER_EDITS: list[tuple[bytes, bytes, bool]] = [
    (b"Tue, 04 Mar 2014", b"Wed, 04 Mar 2014", False), (b"04 Mar 2014", b"31 Feb 2014", True),
    (b"Date: Tue", b"Date:\r\n Tue", False), (b"Date: Tue", b"Date:\r\n\tTue", False),
    (b"+0100", b"-0000", True), (b"12:35:00", b"12:35:60", True), (b"2014", b"14", False),
    (b"<mailbot.m42", b"<mailbot..m42", True), (b"1@um.krakow.pl>", b"1@um.krakow.pl", True),
    (b"<mailbot.m42", b"=?utf-8?q?x?= <mailbot.m42", True), (b"<mailbot.", b"<\"mailbot\".", True),
    (b"Message-ID: <", b"Message-ID:\r\n <", False), (b"Message-ID: <", b"Message-ID: <<", True),
    (b"In-Reply-To: <CAB7x9=", b"In-Reply-To: <CAB7x9=?utf-8?q?", True),
    (b"References: <", b"References:  <", False), (b"auto-replied", b"auto-replied ", False),
    (b"auto-replied", b"auto-replied\x7f", True), (b"auto-replied", b"auto\tr", True),
    (b"X-Mailbot-Loop: 1", b"X-Mailbot-Loop: =?utf-8?q?1?=", False),
    (b"X-Mailbot-Loop: 1", b"X-Mailbot-Loop: =?utf-8?q?2?=", True), (b"All", b"All\r\n x", True),
]


@pytest.mark.parametrize(("old", "new", "found"), _HEADER_EDITS)
def test_damaged_header_values_are_found_the_same(renderer: Renderer,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  old: bytes, new: bytes, found: bool) -> None:
    data, expected = _answer(renderer)
    head, body = data.split(b"\r\n\r\n", 1)
    assert old in head
    fast, slow = _both(head.replace(old, new, 1) + b"\r\n\r\n" + body, expected, monkeypatch)
    assert fast == slow
    assert bool(fast) == found, fast


_edit = st.tuples(st.integers(0, 2000), st.integers(0, 3),
                  st.lists(_tricky | st.characters(min_codepoint=0x21, max_codepoint=0x7e),
                           max_size=4).map("".join))


@settings(max_examples=300, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(edits=st.lists(_edit, min_size=1, max_size=3))
def test_any_edit_of_the_header_block_is_found_the_same(
        renderer: Renderer, monkeypatch: pytest.MonkeyPatch,
        edits: list[tuple[int, int, str]]) -> None:
    data, expected = _answer(renderer)
    head, body = data.split(b"\r\n\r\n", 1)
    text = head.decode("ascii")
    for at, cut, insert in edits:
        at %= len(text)
        text = text[:at] + insert + text[at + cut:]
    damaged = text.encode("utf-8", "surrogateescape") + b"\r\n\r\n" + body
    fast, slow = _both(damaged, expected, monkeypatch)
    assert fast == slow


def test_the_kinds_follow_policy_defaults_registry() -> None:
    kinds = {name: render_audit._plain_kind(name.lower()) for name in ALL_NAMES}
    assert kinds["Subject"] == kinds["X-Mailbot-Loop"] == "text"
    assert kinds["Message-ID"] == "msg-id"
    assert kinds["Date"] == "date"
    assert kinds["To"] == kinds["From"] == kinds["MIME-Version"] == kinds["Content-Type"] == ""



# -- the structure parser (fed whole, _AuditPart) reads what BytesParser (8 KB pieces) reads ---

def _tree(msg: Message) -> list[object]:
    return [(part.items(), part.get_unixfrom(), part.preamble, part.epilogue,
             [type(d).__name__ for d in part.defects], part.get_default_type(),
             part.get_content_type(), part.get_boundary(),
             None if part.is_multipart() else part.get_payload()) for part in msg.walk()]


def _whole(data: bytes) -> Message:
    parser = FeedParser(render_audit._AuditPart, policy=email.policy.compat32)
    parser.feed(data.decode("ascii", "surrogateescape"))
    return parser.close()


_cut = st.tuples(st.integers(0, 20000), st.integers(0, 40), st.sampled_from([
    "", "\r\n", "\n", "\r", "--", "\r\n\r\n", "--==", "x" * 9000, "\r\n--x", "\r\n--x--\r\n",
    "Content-Type: multipart/mixed; boundary=x\r\n", "Content-Type: multipart/digest; boundary=x\r\n",
    "Content-Type: message/rfc822\r\n", "Content-Type: message/delivery-status\r\n",
    "Content-Type: text/plain\r\n", "Content-Type: multipart/alternative\r\n", "X: y\r\n",
    "From x\r\n", " folded\r\n", ":\r\n", "Content-Transfer-Encoding: base64\r\n"]))


@settings(max_examples=300, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(_cut, max_size=4))
def test_the_audit_parser_reads_as_bytesparser(renderer: Renderer,
                                               cuts: list[tuple[int, int, str]]) -> None:
    data, _ = _answer(renderer)
    text = data.decode("ascii")
    for at, cut, insert in cuts:
        at %= len(text)
        text = text[:at] + insert + text[at + cut:]
    raw = text.encode("ascii")
    assert _tree(_whole(raw)) == _tree(BytesParser(policy=email.policy.compat32).parsebytes(raw))


_CHANGES: list[Callable[[Message], object]] = [
    lambda m: m.__setitem__("Content-Type", "text/html"), lambda m: m.__delitem__("Content-Type"),
    lambda m: m.set_raw("Content-Type", "image/png"), lambda m: m.add_header("Content-Type", "a/b"),
    lambda m: m.replace_header("Content-Type", "text/csv"), lambda m: m.set_type("text/x-y"),
    lambda m: m.set_default_type("message/rfc822"), lambda m: m.set_param("x", "y"),
    lambda m: m.del_param("boundary"), lambda m: m.set_boundary("b"),
    lambda m: m.set_charset("utf-8"),
]


@pytest.mark.parametrize("change", _CHANGES)
def test_a_changed_part_reads_its_new_content_type(renderer: Renderer,
                                                   change: Callable[[Message], object]) -> None:
    data, _ = _answer(renderer)
    mine, theirs = _whole(data), BytesParser(policy=email.policy.compat32).parsebytes(data)
    for ours, plain in zip(mine.walk(), theirs.walk(), strict=True):
        assert ours.get_content_type() == plain.get_content_type()
        outcomes = []
        for target in (ours, plain):
            try:
                change(target)
                outcomes.append("")
            except Exception as exc:  # the same refusal either way (e.g. no header to replace)
                outcomes.append(type(exc).__name__)
        assert outcomes[0] == outcomes[1]
        assert ours.get_content_type() == plain.get_content_type()
        assert ours.items() == plain.items()


def test_a_new_part_reads_the_content_type_it_is_given() -> None:
    part = render_audit._AuditPart()
    assert part.get_content_type() == "text/plain"
    part.set_raw("Content-Type", "text/html")
    assert part.get_content_type() == "text/html"
    part.set_default_type("message/rfc822")
    del part["Content-Type"]
    assert part.get_content_type() == "message/rfc822"
