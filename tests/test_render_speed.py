"""The fast answer serialiser, audit and .ics say the same as the EmailMessage/icalendar builds."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from email.header import decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from digest_sample import sample_digest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from render_support import answer_request

import mailbot.render as render_module
from mailbot.config import EventSettings
from mailbot.digest import DigestData
from mailbot.errors import RenderError
from mailbot.render import KINDS, AnswerRequest, Renderer
from mailbot.render_audit import audit_bytes
from mailbot.render_ics import full_invitation, invitation
from mailbot.render_mime import clean_text
from mailbot.render_wire import (
    CRLF,
    FOLD,
    HeaderValue,
    Mailbox,
    Part,
    _boundary,
    header_line,
    serialise,
)

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
WARSAW = ZoneInfo("Europe/Warsaw")
NOW = datetime(2014, 3, 4, 12, 35, tzinfo=WARSAW)
BOUNDARY = re.compile(rb"={15}[0-9]+==")

HOSTILE = [
    "Łukasz Żółkiewski-Nowak", "Jan Kowalski", "Jan K. O'Brien", "Zofia ’Zosia’ Wąs",
    "Eve\r\nBcc: x@y.pl", "Eve, Mallory <m@evil.example>", "=?utf-8?q?Eve=0D=0ABcc=3A_x=40y?=",
    "Eve (comment) \u202eevil", "\x00\x07", "a" * 200, "ż" * 64, "Ż" * 30 + " " + "ą" * 30,
    "", None,
]


def reference_serialise(headers: Sequence[tuple[str, HeaderValue]], text: str, html: str,
                        parts: Sequence[Part] = ()) -> bytes:
    """The builder the renderer used before render_wire: EmailMessage(policy=SMTP).as_bytes."""
    msg = EmailMessage(policy=email.policy.SMTP)
    for name, value in headers:
        if isinstance(value, Mailbox):
            msg[name] = Address(value.name, addr_spec=value.addr)
        elif isinstance(value, tuple):
            msg[name] = tuple(Address(box.name, addr_spec=box.addr) for box in value)
        else:
            msg[name] = value
    msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    for part in parts:
        params = dict(part.params)
        if isinstance(part.content, str):
            msg.add_attachment(part.content, subtype=part.subtype, charset="utf-8",
                               cte="base64", filename=part.filename, params=params)
        else:
            msg.add_attachment(part.content, maintype=part.maintype, subtype=part.subtype,
                               filename=part.filename, params=params)
    return msg.as_bytes(policy=email.policy.SMTP)


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(TEMPLATES, EventSettings())


def request(kind: str = "confirmation", **changes: object) -> AnswerRequest:
    return answer_request(kind, **changes)


def both(renderer: Renderer, monkeypatch: pytest.MonkeyPatch,
         make: object) -> tuple[bytes, bytes]:
    """(new bytes, reference bytes) of one rendering; both went through the audit.

    Raises RenderError when both builds are refused (and fails when only one is)."""
    assert callable(make)
    outcomes: list[bytes | str] = []
    for builder in (serialise, reference_serialise):
        with monkeypatch.context() as patch:
            patch.setattr(render_module, "serialise", builder)
            try:
                outcomes.append(make().data)
            except RenderError as exc:
                outcomes.append(str(exc))
    new, old = outcomes
    if isinstance(new, str) and isinstance(old, str):
        raise RenderError(new)
    assert isinstance(new, bytes), new
    assert isinstance(old, bytes), old
    return new, old


def parse(data: bytes) -> EmailMessage:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def shape(data: bytes) -> list[object]:
    """What a policy.default reader sees: headers (decoded), then each part's headers and content."""
    msg = parse(data)
    out: list[object] = []
    for name, value in msg.items():
        if name.lower() in ("from", "to"):
            out.append((name, [a.addr_spec for a in value.addresses], mailboxes(data, name)))
        elif name.lower() == "content-type":
            out.append((name, msg.get_content_type(), sorted(
                (k, v) for k, v in msg.get_params() or [] if k != "boundary")))
        else:
            out.append((name, str(value).strip()))
    for part in msg.walk():
        assert isinstance(part, EmailMessage)
        if part is not msg:  # the top level's values are compared above
            out.append([(k, part.get_content_type() if k.lower() == "content-type" else str(v))
                        for k, v in part.items()])
        out.append(sorted((k, v) for k, v in part.get_params() or [] if k != "boundary"))
        out.append(part.get_filename())
        if not part.is_multipart():
            out.append(part.get_content())
        assert not part.defects
    return out


