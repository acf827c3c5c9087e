"""PURE sender addresses and header dates: strict, cross-checked, never a guess."""

from __future__ import annotations

import email.policy
import email.utils
import re
from collections.abc import Callable
from datetime import UTC, datetime
from email import errors
from email.header import decode_header
from email.headerregistry import HeaderRegistry
from typing import Any, cast

from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES

from mailbot.textutil import clean_header, decode_words, header_text, surrogate_text, text_cache

# An addr-spec as we accept it from a header: no quotes, comments, routes or spaces.
_ADDR = r"[^\s<>()\[\]\",;:@\\]+@[^\s<>()\[\]\",;:@\\]+"
_BARE = re.compile(rf"^\s*({_ADDR})\s*$")
_ANGLE = re.compile(rf"^(?P<name>[^<>]*?)\s*<\s*(?P<addr>{_ADDR})\s*>\s*$")
_COMMENT = re.compile(rf"^\s*(?P<addr>{_ADDR})\s*\((?P<name>[^()]*)\)\s*$")
_TOKEN = re.compile(_ADDR)
# The shapes of nearly every sender's header: a display name of plain words (quoted or not) or
# of well-formed encoded words, and a dot-atom address. For these shapes mail-parser's address
# reading records no diagnostic and the stdlib registry reads exactly that address (or refuses
# a CR/LF in the decoded name, which mailbox() treats alike); tests/test_read_speed3.py proves
# both on hypothesis-generated values. A backlog's senders all differ, so a cache cannot save
# those two parses (two fifths of parse()); the shape test can.
_DOT_ATOM_ADDR = r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
_WORDS = r"[A-Za-z0-9]+(?: [A-Za-z0-9]+)*"
_ENCODED = r"=\?(?i:utf-8|iso-8859-2|windows-1250|us-ascii)\?[bBqQ]\?[A-Za-z0-9=_+/-]*\?="
_PLAIN_MAILBOX = re.compile(rf'(?:(?:"{_WORDS}"|{_WORDS}) )?<(?P<a>{_DOT_ATOM_ADDR})>'
                            rf"|(?P<b>{_DOT_ATOM_ADDR})")
_ENCODED_MAILBOX = re.compile(rf"({_ENCODED}(?: {_ENCODED})*) <{_DOT_ATOM_ADDR}>")
_REGISTRY_SAFE = re.compile(rf'(?:(?:"{_WORDS}"|{_WORDS}|{_ENCODED}(?: {_ENCODED})*) )?'
                            rf"<(?P<a>{_DOT_ATOM_ADDR})>|(?P<b>{_DOT_ATOM_ADDR})")
# The stdlib address parser is quadratic on encoded words (gh-136063): only short values go in.
_MAX_REGISTRY_CHARS = 2000
# The registry's From class, made once: `header_factory("from", …)` builds a new class per call.
_FROM_HEADER: Callable[[str, str], Any] = cast(HeaderRegistry,
                                               email.policy.default.header_factory)["from"]


# email-validator's answer for the common shape, without running it (~37 us): a dot-atom local
# part of at most 64 characters (not a role name it lower-cases, "Postmaster") and a lower-case
# domain of letter-digit-hyphen labels (no "--") under a common TLD (no special-use name) is
# valid and is its own normalised form
# (tests/test_read_speed3.py compares with validate_email on hypothesis-made addresses).
_PLAIN_VALID = re.compile(r"([A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*)"
                          r"@((?:[a-z0-9]+(?:-[a-z0-9]+)*\.)+(?:pl|com|org|net|eu|info))")


