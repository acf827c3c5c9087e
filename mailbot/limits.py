"""PURE pre-parse checks on raw bytes: size, header, encoded-word and MIME-shape limits.

A message that trips one is parked for review before any parser runs: the stdlib parser is
quadratic on encoded words (gh-136063), recurses per MIME level and is slow on thousands of
parts (reliability.md sections 3 and 8). Every check here is a bounded scan of the bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Caps applied to a raw message before it is parsed."""

    max_message_bytes: int = 25 * MiB
    max_header_bytes: int = 64 * 1024
    max_one_header_bytes: int = 8 * 1024
    max_header_fields: int = 500
    max_encoded_words: int = 100
    max_mime_depth: int = 20
    max_mime_parts: int = 200
    max_addresses: int = 100
    # More lines starting with "--" than this is not a mail a person wrote: too_many_parts.
    max_dash_lines: int = 10_000


_ADDRESS_HEADERS = frozenset({b"from", b"to", b"cc", b"bcc", b"reply-to", b"sender",
                              b"resent-to", b"resent-cc", b"resent-bcc", b"resent-from"})
# The value after "content-type" (found by a literal search, which is much faster).
_CONTENT_TYPE_VALUE = re.compile(
    rb"[ \t]*:[ \t]*(?:\r?\n[ \t]+)?([a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+)")
_BOUNDARY = re.compile(rb"boundary[ \t]*=[ \t]*(?:\"([^\"\r\n]{1,200})\"|([^\s;\"]{1,200}))",
                       re.IGNORECASE)


def _header_end(raw: bytes, start: int, cap: int) -> int | None:
    """Index where the header block starting at `start` ends (its blank line), or None."""
    if raw.startswith((b"\n", b"\r"), start):
        return start
    found: int | None = None
    stop = min(len(raw), start + cap + 4)
    # Literal searches (C speed) for CRLF, LF and CR-only blank lines, each only up to the
    # earliest blank line found so far.
    for needle in (b"\n\r\n", b"\n\n", b"\r\r"):
        hit = raw.find(needle, start, stop if found is None else found + len(needle))
        if hit >= 0 and (found is None or hit < found):
            found = hit
    return found


def _fields(block: bytes) -> list[bytes]:
    """The header fields of a header block, each with its folded continuation lines."""
    lines = re.split(rb"\r\n|\n|\r", block)
    fields: list[bytes] = []
    for line in lines:
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += b"\n" + line
        else:
            fields.append(line)
    return fields


def _check_headers(block: bytes, limits: Limits) -> str | None:
    fields = _fields(block)
    if len(fields) > limits.max_header_fields:
        return "header_too_large"
    for field in fields:
        name = field.split(b":", 1)[0].strip().lower()
        if name in _ADDRESS_HEADERS and field.count(b"@") > limits.max_addresses:
            return "too_many_addresses"
        if field.count(b"=?") > limits.max_encoded_words:
            return "header_bomb"
        if len(field) > limits.max_one_header_bytes:
            return "header_too_large"
    return None


def _part_type(raw: bytes, start: int, limits: Limits) -> tuple[bytes, bytes | None, int]:
    """(content type, boundary, end of headers) of the part whose headers start at `start`."""
    end = _header_end(raw, start, limits.max_header_bytes)
    if end is None:
        end = min(len(raw), start + limits.max_header_bytes)
    block = b"\n" + raw[start:end].lower()
    match = None
    at = block.find(b"content-type")
    while at >= 0 and match is None:
        if block[at - 1:at] in (b"\n", b"\r"):
            match = _CONTENT_TYPE_VALUE.match(block, at + len(b"content-type"))
        at = block.find(b"content-type", at + 1)
    if match is None:
        return b"text/plain", None, end
    ctype = match.group(1)
    boundary = None
    if ctype.startswith(b"multipart/"):
        # Boundaries are case-sensitive: read the parameter from the original bytes.
        found = _BOUNDARY.search(raw, start, end)
        if found:
            boundary = (found.group(1) or found.group(2)).strip()
    return ctype, boundary, end


def _structure(raw: bytes, body_start: int, ctype: bytes, boundary: bytes | None,
               limits: Limits, newline: bytes) -> str | None:
    """Depth and part count from one pass over the lines that start with '--'."""
    # Stack of open multiparts: (boundary, depth of the multipart part).
    stack: list[tuple[bytes, int]] = []
    parts = 1
    depth = 1
    pos = body_start
    # A message/rfc822 chain (no boundaries) nests one level per embedded message.
    while ctype in (b"message/rfc822", b"message/global"):
        depth += 1
        parts += 1
        if depth > limits.max_mime_depth:
            return "too_deep"
        ctype, boundary, pos = _part_type(raw, _skip_blank(raw, pos), limits)
    if boundary is not None:
        stack.append((boundary, depth))
    if not stack:
        return None
    marker = newline + b"--"
    # The newline before the first delimiter is the last byte of the header block's blank line.
    pos = max(pos - len(newline), 0)
    dash_lines = 0
    while True:
        hit = raw.find(marker, pos)
        if hit < 0:
            return None
        dash_lines += 1
        if dash_lines > limits.max_dash_lines:
            return "too_many_parts"
        line_start = hit + len(marker)
        line_end = raw.find(newline, line_start)
        line_end = len(raw) if line_end < 0 else line_end
        line = raw[line_start:min(line_end, line_start + 204)].rstrip(b" \t\r\n")
        pos = line_end
        closing = line.endswith(b"--")
        name = line[:-2] if closing else line
        index = next((i for i in range(len(stack) - 1, -1, -1) if stack[i][0] == name), None)
        if index is None:
            continue
        # A delimiter of an outer multipart closes every inner one still open.
        del stack[index + 1:]
        if closing:
            stack.pop()
            if not stack:
                return None
            continue
        parts += 1
        if parts > limits.max_mime_parts:
            return "too_many_parts"
        level = stack[-1][1] + 1
        child_type, child_boundary, pos = _part_type(raw, line_end + len(newline), limits)
        while child_type in (b"message/rfc822", b"message/global"):
            level += 1
            parts += 1
            if level > limits.max_mime_depth:
                return "too_deep"
            child_type, child_boundary, pos = _part_type(raw, _skip_blank(raw, pos), limits)
        if level > limits.max_mime_depth:
            return "too_deep"
        if child_boundary is not None:
            stack.append((child_boundary, level))
        depth = max(depth, level)


def _skip_blank(raw: bytes, pos: int) -> int:
    while raw[pos:pos + 2] == b"\r\n":
        pos += 2
    while raw[pos:pos + 1] in (b"\n", b"\r"):
        pos += 1
    return pos


def check_limits(raw: bytes, limits: Limits | None = None) -> str | None:
    """The first limit `raw` exceeds, as a reason code, or None when it may be parsed."""
    limits = limits or Limits()
    if len(raw) > limits.max_message_bytes:
        return "oversize"
    end = _header_end(raw, 0, limits.max_header_bytes)
    if end is None:
        if len(raw) > limits.max_header_bytes:
            return "header_too_large"
        end = len(raw)
    elif end > limits.max_header_bytes:
        return "header_too_large"
    reason = _check_headers(raw[:end], limits)
    if reason is not None:
        return reason
    newline = b"\n" if b"\n" in raw[:end + 2] or end == len(raw) else b"\r"
    ctype, boundary, _ = _part_type(raw, 0, limits)
    if not (ctype.startswith(b"multipart/") or ctype.startswith(b"message/")):
        return None
    return _structure(raw, _skip_blank(raw, end), ctype, boundary, limits, newline)
