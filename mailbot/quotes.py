"""PURE split of a body into what the sender wrote (forwards kept) and the replied-to quote.

Our own splitter, not mail-parser-reply: that library treats a forward like a reply (the
forwarded registration would be lost), strips every line, and its stock Polish entry cuts a
registration at a single "Temat:" line. Here the rules are, in Polish and English:
- lines starting with '>' are quoted (interleaved and bottom-posted replies keep the rest);
- an attribution line ("W dniu … pisze:", "Dnia … napisał(a):", Gmail "… napisał(a):",
  "On … wrote:", also wrapped over two or three lines) quotes the '>' block after it, or
  everything after it when no '>' block follows (HTML mail rendered to text);
- "-----Original Message-----" / "-----Wiadomość oryginalna-----" and Outlook header blocks
  (From/Od, Subject/Temat and a date or recipient line, in a row) quote the rest, unless the
  subject says forward (Fwd:, FW:, PD:) or nothing was written above: then it is a forward;
- forward separators ("Wiadomość przekazana dalej", "Forwarded message", "Początek
  przekazywanej wiadomości:") keep the forwarded header block and body in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_QUOTE_PREFIX = re.compile(r"^[ \t]*((?:>[ \t]?)+)")
_FORWARD_SEP = re.compile(
    r"^(?:-{2,}\s*(?:forwarded message|wiadomo[śs][ćc] przekazana(?: dalej)?|przekazana "
    r"wiadomo[śs][ćc]|forwarded e-?mail)\s*-{2,}|(?:pocz[ąa]tek przekazywanej wiadomo[śs]ci|"
    r"begin forwarded message)\s*:)$",
    re.IGNORECASE,
)
_REPLY_SEP = re.compile(
    r"^-{2,}\s*(?:original message|oryginalna wiadomo[śs][ćc]|wiadomo[śs][ćc] oryginalna)"
    r"\s*-{2,}$",
    re.IGNORECASE,
)
# Bounce bodies that carry the returned message inline (Exim, qmail, others).
_RETURNED_SEP = re.compile(
    r"^-*\s*(?:this is a copy of the message|below this line is a copy of the message|"
    r"original message follows|undelivered message follows|oryginalne nag[łl][óo]wki "
    r"wiadomo[śs]ci\s*:|original message headers\s*:)",
    re.IGNORECASE,
)
_UNDERSCORES = re.compile(r"^_{20,}$")
_HEADER_KEY = re.compile(r"^\*?\s*([^\W\d_]{2,12})\s*\*?\s*:", re.UNICODE)
_KEY_KIND = {
    "od": "from", "from": "from",
    "wysłano": "date", "wysłane": "date", "wyslano": "date", "sent": "date", "data": "date",
    "date": "date",
    "do": "to", "to": "to", "dw": "to", "cc": "to", "udw": "to", "bcc": "to",
    "temat": "subject", "subject": "subject",
    "ważność": "other", "priorytet": "other", "importance": "other", "załączniki": "other",
    "attachments": "other", "organization": "other", "reply-to": "other",
}
_WROTE = re.compile(
    r"(?:napisa[łl]\s*\(a\)|napisa[łl]a?|pisze|wrote)\s*:\s*$", re.IGNORECASE
)
_START = re.compile(r"^(?:w dniu|dnia|on|użytkownik|uzytkownik|wiadomo[śs][ćc] napisana przez)\b",
                    re.IGNORECASE)
# Apple Mail (Polish): "Wiadomość napisana przez X <x@y> w dniu 26.02.2014, o godz. 10:00:".
_APPLE_PL = re.compile(r"^wiadomo[śs][ćc] napisana przez .{1,200} w dniu .{1,80}:$", re.IGNORECASE)
_WEEKDAY_START = re.compile(r"^(?:[^\W\d_]{2,4}\.?,|\d)", re.UNICODE)
_DATE_OR_TIME = re.compile(r"\d{1,2}:\d{2}|\b\d{4}\b|\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b")
_FORWARD_SUBJECT = re.compile(r"^\s*(?:fwd?|pd|tr|wg|przekaż|przekaz)\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class Split:
    """What the sender wrote (`text`) and what they quoted (`quoted`)."""

    text: str
    quoted: str


def _unquote(line: str) -> tuple[int, str]:
    match = _QUOTE_PREFIX.match(line)
    if not match:
        return 0, line.strip()
    return match.group(1).count(">"), line[match.end():].strip()


def _key_kind(content: str) -> str | None:
    match = _HEADER_KEY.match(content)
    if not match:
        return None
    return _KEY_KIND.get(match.group(1).lower())


@dataclass(frozen=True)
class _Lines:
    """The body's lines with each one's quote depth, unquoted content and header-key kind.

    Computed once per line: the boundary tests look at the same lines many times.
    """

    raw: list[str]
    depth: list[int]
    content: list[str]
    kind: list[str | None]

    @classmethod
    def of(cls, raw: list[str]) -> _Lines:
        unquoted = [_unquote(line) for line in raw]
        content = [c for _, c in unquoted]
        return cls(raw, [d for d, _ in unquoted], content, [_key_kind(c) for c in content])


def _header_block_end(lines: _Lines, start: int) -> int | None:
    """End (exclusive) of an Outlook-style header block starting at `start`, else None."""
    if lines.kind[start] != "from":
        return None
    count = len(lines.raw)
    kinds = {"from"}
    end = start + 1
    slack = 2
    j = start + 1
    while j < count and j < start + 12:
        content = lines.content[j]
        kind = lines.kind[j]
        if kind is not None:
            kinds.add(kind)
            end = j + 1
        elif not content or slack == 0:
            # A blank line ends the block unless another header line follows it directly.
            if content or j + 1 >= count or lines.kind[j + 1] is None:
                break
        else:
            # A wrapped recipient list or subject continues the previous header line.
            slack -= 1
        j += 1
    if "subject" in kinds and ("date" in kinds or "to" in kinds):
        return end
    return None


def _attribution_end(lines: _Lines, i: int) -> int | None:
    """End (exclusive) of a reply attribution starting at line i (one to three lines)."""
    first = lines.content[i]
    if not first or len(first) > 300:
        return None
    # Both attribution patterns end in a colon: lines without one skip them.
    for size in (1, 2):
        joined = " ".join(lines.content[i:i + size])
        if (":" in joined and _APPLE_PL.match(joined) and _DATE_OR_TIME.search(joined)
                and (size == 1 or not _APPLE_PL.match(first))):
            return i + size
    for size in (1, 2, 3):
        if i + size > len(lines.raw):
            return None
        last = lines.content[i + size - 1]
        if size > 1:
            # Only a wrapped attribution: the later line alone must not be one itself.
            if not last or _is_attribution(last):
                return None
            if not (_START.match(first) or _WEEKDAY_START.match(first)):
                return None
        if ":" in last and _WROTE.search(last):
            joined = " ".join(lines.content[i:i + size])
            if len(joined) <= 400 and _is_attribution(joined):
                return i + size
            return None
    return None


def _is_attribution(text: str) -> bool:
    # Every attribution ends with a colon: most lines are ruled out without the patterns.
    if ":" not in text or not _WROTE.search(text):
        return False
    dated = bool(_DATE_OR_TIME.search(text))
    has_address = "@" in text or "<" in text
    if _START.match(text):
        # Interia writes "Użytkownik X <x@y> napisał:" with no date.
        return dated or (has_address and text.lower().startswith(("użytkownik", "uzytkownik")))
    return dated and (has_address or bool(_WEEKDAY_START.match(text)))


def _next_nonblank(lines: _Lines, i: int) -> int:
    while i < len(lines.raw) and not lines.raw[i].strip():
        i += 1
    return i


def _reply_boundary(lines: _Lines, i: int) -> int | None:
    """If an ambiguous reply/forward boundary starts at i, the index where its header begins."""
    content = lines.content[i]
    if _REPLY_SEP.match(content):
        return i + 1
    if _UNDERSCORES.match(content):
        nxt = _next_nonblank(lines, i + 1)
        if nxt < len(lines.raw) and _header_block_end(lines, nxt) is not None:
            return nxt
        return None
    if _header_block_end(lines, i) is not None:
        return i
    return None


def _forward_header_end(lines: _Lines, i: int) -> int:
    """Skip (keep) the forwarded message's own header block after a forward separator."""
    start = _next_nonblank(lines, i)
    if start < len(lines.raw):
        end = _header_block_end(lines, start)
        if end is not None:
            return end
    j = start
    while j < len(lines.raw) and lines.kind[j] is not None:
        j += 1
    return j if j > start else i