# The reader validates the same addresses several times per message (From in the parser, then
# in the contact reader; addresses in the text) and a backlog repeats them (the office's own).
@text_cache(maxsize=1024, max_chars=300)
def validated(address: str) -> str | None:
    """email-validator's normalised form of `address` (no DNS), or None when it is invalid."""
    plain = _PLAIN_VALID.fullmatch(address)
    if (plain is not None and len(address) <= 200 and len(plain.group(1)) <= 64
            and max(len(label) for label in plain.group(2).split(".")) <= 63
            and plain.group(1).lower() not in CASE_INSENSITIVE_MAILBOX_NAMES):
        return address
    try:
        return str(validate_email(address, check_deliverability=False).normalized)
    except (EmailNotValidError, ValueError, UnicodeError):
        return None


def normalise(address: str) -> str | None:
    """A validated address with its domain lower-cased, or None."""
    try:
        normalised = validated(address)
    except TypeError:
        return None
    if normalised is None:
        return None
    local, _, domain = normalised.rpartition("@")
    return f"{local}@{domain.lower()}"


def plain_mailbox(value: str) -> bool:
    """Whether a raw header value is one plain name (or none) and a dot-atom address.

    A plain name is words, or encoded words that decode cleanly (no control character,
    quote or backslash, at most 75 characters each, as mail-parser checks them).
    """
    if _PLAIN_MAILBOX.fullmatch(value) is not None:
        return True
    match = _ENCODED_MAILBOX.fullmatch(value)
    return match is not None and all(_clean_word(w) for w in match.group(1).split(" "))


def _clean_word(word: str) -> bool:
    if len(word) > 75:
        return False
    try:
        ((data, charset),) = decode_header(word)
        text = data.decode(str(charset)) if isinstance(data, bytes) else None
    except Exception:
        return False
    return text is not None and not any(c < " " or c in '"\\' for c in text)


def _beyond_registry(value: str) -> bool:
    """Too long, or too many encoded words, to hand to the header registry at all."""
    return len(value) > _MAX_REGISTRY_CHARS or value.count("=?") > 20


def registry_safe(value: str) -> str | None:
    """The address of a value the registry check is proved to accept as it is, else None."""
    if _beyond_registry(value):
        # mailbox() rejects it, whatever its shape.
        return None
    match = _REGISTRY_SAFE.fullmatch(value)
    return (match.group("a") or match.group("b")) if match else None


def _registry_addresses(raw: str) -> list[str] | None:
    """Addresses as the stdlib header registry reads them; None when it objects."""
    if _beyond_registry(raw):
        return None
    try:
        header = _FROM_HEADER("from", raw)
        addresses = [a.addr_spec for a in header.addresses]
        defects = header.defects
    except ValueError:
        # CR/LF in a decoded display name: the registry refuses the whole header.
        return []
    except Exception:
        return None
    # Obsolete syntax and sloppy encoded words in the display name are common and harmless;
    # a defect in the address part itself is not.
    if any(not _harmless(d) for d in defects):
        return None
    return addresses


_HARMLESS = re.compile(r"encoded.word|quoted string|padding|base64|charset|non-?ascii|printable",
                       re.IGNORECASE)


def _harmless(defect: object) -> bool:
    text = f"{type(defect).__name__} {defect}"
    return isinstance(defect, errors.ObsoleteHeaderDefect) or bool(_HARMLESS.search(text))


