"""The audit reads a plain To value without the header registry: the same findings as with it."""

from __future__ import annotations

import base64
import contextlib
import email.policy
import sys
from datetime import datetime
from email import quoprimime
from email.parser import BytesParser
from email.utils import formataddr, getaddresses
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

import mailbot.render_audit as render_audit
from mailbot.config import EventSettings
from mailbot.errors import RenderError
from mailbot.models import Person
from mailbot.render import AnswerRequest, Renderer
from mailbot.render_audit import _audit_bytes_to_full, audit_bytes
from mailbot.render_audit_to import plain_to
from mailbot.render_wire import Mailbox, _encoded_words, header_line

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
NOW = datetime(2014, 3, 4, 12, 35, tzinfo=ZoneInfo("Europe/Warsaw"))
ADDR = "jan.kowalski@fundacja.org.pl"
EXPECTED: dict[str, str | None] = {
    "From": None, "To": None, "Subject": None, "Date": None, "Message-ID": None,
    "In-Reply-To": None, "References": None, "Auto-Submitted": None,
    "X-Auto-Response-Suppress": None, "X-Mailbot-Loop": None, "MIME-Version": "1.0",
    "Content-Type": None}
SETTINGS = settings(max_examples=300, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def answer() -> bytes:
    """A real answer from the renderer (its To line is replaced in the tests)."""
    request = AnswerRequest(
        kind="confirmation", to_addr=ADDR, to_name="Jan Kowalski",
        in_reply_to="<CAB7x9=abc.123@mail.gmail.com>", inbound_subject="Zgłoszenie",
        organisation="Fundacja", attendees=(Person("Jan Kowalski"),),
        received_at=NOW, key="m42-confirmation-1")
    return Renderer(TEMPLATES, EventSettings()).answer(request, NOW).data


def with_to(answer: bytes, line: str) -> bytes:
    """`answer` with its To header line (folded or not) replaced by `line` as written."""
    head, body = answer.split(b"\r\n\r\n", 1)
    lines = head.decode("ascii").split("\r\n")
    start = next(i for i, text in enumerate(lines) if text.startswith("To:"))
    end = start + 1
    while end < len(lines) and lines[end][:1] in (" ", "\t"):
        end += 1
    lines[start:end] = [line]
    return "\r\n".join(lines).encode("utf-8", "surrogateescape") + b"\r\n\r\n" + body


def registry_reading(raw: str) -> tuple[str, list[str], list[str]] | None:
    """policy.default's own To object (not the audit's cached one): str, defects, addr_specs."""
    try:
        header = email.policy.default.header_fetch_parse("To", raw)
    except Exception:  # the audit reports such a value as unreadable
        return None
    return (str(header), [type(d).__name__ for d in header.defects],
            [a.addr_spec for a in header.addresses])


def raw_to(data: bytes) -> str | None:
    """The first raw To value a compat32 parse of `data` hands out, as the audit reads it."""
    parsed = BytesParser(policy=email.policy.compat32).parsebytes(data)
    return next((str(raw) for key, raw in parsed.raw_items() if key.lower() == "to"), None)


# -- what the renderer may be asked to write, and how ------------------------------------------

_name_char = st.sampled_from([
    *"aąbcćdeęfghijklłmnńoóprsśtuwyzźżAĄCĆEĘLŁNŃOÓSŚZŹŻ", *"\"\\,;()<>@.:[]'’-_=?!#",
    " ", " ", "  ", "=?", "?=", "=?utf-8?q?", "\t", "\r", "\n", "\r\n", "\x00", "\x7f", "\x85",
    "\xa0", "\u2028", "😀", "=C5", "x", "Kowalski"])
_names = st.one_of(
    st.lists(_name_char, max_size=30).map("".join),
    # Long enough to fold into several encoded words or lines.
    st.builds(lambda word, n: " ".join([word] * n),
              st.sampled_from(["Zażółć", "Gęślą", "Jaźń", "Jan", "K.", "O'Neil", "ż" * 40]),
              st.integers(5, 25)),
    st.text(max_size=20))
_atext = st.from_regex(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,8}", fullmatch=True)
_dot_atom = st.lists(_atext, min_size=1, max_size=3).map(".".join)
_addrs = st.one_of(
    st.builds(lambda local, domain: f"{local}@{domain}", _dot_atom, _dot_atom),
    st.sampled_from([ADDR, "a..b@c.pl", ".a@b.pl", "a.@b.pl", "a@", "@b.pl", "a@b@c.pl",
                     '"jan kowalski"@b.pl', '"a\\"b"@c.pl', "użytkownik@żółw.pl",
                     "jan@xn--w-uga1v8h.pl", "a@[1.2.3.4]", "=?utf-8?q?a?=@b.pl", "a@=?x?=.pl",
                     "a(b)@c.pl", "a,b@c.pl", "<a@b.pl>", "a b@c.pl", "a@b.pl>", "Jan <a@b.pl>",
                     "a@b.pl, c@d.pl", "a@b.pl;", ""]))


def written(name: str, addr: str) -> str:
    """formataddr's form of a mailbox (it refuses a non-ASCII address: then written plainly)."""
    try:
        return formataddr((name, addr))
    except UnicodeError:
        return f"{name} <{addr}>"


def to_lines(name: str, addr: str) -> list[str]:
    """To lines for `name` and `addr`: as the renderer writes them, and written by hand."""
    lines = []
    for display in (name, " ".join(name.split())):
        # A value the renderer refuses is never written.
        with contextlib.suppress(RenderError):
            lines.append(header_line("To", Mailbox(addr, display)))
    words = list(_encoded_words(name, 74)) if name else []
    lines += [f"To: {written(name, addr)}", f"To: {name} <{addr}>", f'To: "{name}" <{addr}>',
              "To: " + " ".join([*words, f"<{addr}>"]), "To:\r\n " + "\r\n ".join([*words, addr]),
              f"To: {addr}", f"To:\r\n {addr}"]
    return lines


def same_findings(answer: bytes, line: str, name: str, addr: str) -> bool:
    """The audit finds the same with and without the fast path for `answer` with `line` as its
    To line, given any of several expected values and recipients; whether it was taken."""
    data = with_to(answer, line)
    raw = raw_to(data)
    reading = registry_reading(raw) if raw is not None else None
    # None, the registry's own reading (the value comparison passes), another value; To not
    # named by `expected` (still read for the recipients check). Recipients that match, match
    # but for case, and do not.
    without = {k: v for k, v in EXPECTED.items() if k != "To"}
    cases = [({**EXPECTED, "To": None}, [addr]),
             ({**EXPECTED, "To": reading[0] if reading else "x"}, [addr.upper()]),
             ({**EXPECTED, "To": f"{name} <{addr}>"}, [addr, "x@y.pl"]),
             (without, ["other@b.pl"])]
    for expected, recipients in cases:
        fast = audit_bytes(data, expected, recipients)
        assert fast == _audit_bytes_to_full(data, expected, recipients), (line, expected)
    return raw is not None and check_reading(raw)


def check_reading(raw: str) -> bool:
    """When the fast path reads `raw`, both parsers read it so; whether it read it."""
    to = plain_to(raw)
    if to is None:
        return False
    assert registry_reading(raw) == (to.text, [], [to.addr]), raw
    assert [addr for _, addr in getaddresses([to.text])] == [to.addr], raw
    return True


# -- the proofs ------------------------------------------------------------------------------

@SETTINGS
@given(name=_names, addr=_addrs)
@example(name="Jan, Kowalski", addr=ADDR)
@example(name='A "b" \\ c', addr=ADDR)
@example(name="Żaneta", addr=ADDR)
@example(name="=?utf-8?q?x?=", addr=ADDR)
@example(name="Zażółć Gęślą Jaźń " * 6 + "Koniec", addr=ADDR)
@example(name="a\r\nBcc: x@y.pl", addr=ADDR)
@example(name="", addr=ADDR)
@example(name="Jan\tKowalski", addr=ADDR)
def test_written_to_values_read_the_same(answer: bytes, name: str, addr: str) -> None:
    for line in to_lines(name, addr):
        event(f"fast path: {same_findings(answer, line, name, addr)}")


_edit = st.tuples(st.integers(0, 400), st.integers(0, 3), st.lists(
    st.one_of(_name_char, st.characters(min_codepoint=0x21, max_codepoint=0x7e)),
    max_size=3).map("".join))


@SETTINGS
@given(name=_names, addr=_addrs, edits=st.lists(_edit, min_size=1, max_size=3))
def test_damaged_to_values_read_the_same(answer: bytes, name: str, addr: str,
                                         edits: list[tuple[int, int, str]]) -> None:
    try:
        line = header_line("To", Mailbox(addr, " ".join(name.split())))
    except RenderError:
        line = f"To: {written(name, addr)}"
    for at, cut, insert in edits:
        # After "To:" so the header stays the To header (its name is checked apart).
        at = 3 + at % max(1, len(line) - 2)
        line = line[:at] + insert + line[at + cut:]
    event(f"fast path: {same_findings(answer, line, name, addr)}")


# Payloads of text (UTF-8, as the renderer encodes) and of any octets, with Q's odd corners.
_good = st.text(st.sampled_from("aąćęłńóśźżAŻ ,\"\\()<>@.;:'=?_😀"), min_size=1,
                max_size=8).map(str.encode)
_text = st.one_of(_good, st.lists(st.one_of(_name_char, st.characters()), max_size=6).map(
    lambda chars: "".join(chars).encode("utf-8", "surrogatepass")))
_b64 = st.one_of(_text, st.binary(max_size=12)).map(lambda b: base64.b64encode(b).decode())
_q = st.lists(st.one_of(st.sampled_from(["_", "=C5", "=BC", "=20", "=3F", "=00", "=c5", "=",
                                          "=?", "?", " "]),
                        st.from_regex(r"[A-Za-z0-9!*+/-]", fullmatch=True)),
              max_size=8).map("".join)
_word = st.one_of(_b64.map(lambda p: f"=?utf-8?b?{p}?="), _q.map(lambda p: f"=?utf-8?q?{p}?="),
                  _text.map(lambda b: quoprimime.header_encode(b, "utf-8")),
                  st.sampled_from(["=?UTF-8?Q?a?=", "=?utf-8?B?YQ==?=", "=?utf-8?b?YQ?=",
                                   "=?iso-8859-2?q?=BF?=", "=?utf-8*pl?q?a?=", "=?utf-8?q??="]))
# Words as the renderer writes them (b or q of text), so the fast path is taken often.
_good_word = st.one_of(_good.map(lambda b: f"=?utf-8?b?{base64.b64encode(b).decode()}?="),
                       _good.map(lambda b: quoprimime.header_encode(b, "utf-8")))
_gap = st.sampled_from([" ", "\r\n ", "\r\n\t", "  ", ""])


@SETTINGS
@given(words=st.one_of(st.lists(_good_word, min_size=1, max_size=4),
                       st.lists(_word, min_size=1, max_size=4)),
       gaps=st.one_of(st.just([" "] * 4), st.just(["\r\n "] * 4),
                      st.lists(_gap, min_size=4, max_size=4)),
       addr=st.one_of(st.just(ADDR), _addrs))
@example(words=["=?utf-8?q?a_?=", "=?utf-8?q?_b?="], gaps=[" "] * 4, addr=ADDR)
@example(words=["=?utf-8?q?_?="], gaps=[" "] * 4, addr=ADDR)
@example(words=["=?utf-8?q?=C2=A0?="], gaps=[" "] * 4, addr=ADDR)
@example(words=["=?utf-8?q?a=0D=0Ab?="], gaps=[" "] * 4, addr=ADDR)
@example(words=["=?utf-8?q?a__b?="], gaps=[" "] * 4, addr=ADDR)
@example(words=["=?utf-8?q?a?="], gaps=[" "] * 4, addr="=?utf-8?q?a?=@b.pl")
@example(words=["=?utf-8?q?a?="], gaps=[" "] * 4, addr="a@=?utf-8?q?b?=.pl")
def test_encoded_words_read_the_same(answer: bytes, words: list[str], gaps: list[str],
                                     addr: str) -> None:
    value = "".join(word + gap for word, gap in zip(words, gaps, strict=False)) + f"<{addr}>"
    for line in (f"To: {value}", f"To:\r\n {value}"):
        event(f"fast path: {same_findings(answer, line, '', addr)}")


# -- the fast path is taken for what the renderer writes, and only there -----------------------

_safe_name = st.lists(st.sampled_from([*"aąćęłńóśźżAĄĆĘŁŃÓŚŹŻbkw", " ", ".", "-", "'", "’"]),
                      min_size=1, max_size=70).map(lambda s: " ".join("".join(s).split()))


@SETTINGS
@given(name=_safe_name, local=_dot_atom, domain=_dot_atom)
def test_the_renderers_to_values_take_the_fast_path(answer: bytes, name: str, local: str,
                                                    domain: str) -> None:
    addr = f"{local}@{domain}"
    if "=?" in addr:
        return  # read as an encoded word by the registry: never fast
    for display in (name, ""):
        line = header_line("To", Mailbox(addr, display))
        # Not vacuous: every To value the renderer writes for such names is read fast.
        assert same_findings(answer, line, display, addr), line


@pytest.mark.parametrize("raw", [
    '"" <a@b.pl>', "Jan <a@b.pl> ", "Jan  <a@b.pl>", "Jan\t<a@b.pl>", " \tJan <a@b.pl>",
    "Jan <a@b.pl>, x@y.pl", "Jan, K <a@b.pl>", "Jan K. <a@b.pl>", "Jan <a..b@c.pl>",
    "=?UTF-8?Q?a?= <a@b.pl>", "=?utf-8?b?YQ?= <a@b.pl>", "=?utf-8?q?=c5=bc?= <a@b.pl>",
    "=?utf-8?q?=C5?= <a@b.pl>", "=?utf-8?q?a__b?= <a@b.pl>", "=?utf-8?q?a=09b?= <a@b.pl>",
    "=?utf-8?q?a?=<a@b.pl>", "=?utf-8?q?a?= Jan <a@b.pl>", "Jan=?utf-8?q?a?= <a@b.pl>",
    '"=?utf-8?q?a?=" <a@b.pl>', "Jan <=?utf-8?q?a?=@b.pl>", "=?utf-8?q?a?=@b.pl",
    '"a\\b" <a@b.pl>', "Jan <a@b.pl", "<a@b.pl>", "a@b.pl (Jan)", "Jan (x) <a@b.pl>",
    "Jan\tKowalski <a@b.pl>", "=?utf-8?q?a?= <=?utf-8?q?a?=@b.pl>",
])
def test_other_shapes_are_read_by_the_registry(answer: bytes, raw: str) -> None:
    assert plain_to(raw) is None
    same_findings(answer, "To: " + raw, "Jan", "a@b.pl")


def test_a_real_answer_reads_to_without_either_parser(answer: bytes,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real = render_audit._modern_header
    monkeypatch.setattr(render_audit, "_modern_header",
                        lambda name, raw: seen.append(name) or real(name, raw))

    def no_legacy(values: list[str]) -> list[tuple[str, str]]:
        raise AssertionError("getaddresses called")

    monkeypatch.setattr(render_audit, "getaddresses", no_legacy)
    assert audit_bytes(answer, EXPECTED, [ADDR]) == []
    assert "To" not in seen
    assert audit_bytes(answer, EXPECTED, ["x@y.pl"]) == [
        f"To holds {[ADDR]} / {[ADDR]}, expected {['x@y.pl']}"]
    # An unusual value is read by the registry and both parsers, as before.
    monkeypatch.setattr(render_audit, "getaddresses", getaddresses)
    assert audit_bytes(with_to(answer, f"To: Jan (x) <{ADDR}>"), EXPECTED, [ADDR]) == []
    assert "To" in seen


def test_printable_text_holds_no_whitespace_but_the_space() -> None:
    # What _decoded's isprintable() check relies on (the registry splits on any whitespace).
    assert not [c for c in range(sys.maxunicode + 1)
                if chr(c).isprintable() and chr(c).isspace() and chr(c) != " "]
