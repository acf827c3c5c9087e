"""PURE audit of serialised outbound mail: re-read the exact bytes, check every header and part."""

from __future__ import annotations

import contextlib
import email.policy
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from email import headerregistry as hr
from email.feedparser import FeedParser
from email.headerregistry import AddressHeader, BaseHeader, HeaderRegistry
from email.message import Message
from email.utils import getaddresses

from mailbot.errors import RenderError
from mailbot.render_audit_to import PlainTo, plain_to
from mailbot.render_skeleton import mime_skeleton

_RAW_NAME = re.compile(rb"^([\x21-\x39\x3b-\x7e]+):", re.MULTILINE)

MAX_LINE = 998
_PART_HEADERS = frozenset(
    {"content-type", "content-transfer-encoding", "content-disposition", "mime-version"}
)


def serialise_and_audit(msg: Message, expected: Mapping[str, str | None],
                        recipients: Sequence[str]) -> bytes:
    """The SMTP bytes of a Message object, after re-parsing them and checking every header.

    Answers are serialised by render_wire.serialise and checked with `audited`; this is for
    a message built with the email package (its own policy's folding, CRLF line ends).
    """
    try:
        data = msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
    except Exception as exc:  # the generator refusing a header is itself an audit failure
        raise RenderError(f"cannot serialise the answer: {type(exc).__name__}: {exc}") from exc
    return audited(data, expected, recipients)


def audited(data: bytes, expected: Mapping[str, str | None], recipients: Sequence[str],
            content_types: Sequence[str] | None = None) -> bytes:
    """`data` unchanged when `audit_bytes` finds nothing wrong (§3.4), else RenderError."""
    problems = audit_bytes(data, expected, recipients, content_types)
    if problems:
        raise RenderError("outbound header audit failed: " + "; ".join(problems))
    return data


def audit_bytes(data: bytes, expected: Mapping[str, str | None], recipients: Sequence[str],
                content_types: Sequence[str] | None = None) -> list[str]:
    """Everything wrong with serialised answer bytes (empty when they may be sent).

    `expected` maps each top-level header name to its exact value, or None when only its
    presence is checked. `recipients` are the ASCII addresses To must hold, nothing more.
    `content_types`, when given, are the types of the parts as written, in walk order.
    """
    return _audit(data, expected, recipients, content_types, skeleton=True)


def _audit_bytes_full(data: bytes, expected: Mapping[str, str | None], recipients: Sequence[str],
                      content_types: Sequence[str] | None = None) -> list[str]:
    """audit_bytes with every line fed to the structure parser (the reference for the tests)."""
    return _audit(data, expected, recipients, content_types, skeleton=False)


def _audit_bytes_to_full(data: bytes, expected: Mapping[str, str | None],
                         recipients: Sequence[str],
                         content_types: Sequence[str] | None = None) -> list[str]:
    """audit_bytes with To always read by the header registry (the reference for the tests)."""
    return _audit(data, expected, recipients, content_types, skeleton=True, fast_to=False)


