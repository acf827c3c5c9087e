"""PURE outbound MIME: the text sanitiser and safe header values (the audit is render_audit.py)."""

from __future__ import annotations

import re
import unicodedata

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
    """The inbound Message-ID when it is one safe `<...>` token, else None (then it is dropped).

    One that holds "=?" is dropped too: readers decode what looks like an encoded word even
    inside a msg-id, so the echo would not match (and the audit refused the whole answer, so
    the registrant got none).
    """
    if value is None:
        return None
    candidate = value.strip()
    if "=?" in candidate:
        return None
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
