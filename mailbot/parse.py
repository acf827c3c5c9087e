"""PURE raw bytes -> ParsedMail: cleaned headers, the sender's text, quotes, attachments; never raises.

Parsers in order: mail-parser (its compat32 tree and defect list), then the stdlib compat32
parser, then a minimal "headers and raw text" reading. Every fallback is recorded in `defects`.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
from collections.abc import Sequence
from email.message import Message
from functools import lru_cache

from mailparser.const import ADDRESSES_HEADERS
from mailparser.core import MailParser
from mailparser.dates import date_diagnostics, parse_mail_date
from mailparser.utils import get_addresses, receiveds_parsing

from mailbot.addresses import (
    address_list,
    mailbox,
    parse_date,
    plain_mailbox,
    plain_received_stamp,
    received_date,
)
from mailbot.mime import Walk, choose_pieces, walk_part
from mailbot.models import ParsedMail
from mailbot.parse_defects import parse_walks
from mailbot.quotes import split_quotes
from mailbot.textutil import clean_body, clean_header, decode_bytes, garbled, header_text

# mail-parser logs warnings for parts it does not handle; they are not ours to print.
logging.getLogger("mailparser").addHandler(logging.NullHandler())

MAX_HEADERS = 1000
MAX_TEXT_CHARS = 1024 * 1024
_HEADER_LINE = re.compile(rb"^([\x21-\x39\x3b-\x7e]{1,100})[ \t]*:(.*)$", re.DOTALL)
_BLANK_LINE = re.compile(rb"\r?\n\r?\n|\r\r")


class _TreeAndDefects(MailParser):  # type: ignore[misc]
    """mail-parser as we use it: its tree and defect categories, without what we throw away.

    `parse()` keeps, of the library's, every call that can add a defect category, raise (the
    message then goes to the stdlib parser) or change the tree our own walk reads: the header
    diagnostics (`_reset`), each part's stdlib defects, the epilogue recovery, the MIME header
    view (MimeHeaderDefect), body text decoding (CharsetDecodeDefect, and the base64 defects
    decoding adds to a part) and the attachment payload reading. It drops the text lists,
    attachment dictionaries, logging and the `mail`/`mail_partial` summaries, which add no
    defect and which we never read (mailbot.parse_defects says call by call).
    """

    # The function itself, not a call to it: see mailbot.parse_defects (stack depth).
    parse = parse_walks

    def _make_mail(self, complete: bool = True) -> dict[str, object]:
        return {}

    def _reset(self) -> None:
        """MailParser._reset as far as `parse()` and its defect categories need it.

        The header pass calls the same library functions in the same order, but keeps only
        whether each yields a diagnostic (the category), not the diagnostics' text or the
        parsed values (read only by the summaries), and reads an address header value it has
        already read (the office's To in nearly every message) from a small cache.
        """
        self._attachments: list[object] = []
        self._text_plain: list[object] = []
        self._text_html: list[object] = []
        self._text_not_managed: list[object] = []
        self._defects: list[object] = []
        self._defects_categories: set[str] = set()
        self._has_defects = False
        self._mail: dict[str, object] = {}
        self._mail_partial: dict[str, object] = {}
        self._header_index = self._build_header_index()
        # Every value is read (no short cut at the first defect): one that makes mail-parser
        # raise must still send the message to the stdlib fallback.
        address_defects = [_address_defective(value) for header in sorted(ADDRESSES_HEADERS)
                           for value in self._header_index.get(header, [])]
        if any(address_defects):
            self._found("AddressHeaderDefect")
        message = self.message
        items = list(message.raw_items()) if message else []
        dates: list[object] = []
        occurrences: dict[str, int] = {}
        for name, raw in items:
            header = name.lower()
            if header not in {"date", "resent-date"}:
                continue
            occurrence = occurrences.get(header, 0)
            occurrences[header] = occurrence + 1
            dates.extend(date_diagnostics(parse_mail_date(raw), raw, header, occurrence))
        received: list[object] = []
        receiveds = [value for name, value in items if name.lower() == "received"]
        stamps = [plain_received_stamp(value) for value in receiveds]
        if all(stamp is not None for stamp in stamps):
            # Plain trace fields: no fault, only their stamps are read (as receiveds_format
            # does, last occurrence first).
            for occurrence in reversed(range(len(receiveds))):
                dates.extend(date_diagnostics(parse_mail_date(stamps[occurrence]),
                                              receiveds[occurrence], "received", occurrence))
        else:
            receiveds_parsing(receiveds, defects=received, date_defects=dates)
        if received:
            self._found("ReceivedHeaderDefect")
        if dates:
            self._found("DateHeaderDefect")

    def _found(self, category: str) -> None:
        self._has_defects = True
        self._defects_categories.add(category)


# A header value's address diagnostics depend on the value alone; a few recent values (a
# message's address headers and the office's own To) are kept, not a backlog's senders.
@lru_cache(maxsize=64)
def _cached_address_defective(value: str) -> bool:
    diagnostics: list[object] = []
    get_addresses(value, defects=diagnostics, decode_names=True)
    return bool(diagnostics)


def _address_defective(value: object) -> bool:
    """Whether mail-parser's address reading of a header value records any diagnostic."""
    if type(value) is str and plain_mailbox(value):
        # Proved to read without a diagnostic (addresses.plain_mailbox, test_read_speed3).
        return False
    if type(value) is str and len(value) <= 1000:
        return _cached_address_defective(value)
    diagnostics: list[object] = []
    get_addresses(value, defects=diagnostics, decode_names=True)
    return bool(diagnostics)


def parse(raw: bytes) -> ParsedMail:
    """Read a raw RFC 822 message; any bytes give a ParsedMail (problems go to `defects`)."""
    try:
        return _parse(raw)
    except Exception as exc:
        defect = f"reader failed ({type(exc).__name__}), minimal reading"
    try:
        return _minimal(raw, [defect])
    except Exception as exc:
        return ParsedMail(None, "", None, None, None, (), None, None, (), "",
                          defects=(defect, f"minimal reading failed ({type(exc).__name__})"),
                          size=len(raw))


def _tree(raw: bytes, defects: list[str]) -> Message | None:
    try:
        parsed = _TreeAndDefects.from_bytes(raw)
        message = parsed.message
        for name in sorted(parsed.defects_categories):
            defects.append(f"mime: {name}")
        if isinstance(message, Message):
            return message
    except Exception as exc:
        defects.append(f"mail-parser failed ({type(exc).__name__}), stdlib parser used")
    try:
        return email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception as exc:
        defects.append(f"stdlib parser failed ({type(exc).__name__}), minimal reading")
        return None


def _parse(raw: bytes) -> ParsedMail:
    defects: list[str] = []
    message = _tree(raw, defects)
    if message is None:
        return _minimal(raw, defects)
    pairs = [(str(k), v if isinstance(v, str) else str(v)) for k, v in message.raw_items()]
    headers = _clean_headers(pairs[:MAX_HEADERS])
    if len(pairs) > MAX_HEADERS:
        defects.append(f"headers: over {MAX_HEADERS}, rest ignored")
    walk = Walk(defects=defects)
    walk_part(message, walk)
    body = "\n\n".join(text for text, _ in choose_pieces(walk.pieces))
    html = any(is_html for _, is_html in choose_pieces(walk.pieces))
    return _assemble(raw, pairs, headers, body, html, walk)


def _clean_headers(pairs: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((clean_header(name, 100), header_text(value, 16000)) for name, value in pairs)


def _first(pairs: Sequence[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in pairs if k.strip().lower() == name), None)


def _assemble(raw: bytes, pairs: Sequence[tuple[str, str]], headers: tuple[tuple[str, str], ...],
              body: str, html: bool, walk: Walk) -> ParsedMail:
    defects = walk.defects
    subject = header_text(_first(pairs, "subject") or "", 1000)
    body = clean_body(body)
    if len(body) > MAX_TEXT_CHARS:
        body = body[:MAX_TEXT_CHARS]
        defects.append("text: over 1 MiB, truncated")
    split = split_quotes(body, subject)
    text = clean_body("\n\n".join(t for t in [split.text, *walk.attached] if t.strip()))
    quoted = clean_body("\n\n".join(q for q in [split.quoted, *walk.quoted] if q.strip()))
    if garbled(text):
        defects.append("text: garbled (unreadable charset)")

    from_values = [v for k, v in pairs if k.strip().lower() == "from"]
    from_addr = from_name = None
    if len({" ".join(v.split()) for v in from_values}) > 1:
        defects.append("address: several different From headers")
    elif from_values:
        from_addr, from_name, problems = mailbox(from_values[0])
        defects.extend(f"from {p}" for p in problems)
    reply_to = None
    reply_raw = _first(pairs, "reply-to")
    if reply_raw is not None and reply_raw.strip():
        reply_to, _, problems = mailbox(reply_raw)
        defects.extend(f"reply-to {p}" for p in problems)
    to = address_list(_first(pairs, "to") or "")

    date = None
    date_raw = _first(pairs, "date")
    if date_raw is not None:
        date, problem = parse_date(date_raw)
        if problem:
            defects.append(problem)
    received = None
    received_raw = _first(pairs, "received")
    if received_raw is not None:
        received, problem = received_date(received_raw)
        if problem:
            defects.append(problem)
    message_id = header_text(_first(pairs, "message-id") or "", 998) or None
    return ParsedMail(
        message_id=message_id,
        subject=subject,
        from_addr=from_addr,
        from_name=from_name,
        reply_to=reply_to,
        to=to,
        date=date,
        received=received,
        headers=headers,
        text=text,
        quoted=quoted,
        html=html,
        attachments=tuple(walk.attachments),
        defects=tuple(dict.fromkeys(defects)),
        size=len(raw),
    )


def _raw_headers(block: bytes) -> list[tuple[str, str]]:
    """Header fields of a raw header block (unfolded), for the minimal reading."""
    pairs: list[tuple[str, str]] = []
    for line in re.split(rb"\r?\n|\r", block):
        if line[:1] in (b" ", b"\t") and pairs:
            name, value = pairs[-1]
            pairs[-1] = (name, value + " " + line.decode("utf-8", "surrogateescape").strip())
            continue
        match = _HEADER_LINE.match(line)
        if match and len(pairs) < MAX_HEADERS:
            pairs.append((match.group(1).decode("ascii"),
                          match.group(2).decode("utf-8", "surrogateescape").strip()))
    return pairs


def _minimal(raw: bytes, defects: list[str]) -> ParsedMail:
    """Headers and raw text only: for bytes that no MIME parser accepts."""
    match = _BLANK_LINE.search(raw, 0, 1024 * 1024)
    head, body = (raw[:match.start()], raw[match.end():]) if match else (raw, b"")
    if not _HEADER_LINE.match(head.split(b"\n", 1)[0].rstrip(b"\r")):
        head, body = b"", raw
    pairs = _raw_headers(head)
    ctype = _first(pairs, "content-type") or ""
    charset = re.search(r"charset\s*=\s*\"?([\w.:-]{1,40})", ctype, re.IGNORECASE)
    decoded = decode_bytes(body[:MAX_TEXT_CHARS], charset.group(1) if charset else None)
    if decoded.note:
        defects.append(f"text: {decoded.note}")
    walk = Walk(defects=defects)
    return _assemble(raw, pairs, _clean_headers(pairs), decoded.text, False, walk)
