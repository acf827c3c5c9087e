"""PURE outbound MIME: the text sanitiser, safe header values, and the serialise-then-audit step."""

from __future__ import annotations

import email.policy
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses

from mailbot.errors import RenderError

# C0 and C1 controls, DEL, line/paragraph separators, bidi embeddings/overrides/isolates and marks:
# each can break a header, forge a log line or make a name display differently from what it is.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ufeff]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")

# RFC 5322 dot-atom local part (ASCII only: we do not speak SMTPUTF8) and an LDH host name.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})+")
# A msg-id we are willing to echo in In-Reply-To/References (reliability.md §4.1).
_MSG_ID = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]{1,250}>")
# A key becomes part of our Message-ID and the .ics UID, so only boring characters.
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
# Header-name lines in a raw header block: an independent view that does not trust the parser.
_RAW_NAME = re.compile(rb"^([\x21-\x39\x3b-\x7e]+):", re.MULTILINE)

MAX_LINE = 998
_PART_HEADERS = frozenset(
    {"content-type", "content-transfer-encoding", "content-disposition", "mime-version"}
)


def clean_text(value: object, limit: int = 200) -> str:
    """Mail-derived text made safe for a header, body, digest, export or log line.

    Strips controls (C0, C1, DEL), U+2028/2029 and bidi controls, replaces lone surrogates (from
    surrogateescape decoding), collapses whitespace and caps the length with an ellipsis.
    """
    if value is None:
        return ""
    text = _SURROGATE.sub("\ufffd", str(value))
    text = _UNSAFE.sub(" ", unicodedata.normalize("NFC", text[: limit * 4 + 64]))
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: max(limit - 1, 0)].rstrip() + "…"
    return text


def safe_display_name(name: str | None, limit: int = 64) -> str | None:
    """A person's name fit for a To: display name, or None (then the bare address is used).

    Only letters, spaces, dots, hyphens and apostrophes pass: anything else (":", "@", ",", "<",
    quotes, parentheses) is what header-injection and address-confusion tricks are made of.
    """
    cleaned = clean_text(name, limit=limit + 1)
    if not cleaned or len(cleaned) > limit:
        return None
    if not all(ch.isalpha() or ch in " .-'’" for ch in cleaned):
        return None
    return cleaned if any(ch.isalpha() for ch in cleaned) else None


def safe_msg_id(value: str | None) -> str | None:
    """The inbound Message-ID when it is one safe `<...>` token, else None (then it is dropped)."""
    if value is None:
        return None
    candidate = value.strip()
    return candidate if _MSG_ID.fullmatch(candidate) else None


def safe_key(key: str) -> str:
    """The lead's deterministic key, checked; RenderError when it holds anything unusual."""
    if not _KEY.fullmatch(key):
        raise RenderError(f"unsafe answer key {key!r}: use letters, digits, '.', '_' or '-'")
    return key


def ascii_address(addr: str) -> str:
    """`local@domain` in ASCII (IDN domains punycoded); RenderError when not one plain address."""
    if not isinstance(addr, str) or addr != addr.strip() or addr.count("@") != 1:
        raise RenderError(f"not a single plain address: {clean_text(addr, 80)!r}")
    local, domain = addr.rsplit("@", 1)
    try:
        domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise RenderError(f"bad domain in address {clean_text(addr, 80)!r}") from exc
    if len(local) > 64 or not _LOCAL.fullmatch(local) or not _DOMAIN.fullmatch(domain):
        raise RenderError(f"not a plain ASCII address: {clean_text(addr, 80)!r}")
    return f"{local}@{domain}"


@dataclass(frozen=True)
class Part:
    """One attachment: str content is sent as text (UTF-8), bytes as binary; both base64."""

    content: str | bytes
    maintype: str
    subtype: str
    filename: str
    params: tuple[tuple[str, str], ...] = ()