# A message's From and Reply-To are often one value, and a backlog's senders write again and
# the robots (MAILER-DAEMON) repeat: a few recent header values are read once.
@text_cache(maxsize=64, max_chars=300)
def mailbox(raw_value: str) -> tuple[str | None, str | None, tuple[str, ...]]:
    """(address, display name, defects) of a header that must name exactly one mailbox.

    The address is None unless our strict reading, the stdlib registry and a scan of every
    address-like token all agree (CVE-2023-27043: `alice@example.org(<bob@example.com>`).
    """
    raw = surrogate_text(" ".join(raw_value.split()))
    if not raw:
        return None, None, ()
    name: str | None = None
    addr: str | None = None
    for pattern in (_BARE, _ANGLE, _COMMENT):
        match = pattern.match(raw)
        if match:
            addr = match.group(1) if pattern is _BARE else match.group("addr")
            if pattern is not _BARE:
                name = match.group("name")
            break
    # A header we cannot read as one mailbox yields neither address nor name.
    if addr is None:
        return None, None, ("address: not a single plain mailbox",)
    tokens = {t.lower() for t in _TOKEN.findall(raw)}
    if tokens != {addr.lower()}:
        return None, None, ("address: ambiguous (several addresses)",)
    if registry_safe(raw) is None:
        registry = _registry_addresses(raw)
        if registry is None:
            return None, None, ("address: rejected by the header parser",)
        if registry and [a.lower() for a in registry] != [addr.lower()]:
            return None, None, ("address: parsers disagree",)
    normalised = normalise(addr)
    display = _display_name(name) if name else None
    if normalised is None:
        return None, display, ("address: invalid",)
    return normalised, display, ()


def _display_name(raw_name: str) -> str | None:
    name = raw_name.strip()
    if len(name) >= 2 and name[0] == '"' and name[-1] == '"':
        name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    name = clean_header(decode_words(name), 200).strip(" '\"")
    return name or None


def address_list(raw_value: str, cap: int = 100) -> tuple[str, ...]:
    """Every valid address of an address-list header (To, Cc), at most `cap`."""
    found: list[str] = []
    for token in _TOKEN.findall(surrogate_text(raw_value[:20000])):
        address = normalise(token)
        if address is not None and address not in found:
            found.append(address)
            if len(found) >= cap:
                break
    return tuple(found)


def parse_date(value: str) -> tuple[datetime | None, str | None]:
    """An aware datetime from an RFC 5322 date (no zone read as UTC), and a defect if any."""
    text = header_text(value, 200)
    if not text:
        return None, None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None, "date: unreadable"
    if when is None:
        return None, "date: unreadable"
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC), "date: no time zone, read as UTC"
    return when, None


# A Received value of plain trace tokens, comments (one nested level, as Postfix writes
# "(using TLSv1 with cipher ... (256/256 bits))"), literals and angle addresses, and one ';'
# before the stamp, which may carry unnested comments ("+0100 (CET)"): mail-parser's trace
# scanner finds no fault in it and reads the stamp as the text after the ';'
# (tests/test_read_speed3.py proves it on hypothesis-made values). Every Received line of the
# devset has this shape; without the nested level and the stamp's comment, none had.
# Printable ASCII and FWS; outside groups without quotes, groups, angles, ';' or '\\'; in a
# comment without '\\'; in a literal without ']' or '\\'.
_TRACE = r"[!#-'*-:=?-Z^-~ \t\r\n]"
_COMMENT_TEXT = r"[!-'*-\[\]-~ \t\r\n]"
_LITERAL_TEXT = r"[!-\[^-~ \t\r\n]"
_TRACE_COMMENT = rf"\({_COMMENT_TEXT}*\)"
_NESTED_COMMENT = rf"\((?:{_COMMENT_TEXT}|{_TRACE_COMMENT})*\)"
_PLAIN_TRACE = re.compile(rf"(?:{_TRACE}|{_NESTED_COMMENT}|\[{_LITERAL_TEXT}*\]|<{_TRACE}*>)*"
                          rf";((?:{_TRACE}|{_TRACE_COMMENT})*)")


def plain_received_stamp(value: str) -> str | None:
    """The stamp of a Received value of the plain shape (as mail-parser reads it), else None."""
    match = _PLAIN_TRACE.fullmatch(value)
    return match.group(1).strip(" \t\r\n") if match else None


def received_date(value: str) -> tuple[datetime | None, str | None]:
    """The timestamp of a Received header: the date after its last ';'."""
    _, sep, stamp = value.rpartition(";")
    if not sep:
        return None, "received: no timestamp"
    when, defect = parse_date(stamp)
    return when, ("received: " + defect) if defect else None
