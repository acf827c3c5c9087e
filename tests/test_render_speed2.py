"""The second round of render shortcuts say what the code they replace says (issue 6)."""

from __future__ import annotations

import email.policy
import shutil
from datetime import UTC, date, datetime, timedelta
from email import quoprimime
from email.headerregistry import AddressHeader
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel import Locale
from babel.dates import format_date
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import ChoiceLoader, DictLoader, FileSystemLoader

from mailbot import polish
from mailbot.config import EventSettings
from mailbot.errors import RenderError
from mailbot.models import Person
from mailbot.render import KINDS, AnswerRequest, Renderer
from mailbot.render_audit import MAX_LINE, _line_problems, _modern_header
from mailbot.render_ics import full_invitation, invitation
from mailbot.render_wire import CRLF, FOLD, _qp_line, qp_body

# Octets as latin-1 characters, weighted toward what makes quoted-printable break lines oddly:
# "=", whitespace before a line end, line ends of every kind, and other splitlines separators.
_octet = st.one_of(st.sampled_from(list("a =\t\r\n\x0b\x0c\x1c\x85\xc5\xff")),
                   st.characters(min_codepoint=0, max_codepoint=255))
_lines = st.lists(st.one_of(st.text(_octet, max_size=200), st.just("x" * 74 + "=")), max_size=8)


@settings(max_examples=400, deadline=None)
@given(parts=_lines, ends=st.lists(st.sampled_from(["\n", "\r\n", "\r", ""]), min_size=8,
                                   max_size=8))
def test_qp_body_is_the_stdlib_body_encode(parts: list[str], ends: list[str]) -> None:
    body = "".join(part + end for part, end in zip(parts, ends, strict=False))
    assert qp_body(body) == quoprimime.body_encode(body, FOLD, eol=CRLF)


def test_qp_body_of_a_cached_line_is_the_same_again() -> None:
    body = "Szanowni Pa\xc5\x84stwo, " * 9 + "\n<p style=\"margin:0\">x </p>\n"
    first = qp_body(body)
    assert qp_body(body) == first == quoprimime.body_encode(body, FOLD, eol=CRLF)


def _loop(data: bytes) -> list[str]:
    """The audit's line check as it was: a Python loop over the CRLF-separated lines."""
    for number, line in enumerate(data.split(b"\r\n"), start=1):
        if b"\r" in line or b"\n" in line:
            return [f"bare CR or LF on line {number}"]
        if len(line) > MAX_LINE:
            return [f"line {number} longer than {MAX_LINE} octets"]
    return []


_piece = st.one_of(st.sampled_from([b"\r\n", b"\r", b"\n", b"\r\r\n", b"\n\r", b"x" * 999,
                                    b"x" * 998]),
                   st.binary(max_size=40))


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(_piece, max_size=12))
def test_line_check_finds_what_the_loop_found(pieces: list[bytes]) -> None:
    data = b"".join(pieces)
    assert _line_problems(data) == _loop(data)


def test_line_check_of_a_clean_message_and_of_damage() -> None:
    good = b"Subject: x\r\n\r\n" + b"y" * MAX_LINE + b"\r\n"
    assert _line_problems(good) == []
    assert _line_problems(good + b"z\n") == ["bare CR or LF on line 4"]
    assert _line_problems(good.replace(b"y\r\n", b"yy\r\n")) == [
        f"line 3 longer than {MAX_LINE} octets"]


def test_cached_day_formats_are_babels() -> None:
    zone = ZoneInfo("Europe/Warsaw")
    patterns = {polish.format_day: "d MMMM y", polish.format_weekday_day: "EEEE, d MMMM y",
                polish.format_weekday: "EEEE", polish.format_short_day: "dd.MM EEE"}
    for offset in range(0, 400, 7):
        day = date(2014, 1, 1) + timedelta(days=offset)
        moment = datetime(day.year, day.month, day.day, 23, 30, tzinfo=zone)
        for _ in range(2):  # the second round is served from the cache
            for helper, pattern in patterns.items():
                assert helper(day) == format_date(day, pattern, locale="pl")
                # An aware datetime is its own local day, not UTC's.
                assert helper(moment) == format_date(day, pattern, locale="pl")
    assert polish.format_day(date(2014, 3, 7)) == "7 marca 2014"
    assert polish.format_datetime(datetime(2014, 3, 6, 8, 15, tzinfo=zone)) == \
        "6 marca 2014, godz. 08:15"


@pytest.mark.parametrize(("name", "raw"), [
    ("To", "=?utf-8?q?=C5=81ukasz?= <l@x.pl>"), ("To", '"eve@evil.example" <a@b.pl>, c@d.pl'),
    ("to", "a@b.pl,\r\n c@d.pl"), ("From", "Biuro <biuro@um.krakow.pl"), ("Date", "Tue, 4 Mar"),
    ("Date", "Tue, 04 Mar 2014 12:35:00 +0100"), ("Message-ID", "<a@b.pl"),
    ("Message-ID", "<mailbot.m1@um.krakow.pl>"), ("In-Reply-To", "<x=?utf-8?q?y?=@z.pl>"),
    ("Subject", "=?utf-8?q?Zg=C5=82oszenie?=\r\n =?utf-8?q?_x?="), ("X-Mailbot-Loop", "1"),
    ("Content-Type", "multipart/mixed; x;"), ("MIME-Version", "2.0"), ("Subject", "\udcff"),
])
def test_header_objects_are_policy_defaults(name: str, raw: str) -> None:
    _modern_header.cache_clear()
    mine = _modern_header(name, raw)
    theirs = email.policy.default.header_fetch_parse(name, raw)
    assert type(mine).__name__ == type(theirs).__name__
    assert type(mine).__mro__[1:] == type(theirs).__mro__[1:]
    assert str(mine) == str(theirs)
    assert [type(d) for d in mine.defects] == [type(d) for d in theirs.defects]
    if isinstance(theirs, AddressHeader):
        assert isinstance(mine, AddressHeader)
        assert mine.addresses == theirs.addresses


