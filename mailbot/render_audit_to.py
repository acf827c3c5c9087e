"""PURE reading of a To value in the renderer's plain shape, as the header registry reads it."""

from __future__ import annotations

import base64
import binascii
import email.policy
import functools
import re
from dataclasses import dataclass
from email import headerregistry as hr
from email.headerregistry import HeaderRegistry

# The audit (render_audit.py) builds the registry's header object for To, ~28 % of its time,
# and getaddresses re-reads it, ~8 %. For the one mailbox the renderer writes (render_wire:
# `addr`, `name <addr>`, `"quoted name" <addr>` or encoded words then `<addr>`) both readings
# are known in advance; this module reads that shape only, and anything else returns None, so
# the audit builds the header object as before. tests/test_audit_to.py compares the findings.

# RFC 5322 atext in ASCII: no specials, no whitespace, so both parsers read it as one atom.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = rf"{_ATEXT}(?:\.{_ATEXT})*"
_ADDR = rf"{_DOT_ATOM}@{_DOT_ATOM}"
# formataddr's quoting: printable ASCII, with only '"' and '\' escaped (a pair per character).
_QUOTED = r'"(?P<quoted>(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])+)"'
# An encoded word as email.charset writes UTF-8: base64 with its padding, or Q with its
# safe characters and upper-case =XX (no "?" inside, so the first "?=" ends the word).
_B64 = r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)"
_Q = r"(?:[A-Za-z0-9!*+/_-]|=[0-9A-F]{2})+"
_WORD = re.compile(rf"=\?utf-8\?(?:b\?({_B64})|q\?({_Q}))\?=")
_WORDS = rf"{_WORD.pattern}(?: {_WORD.pattern})*"
# The whole unfolded value: one optional leading space (a value folded onto its own line),
# single spaces between words. Encoded words are tried first: they are atext too.
_SHAPE = re.compile(
    rf" ?(?:(?P<bare>{_ADDR})|(?:(?P<words>{_WORDS})|(?P<atoms>{_ATEXT}(?: {_ATEXT})*)"
    rf"|{_QUOTED}) <(?P<addr>{_ADDR})>)")
_UNQUOTE = re.compile(r"\\(.)")
_Q_BYTE = re.compile(rb"=([0-9A-F]{2})")
# email._header_value_parser.SPECIALS: Address.__str__ quotes a display name holding any.
_SPECIALS = frozenset('()<>@,:;."[]\\')


@dataclass(frozen=True)
class PlainTo:
    """What policy.default's To header object holds for a plain value: str(header), the one
    address's addr_spec, and no defects (the address getaddresses reads from `text` too)."""

    text: str
    addr: str


def plain_to(raw: str) -> PlainTo | None:
    """The registry's reading of the raw To value `raw` when it has the renderer's plain shape,
    else None (then the audit builds the header object)."""
    if not _registry_reads_to_as_address():
        return None
    # Unfolded as render_audit._modern_header hands the value to the registry.
    value = raw.replace("\r", "").replace("\n", "")
    match = _SHAPE.fullmatch(value)
    if match is None:
        return None
    bare, words, atoms, quoted, addr = match.group("bare", "words", "atoms", "quoted", "addr")
    if bare is not None:
        # An addr-spec holding "=?" may be read as an encoded word (at the start of either part).
        return None if "=?" in bare else PlainTo(bare, bare)
    if "=?" in addr:
        return None
    if words is not None:
        display = _decoded(words)
        if display is None:
            return None
    elif "=?" in value:
        # Encoded words inside atoms or a quoted string are decoded, with defects.
        return None
    elif atoms is not None:
        display = atoms
    else:
        display = _UNQUOTE.sub(r"\1", quoted)
    if not _SPECIALS.isdisjoint(display):
        # parser.quote_string, as Address.__str__ writes the name back.
        display = '"' + display.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return PlainTo(f"{display} <{addr}>", addr)


def _decoded(words: str) -> str | None:
    """The display name of encoded words: each decoded, joined by one space (the registry keeps
    the folding space between adjacent words), or None when one might read otherwise."""
    texts = []
    for word in _WORD.finditer(words):
        b64, q = word.groups()
        if b64 is not None:
            # The registry's decode_b: validated, padding already complete (checked above).
            octets = base64.b64decode(b64, validate=True)
        else:
            octets = _Q_BYTE.sub(lambda m: binascii.unhexlify(m.group(1)),
                                 q.replace("_", " ").encode("ascii"))
        try:
            text = octets.decode("utf-8")
        except UnicodeDecodeError:
            return None
        # Printable (no control or whitespace but " ": str.isprintable, checked for every code
        # point in the tests) and no run of spaces, which the registry would read as one.
        if not text or not text.isprintable() or "  " in text:
            return None
        texts.append(text)
    return " ".join(texts)


@functools.cache
def _registry_reads_to_as_address() -> bool:
    """policy.default reads To with the class whose parse this module mirrors."""
    factory = email.policy.default.header_factory
    if not isinstance(factory, HeaderRegistry):
        return False
    to_class: object = factory.registry.get("to")
    return to_class is hr.UniqueAddressHeader
