"""Text preparation for extraction: what the sender wrote, split into lines, units and regions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from mailbot.models import ParsedMail

# Extraction never needs more than this; it also bounds regex work on hostile input.
MAX_TEXT = 100_000

_FOLD = str.maketrans(
    "ąćęłńóśźżĄĆĘŁŃÓŚŹŻáàâäãåçčďéèêëěíìîïňñòôöõřšťúùûüůýÿžÁÀÂÄÃÅÇČĎÉÈÊËĚÍÌÎÏŇÑÒÔÖÕŘŠŤÚÙÛÜŮÝŽ",
    "acelnoszzACELNOSZZaaaaaaccdeeeeeiiiinnoooorstuuuuuyyzAAAAAACCDEEEEEIIIINNOOOORSTUUUUUYZ",
)

UPPER = "A-ZĄĆĘŁŃÓŚŹŻ"
LOWER = "a-ząćęłńóśźż"
QUOTES = "„”\"“‘’«»"


_PLAIN = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")


def plain(text: str) -> str:
    """Polish letters without diacritics, case kept ("Stanisław" -> "Stanislaw")."""
    return text.translate(_PLAIN)


# The extractors fold the same words and lines many times per message (and a backlog repeats
# them across messages): short texts are folded once; long ones are rare and would bloat it.
_CACHED_FOLD_CHARS = 200


def fold(text: str) -> str:
    """Lower-case ASCII folding that keeps every index (one character in, one out)."""
    if len(text) <= _CACHED_FOLD_CHARS:
        return _cached_fold(text)
    return _fold(text)


@lru_cache(maxsize=4096)
def _cached_fold(text: str) -> str:
    return _fold(text)


# The same mapping for a regex: str.translate looks every character of non-ASCII text up in
# the table (slow); replacing only the letters that are there is three times faster.
_FOLD_MAP = {chr(key): chr(value) for key, value in _FOLD.items()}
_FOLD_LETTERS = re.compile("[" + "".join(sorted(_FOLD_MAP)) + "]")


def _fold_letter(match: re.Match[str]) -> str:
    return _FOLD_MAP[match.group()]


def _fold(text: str) -> str:
    # _FOLD maps only non-ASCII letters: ASCII text (half the lines) needs no mapping at all.
    if text.isascii():
        return text.lower()
    return _FOLD_LETTERS.sub(_fold_letter, text).lower()


def fold_lines(lines: Sequence[str]) -> str:
    """fold("\\n".join(lines)), from the lines' (mostly cached) folds: folding maps each
    character alone, and lower-casing's one context rule (final sigma) stops at a newline."""
    return "\n".join([fold(line) for line in lines])


def has_diacritics(text: str) -> bool:
    return fold(text) != text.lower()


# Reply headers and separators: a reply's quoted part is never data (the reader should already
# have removed it; this is a second line of defence for the office's own quoted notices).
_QUOTE_CUT = re.compile(
    r"^[ \t]*-{2,}[ \t]*(?:wiadomość oryginalna|oryginalna wiadomość|original message)[ \t]*-{2,}"
    r"|^[ \t]*W dniu [^\n]{0,200}pisze:[ \t]*$"
    r"|^[ \t]*Dnia [^\n]{0,200}napisał\(a\):[ \t]*$"
    r"|^[ \t]*On [^\n]{0,200}wrote:[ \t]*$",
    re.I | re.M,
)
# Gmail's "śr., 26 lut 2014 o 10:00 Jan Kowalski <jan@x.pl> napisał(a):"
_GMAIL_ATTRIBUTION = re.compile(r"\d.*napisał\(a\):\s*$", re.I)
_FORWARD_SEP = re.compile(
    r"^[ \t]*-{2,}[ \t]*(?:wiadomość przekazana dalej|forwarded message|przekazana wiadomość)"
    r"[ \t]*-{2,}[ \t]*$|^[ \t]*Początek przekazywanej wiadomości:[ \t]*$",
    re.I | re.M,
)
_HEADER_LINE = re.compile(
    r"^[ \t]*(?:Od|Do|DW|Data|Temat|Wysłano|From|To|Cc|Date|Sent|Subject)[ \t]*:", re.I)
_FROM_LINE = re.compile(r"^[ \t]*(?:Od|From)[ \t]*:", re.I)
_DEVICE_FOOTER = re.compile(
    r"^[ \t]*(?:wysłane z|wysłano z|sent from|get outlook|pobierz)\b.*$", re.I | re.M)
