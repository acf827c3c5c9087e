"""mailbot.parse._TreeAndDefects.parse() (mailbot.parse_defects) against mail-parser's own parse().

The reference is today's reading before the change: our `_reset` with the library's
`MailParser.parse()`. For every stored message, generated mail and damaged MIME, both give the same
defect categories and the same tree (headers and defects of every part, which our own walk reads
later), or both raise the same exception type.
"""

from __future__ import annotations

import base64
import csv
import re
import sys
from collections.abc import Callable, Iterator
from email.message import Message
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mailparser.core import MailParser

import mailbot.parse
from mailbot.parse import _TreeAndDefects

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from gen_mail import generate
from hostile_gen import hostile_cases

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DATA = ROOT / "tests" / "data"


class _Reference(_TreeAndDefects):
    """Today's code: our `_reset` (and empty summaries) with the library's own parse()."""

    parse = MailParser.parse


Outcome = tuple[object, ...]
_RANDOM_BOUNDARY = re.compile(r"={15}\d+==")


def _signature(message: Message) -> list[object]:
    """Every part's headers, defects and shape: what parse() may change and our walk reads.

    Flattening an attached multipart gives a sub-part without a boundary a random one
    (email.generator); its digits differ from run to run and are left out.
    """
    return [(tuple((k, _RANDOM_BOUNDARY.sub("=(random)=", str(v))) for k, v in part.raw_items()),
             tuple(type(d).__name__ for d in part.defects), part.is_multipart())
            for part in message.walk()]


def _outcome(cls: type[_TreeAndDefects], raw: bytes) -> Outcome:
    try:
        parsed = cls.from_bytes(raw)
    except Exception as exc:
        return ("raised", type(exc))
    return ("read", frozenset(parsed.defects_categories), _signature(parsed.message))


def _mismatches(raws: list[bytes]) -> list[str]:
    found = []
    for index, raw in enumerate(raws):
        ours, reference = _outcome(_TreeAndDefects, raw), _outcome(_Reference, raw)
        if ours != reference:
            found.append(f"#{index}: ours {ours[:2]} reference {reference[:2]}")
    return found


def _emls(*folders: Path) -> list[bytes]:
    return [path.read_bytes() for folder in folders for path in sorted(folder.glob("*.eml"))]


@cache
def _stored(name: str) -> tuple[bytes, ...]:
    if name == "devset":
        return tuple(_emls(SHARED / "devset"))
    if name == "corpus":
        with (SHARED / "corpus" / "index.csv").open(encoding="utf-8") as handle:
            return tuple((SHARED / "corpus" / row["path"]).read_bytes()
                         for row in csv.DictReader(handle))
    if name == "holdouts":
        return tuple(_emls(*sorted(DATA.glob("holdout*"))))
    if name == "reader":
        return tuple(_emls(DATA / "reader"))
    if name == "hostile":
        return tuple(case.raw for case in hostile_cases())
    if name == "generated devset":
        return tuple(mail.raw for mail in generate(300, 1, "devset"))
    assert name == "generated registrations"
    return tuple(mail.raw for mail in generate(300, 2, "registrations"))


SETS = ["devset", "corpus", "holdouts", "reader", "hostile", "generated devset",
        "generated registrations"]


@pytest.mark.parametrize("name", SETS)
def test_stored_messages_read_alike(name: str) -> None:
    raws = list(_stored(name))
    assert raws, name
    assert _mismatches(raws) == []


@pytest.mark.parametrize("name", ["devset", "holdouts", "reader", "generated devset",
                                  "generated registrations"])
