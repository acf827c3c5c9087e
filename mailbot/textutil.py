"""PURE text helpers for the reader: cleaning, charset decoding with Polish repair, RFC 2047."""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import TypeVar

_R = TypeVar("_R")
_O = TypeVar("_O", bound=Hashable)
_T = TypeVar("_T")


def text_cache(maxsize: int, max_chars: int) -> Callable[[Callable[[str], _R]], Callable[[str], _R]]:
    """Memoise a PURE function of one string, for strings of at most `max_chars` characters.

    The reader computes the same values for the same words and lines many times per message
    (and a backlog repeats them); long texts are computed every time so the cache stays small.
    The result is shared between callers: cache only functions whose results are immutable.
    """
    def decorate(func: Callable[[str], _R]) -> Callable[[str], _R]:
        cached = lru_cache(maxsize=maxsize)(func)

        @wraps(func)
        def call(text: str) -> _R:
            return cached(text) if len(text) <= max_chars else func(text)

        return call

    return decorate


def list_cache(maxsize: int, max_chars: int,
               ) -> Callable[[Callable[[str, _O], list[_T]]], Callable[[str, _O], list[_T]]]:
    """Memoise a PURE function (text, option) -> list for texts of at most `max_chars`.

    The same lines are read by several rules (and a backlog repeats them). The cache keeps a
    tuple, so every caller gets a list of its own to change; long texts are computed each time.
    """
    def decorate(func: Callable[[str, _O], list[_T]]) -> Callable[[str, _O], list[_T]]:
        @lru_cache(maxsize=maxsize)
        def cached(text: str, option: _O) -> tuple[_T, ...]:
            return tuple(func(text, option))

        @wraps(func)
        def call(text: str, option: _O) -> list[_T]:
            if len(text) <= max_chars:
                return list(cached(text, option))
            return func(text, option)

        return call

    return decorate

# Header values lose every control (C0, DEL, C1), zero-width and bidi control, and the Unicode
# line/paragraph separators: they can smuggle line breaks or reorder what staff read.
_HEADER_JUNK = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]"
)
# Bodies keep newlines and tabs; everything else of the above goes.
_BODY_JUNK = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)
_MANY_BLANKS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_TRAILING_WS = re.compile(r"[ \t\xa0]+\n")

POLISH_LETTERS = frozenset("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")
# Non-letters that are ordinary in Polish mail (quotes, dashes, symbols); not evidence of mojibake.
_COMMON_SYMBOLS = frozenset("„”“‘’‚«»–—…•·§°©®€×\xa0\u2122")

# Codecs that are not charsets of mail text (or decode attacker input into odd things).
_CODEC_DENY = frozenset({"punycode", "idna", "unicode_escape", "raw_unicode_escape",
                         "undefined", "mbcs", "oem", "utf-7"})
# Labels we treat as "no usable declaration": the bytes are guessed.
_UNKNOWN_LABELS = frozenset({"x-unknown", "unknown", "unknown-8bit", "x-user-defined", "default",
                             "charset", "none", "binary", "8bit", "7bit"})
_LABEL_ALIASES = {"iso-8859-8-i": "iso-8859-8", "iso-8859-6-i": "iso-8859-6", "utf8": "utf-8",
                  "x-mac-ce": "mac-latin2", "ks_c_5601-1987": "cp949", "win-1250": "cp1250"}
# Declared charsets for which a Polish repair may be tried (Latin families and ASCII).
_LATIN = frozenset({"ascii", "latin-1", "iso8859-1", "iso8859-2", "iso8859-15", "iso8859-16",
                    "cp1250", "cp1252", "utf-8", "iso8859-13", "cp1257"})


def clean_header(value: str, limit: int = 4000) -> str:
    """A header value as one line of plain text: controls removed, whitespace collapsed."""
    text = " ".join(_HEADER_JUNK.sub(" ", value).split())
    return text[:limit]


def strip_controls(value: str) -> str:
    """The value without any control, zero-width or bidi character (nothing put in their place)."""
    return _HEADER_JUNK.sub("", value)