@pytest.mark.parametrize("length", [1, 47, 48, 49, 50, 51, 99])
def test_invitation_lines_either_side_of_the_fold(length: int) -> None:
    # "UID:mailbot." + key + "@um.krakow.pl" is 74 octets for a 49-character key: the last
    # line icalendar leaves unfolded; 75 and more are folded.
    event = EventSettings()
    uid = f"mailbot.{'k' * length}@um.krakow.pl"
    for now in (datetime(2014, 3, 4, 12, 35, 7, tzinfo=UTC),
                datetime(2014, 3, 4, 12, 35, 7, 123, tzinfo=ZoneInfo("Europe/Warsaw"))):
        for _ in range(2):  # the second time from the stamp cache
            assert (invitation(event, uid=uid, now=now, description="x")
                    == full_invitation(event, uid=uid, now=now, description="x"))


def test_cached_plural_forms_are_babels() -> None:
    for _ in range(2):  # the second round is served from the cache
        for n in [*range(0, 130), 1001, 1002, 1005, 10**6 + 2]:
            category = Locale("pl").plural_form(n)
            want = {"one": "osoba", "few": "osoby"}.get(category, "osób")
            assert polish.people(n) == f"{n} {want}"
            assert polish.people(-n) == f"{-n} {want}"


def test_qp_body_of_lines_too_long_to_cache() -> None:
    body = ("ż" * 700 + " \n").encode("utf-8").decode("latin-1") * 2 + "x=" * 600
    before = _qp_line.cache_info().currsize
    _qp_line.cache_clear()
    assert qp_body(body) == quoprimime.body_encode(body, FOLD, eol=CRLF)
    assert _qp_line.cache_info().currsize == 0
    assert before <= 256


_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def _with_includes(renderer: Renderer) -> None:
    """Put the includes back where the answers use the pre-rendered event blocks."""
    overrides = {}
    for path in _TEMPLATES.glob("*.j2"):
        text = path.read_text(encoding="utf-8")
        if "event_text" in text or "event_html" in text:
            overrides[path.name] = (text.replace("{{ event_text }}\n", '{% include "_event.txt.j2" %}\n')
                                    .replace("{{ event_html }}\n", '{% include "_event.html.j2" %}\n'))
    assert len(overrides) == 6
    assert all("event_" not in text for text in overrides.values())
    env = renderer.env
    env.loader = ChoiceLoader([DictLoader(overrides), FileSystemLoader(str(_TEMPLATES))])
    env.cache = {}


@pytest.mark.parametrize("event", [
    EventSettings(), EventSettings(name='Konferencja <b>&"x"</b> ' + "ż" * 50, place="Sala <i>1</i>"),
])
def test_event_blocks_render_what_the_includes_rendered(event: EventSettings) -> None:
    fast = Renderer(_TEMPLATES, event)
    slow = Renderer(_TEMPLATES, event)
    _with_includes(slow)
    people = ((), (Person("Jan Kowalski", "prezes"), Person("<b>Anna</b>")))
    for kind in KINDS:
        for attendees in people:
            for organisation in (None, "Fundacja <&>"):
                request = AnswerRequest(
                    kind=kind, to_addr="jan@fundacja.pl", to_name="Jan", in_reply_to=None,
                    inbound_subject="Zgłoszenie", organisation=organisation, attendees=attendees,
                    received_at=datetime(2014, 3, 4, 12, 31, tzinfo=ZoneInfo("Europe/Warsaw")),
                    key=f"k-{kind}")
                new = fast._render_pair(kind, fast._answer_context(request))
                old = slow._render_pair(kind, slow._answer_context(request))
                assert new == old
                if kind in ("confirmation", "promotion", "waitlist"):
                    assert "Miejsce: " in new[1]


def test_event_templates_may_use_the_event_only(tmp_path: Path) -> None:
    shutil.copytree(_TEMPLATES, tmp_path / "t")
    event = tmp_path / "t" / "_event.txt.j2"
    event.write_text(event.read_text(encoding="utf-8") + "{{ organisation }}\n", encoding="utf-8")
    renderer = Renderer(tmp_path / "t", EventSettings())
    with pytest.raises(RenderError, match=r"_event\.txt\.j2: UndefinedError"):
        renderer._render_pair("refusal", renderer._answer_context(AnswerRequest(
            kind="refusal", to_addr="a@b.pl", to_name=None, in_reply_to=None, inbound_subject="",
            organisation=None, attendees=(), received_at=None, key="k")))