def split_quotes(body: str, subject: str = "") -> Split:
    """Split `body` into the sender's own text (with forwarded messages) and the quote."""
    lines = body.split("\n")
    info = _Lines.of(lines)
    forward_subject = bool(_FORWARD_SUBJECT.match(subject))
    text: list[str] = []
    quoted: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        depth, content = info.depth[i], info.content[i]
        if depth == 0 and _FORWARD_SEP.match(content):
            end = _forward_header_end(info, i + 1)
            text.extend(lines[i + 1:end])
            i = end
            continue
        if depth == 0 and _RETURNED_SEP.match(content):
            quoted.extend(lines[i:])
            break
        header_at = _reply_boundary(info, i) if depth == 0 else None
        if header_at is not None:
            nothing_above = not any(x.strip() for x in text)
            if forward_subject or nothing_above:
                end = _forward_header_end(info, header_at)
                text.extend(lines[header_at:end])
                i = max(end, i + 1)
                continue
            quoted.extend(lines[i:])
            break
        attribution = _attribution_end(info, i) if depth == 0 else None
        if attribution is not None:
            nxt = _next_nonblank(info, attribution)
            if nxt < len(lines) and info.depth[nxt] > 0:
                quoted.extend(lines[i:attribution])
                i = attribution
                continue
            quoted.extend(lines[i:])
            break
        if depth > 0:
            quoted.append(line)
        else:
            text.append(line)
        i += 1
    return Split("\n".join(text).strip("\n"), "\n".join(quoted).strip("\n"))