def mailboxes(data: bytes, name: str) -> list[tuple[str, str]]:
    """(display name, address) of a header as RFC 2047 reads it: the whitespace between two
    encoded words is dropped. (The policy.default address parser keeps it as a space, for this
    serialiser and the EmailMessage build alike, wherever a long name needs two words.)"""
    raw = email.message_from_bytes(data, policy=email.policy.compat32).get_all(name, [])
    return [(str(make_header(decode_header(display))), addr)
            for display, addr in getaddresses([str(value) for value in raw])]


def body_bytes(data: bytes) -> bytes:
    """Everything after the top-level header block, boundaries masked."""
    return BOUNDARY.sub(b"B", data.split(b"\r\n\r\n", 1)[1])


def lines(data: bytes) -> Iterator[bytes]:
    yield from data.split(b"\r\n")


# -- the answer bytes: what readers see is what the EmailMessage build gave --------------------

@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", HOSTILE)
def test_answers_read_the_same_as_the_emailmessage_build(
        renderer: Renderer, monkeypatch: pytest.MonkeyPatch, kind: str, name: str | None) -> None:
    new, old = both(renderer, monkeypatch,
                    lambda: renderer.answer(request(kind, to_name=name), NOW))
    assert shape(new) == shape(old)
    # The parts are byte for byte what they were (quoted-printable, base64, part headers).
    assert body_bytes(new) == body_bytes(old)
    assert new.isascii()
    assert new.endswith(b"\r\n")
    assert all(len(line) <= FOLD for line in lines(new))


@pytest.mark.parametrize("parent", [
    "<CAyRyCIoM4FCx783hoMYf1Mr0yEr-2fJZmITZExLYVIOscKQgR@mail.gmail.com>",
    "<" + "a" * 240 + "@b.pl>", "<x=?utf-8?q?y?=@z.pl>", None,
])
def test_threading_headers_read_the_same(renderer: Renderer, monkeypatch: pytest.MonkeyPatch,
                                         parent: str | None) -> None:
    answer = lambda: renderer.answer(request(in_reply_to=parent), NOW)  # noqa: E731
    if parent is not None and "=?" in parent:
        # Readers decode an encoded word even inside a msg-id (the audit refused the whole
        # answer): such an id is dropped, and the answer goes out without threading headers.
        data = answer().data
        assert b"In-Reply-To" not in data
        assert b"References" not in data
        assert b"=?utf-8?q?y?=" not in data
        return
    new, old = both(renderer, monkeypatch, answer)
    assert shape(new) == shape(old)
    if parent is not None:
        # Written as given (an encoded word there would be decoded by readers and break threads).
        assert f"In-Reply-To:{CRLF} {parent}".encode() in new or \
            f"In-Reply-To: {parent}".encode() in new


def test_structure_is_unchanged(renderer: Renderer) -> None:
    mixed = parse(renderer.answer(request("confirmation"), NOW).data)
    assert [p.get_content_type() for p in mixed.walk()] == [
        "multipart/mixed", "multipart/alternative", "text/plain", "text/html", "text/calendar"]
    assert [p.get("Content-Transfer-Encoding") for p in mixed.walk()][2:] == [
        "quoted-printable", "quoted-printable", "base64"]
    plain = parse(renderer.answer(request("refusal"), NOW).data)
    assert [p.get_content_type() for p in plain.walk()] == [
        "multipart/alternative", "text/plain", "text/html"]


def test_the_digest_reads_the_same(renderer: Renderer, monkeypatch: pytest.MonkeyPatch) -> None:
    data: DigestData = sample_digest()
    staff = tuple(f"osoba.numer{n}@um.krakow.pl" for n in range(6))
    new, old = both(renderer, monkeypatch,
                    lambda: renderer.digest_mail(data, staff, bytes(range(256)) * 9, NOW))
    assert shape(new) == shape(old)
    assert body_bytes(new) == body_bytes(old)
    assert [a.addr_spec for a in parse(new)["To"].addresses] == list(staff)
    # The XLSX media type alone is 79 columns (it was before, too): the limit is 998 there.
    assert all(len(line) <= FOLD for line in lines(new.split(b"\r\n\r\n", 1)[0]))
    assert all(len(line) <= 998 for line in lines(new))