def _audit(data: bytes, expected: Mapping[str, str | None], recipients: Sequence[str],
           content_types: Sequence[str] | None, skeleton: bool,
           fast_to: bool = True) -> list[str]:
    problems: list[str] = []
    if not data.isascii():
        problems.append("non-ASCII octets")
    if not data.endswith(b"\r\n"):
        problems.append("does not end with CRLF")
    line_problems = _line_problems(data)
    problems.extend(line_problems)
    # Only the lines the parser reads the structure from (mime_skeleton: data itself where its
    # reasoning does not hold, e.g. a bare CR or LF, which it looks for unless told there is none).
    structure = mime_skeleton(data, lines_checked=not line_problems) if skeleton else data
    end = data.find(b"\r\n\r\n")
    head = (data if end < 0 else data[:end]) + b"\r\n"
    # Multisets compared as sorted lists. Names are ASCII (the pattern's class), so lowering the
    # bytes before the match lowers each name the same way str.lower does.
    raw_names = sorted(n.decode("ascii") for n in _RAW_NAME.findall(head.lower()))
    wanted = sorted(name.lower() for name in expected)
    if raw_names != wanted:
        problems.append(f"raw header names {raw_names} != {wanted}")
    # The structure is read by the compat32 parser (5x faster than policy.default, which
    # re-parses Content-Type on every get_content_type); the header values below are read by
    # the same headerregistry objects a policy.default parse would hand out, or (`_plain`)
    # compared raw where that reading is provably the value itself.
    # Fed whole: BytesParser feeds the same parser in 8 KB pieces (~5 % slower, same tree).
    # Its parts are _AuditPart (compat32 Message, the content type read once). It is fed the
    # skeleton (render_skeleton.py): the same tree, headers and defects, ~1/5 of the lines.
    feed = FeedParser(_AuditPart, policy=email.policy.compat32)
    feed.feed(structure.decode("ascii", "surrogateescape"))
    parsed = feed.close()
    names = sorted(key.lower() for key in parsed)
    if names != wanted:
        problems.append(f"parsed header names {names} != {wanted}")
    first: dict[str, tuple[str, str]] = {}
    for key, raw in parsed.raw_items():
        first.setdefault(key.lower(), (key, str(raw)))
    headers: dict[str, BaseHeader] = {}
    # To as the renderer writes it is read without the registry (render_audit_to.py).
    to = plain_to(first["to"][1]) if fast_to and "to" in first else None
    for name, value in expected.items():
        item = first.get(name.lower())
        if item is None or (value is not None and _plain(*item, value)):
            continue
        if to is not None and name.lower() == "to":
            # Its header object would have no defects and read as to.text.
            if value is not None and to.text.strip() != value:
                problems.append(f"{name}: {to.text!r} != {value!r}")
            continue
        try:
            header = headers[name.lower()] = _modern_header(*item)
        except Exception as exc:  # the stdlib's parser can fail: IndexError on "<<"
            problems.append(f"{name}: unreadable ({type(exc).__name__})")
            continue
        if header.defects:
            problems.append(f"{name}: defects {[type(d).__name__ for d in header.defects]}")
        # A long value is folded onto a continuation line; unfolding leaves a leading space.
        if value is not None and str(header).strip() != value:
            problems.append(f"{name}: {str(header)!r} != {value!r}")
    if to is None and "to" in first and "to" not in headers:
        # Read even when `expected` does not name it (a failure leaves "no To header").
        with contextlib.suppress(Exception):
            headers["to"] = _modern_header(*first["to"])
    problems.extend(_audit_recipients(to or headers.get("to"), recipients))
    for part in parsed.walk():
        # Every part's parse defects (a policy.default audit looked at the top level only).
        if part.defects:
            problems.append(f"MIME defects {[type(d).__name__ for d in part.defects]}")
        if part is parsed:
            continue
        extra = {k.lower() for k in part} - _PART_HEADERS
        if extra:
            problems.append(f"unexpected MIME part headers {sorted(extra)}")
    if content_types is not None:
        # A damaged boundary can leave a part unread without any parse defect: the text part
        # read as the preamble (its start boundary broken) or the HTML as the epilogue (a close
        # boundary inside the text). The parts a reader sees must be the parts written.
        found = [part.get_content_type() for part in parsed.walk()]
        if found != list(content_types):
            problems.append(f"MIME parts {found} != {list(content_types)} as written")
    return problems


class _AuditPart(Message):
    """A compat32 Message that reads its content type once: the feedparser asks for it about
    four times a part (~8 % of the parse). Every change to headers or default type forgets it."""

    _ctype: str | None = None

    def get_content_type(self) -> str:
        if self._ctype is None:
            self._ctype = super().get_content_type()
        return self._ctype

    def set_raw(self, name: str, value: str) -> None:
        # Called for every header the parser reads: direct, not through _forgetting's wrapper.
        super().set_raw(name, value)
        self._ctype = None


def _forgetting(name: str) -> Callable[..., object]:
    def method(self: _AuditPart, *args: object, **kwargs: object) -> object:
        try:
            return getattr(Message, name)(self, *args, **kwargs)
        finally:
            self._ctype = None
    return method


for _name in ("__setitem__", "__delitem__", "add_header", "replace_header",
              "set_default_type", "set_param", "del_param", "set_type", "set_boundary",
              "set_charset"):
    setattr(_AuditPart, _name, _forgetting(_name))


def _line_problems(data: bytes) -> list[str]:
    """A bare CR or LF, or a line over 998 octets: [] or the first such line's problem."""
    # Searching is ~5x faster than a Python loop over the lines: the pieces between CRLFs are
    # the lines, and a CR or LF left in them (joined: one memchr each, not two counts) is bare.
    # (A regex for 999 non-CRLF octets scans each line from every offset: 2 ms.)
    lines = data.split(b"\r\n")
    rest = b"".join(lines)
    if b"\r" not in rest and b"\n" not in rest and max(map(len, lines)) <= MAX_LINE:
        return []
    # Something is wrong: the line loop says what and where.
    for number, line in enumerate(lines, start=1):
        if b"\r" in line or b"\n" in line:
            return [f"bare CR or LF on line {number}"]
        if len(line) > MAX_LINE:
            return [f"line {number} longer than {MAX_LINE} octets"]
    # Unreachable (the search and lengths above say there is such a line); fails closed.
    return ["line check: the search and the lines disagree"]


