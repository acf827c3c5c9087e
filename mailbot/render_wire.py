"""PURE outbound wire format: answer and digest MIME serialised straight to 7-bit CRLF bytes."""

from __future__ import annotations

import base64
import functools
import itertools
import random
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from email import quoprimime
from email.charset import Charset
from email.utils import formataddr

from mailbot.errors import RenderError

# The layout, encodings and folding width are those EmailMessage(policy=SMTP) produced before
# (tests/test_render_speed.py compares both): building through the headerregistry cost ~5 ms an
# answer, this ~0.2 ms. Whatever comes out is still re-read by render_audit.audit_bytes.
FOLD = 78
CRLF = "\r\n"
_UTF8 = Charset("utf-8")
# RFC 2047: an encoded word is at most 75 characters.
_EW_MAX = 75
# Values that must go out exactly as typed (an encoded word there would break threading).
_RAW_ONLY = frozenset({"date", "message-id", "in-reply-to", "references", "mime-version"})
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,76}")
_PRINTABLE = re.compile(r"[\x20-\x7e]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,99}")
_PARAM = re.compile(r"[a-z][a-z0-9-]{0,39}")
# Boundaries in Generator._make_boundary's shape (test_speed masks them by it). They are fixed,
# not random: quoted-printable writes every "=" as "=3D" and base64 has no "-", so no body line
# can be one (checked anyway: a random one is drawn then), and the parser that re-reads every
# answer compiles a regular expression per boundary, 0.2 ms each unless it is in re's cache.
_BOUNDARIES = {"alternative": "=" * 15 + "0000000000000000001==",
               "mixed": "=" * 15 + "0000000000000000002=="}
_BOUNDARY_DIGITS = len(repr(sys.maxsize - 1))


@dataclass(frozen=True)
class Mailbox:
    """One address for From/To: `addr` already checked ASCII, `name` a display name or ""."""

    addr: str
    name: str = ""


@dataclass(frozen=True)
class Part:
    """One attachment: str content is sent as text (UTF-8), bytes as binary; both base64."""

    content: str | bytes
    maintype: str
    subtype: str
    filename: str
    params: tuple[tuple[str, str], ...] = ()


HeaderValue = str | Mailbox | tuple[Mailbox, ...]


def serialise(headers: Sequence[tuple[str, HeaderValue]], text: str, html: str,
              parts: Sequence[Part] = ()) -> bytes:
    """multipart/alternative (text + HTML), wrapped in multipart/mixed when there are parts.

    Bodies are quoted-printable, attachments base64, headers RFC 2047-encoded and folded at 78
    columns, so the message is 7-bit clean and no line nears 998 octets. RenderError when a
    header name or value cannot be written safely.
    """
    lines = [header_line(name, value) for name, value in headers]
    lines.append("MIME-Version: 1.0")
    alternative = _multipart("alternative", [
        _text_part("plain", text, mime_version=False),
        _text_part("html", html, mime_version=True),
    ])
    if parts:
        entity = _multipart("mixed", [_entity(alternative)] + [_attachment(p) for p in parts])
    else:
        entity = alternative
    lines.extend(entity[0])
    return (CRLF.join(lines) + CRLF + CRLF + entity[1]).encode("ascii")


def content_types(parts: Sequence[Part] = ()) -> tuple[str, ...]:
    """The content types `serialise` writes for `parts`, in the order a parser walks them."""
    alternative = ("multipart/alternative", "text/plain", "text/html")
    if not parts:
        return alternative
    return ("multipart/mixed", *alternative, *(f"{p.maintype}/{p.subtype}" for p in parts))


def header_line(name: str, value: HeaderValue) -> str:
    """`Name: value`, folded with CRLF + space, the value encoded where it is not plain ASCII."""
    if not _NAME.fullmatch(name):
        raise RenderError(f"bad header name {name!r}")
    if isinstance(value, Mailbox):
        return fold(name, _mailbox_words(name, value))
    if isinstance(value, tuple):
        if not value:
            raise RenderError(f"{name}: no addresses")
        words: list[str] = []
        for box in value:
            if words:
                words[-1] += ","
            words.extend(_mailbox_words(name, box))
        return fold(name, words)
    # Unstructured text keeps its first word on the first line: a fold there would be read
    # back as a leading space, and the audit compares the value exactly.
    return fold(name, _text_words(name, value), wrap_first=name.lower() in _RAW_ONLY)


def fold(name: str, words: Sequence[str], *, wrap_first: bool = True) -> str:
    """`Name: w1 w2 ...`, breaking between words so lines stay within 78 columns if they can.

    A word that does not fit starts a continuation line, the first one too when `wrap_first`.
    """
    lines: list[str] = []
    current = f"{name}:"
    for word in words:
        if len(current) + 1 + len(word) > FOLD and current.strip() and (
                wrap_first or current != f"{name}:"):
            lines.append(current)
            current = ""
        current += " " + word
    lines.append(current)
    return CRLF.join(lines)


def _normal(value: str, what: str) -> str:
    # Only single spaces between words: then splitting at spaces and folding loses nothing.
    if "  " in value or value != value.strip(" "):
        raise RenderError(f"{what}: value not whitespace-normalised: {value[:80]!r}")
    if _CONTROL.search(value):
        raise RenderError(f"{what}: control character in value: {value[:80]!r}")
    return value