# -- header encoding ---------------------------------------------------------------------------

_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=120)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_text)
def test_any_subject_decodes_to_itself(value: str) -> None:
    subject = clean_text(value, 200)
    if not subject:
        return
    line = header_line("Subject", subject)
    assert line.isascii()
    msg = parse((line + CRLF + CRLF).encode())
    assert str(msg["Subject"]) == subject
    assert not msg["Subject"].defects


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_text)
def test_any_display_name_decodes_to_itself_and_adds_no_address(value: str) -> None:
    name = clean_text(value, 100)
    line = header_line("To", Mailbox("jan@fundacja.pl", name))
    assert line.isascii()
    # Lines break between words; only a word longer than the line stands alone beyond 78.
    assert all(len(row) <= FOLD or len(row.split()) == 1 for row in line.split(CRLF)[1:])
    data = (line + CRLF + CRLF).encode()
    (address,) = parse(data)["To"].addresses
    assert address.addr_spec == "jan@fundacja.pl"
    assert mailboxes(data, "To") == [(name, "jan@fundacja.pl")]
    assert not audit_bytes(serialise([("To", Mailbox("jan@fundacja.pl", name))], "x", "y"),
                           {"To": None, "MIME-Version": "1.0", "Content-Type": None},
                           ["jan@fundacja.pl"])


@pytest.mark.parametrize(("name", "value"), [
    ("Subject", "a\r\nBcc: x@y.pl"), ("Subject", "two  spaces"), ("Subject", " lead"),
    ("Subject", ""), ("Message-ID", "<zółw@x.pl>"), ("Bad Name", "x"), ("X:Y", "x"),
])
def test_unsafe_header_values_are_refused(name: str, value: str) -> None:
    with pytest.raises(RenderError):
        header_line(name, value)


@pytest.mark.parametrize("box", [Mailbox("a@b.pl, c@d.pl"), Mailbox("a b@c.pl"), Mailbox("ab.pl"),
                                 Mailbox("a@b.pl", "x\nBcc: y")])
def test_unsafe_mailboxes_are_refused(box: Mailbox) -> None:
    with pytest.raises(RenderError):
        header_line("To", box)


@pytest.mark.parametrize("part", [
    Part(b"x", "application", "pdf", 'a".pdf'), Part(b"x", "application", "pdf", "ż.pdf"),
    Part("x", "text", "calendar", "a.ics", (("method", 'P"; x=y'),)),
    Part("x", "text", "calendar\r\nBcc: x", "a.ics"),
])
def test_unsafe_attachments_are_refused(part: Part) -> None:
    with pytest.raises(RenderError):
        serialise([("Subject", "s")], "x", "y", [part])


def test_a_boundary_found_in_a_part_is_replaced() -> None:
    fixed = "=" * 15 + "0000000000000000001=="
    assert _boundary(fixed, ["abc", "def"]) == fixed
    other = _boundary(fixed, ["x\r\n--" + fixed + "\r\ny"])
    assert other != fixed
    assert re.fullmatch(r"={15}\d+==", other)


# -- the audit still catches every kind of damage in a real answer -----------------------------

def _expected() -> dict[str, str | None]:
    return {"From": None, "To": None, "Subject": None, "Date": None,
            "Message-ID": "<mailbot.m42-confirmation-1@um.krakow.pl>",
            "In-Reply-To": "<CAB7x9=abc.123@mail.gmail.com>",
            "References": "<CAB7x9=abc.123@mail.gmail.com>", "Auto-Submitted": "auto-replied",
            "X-Auto-Response-Suppress": "All", "X-Mailbot-Loop": "1", "MIME-Version": "1.0",
            "Content-Type": None}


