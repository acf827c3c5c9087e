"""The audit reads the structure from the MIME skeleton: the same findings as the full parse."""

from __future__ import annotations

import email.policy
import random
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.feedparser import FeedParser
from email.message import Message
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from digest_sample import sample_digest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from render_support import answer_request

import mailbot.render as render_module
import mailbot.render_audit as render_audit
import mailbot.render_skeleton as render_skeleton
from mailbot.config import EventSettings
from mailbot.models import Person
from mailbot.render import KINDS, AnswerRequest, Renderer

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
WARSAW = ZoneInfo("Europe/Warsaw")
NOW = datetime(2014, 3, 4, 12, 35, tzinfo=WARSAW)
_BOUNDARY = re.compile(rb'boundary="([^"]+)"')


@dataclass(frozen=True)
class Audited:
    """What render.py handed to the audit for one rendered mail."""

    data: bytes
    expected: Mapping[str, str | None]
    recipients: Sequence[str]
    content_types: Sequence[str] | None = None


def _request(kind: str, number: int, **changes: Any) -> AnswerRequest:
    return answer_request(kind, key=f"m{number}-{kind}", **changes)


def _variants() -> Iterator[dict[str, Any]]:
    yield {}
    yield {"to_name": "Łukasz Żółkiewski-Nowak", "in_reply_to": None, "attendees": ()}
    yield {"organisation": None, "attendees": tuple(Person(f"Osoba {n}") for n in range(9)),
           "inbound_subject": "-- Re: --", "to_name": None}


def render_all() -> list[Audited]:
    """Every kind of answer in a few shapes, and the digest with its XLSX, as audited."""
    seen: list[Audited] = []
    real = render_audit.audited

    def record(data: bytes, expected: Mapping[str, str | None], recipients: Sequence[str],
               content_types: Sequence[str] | None = None) -> bytes:
        seen.append(Audited(data, dict(expected), tuple(recipients), content_types))
        return real(data, expected, recipients, content_types)

    renderer = Renderer(TEMPLATES, EventSettings())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render_module, "audited", record)
        for number, changes in enumerate(_variants()):
            for kind in KINDS:
                renderer.answer(_request(kind, number, **changes), NOW)
        renderer.digest_mail(sample_digest(), ("ngo-zespol@um.krakow.pl", "a@um.krakow.pl"),
                             bytes(range(256)) * 9, NOW)
    assert len(seen) == 3 * len(KINDS) + 1
    return seen


@pytest.fixture(scope="module")
def mails() -> list[Audited]:
    return render_all()


def _both(mail: Audited, data: bytes) -> tuple[list[str], list[str]]:
    return (render_audit.audit_bytes(data, mail.expected, mail.recipients, mail.content_types),
            render_audit._audit_bytes_full(data, mail.expected, mail.recipients,
                                           mail.content_types))


def _parse(data: bytes) -> Message:
    parser = FeedParser(render_audit._AuditPart, policy=email.policy.compat32)
    parser.feed(data.decode("ascii", "surrogateescape"))
    return parser.close()


def _tree(data: bytes) -> list[tuple[object, ...]]:
    """Everything the parser says about the structure (not payloads, preambles, epilogues)."""
    return [(part.items(), part.get_unixfrom(), [type(d).__name__ for d in part.defects],
             part.get_default_type(), part.get_content_type(), part.get_boundary(),
             part.is_multipart()) for part in _parse(data).walk()]


# -- damage ------------------------------------------------------------------------------------

# Lines to put in, by what the parser makes of them.
_BOUNDARY_LIKE = ["--{b}", "--{b}--", "--{b} ", "--{b}--\t", "--{b}x", "--{b}--x", "--", "-- ",
                  "--=20", "--x: y", "--{b}: y"]
_HEADER_LIKE = ["X-Evil: 1", "Termin: 12:00", "From x", " folded", "\tfolded", ":", ": x",
                "Content-Transfer-Encoding: base64", "Content-Transfer-Encoding: quoted-printable"]
_CONTENT_TYPES = [
    "Content-Type: text/plain", "Content-Type: text/html", "Content-Type: multipart/mixed",
    'Content-Type: multipart/mixed; boundary="{b}"', 'Content-Type: multipart/x; boundary={b}',
    'Content-Type: multipart/alternative;\r\n boundary="{b}"', "Content-Type: message/rfc822",
    'Content-Type: multipart/digest; boundary="{b}"', "Content-Type: MESSAGE/RFC822",
    "Content-Type: message/delivery-status"]
_OTHER = ["", " ", "plain text", "ż", "x" * 1000]
_LINE_ENDS = ["x\r--{b}", "x\n--{b}", "X: y\nZ", "--{b}\r", "\r", "x\rX-Evil: 1", "\n\r\n"]
_GROUPS = [_BOUNDARY_LIKE, _HEADER_LIKE, _CONTENT_TYPES, _OTHER, _LINE_ENDS]