def test_parsed_mail_unchanged(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    raws = _stored(name)
    ours = [mailbot.parse.parse(raw) for raw in raws]
    monkeypatch.setattr(mailbot.parse, "_TreeAndDefects", _Reference)
    reference = [mailbot.parse.parse(raw) for raw in raws]
    assert [i for i, (a, b) in enumerate(zip(ours, reference, strict=True)) if a != b] == []


# Hand-made messages, each reaching one place of parse() that adds a category, raises or
# changes the tree; the reference's outcome is checked too, so the comparison is not vacuous.
_HEAD = b"From: a@b.pl\r\nTo: c@d.pl\r\nSubject: x\r\nMIME-Version: 1.0\r\n"


def _mixed(parts: list[bytes], epilogue: bytes = b"") -> bytes:
    out = _HEAD + b'Content-Type: multipart/mixed; boundary="B"\r\n\r\npreamble\r\n'
    for part in parts:
        out += b"--B\r\n" + part + b"\r\n"
    return out + b"--B--\r\n" + epilogue


def _has(category: str) -> Callable[[Outcome], bool]:
    return lambda outcome: outcome[0] == "read" and category in outcome[1]


def _raises(kind: type[BaseException]) -> Callable[[Outcome], bool]:
    return lambda outcome: outcome == ("raised", kind)


def _part_defect(name: str) -> Callable[[Outcome], bool]:
    return lambda outcome: outcome[0] == "read" and any(
        name in defects for _, defects, _ in outcome[2])


def _header_has(text: str) -> Callable[[Outcome], bool]:
    return lambda outcome: outcome[0] == "read" and any(
        text in value for headers, _, _ in outcome[2] for _, value in headers)


BRANCHES: dict[str, tuple[bytes, Callable[[Outcome], bool]]] = {
    "stdlib defect": (_HEAD + b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\n\r\nx\r\n',
                      _has("CloseBoundaryNotFoundDefect")),
    "body charset fails": (_mixed([b"Content-Type: text/plain; charset=undefined\r\n\r\nZa\xc5\xbc"]),
                           _has("CharsetDecodeDefect")),
    "named inline text, charset fails": (_mixed([
        b"Content-Type: text/plain; charset=x-bogus; name=a.txt\r\n"
        b"Content-Disposition: inline; filename=a.txt\r\n\r\nZa\xc5\xbc"]), _has("CharsetDecodeDefect")),
    "8-bit part header": (_mixed([b'Content-Type: application/pdf; name="a\xff.pdf"\r\n'
                                  b"Content-Transfer-Encoding: base64\r\n\r\nSGVsbG8="]),
                          _has("MimeHeaderDefect")),
    "RFC 2231 file name, undefined charset": (_mixed([
        b"Content-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=undefined''%FF.pdf\r\n\r\nx"]), _raises(UnicodeError)),
    "base64 attachment, 8-bit, RFC 2231 charset": (_mixed([
        b"Content-Type: application/pdf; charset*=utf-8''x; name=a.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nSGVs\xffbG8="]), _raises(TypeError)),
    "base64 attachment, 8-bit, charset refused": (_mixed([
        b"Content-Type: application/pdf; charset=undefined; name=a.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nSGVs\xffbG8"]),
        _part_defect("InvalidBase64CharactersDefect")),
    "body base64 broken": (_mixed([b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64"
                                   b"\r\n\r\nSGVsbG8"]), _part_defect("InvalidBase64PaddingDefect")),
    "named container keeps its inline text an attachment": (_mixed([
        b"Content-Type: multipart/mixed; boundary=D; name=pack.eml\r\n\r\n--D\r\n"
        b"Content-Type: text/plain; charset=x-bogus\r\nContent-Disposition: inline; filename=a.txt"
        b"\r\n\r\nZa\xc5\xbc\r\n--D--"]), lambda outcome: outcome[0] == "read" and not outcome[1]),
    "subtype within 'rtf' makes an attachment": (_mixed([
        b"Content-Type: text/f; charset=x-bogus\r\n\r\nZa\xc5\xbc"]),
        lambda outcome: outcome[0] == "read" and not outcome[1]),
    "charset read raises (parameter number over int's digit limit)": (_mixed([
        b"Content-Type: application/pdf; x*" + b"9" * 5000 + b"=a\r\n"
        b"Content-Disposition: attachment; filename=a.pdf\r\n\r\nx"]), _raises(ValueError)),
    "epilogue holds a part": (_mixed(
        [b"Content-Type: multipart/alternative; boundary=C\r\n\r\nno start boundary"],
        b"--B\r\nContent-Type: text/plain; charset=undefined\r\n\r\nhidden \xc5\xbc\r\n--B--\r\n"),
        _has("CharsetDecodeDefect")),
    "epilogue, root without boundary": (
        _HEAD + b"Content-Type: message/rfc822\r\n\r\n"
        b"Content-Type: multipart/mixed; boundary=Q\r\n\r\nno start boundary\r\n", _raises(TypeError)),
    "attached multipart, its sub-part given a boundary": (_mixed([
        b'Content-Type: multipart/mixed; boundary="D"\r\nContent-Disposition: attachment\r\n\r\n'
        b'--D\r\nContent-Type: multipart/alternative; boundary=""\r\n\r\n'
        b"--\r\nContent-Type: text/plain\r\n\r\nx\r\n----\r\n--D--"]), _header_has("=(random)=")),
}


@pytest.mark.parametrize("name", list(BRANCHES))
def test_each_branch_reached_and_read_alike(name: str) -> None:
    raw, expected = BRANCHES[name]
    reference = _outcome(_Reference, raw)
    assert expected(reference), reference[:2]
    assert _outcome(_TreeAndDefects, raw) == reference


def _nested(depth: int, attached: bool) -> bytes:
    """Multiparts nested `depth` deep, the outermost attached or not."""
    body = b"Content-Type: text/plain\r\n\r\nx\r\n"
    for level in range(depth):
        head = b"Content-Type: multipart/mixed; boundary=b%d\r\n" % level
        if attached and level == depth - 1:
            head += b"Content-Disposition: attachment\r\n"
        body = head + b"\r\n--b%d\r\n" % level + body + b"\r\n--b%d--\r\n" % level
    return _HEAD + body


def _on_deeper_stack(frames: int, cls: type[_TreeAndDefects], raw: bytes) -> Outcome:
    return _outcome(cls, raw) if frames == 0 else _on_deeper_stack(frames - 1, cls, raw)


def test_recursion_limit_reached_at_the_same_depth() -> None:
    """An attached multipart nested just below the depth where the reference first raises
    (flattening it recurses deeper than parsing it), read from 0 to 30 frames deeper in the stack:
    the reference starts raising at one of them, ours must too (a frame more of ours would raise
    one stack frame earlier). Plain nesting fails in the stdlib parser first, before parse()
    (checked by hand: alike around 978 levels)."""
    low, high = 1, 600
    assert _outcome(_Reference, _nested(high, True))[0] == "raised"
    while high - low > 1:
        middle = (low + high) // 2
        if _outcome(_Reference, _nested(middle, True))[0] == "raised":
            high = middle
        else:
            low = middle
    raw = _nested(low, True)
    reference = [_on_deeper_stack(frames, _Reference, raw) for frames in range(30)]
    assert reference[0][0] == "read"
    assert reference[-1][0] == "raised"
    assert [_on_deeper_stack(frames, _TreeAndDefects, raw) for frames in range(30)] == reference


# Damaged MIME built from parts: charsets, transfer encodings, dispositions, RFC 2231 names,
# broken boundaries, epilogues with a part, 8-bit bytes in part headers.
_CHARSETS = ["utf-8", "iso-8859-2", "windows-1250", "us-ascii", "undefined", "utf-16", "x-bogus",
             "base64", "idna", "utf-7", "utf-8*pl", '"utf-8"', "*=utf-8''x"]
_CTES = ["", "7bit", "8bit", "base64", "Base64 ", "quoted-printable", "x-uuencode", "bogus",
         "binary"]
_BODIES = [b"Dzie\xc5\x84 dobry", "Dzień dobry".encode("iso-8859-2"),
           base64.encodebytes("Zgłoszenie udziału".encode()), b"SGVsbG8", b"SGV$$sbG8=\r\nx==",
           b"Dzie=C5=84 =\r\ndobry=", b"begin 644 a.txt\r\n#86)C\r\n`\r\nend\r\n",
           b"\xff\xfe\x00a\x00", b"", b"<p>Zg\xc5\x82oszenie</p>", b"{\\rtf1 x}"]
_CTYPES = ["text/plain", "text/html", "text/rtf", "text/", "text/t", "application/pdf", "image/png",
           "text/calendar",
           "application/octet-stream", "bogus", "message/delivery-status"]
_DISPOSITIONS = [None, "inline", "attachment", "inline; filename=a.txt", 'attachment; filename="z.pdf"',
                 "attachment; filename*=utf-8''Zg%C5%82oszenie.pdf",
                 "attachment; filename*=iso-8859-2''%B3.pdf",
                 "attachment; filename*=undefined''%FF.txt", "inline; filename*=utf-16''%D8%00.txt",
                 "attachment; filename*0*=utf-8''Zg%C5; filename*1*=%82.pdf",
                 'attachment; filename="=?utf-8?b?WmfFgm9zemVuaWU=?="', 'inline; filename="=?utf-8?q?a=FF?="',
                 'attachment; filename="=?utf-16?b?2D0=?="', "weird", "attachment; filename=..\\x"]
_SUBTYPES = ["mixed", "alternative", "related", "report", "signed"]


@st.composite
def _leaf(draw: st.DrawFn) -> bytes:
    ctype = draw(st.sampled_from(_CTYPES))
    params = ""
    if draw(st.booleans()):
        params += f"; charset={draw(st.sampled_from(_CHARSETS))}"
    if draw(st.booleans()):
        params += draw(st.sampled_from(['; name="a.pdf"', "; name*=utf-8''%C5%82.doc",
                                        '; name="=?utf-8?b?xa==?="', "; name*=undefined''%FF"]))
    lines = [f"Content-Type: {ctype}{params}".encode()]
    cte = draw(st.sampled_from(_CTES))
    if cte:
        lines.append(f"Content-Transfer-Encoding: {cte}".encode())
    disposition = draw(st.sampled_from(_DISPOSITIONS))
    if disposition is not None:
        lines.append(f"Content-Disposition: {disposition}".encode())
    if draw(st.booleans()):
        lines.append(b"Content-ID: <part@x>")
    if draw(st.integers(0, 4)) == 0:
        # 8-bit bytes in a part header: invalid UTF-8 or a valid Polish letter.
        index = draw(st.integers(0, len(lines) - 1))
        lines[index] += draw(st.sampled_from([b"\xff", b"\xc5\x82", b"; name=\"\xb3.pdf\""]))
    return b"\r\n".join(lines) + b"\r\n\r\n" + draw(st.sampled_from(_BODIES))


def _container(draw: st.DrawFn, depth: int) -> bytes:
    boundary = f"b{depth}{draw(st.integers(0, 1))}"
    head = draw(st.sampled_from([f'boundary="{boundary}"'.encode(), b"", b'boundary=""',
                                 f"boundary={boundary}".encode() + b"\xff"]))
    lines = [f"Content-Type: multipart/{draw(st.sampled_from(_SUBTYPES))}; ".encode() + head]
    disposition = draw(st.sampled_from([None, "attachment", "inline", "attachment; filename=x.eml"]))
    if disposition is not None:
        lines.append(f"Content-Disposition: {disposition}".encode())
    children = draw(st.lists(_part(depth + 1), max_size=3))
    body = b"preamble\r\n" if draw(st.booleans()) else b""
    start, close = draw(st.integers(0, 3)) > 0, draw(st.integers(0, 3)) > 0
    for child in children:
        body += (f"--{boundary}\r\n".encode() if start else b"") + child + b"\r\n"
    if close:
        body += f"--{boundary}--\r\n".encode()
    if draw(st.booleans()):
        body += f"--{boundary}\r\n".encode() + draw(_leaf()) + f"\r\n--{boundary}--\r\n".encode()
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def _part(depth: int) -> st.SearchStrategy[bytes]:
    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        shape = draw(st.integers(0, 5)) if depth < 3 else 0
        if shape in (0, 1, 2):
            return draw(_leaf())
        if shape == 5:
            return b"Content-Type: message/rfc822\r\n\r\n" + _HEAD + draw(_part(depth + 1))
        return _container(draw, depth)
    return build()


_TOKENS = [b"\xff", b"\r\n", b"--", b"=", b";", b'"', b"\r\n\r\n", b"--b00--\r\n", b"==",
           b"Content-Type: multipart/mixed; boundary=b00\r\n", b"\xc5", b"; charset=undefined"]


@st.composite
def _damaged(draw: st.DrawFn, base: st.SearchStrategy[bytes]) -> bytes:
    raw = bytearray(draw(base))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(raw)))
        if draw(st.booleans()):
            del raw[at:at + draw(st.integers(1, 40))]
        else:
            raw[at:at] = draw(st.sampled_from(_TOKENS))
    return bytes(raw)


def _bases() -> Iterator[bytes]:
    """Real multipart messages with attachments, and the hand-made branch messages."""
    with_files = [raw for raw in _emls(SHARED / "devset") if b"filename" in raw]
    yield from with_files[:4]
    generated = [mail.raw for mail in generate(60, 3, "devset") if b"filename" in mail.raw]
    yield from generated[:4]
    yield from (raw for raw, _ in BRANCHES.values())


_DAMAGE = settings(max_examples=300, deadline=None, derandomize=True,
                   suppress_health_check=list(HealthCheck))


def _check(raw: bytes) -> None:
    assert _outcome(_TreeAndDefects, raw) == _outcome(_Reference, raw)


@_DAMAGE
@given(_damaged(_part(0).map(lambda body: _HEAD + body)))
def test_built_damaged_mime_reads_alike(raw: bytes) -> None:
    _check(raw)


@_DAMAGE
@given(_damaged(st.sampled_from(list(_bases()))))
def test_damaged_real_mail_reads_alike(raw: bytes) -> None:
    _check(raw)