def test_audit_of_a_real_answer_finds_each_kind_of_damage(renderer: Renderer) -> None:
    good = renderer.answer(request(), NOW).data
    rcpt = ["jan.kowalski@fundacja.org.pl"]
    assert audit_bytes(good, _expected(), rcpt) == []
    head, body = good.split(b"\r\n\r\n", 1)
    to_line = re.search(rb"^To: [^\r\n]*", head, re.MULTILINE)
    assert to_line is not None
    damaged = {
        "extra header": head + b"\r\nBcc: eve@evil.example\r\n\r\n" + body,
        "second recipient": head.replace(to_line.group(0), b"To: jan.kowalski@fundacja.org.pl,"
                                         b" eve@evil.example") + b"\r\n\r\n" + body,
        "recipient beside a quoted address": head.replace(
            to_line.group(0), b'To: "eve@evil.example" <jan.kowalski@fundacja.org.pl>,'
            b" =?utf-8?q?x?= <eve@evil.example>") + b"\r\n\r\n" + body,
        "changed value": head.replace(b"auto-replied", b"no") + b"\r\n\r\n" + body,
        "encoded value": head.replace(b"X-Mailbot-Loop: 1", b"X-Mailbot-Loop: =?utf-8?q?2?=")
        + b"\r\n\r\n" + body,
        "header defect": head.replace(b"Message-ID: <mailbot.m42-confirmation-1@um.krakow.pl>",
                                      b"Message-ID: <mailbot.m42-confirmation-1@um.krakow.pl")
        + b"\r\n\r\n" + body,
        "defect only": head.replace(b"Content-Type: multipart/mixed;",
                                    b"Content-Type: multipart/mixed; x;") + b"\r\n\r\n" + body,
        "part header": head + b"\r\n\r\n" + body.replace(
            b"Content-Transfer-Encoding: base64", b"Content-Transfer-Encoding: base64\r\n"
            b"Content-ID: <x@y>", 1),
        "bcc in a part": head + b"\r\n\r\n" + body.replace(
            b"Content-Type: text/html;", b"Bcc: eve@evil.example\r\nContent-Type: text/html;", 1),
        "unclosed multipart": head + b"\r\n\r\n" + body[: body.rindex(b"--=")],
        "bare LF": head + b"\r\n\r\n" + body.replace(b"\r\n", b"\n", 3),
        "8-bit": head + b"\r\n\r\n" + body.replace(b"Pa=C5=84stwo", "Państwo".encode(), 1),
        "long line": head + b"\r\n\r\n" + body.replace(b"\r\n", b" " + b"x" * 1000 + b"\r\n", 1),
    }
    found = {}
    for what, data in damaged.items():
        assert data != good, what
        found[what] = audit_bytes(data, _expected(), rcpt)
        assert found[what], what
    assert "defects" in " ".join(found["defect only"])
    assert found["second recipient"] == [found["second recipient"][0]]
    assert "To holds" in found["second recipient"][0]
    assert "To holds" in " ".join(found["recipient beside a quoted address"])


# -- the invitation ----------------------------------------------------------------------------

_moment = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),  # noqa: DTZ001
                       timezones=st.sampled_from([UTC, WARSAW, timezone(timedelta(hours=-7))]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(description=st.text(max_size=400), key=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}",
                                                               fullmatch=True), now=_moment)
def test_the_invitation_is_the_whole_icalendar_build(description: str, key: str,
                                                     now: datetime) -> None:
    event = EventSettings()
    uid = f"mailbot.{key}@um.krakow.pl"
    assert (invitation(event, uid=uid, now=now, description=description)
            == full_invitation(event, uid=uid, now=now, description=description))


@pytest.mark.parametrize("event", [
    EventSettings(),
    EventSettings(name="Konferencja; z przecinkami, i \\ ukośnikiem " + "ż" * 80,
                  place="Sala 1", timezone="America/New_York", reply_from="a@b.pl",
                  reply_from_name='Biuro "NGO"'),
])
def test_the_invitation_is_the_same_for_other_events(event: EventSettings) -> None:
    for description in ("", "mailbot-description-sentinel", "DESCRIPTION:x\nUID:y"):
        assert (invitation(event, uid="mailbot.k@x.pl", now=NOW, description=description)
                == full_invitation(event, uid="mailbot.k@x.pl", now=NOW,
                                   description=description))