def _fill(text: str, rng: random.Random, boundaries: list[bytes]) -> bytes:
    return text.replace("{b}", rng.choice([*boundaries, b"x"]).decode("ascii")).encode("utf-8")


def _line(rng: random.Random, boundaries: list[bytes]) -> bytes:
    return _fill(rng.choice(rng.choice(_GROUPS)), rng, boundaries)


def _position(rng: random.Random, lines: list[bytes]) -> int:
    """Anywhere, or next to what the parser looks at: a "--" line, a blank line, a header."""
    anchors = [i for i, line in enumerate(lines)
               if line.startswith((b"--", b"Content-")) or not line]
    if anchors and rng.random() < 0.8:
        return max(0, min(len(lines), rng.choice(anchors) + rng.randint(-1, 2)))
    return rng.randint(0, len(lines))


def damage(data: bytes, rng: random.Random) -> bytes:
    """`data` with one to four random edits of its lines, boundaries, types and line ends."""
    boundaries = _BOUNDARY.findall(data)
    lines = data.split(b"\r\n")[:-1]
    for _ in range(rng.randint(1, 4)):
        at = _position(rng, lines)
        # Mostly lines put in or replaced: what a hostile body can do.
        edit = rng.choice((0, 0, 0, 1, 2, 2, 3, 4, 5, 6, 7))
        if edit == 0:
            lines.insert(at, _line(rng, boundaries))
        elif edit == 1 and at < len(lines):
            del lines[at]
        elif edit == 2 and at < len(lines):
            lines[at] = _line(rng, boundaries)
        elif edit == 3 and at < len(lines):
            lines.insert(at, lines[at])
        elif edit == 4 and len(boundaries) > 1:
            # One boundary for another, in one line or everywhere.
            old, new = rng.sample(boundaries, 2)
            if rng.random() < 0.5 and at < len(lines):
                lines[at] = lines[at].replace(old, new)
            else:
                lines = [line.replace(old, new) for line in lines]
        elif edit == 5:
            # A Content-Type line (at the top, of a part) for another, or none.
            types = [i for i, line in enumerate(lines) if line.startswith(b"Content-Type:")]
            if types:
                at = rng.choice(types)
                if rng.random() < 0.3:
                    del lines[at]
                else:
                    lines[at] = _fill(rng.choice(_CONTENT_TYPES), rng, boundaries)
        elif edit == 7:
            # A multipart made a digest, one Content-Type after it gone: message/rfc822 parts.
            kinds = [i for i, line in enumerate(lines) if b"multipart/" in line]
            if kinds:
                first = rng.choice(kinds)
                lines[first] = re.sub(rb"multipart/[a-z]+", b"multipart/Digest", lines[first])
                later = [i for i, line in enumerate(lines)
                         if i > first and line.startswith(b"Content-Type:")]
                if later:
                    del lines[rng.choice(later)]
        elif edit == 6 and at < len(lines):
            # A bare CR or LF, or a byte cut out, inside a line.
            line = lines[at]
            cut = rng.randint(0, len(line))
            lines[at] = line[:cut] + rng.choice([b"\r", b"\n", b"", b"\r\r", b"-"]) + \
                line[cut + rng.randint(0, 1):]
    out = b"\r\n".join(lines) + b"\r\n"
    if rng.random() < 0.05:
        out = out[:rng.randint(0, len(out))]
    return out


# -- the proof ---------------------------------------------------------------------------------