# Small on purpose: only From and the fixed headers repeat from answer to answer; To never does
# (Date and Message-ID are compared raw, `_plain`), and a large cache of parse trees grew a
# backlog run by ~7 MB a process (bench/bench_backlog.py, 1,000 against 10,000 messages).
@functools.lru_cache(maxsize=64)
def _modern_header(name: str, raw: str) -> BaseHeader:
    """The header object `policy.default` makes of a raw value (pure; From and the fixed
    headers repeat in every answer, so those are parsed once)."""
    # What header_fetch_parse does (line breaks dropped, then the registry's class for the
    # name), with that class made once per name instead of once per header.
    header = _header_class(name.lower())(name, "".join(_LINESEP.split(raw)))
    if not isinstance(header, BaseHeader):
        raise RenderError(f"{name}: the header registry returned {type(header).__name__}")
    return header


# As email.policy splits a raw value to unfold it.
_LINESEP = re.compile(r"\n|\r")


@functools.lru_cache(maxsize=32)
def _header_class(name: str) -> type[BaseHeader]:
    """policy.default's header class for `name`: its HeaderRegistry builds a new class with
    type() on every header it parses (~20 us each, five headers an answer); the names are few."""
    factory = email.policy.default.header_factory
    if not isinstance(factory, HeaderRegistry):
        raise RenderError(f"policy.default's header factory is a {type(factory).__name__}")
    return factory[name]


# -- values read without a header object (proved in tests/test_render_speed3.py) ----------------
# Unstructured text: printable ASCII words, single spaces, no "=?" (no encoded word can start).
_PLAIN_TEXT = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*")
# A msg-id of two dot-atoms: what get_msg_id reads without falling back to obsolete forms.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_MSG_ID = re.compile(rf"<{_ATEXT}(?:\.{_ATEXT})*@{_ATEXT}(?:\.{_ATEXT})*>")
# email.utils.format_datetime's shape; the calendar (day of month, weekday) is checked apart.
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_PLAIN_DATE = re.compile(
    rf"({'|'.join(_DAYS)}), ([0-3][0-9]) ({'|'.join(_MONTHS)}) ([1-9][0-9]{{3}}) "
    r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9] [+-](?:[01][0-9]|2[0-3])[0-5][0-9]")
# policy.default's classes whose reading of the shapes above is known; any other class (or a
# registry that maps the name elsewhere) means the header object is built.
_PLAIN_KINDS: dict[type, str] = {
    hr.UnstructuredHeader: "text", hr.UniqueUnstructuredHeader: "text",
    hr.MessageIDHeader: "msg-id", hr.DateHeader: "date", hr.UniqueDateHeader: "date",
}


def _plain(name: str, raw: str, value: str) -> bool:
    """True when the raw header `raw` is `value` written plainly, in a shape whose policy.default
    header object is `value` itself without defects (then the audit need not build it)."""
    if raw != value:
        # As _modern_header unfolds; a value folded onto its own line reads with a space first.
        unfolded = raw.replace("\r", "").replace("\n", "")
        if unfolded != value and unfolded != " " + value:
            return False
    kind = _plain_kind(name.lower())
    if kind == "text":
        return "=?" not in value and _PLAIN_TEXT.fullmatch(value) is not None
    if kind == "msg-id":
        return _PLAIN_MSG_ID.fullmatch(value) is not None
    if kind == "date":
        match = _PLAIN_DATE.fullmatch(value)
        if match is None:
            return False
        weekday, day, month, year = match.groups()
        try:
            moment = date(int(year), _MONTHS.index(month) + 1, int(day))
        except ValueError:
            return False
        return _DAYS[moment.weekday()] == weekday
    return False


@functools.lru_cache(maxsize=32)
def _plain_kind(name: str) -> str:
    factory = email.policy.default.header_factory
    if not isinstance(factory, HeaderRegistry):
        return ""
    return _PLAIN_KINDS.get(factory.registry.get(name, factory.default_class), "")


def _audit_recipients(to_header: BaseHeader | PlainTo | None,
                      recipients: Sequence[str]) -> list[str]:
    if isinstance(to_header, PlainTo):
        # Both parsers read its one address (proved in tests/test_audit_to.py).
        registry = legacy = [to_header.addr.lower()]
    elif not isinstance(to_header, AddressHeader):
        return ["no To header"]
    else:
        registry = sorted(a.addr_spec.lower() for a in to_header.addresses)
        # A second parser (CVE-2023-27043 is about parsers disagreeing): both must see the same.
        legacy = sorted(addr.lower() for _, addr in getaddresses([str(to_header)]))
    wanted = sorted(r.lower() for r in recipients)
    if registry != wanted or legacy != wanted:
        return [f"To holds {registry} / {legacy}, expected {wanted}"]
    return []