def build_message(headers: Sequence[tuple[str, str | Address | tuple[Address, ...]]],
                  text: str, html: str, parts: Sequence[Part] = ()) -> EmailMessage:
    """multipart/alternative (text + HTML), wrapped in multipart/mixed when there are parts.

    Bodies are quoted-printable so the message is 7-bit clean and no line nears 998 octets.
    """
    msg = EmailMessage(policy=email.policy.SMTP)
    for name, value in headers:
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
    return msg


def serialise_and_audit(msg: EmailMessage, expected: Mapping[str, str | None],
                        recipients: Sequence[str]) -> bytes:
    """The SMTP bytes of `msg`, after re-parsing them and checking every header (§3.4).

    `expected` maps each top-level header name to its exact value, or None when only its
    presence is checked. `recipients` are the ASCII addresses To must hold, nothing more.
    """
    try:
        data = msg.as_bytes(policy=email.policy.SMTP)
    except Exception as exc:  # the generator refusing a header is itself an audit failure
        raise RenderError(f"cannot serialise the answer: {type(exc).__name__}: {exc}") from exc
    problems = audit_bytes(data, expected, recipients)
    if problems:
        raise RenderError("outbound header audit failed: " + "; ".join(problems))
    return data


def audit_bytes(data: bytes, expected: Mapping[str, str | None],
                recipients: Sequence[str]) -> list[str]:
    """Everything wrong with serialised answer bytes (empty when they may be sent)."""
    problems: list[str] = []
    if not data.isascii():
        problems.append("non-ASCII octets")
    if not data.endswith(b"\r\n"):
        problems.append("does not end with CRLF")
    for number, line in enumerate(data.split(b"\r\n"), start=1):
        if b"\r" in line or b"\n" in line:
            problems.append(f"bare CR or LF on line {number}")
            break
        if len(line) > MAX_LINE:
            problems.append(f"line {number} longer than {MAX_LINE} octets")
            break
    head = data.split(b"\r\n\r\n", 1)[0] + b"\r\n"
    raw_names = Counter(n.decode("ascii", "replace").lower() for n in _RAW_NAME.findall(head))
    wanted = Counter(name.lower() for name in expected)
    if raw_names != wanted:
        problems.append(f"raw header names {sorted(raw_names.elements())} "
                        f"!= {sorted(wanted.elements())}")
    parsed = BytesParser(policy=email.policy.default).parsebytes(data)
    names = Counter(key.lower() for key in parsed)
    if names != wanted:
        problems.append(f"parsed header names {sorted(names.elements())} "
                        f"!= {sorted(wanted.elements())}")
    if parsed.defects:
        problems.append(f"message defects {[type(d).__name__ for d in parsed.defects]}")
    for name, value in expected.items():
        header = parsed[name]
        if header is None:
            continue
        if getattr(header, "defects", ()):
            problems.append(f"{name}: defects {[type(d).__name__ for d in header.defects]}")
        # A long value is folded onto a continuation line; unfolding leaves a leading space.
        if value is not None and str(header).strip() != value:
            problems.append(f"{name}: {str(header)!r} != {value!r}")
    problems.extend(_audit_recipients(parsed, recipients))
    for part in parsed.walk():
        if part is parsed:
            continue
        extra = {k.lower() for k in part} - _PART_HEADERS
        if extra:
            problems.append(f"unexpected MIME part headers {sorted(extra)}")
    return problems


def _audit_recipients(parsed: EmailMessage, recipients: Sequence[str]) -> list[str]:
    to_header = parsed["To"]
    if to_header is None:
        return ["no To header"]
    registry = sorted(a.addr_spec.lower() for a in to_header.addresses)
    # A second parser (CVE-2023-27043 is about parsers disagreeing): both must see the same list.
    legacy = sorted(addr.lower() for _, addr in getaddresses([str(to_header)]))
    wanted = sorted(r.lower() for r in recipients)
    if registry != wanted or legacy != wanted:
        return [f"To holds {registry} / {legacy}, expected {wanted}"]
    return []