def test_undamaged_mail_passes_and_is_read_from_its_skeleton(mails: list[Audited]) -> None:
    kinds = set()
    for mail in mails:
        skeleton = render_skeleton.mime_skeleton(mail.data)
        assert len(skeleton) * 3 < len(mail.data)  # the point: most lines are not fed
        assert _tree(skeleton) == _tree(mail.data)
        assert _both(mail, mail.data) == ([], [])
        kinds.add(_tree(mail.data)[-1][4])
    assert kinds == {"text/html", "text/calendar",
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _boundary_edits(data: bytes) -> Iterator[tuple[bytes, str]]:
    """(damaged data, the problem the audit refuses it for) for broken inner boundaries."""
    inner = _BOUNDARY.findall(data)[-1]
    close = b"\r\n--" + inner + b"--\r\n"
    yield data.replace(close, b"\r\n", 1), "MIME defects"  # the close boundary lost
    yield data.replace(close, b"\r\n--" + inner + b"-\r\n", 1), "MIME defects"
    # A boundary in the middle of the text: the lines after it read as a part's headers.
    yield (data.replace(b"\r\nZ powa=C5=BCaniem\r\n", b"\r\n--" + inner + b"\r\nZ: 1\r\n", 1),
           "unexpected MIME part headers")
    # compat32 sees no defect in these two: the text part read as the preamble, or the HTML
    # part as the epilogue. Only the parts read against the parts written refuse them.
    yield data.replace(b"\r\n\r\n--" + inner, b"\r\n\r\n-" + inner, 1), "MIME parts"
    yield data.replace(b"\r\nZ powa=C5=BCaniem\r\n", close, 1), "MIME parts"


def test_a_broken_boundary_is_still_caught(mails: list[Audited]) -> None:
    mail = mails[0]
    assert mail.content_types is not None
    for data, reason in _boundary_edits(mail.data):
        assert data != mail.data
        fast, full = _both(mail, data)
        assert fast == full
        assert any(p.startswith(reason) for p in fast), fast
        if reason == "MIME parts":
            # Without the parts as written the audit had no way to see it.
            assert render_audit.audit_bytes(data, mail.expected, mail.recipients) == []


def test_every_rendered_mail_is_audited_against_the_parts_it_was_written_with(
        mails: list[Audited]) -> None:
    for mail in mails:
        assert mail.content_types is not None
        assert _tree(mail.data)[-1][4] == mail.content_types[-1]
        wrong = [*mail.content_types[:-1], "text/plain"]
        fast, full = _both(Audited(mail.data, mail.expected, mail.recipients, wrong), mail.data)
        assert fast == full
        assert any(p.startswith("MIME parts") for p in fast)


def _check(mail: Audited, data: bytes) -> tuple[bool, list[str]]:
    """The audit and the tree read the same from the skeleton; (skeleton used, problems)."""
    fast, full = _both(mail, data)
    assert fast == full, data
    skeleton = render_skeleton.mime_skeleton(data)
    assert _tree(skeleton) == _tree(data), data
    return skeleton != data, fast


@settings(max_examples=400, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, 100), seed=st.integers(0, 2**64))
def test_damaged_mail_reads_the_same_from_its_skeleton(
        mails: list[Audited], which: int, seed: int) -> None:
    # A seeded Random, not st.randoms(): its draws are far more varied (twice the findings).
    mail = mails[which % len(mails)]
    _check(mail, damage(mail.data, random.Random(seed)))


def test_the_damage_reaches_the_skeleton_and_the_findings(mails: list[Audited]) -> None:
    """Not vacuous: most damaged mail is read from its skeleton, and found wrong many ways."""
    used, findings = 0, set()
    for seed in range(300):
        rng = random.Random(seed)
        mail = mails[seed % len(mails)]
        skeleton_used, problems = _check(mail, damage(mail.data, rng))
        used += skeleton_used
        if skeleton_used:
            findings.add(tuple(re.sub(r"\d+", "N", p) for p in problems))
    assert used >= 100  # a third: the rest is read whole (bare CR, message/*, digest...)
    assert len(findings) >= 15
    assert () in findings  # some edits are harmless (a payload line changed)


@pytest.mark.parametrize("edit", [
    (b"Content-Type: text/plain", b"Content-Type: message/rfc822"),
    (b"Content-Type: text/plain", b"Content-Type: Message/Partial"),
    (b"Content-Type: multipart/alternative", b"Content-Type: multipart/DIGEST"),
    (b"\r\n\r\nSzanowni", b"\r\n\r\nSz\ranowni"), (b"\r\n\r\nSzanowni", b"\r\n\r\nSz\nanowni"),
    (b"\r\n\r\nSzanowni", "\r\n\r\nŻanowni".encode()),
])
def test_what_the_reasoning_does_not_cover_is_read_whole(mails: list[Audited],
                                                         edit: tuple[bytes, bytes]) -> None:
    data = mails[0].data.replace(*edit, 1)
    assert data != mails[0].data
    assert render_skeleton.mime_skeleton(data) is data
    cut = data[:-1]  # no CRLF at the end either
    assert render_skeleton.mime_skeleton(cut) is cut
    _check(mails[0], data)


def test_the_audit_trusts_only_its_own_line_check(mails: list[Audited]) -> None:
    # A bare CR before a boundary: the parser reads a boundary line the CRLF split cannot see.
    data = mails[0].data.replace(b"\r\nZ powa=C5=BCaniem\r\n", b"\r\nx\r--" +
                                 _BOUNDARY.findall(mails[0].data)[-1] + b"\r\nZ: 1\r\n", 1)
    assert render_skeleton.mime_skeleton(data) is data
    assert _tree(render_skeleton.mime_skeleton(data, lines_checked=True)) != _tree(data)
    fast, full = _both(mails[0], data)
    assert fast == full
    assert any(p.startswith("bare CR or LF") for p in fast)