_FORWARD_SUBJECT = re.compile(r"^\s*(?:fwd?|pd|tr|wg|przekaż|przekaz)\s*:", re.I)
_LIST_MARK = re.compile(r"^[ \t]*(?:[-–—•*·]|\d{1,2}[.)])[ \t]+")


@dataclass(frozen=True)
class Doc:
    """The sender's text ready for the extractors.

    `own` is what the sender wrote above a forwarded message, `forwarded` the forwarded body
    (its header lines removed), `attachments` the readable attachments' text; `lines` is
    `body` (own + forwarded + attachments) unwrapped into logical lines.
    """

    own: str
    forwarded: str
    attachments: str
    lines: tuple[str, ...]
    forward_senders: tuple[str, ...] = ()
    # lines[:own_end] are the sender's own words (self-registration and signature live there).
    own_end: int = 0
    # lines[own_end:forward_end] are the forwarded message's words (its writer's, not the sender's).
    forward_end: int = 0

    @property
    def body(self) -> str:
        return "\n".join(self.lines)

    @property
    def own_lines(self) -> tuple[str, ...]:
        return self.lines[: self.own_end]

    @property
    def forward_lines(self) -> tuple[str, ...]:
        return self.lines[self.own_end: self.forward_end]


def _cut_quotes(text: str, forward: bool) -> str:
    match = _QUOTE_CUT.search(text)
    if match:
        text = text[: match.start()]
    position = 0
    for line in text.splitlines(keepends=True):
        if len(line) < 300 and line.rstrip().endswith("):") and _GMAIL_ATTRIBUTION.search(line):
            text = text[:position]
            break
        position += len(line)
    # An Outlook reply block (two or more header lines in a row) starts the quoted part,
    # unless it is the header of a forwarded message (which is read as the sender's text).
    lines = text.splitlines()
    for i in range(len(lines) - 1):
        if (_HEADER_LINE.match(lines[i]) and _HEADER_LINE.match(lines[i + 1])
                and _FROM_LINE.match(lines[i])):
            previous = next((x for x in reversed(lines[:i]) if x.strip()), "")
            if forward or _FORWARD_SEP.match(previous):
                break
            return "\n".join(lines[:i])
    return "\n".join(line for line in lines if not line.lstrip().startswith(">"))


def _split_forward(text: str) -> tuple[str, str, tuple[str, ...]]:
    """(own part, forwarded part without its header lines, forwarded From values)."""
    lines = text.splitlines()
    start = None
    match = _FORWARD_SEP.search(text)
    if match:
        start = text[: match.start()].count("\n")
    else:
        for i in range(len(lines) - 1):
            if _HEADER_LINE.match(lines[i]) and _HEADER_LINE.match(lines[i + 1]):
                start = i
                break
    if start is None:
        return text, "", ()
    own = "\n".join(lines[:start])
    rest = lines[start:]
    if rest and _FORWARD_SEP.match(rest[0]):
        rest = rest[1:]
    senders: list[str] = []
    body: list[str] = []
    in_headers = True
    for line in rest:
        if in_headers and _HEADER_LINE.match(line):
            key = line.split(":", 1)[0].strip().lower()
            if key in ("od", "from"):
                senders.append(line.split(":", 1)[1].strip())
            continue
        if in_headers and not line.strip():
            continue
        in_headers = False
        body.append(line)
    return own, "\n".join(body), tuple(senders)


_LABELLED = re.compile(r"^[ \t]*(?:\d{1,2}[.)][ \t]*)?[^\W\d][\w .,/()-]{0,40}:[ \t]")


def _row(line: str) -> bool:
    """A table row: cells apart by three spaces or a tab (a table pasted from Word into a
    plain-text mail keeps its tabs), which hard-wrapped prose does not have inside a line."""
    inner = line.strip()
    return "   " in inner or "\t" in inner


def _long(line: str) -> bool:
    stripped = line.rstrip()
    return (len(stripped) >= 60 and not _LABELLED.match(stripped) and "|" not in stripped
            and not _row(stripped) and not stripped.endswith((".", ":", "!", "?", ";")))


# A person on a line of their own with a role after a dash: "Jan Kowalski - prezes".
_DASH_ENTRY = re.compile(rf"^[ \t]*[{UPPER}][\w-]+(?: [{UPPER}][\w-]+){{1,2}}[ \t]+[-–—][ \t]+\S")