def _text_words(name: str, value: str) -> list[str]:
    _normal(value, name)
    if not value:
        raise RenderError(f"{name}: empty value")
    raw_only = name.lower() in _RAW_ONLY
    if _PRINTABLE.fullmatch(value) and (raw_only or "=?" not in value):
        return value.split(" ")
    if raw_only:
        raise RenderError(f"{name} must be plain ASCII: {value[:80]!r}")
    return list(_encoded_words(value, FOLD - len(name) - 2))


@functools.lru_cache(maxsize=256)
def _encoded_words(value: str, first: int) -> tuple[str, ...]:
    """RFC 2047 encoded words of `value` in UTF-8, split on character boundaries by the stdlib;
    the first fits in `first` columns (the rest of the header's first line)."""
    budgets = itertools.chain([min(first, _EW_MAX)], itertools.repeat(_EW_MAX))
    return tuple(word for word in _UTF8.header_encode_lines(value, budgets) if word)


def _mailbox_words(name: str, box: Mailbox) -> list[str]:
    if not _PRINTABLE.fullmatch(box.addr) or " " in box.addr or box.addr.count("@") != 1:
        raise RenderError(f"not a plain address: {box.addr[:80]!r}")
    display = _normal(box.name, "display name")
    if not display:
        return [box.addr]
    if _PRINTABLE.fullmatch(display) and "=?" not in display:
        # formataddr quotes a name holding specials and escapes '"' and '\'.
        return formataddr((display, box.addr)).split(" ")
    return [*_encoded_words(display, FOLD - len(name) - 2), f"<{box.addr}>"]


Entity = tuple[list[str], str]


def _entity(entity: Entity) -> str:
    return CRLF.join(entity[0]) + CRLF + CRLF + entity[1]


def _text_part(subtype: str, text: str, *, mime_version: bool) -> str:
    # As contentmanager did for cte="quoted-printable": lines rejoined with LF, then encoded.
    body = b"\n".join(text.encode("utf-8").splitlines()) + b"\n"
    data = qp_body(body.decode("latin-1"))
    headers = [f'Content-Type: text/{subtype}; charset="utf-8"',
               "Content-Transfer-Encoding: quoted-printable"]
    if mime_version:
        # EmailMessage.add_alternative put it on the HTML part; kept so the bytes stay the same.
        headers.append("MIME-Version: 1.0")
    return _entity((headers, data))


def qp_body(body: str) -> str:
    """quoprimime.body_encode(body, FOLD, eol=CRLF), the same text, a line at a time.

    `body` holds octets as latin-1 characters. body_encode quotes, then breaks each line on its
    own: so the lines are encoded apart, by body_encode itself, and most lines of an answer
    (the layout, the event, the office) are the same in every answer: cached, 0.1 -> 0.02 ms
    for an HTML body. A line break is CRLF, CR or LF, as body_encode's splitlines reads them.
    """
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return CRLF.join([_qp_line(line) if len(line) <= _QP_CACHED else
                      quoprimime.body_encode(line, FOLD, eol=CRLF) for line in lines])


# Bounded: the layout's lines hit on every answer; names and dates miss and are evicted. Only
# lines up to 1,000 octets are kept (a digest may hold longer ones), so the cache stays < 1 MB.
_QP_CACHED = 1000


@functools.lru_cache(maxsize=256)
def _qp_line(line: str) -> str:
    return quoprimime.body_encode(line, FOLD, eol=CRLF)


def _attachment(part: Part) -> str:
    for token in (part.maintype, part.subtype, part.filename):
        if not _TOKEN.fullmatch(token):
            raise RenderError(f"unsafe attachment type or name {token!r}")
    params = []
    for key, value in part.params:
        if not _PARAM.fullmatch(key) or not _TOKEN.fullmatch(value):
            raise RenderError(f"unsafe attachment parameter {key!r}={value!r}")
        params.append(f'{key}="{value}"')
    ctype = [f"{part.maintype}/{part.subtype}"]
    if isinstance(part.content, str):
        # Text goes out with CRLF line ends, as contentmanager's embedded_body sent it.
        raw = b"\r\n".join(part.content.encode("utf-8").splitlines()) + b"\r\n"
        ctype.append('charset="utf-8"')
    else:
        raw = part.content
    ctype.extend(params)
    # MIME part headers keep their first word on the first line, as the email package did.
    headers = [fold("Content-Type", [w + ";" for w in ctype[:-1]] + ctype[-1:], wrap_first=False),
               "Content-Transfer-Encoding: base64",
               fold("Content-Disposition", ["attachment;", f'filename="{part.filename}"'],
                    wrap_first=False)]
    if params:
        # EmailMessage.set_param re-added Content-Type last; kept so the bytes stay the same.
        headers.append(headers.pop(0))
    headers.append("MIME-Version: 1.0")
    body = base64.encodebytes(raw).decode("ascii").replace("\n", CRLF)
    return _entity((headers, body))


def _multipart(subtype: str, entities: list[str]) -> Entity:
    boundary = _boundary(_BOUNDARIES[subtype], entities)
    body = (f"--{boundary}{CRLF}" + f"{CRLF}--{boundary}{CRLF}".join(entities)
            + f"{CRLF}--{boundary}--{CRLF}")
    ctype = fold("Content-Type", [f"multipart/{subtype};", f'boundary="{boundary}"'],
                 wrap_first=False)
    return [ctype], body


def _boundary(boundary: str, entities: list[str]) -> str:
    """`boundary`, or a random one when some part holds it (which encoded parts never do)."""
    while any(f"--{boundary}" in entity for entity in entities):
        boundary = "=" * 15 + f"{random.randrange(sys.maxsize):0{_BOUNDARY_DIGITS}d}" + "=="
    return boundary