def clean_body(text: str) -> str:
    """Body text with LF line ends, no controls or bidi overrides, at most one blank line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n\n")
    text = _BODY_JUNK.sub("", text)
    text = _TRAILING_WS.sub("\n", text + "\n")
    text = _MANY_BLANKS.sub("\n\n", text)
    return text.strip("\n")


def codec_for(label: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None when unknown or not a text charset."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if not name or name in _UNKNOWN_LABELS or len(name) > 40:
        return None
    name = _LABEL_ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _CODEC_DENY:
        return None
    return info.name


def _is_rare(ch: str) -> bool:
    """A character that rarely appears in Polish text but often in mis-decoded text."""
    code = ord(ch)
    if code < 0x80 or ch in POLISH_LETTERS or ch in _COMMON_SYMBOLS:
        return False
    return code <= 0x2FF or ch in "\ufffd\u2020\u2021\u2030\u0160"


# The same character sets as regex classes: scanning a text in C is what keeps the reader fast.
# _RARE is built from _is_rare itself (every rare character is below U+0300 or in its list).
_RARE = re.compile("[" + re.escape("".join(
    ch for ch in [*map(chr, range(0x80, 0x300)), *"\ufffd\u2020\u2021\u2030"] if _is_rare(ch)
)) + "]")
_POLISH = re.compile("[" + "".join(sorted(POLISH_LETTERS)) + "]")
# Rare characters that cost double in polish_score (C1 controls and the replacement character).
_BROKEN = re.compile("[\x80-\x9f\ufffd]")


def polish_score(text: str) -> int:
    """Higher when text reads as Polish: Polish letters count, mojibake symbols cost."""
    if text.isascii():
        return 0
    # Each non-ASCII character counts once: Polish +2, broken -4, any other rare one -2.
    broken = len(_BROKEN.findall(text))
    rare = len(_RARE.findall(text))
    return 2 * len(_POLISH.findall(text)) - 4 * broken - 2 * (rare - broken)


def garbled(text: str) -> bool:
    """True when most non-ASCII letters are unlikely in Polish (e.g. KOI8 read as cp1250)."""
    rare = len(_RARE.findall(text))
    if not rare:
        return False
    letters = sum(1 for ch in text if ch.isalpha())
    if letters < 20:
        return False
    return rare * 5 > letters


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes; `note` says when the declared charset was overridden."""

    text: str
    charset: str
    note: str | None = None