def _entries(lines: list[str]) -> set[int]:
    """Lines of an unmarked list of people with roles: a short "Name Surname - role" line, not
    ended like a sentence, followed by another such line, by a blank line or by nothing.
    Wrapped prose does not start two short lines running that way, and the last line of a
    wrapped sentence ends with its full stop."""
    dashed = [bool(_DASH_ENTRY.match(line)) and len(line.strip()) < 60
              and not line.rstrip().endswith((".", "!", "?", ",", ";", ":")) for line in lines]
    return {i for i, found in enumerate(dashed) if found and (
        i + 1 == len(lines) or dashed[i + 1] or not lines[i + 1].strip())}


def unwrap(lines: list[str]) -> list[str]:
    """Join hard-wrapped paragraph lines; keep short lines (signatures, lists, forms) apart."""
    out: list[str] = []
    joining = False
    entries = _entries(lines)
    for index, line in enumerate(lines):
        if (joining and out and line.strip() and not _LIST_MARK.match(line)
                and index not in entries and not _row(line) and not _LABELLED.match(line)):
            out[-1] = out[-1].rstrip() + " " + line.strip()
        else:
            out.append(line.rstrip())
        joining = _long(out[-1])
    return out


def prepare(parsed: ParsedMail) -> Doc:
    """Split the sender's text into own/forwarded/attachment parts and logical lines."""
    text = (parsed.text or "")[:MAX_TEXT].replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    forward = bool(_FORWARD_SUBJECT.match(parsed.subject or ""))
    text = _DEVICE_FOOTER.sub("", _cut_quotes(text, forward))
    own, forwarded, senders = _split_forward(text)
    attachments = (parsed.attachment_text or "")[:MAX_TEXT].replace("\r\n", "\n")
    attachments = attachments.replace("\u00a0", " ")
    own_lines = unwrap(own.splitlines())
    forward_lines = unwrap(forwarded.splitlines())
    lines = [*own_lines, "", *forward_lines, "", *unwrap(attachments.splitlines())]
    return Doc(own=own, forwarded=forwarded, attachments=attachments, lines=tuple(lines),
               forward_senders=senders, own_end=len(own_lines),
               forward_end=len(own_lines) + 1 + len(forward_lines))


# Abbreviations after which a full stop does not end a sentence.
_ABBREV = ("tel", "p", "dr", "r", "ul", "m.in", "ds", "nr", "hab", "mgr", "inż", "inz", "prof",
           "im", "św", "sw", "os", "al", "pl", "kom", "ok", "tj", "np", "wew", "godz", "pok",
           "ks", "lic", "br", "w", "s", "jw", "tzw", "zob", "ew", "mr", "mrs", "ms", "st", "kol", "hm",
           "phm", "pwd", "dh", "mec", "red", "sp", "z.o.o", "ul", "al")
_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[" + UPPER + r"„\"(0-9–-])")
_LAST_WORD = re.compile(r"([\w.]+)\.$")
_INITIAL = re.compile(r"\b[" + UPPER + r"]\.$")
# The same lines are split by several extractors; long lines are not kept.
_CACHED_SENTENCE_CHARS = 500


def sentences(line: str) -> list[str]:
    """Split one logical line into sentences, keeping abbreviations such as 'tel.' inside."""
    if len(line) <= _CACHED_SENTENCE_CHARS:
        return list(_cached_sentences(line))
    return _sentences(line)


@lru_cache(maxsize=512)
def _cached_sentences(line: str) -> tuple[str, ...]:
    return tuple(_sentences(line))


def _sentences(line: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in _SENT_END.finditer(line):
        # Only the end of the text before the break matters (and keeps this linear).
        before = line[max(start, match.start() - 40): match.start()]
        word = _LAST_WORD.search(before)
        if word and word.group(1).lower() in _ABBREV:
            continue
        if _INITIAL.search(before):
            continue  # an initial, e.g. "R. Kania"
        parts.append(line[start: match.start()])
        start = match.end()
    parts.append(line[start:])
    return [p for p in parts if p.strip()]


def is_list_item(line: str) -> bool:
    return bool(_LIST_MARK.match(line))


def strip_list_mark(line: str) -> str:
    return _LIST_MARK.sub("", line, count=1)