def _try(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_bytes(data: bytes, declared: str | None) -> Decoded:
    """Decode mail bytes; repair mislabelled Polish (cp1250 vs iso-8859-2, 8-bit, mojibake)."""
    codec = codec_for(declared)
    if data.isascii() and (codec is None or codec in _LATIN):
        return Decoded(data.decode("ascii"), codec or "ascii")
    if codec is not None and codec not in _LATIN:
        # A non-Latin declaration (KOI8, Shift-JIS...) is trusted when it decodes.
        text = _try(data, codec)
        if text is not None:
            return Decoded(text, codec)
    if codec == "utf-8":
        text = _try(data, "utf-8")
        if text is not None:
            return _unmojibake(Decoded(text, "utf-8"))
    candidates: list[tuple[str, str]] = []
    if codec is not None:
        text = _try(data, codec)
        if text is not None:
            candidates.append((codec, text))
    for alt in ("utf-8", "cp1250", "iso8859-2"):
        if alt != codec:
            text = _try(data, alt)
            if text is not None:
                candidates.append((alt, text))
    # Mostly-UTF-8 text with a stray byte still beats a whole-text Latin misreading.
    candidates.append(("utf-8", data.decode("utf-8", errors="replace")))
    # max() keeps the first of equal scores: the declared charset wins ties.
    best_codec, best_text = max(candidates, key=lambda c: polish_score(c[1]))
    note = None
    if best_codec != (codec or "ascii"):
        note = f"charset {declared or 'undeclared'} read as {best_codec}"
    return _unmojibake(Decoded(best_text, best_codec, note))


def _unmojibake(decoded: Decoded) -> Decoded:
    fixed = repair_mojibake(decoded.text)
    if fixed == decoded.text:
        return decoded
    note = (decoded.note + "; " if decoded.note else "") + "mojibake repaired"
    return Decoded(fixed, decoded.charset, note)


def _repair_line(line: str) -> str:
    base = polish_score(line)
    best, best_score = line, base
    for enc in ("cp1252", "latin-1"):
        try:
            data = line.encode(enc)
        except UnicodeEncodeError:
            continue
        for dec in ("utf-8", "iso8859-2", "cp1250"):
            text = _try(data, dec)
            if text is not None and text != line:
                score = polish_score(text)
                if score > best_score + 2:
                    best, best_score = text, score
    return best


def repair_mojibake(text: str) -> str:
    """Undo text that was decoded with the wrong Latin charset (e.g. "za¿ó³æ" -> "zażółć")."""
    if text.isascii() or not _RARE.search(text):
        return text
    return "\n".join(_repair_line(line) if _RARE.search(line) else line
                     for line in text.split("\n"))


_SURROGATES = re.compile("[\udc80-\udcff]+")


def surrogate_text(value: str) -> str:
    """A str from the stdlib parser (8-bit bytes as surrogates) decoded as real text."""
    if value.isascii() or not _SURROGATES.search(value):
        return value
    # Each run of raw bytes is decoded on its own; real characters around it stay as they are.
    return _SURROGATES.sub(
        lambda m: decode_bytes(m.group().encode("utf-8", "surrogateescape"), None).text, value)


_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,60})\?([QqBb])\?([^?\s]*)\?=")
_QP_ESCAPE = re.compile(rb"=([0-9A-Fa-f]{2})")
MAX_ENCODED_WORDS = 1000


def _word_bytes(encoding: str, payload: str) -> bytes:
    raw = payload.encode("ascii", "replace")
    if encoding in "Qq":
        return _QP_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw.replace(b"_", b" "))
    cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", raw)
    cleaned = cleaned[: len(cleaned) - len(cleaned) % 4] if len(cleaned) % 4 == 1 else cleaned
    try:
        return base64.b64decode(cleaned + b"=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        return b""


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words; adjacent words in one charset are joined as bytes first."""
    if "=?" not in value:
        return value
    out: list[str] = []
    pending = b""
    pending_charset: str | None = None

    def flush() -> None:
        nonlocal pending
        if pending:
            out.append(decode_bytes(pending, pending_charset).text)
            pending = b""

    pos = 0
    for count, match in enumerate(_ENCODED_WORD.finditer(value)):
        if count >= MAX_ENCODED_WORDS:
            break
        gap = value[pos:match.start()]
        charset = match.group(1).split("*", 1)[0].lower()
        # Whitespace between two encoded words is not part of the text (RFC 2047 section 6.2).
        if count == 0 or gap.strip():
            flush()
            out.append(gap)
        elif charset != pending_charset:
            flush()
        pending += _word_bytes(match.group(2), match.group(3))
        pending_charset = charset
        pos = match.end()
    flush()
    out.append(value[pos:])
    return "".join(out)


# Header values repeat (the same From, Subject and MIME parameters are read several times per
# message, and across a backlog); only short ones are kept so the cache stays small.
_CACHED_HEADER_CHARS = 1000


def header_text(raw_value: str, limit: int = 4000) -> str:
    """A raw (possibly folded, 8-bit, encoded-word) header value as cleaned text."""
    if len(raw_value) <= _CACHED_HEADER_CHARS:
        return _cached_header_text(raw_value, limit)
    return _header_text(raw_value, limit)


@lru_cache(maxsize=1024)
def _cached_header_text(raw_value: str, limit: int) -> str:
    return _header_text(raw_value, limit)


def _header_text(raw_value: str, limit: int) -> str:
    value = surrogate_text(raw_value[: limit * 8])
    value = decode_words(value)
    return clean_header(repair_mojibake(value), limit)
