"""Third round of reader speed-ups: the parse stage skips only checks proved to pass."""

from __future__ import annotations

import base64
import binascii
import sys
from pathlib import Path

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mailparser.dates import date_diagnostics, parse_mail_date
from mailparser.utils import get_addresses, receiveds_parsing

from mailbot import addresses, parse
from mailbot.addresses import (
    _registry_addresses,
    mailbox,
    plain_mailbox,
    plain_received_stamp,
    registry_safe,
    validated,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from gen_mail import generate

_PROOF = settings(max_examples=1000, deadline=None,
                  suppress_health_check=list(HealthCheck))

# Parts of the shapes and their near misses: dots, dashes, quotes, specials, folding, 8-bit.
_atom = st.text(st.sampled_from(list("aZ09_+-.")), max_size=6)
_local = st.lists(_atom, min_size=1, max_size=3).map(".".join)
_domain = st.lists(st.text(st.sampled_from(list("aZ09-")), max_size=5),
                   min_size=1, max_size=4).map(".".join)
_name = st.text(st.sampled_from(list('aZ09 ".=?_')), max_size=10)
_charset = st.sampled_from(["UTF-8", "utf-8", "iso-8859-2", "Windows-1250", "us-ascii",
                            "bogus", "utf-8*pl", "x"])
_raw = st.binary(max_size=30)
_payload = st.one_of(
    _raw.map(lambda b: binascii.b2a_qp(b, header=True).decode().replace("=\n", "")),
    _raw.map(lambda b: base64.b64encode(b).decode()),
    st.text(st.characters(min_codepoint=33, max_codepoint=126).filter(lambda c: c != "?"),
            max_size=16),
    st.text(st.sampled_from(list('=C5_82A0"\\<>,;:()@')), max_size=12),
)
_word = st.builds(lambda c, e, p: f"=?{c}?{e}?{p}?=", _charset, st.sampled_from("bBqQ"), _payload)
_encoded_name = st.lists(_word, min_size=1, max_size=3).map(" ".join)
_junk = st.text(st.sampled_from(list('aZ09._+-@ "<>=?()[],;:\\\t\r\nąé\x00\x7f')), max_size=30)
_values = st.one_of(
    st.builds(lambda n, lo, d: f"{n} <{lo}@{d}>", st.one_of(_name, _encoded_name), _local, _domain),
    st.builds(lambda n, lo, d: f'"{n}" <{lo}@{d}>', _name, _local, _domain),
    st.builds(lambda lo, d: f"{lo}@{d}", _local, _domain),
    st.builds(lambda n, lo, d, j: f"{n}{j}<{lo}@{d}>", _name, _local, _domain,
              st.text(st.sampled_from(list('"<>=?(), \t\r\n@')), max_size=3)),
    _junk,
)
# Values inside the shapes only, so every example exercises the claim.
_plain_words = st.from_regex(r"[A-Za-z0-9]{1,8}( [A-Za-z0-9]{1,8}){0,3}", fullmatch=True)
_plain_addr = st.from_regex(r"[A-Za-z0-9_+-]{1,8}(\.[A-Za-z0-9_+-]{1,8}){0,2}"
                            r"@[A-Za-z0-9-]{1,8}(\.[A-Za-z0-9-]{1,8}){0,3}", fullmatch=True)
_good_word = st.builds(lambda c, e, p: f"=?{c}?{e}?{p}?=",
                       st.sampled_from(["UTF-8", "utf-8", "iso-8859-2", "WINDOWS-1250",
                                        "us-ascii"]),
                       st.sampled_from("bBqQ"),
                       st.one_of(_raw.map(lambda b: base64.b64encode(b).decode()),
                                 st.from_regex(r"[A-Za-z0-9=_+/-]{0,20}", fullmatch=True)))
# Encoded words whose decoded text holds specials, spaces, Polish letters, quotes, controls.
_decoded = st.text(st.sampled_from(list('aZ09 <>,;:@()[].ąłŻé"\\\t\x01=?_')), max_size=20)


def _encode(text: str, charset: str, enc: str) -> str:
    data = text.encode(charset, "replace")
    if enc in "bB":
        return f"=?{charset}?{enc}?{base64.b64encode(data).decode()}?="
    body = "".join(chr(b) if chr(b).isascii() and chr(b).isalnum()
                   else "_" if b == 32 else f"={b:02X}" for b in data)
    return f"=?{charset}?{enc}?{body}?="


_clean_encoded = st.builds(_encode, _decoded,
                           st.sampled_from(["utf-8", "iso-8859-2", "windows-1250", "UTF-8"]),
                           st.sampled_from("bBqQ"))
_in_shape = st.one_of(
    st.builds(lambda n, a: f"{n} <{a}>", st.lists(_clean_encoded, min_size=1, max_size=3)
              .map(" ".join), _plain_addr),
    _plain_addr,
    st.builds(lambda a: f"<{a}>", _plain_addr),
    st.builds(lambda n, a: f"{n} <{a}>", _plain_words, _plain_addr),
    st.builds(lambda n, a: f'"{n}" <{a}>', _plain_words, _plain_addr),
    st.builds(lambda n, a: f"{n} <{a}>", st.lists(_good_word, min_size=1, max_size=4)
              .map(" ".join), _plain_addr),
)


def _mail_parser_defective(value: str) -> bool:
    diagnostics: list[object] = []
    get_addresses(value, defects=diagnostics, decode_names=True)
    return bool(diagnostics)


def _registry_accepts(value: str, address: str) -> bool:
    """What mailbox() concludes from the registry check: it passes."""
    found = _registry_addresses(value)
    return found is not None and (not found or [a.lower() for a in found] == [address.lower()])


def _check_plain(value: str) -> None:
    if plain_mailbox(value):
        assert not _mail_parser_defective(value), value


def _check_registry(value: str) -> None:
    address = registry_safe(value)
    if address is not None:
        assert _registry_accepts(value, address), value


@_PROOF
@given(_values)
def test_plain_mailbox_values_have_no_mail_parser_diagnostic(value: str) -> None:
    _check_plain(value)


@_PROOF
@given(_values)
def test_registry_safe_values_pass_the_registry_check(value: str) -> None:
    _check_registry(" ".join(value.split()))


@_PROOF
@given(_in_shape)
def test_every_value_in_the_shapes_is_proved(value: str) -> None:
    assert registry_safe(value) is not None
    _check_registry(value)
    _check_plain(value)


# mailbox() itself, without its cache (the cache would answer the second reading).
_uncached_mailbox = mailbox.__wrapped__  # type: ignore[attr-defined]


@_PROOF
@given(st.one_of(_values, _in_shape))
def test_mailbox_reads_the_same_with_and_without_the_shape_test(value: str) -> None:
    fast = _uncached_mailbox(value)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(addresses, "registry_safe", lambda _value: None)
        assert _uncached_mailbox(value) == fast


def test_an_overlong_value_is_still_rejected_by_the_header_parser() -> None:
    value = "a" * 2100 + "@example.org"
    assert registry_safe(value) is None
    assert mailbox(value) == (None, None, ("address: rejected by the header parser",))


def test_the_shapes_are_not_too_wide() -> None:
    # Each shape test fails a value the slow check objects to (the test can fail).
    assert not plain_mailbox("=?UTF-8?b?:?= <0@0>")
    assert _mail_parser_defective("=?UTF-8?b?:?= <0@0>")
    assert registry_safe("=?UTF-8?b?=:?= <0@0>") is None
    assert _registry_addresses("=?UTF-8?b?=:?= <0@0>") is None
    assert registry_safe("a..b@example.org") is None
    assert not plain_mailbox('"Ann" <a@b>\r\n')
    assert plain_mailbox("=?utf-8?q?Pawe=C5=82_Mazurek?= <pawel.mazurek@o2.pl>")
    assert plain_mailbox("=?windows-1250?b?UGF3ZbMgSmFis2/xc2tp?= <p.j@example.org>")
    # Undecodable, a control character, a quote: mail-parser's own reading decides.
    assert not plain_mailbox("=?UTF-8?b?0?= <a@b>")
    assert not plain_mailbox("=?utf-8?q?a=01b?= <a@b>")
    assert not plain_mailbox("=?utf-8?q?a=22b?= <a@b>")


def test_parse_reads_generated_mail_the_same_without_the_shape_tests(
        monkeypatch: pytest.MonkeyPatch) -> None:
    raws = [m.raw for m in generate(60, 7)]
    fast = [parse.parse(raw) for raw in raws]
    monkeypatch.setattr(addresses, "registry_safe", lambda _value: None)
    monkeypatch.setattr(parse, "plain_mailbox", lambda _value: False)
    monkeypatch.setattr(parse, "mailbox", _uncached_mailbox)
    parse._cached_address_defective.cache_clear()
    slow = [parse.parse(raw) for raw in raws]
    assert fast == slow
    assert sum(1 for m in fast if m.from_addr) > 40


# Received values: trace words, FWS, comments, literals, angle addresses, separators, stamps,
# and the characters that make the trace scanner object (quotes, nesting, escapes, 8-bit).
_trace_word = st.one_of(
    st.sampled_from(["from", "by", "with", "id", "for", "via", "envelope-from", "ESMTP",
                     "cipher", "mx.um.krakow.pl", "helo", "2024-01-02 10:11:12.123456789 +0000 UTC m=+1.5"]),
    st.text(st.sampled_from(list("aZ09.-_=:@,+")), min_size=1, max_size=8),
)
_fws = st.sampled_from([" ", "\r\n\t", "\t", "\r\n ", ""])
_inner = st.lists(st.one_of(_trace_word, _fws, st.sampled_from(list('[];"<>'))),
                  max_size=4).map("".join)
_noise = st.sampled_from([*'"()<>[];\\ąé\udcc4\x00', "((", "<<", "(a)(b)"])
_bare_stamp = st.one_of(
    st.sampled_from(["Mon, 24 Feb 2014 07:35:12 +0100", "Tue, 24 Feb 2014 07:35:12 +0100",
                     "24 Feb 2014 07:35:12 GMT", "Mon, 31 Feb 2014 07:35:12 +0100",
                     "Mon, 24 Feb 2014 25:35:12 +0100", "Mon, 24 Feb 2014 07:35:12 +01",
                     "Mon, 24 Feb 2014 07:35:12", "", "  ", "Mon, 24 Feb 14 7:35 EST",
                     "Mon, 24 Feb 2014 07:35:60 -0000", "Mon, 24 Feb 20014 07:35:12 +0100",
                     "Tue,  4 Mar 2014 13:10:08 +0100"]),
    _inner,
)
# Comments in the stamp, as Postfix writes the zone ("+0100 (CET)"), nested and unbalanced too.
_stamp_comment = st.one_of(
    st.sampled_from(["(CET)", "(CEST)", "(UTC)", "(PST)", "((CET))", "(CET", "CET)", "()",
                     "(CET) (x)", "(C\\ET)"]),
    _inner.map(lambda t: f"({t})"),
)
_stamp = st.one_of(
    _bare_stamp,
    st.builds(lambda stamp, fws, comment: stamp + fws + comment,
              _bare_stamp, st.sampled_from([" ", "", "\r\n\t", "  "]), _stamp_comment),
)
# One nested level, as in Postfix's "(using TLSv1 with cipher ... (256/256 bits))"; two
# levels and unbalanced ones must fall back to the library.
_nested = st.builds(lambda a, b, c: f"({a}({b}){c})", _inner, _inner, _inner)
_trace_piece = st.one_of(
    _trace_word, _fws,
    _inner.map(lambda t: f"({t})"), _inner.map(lambda t: f"[{t}]"),
    _inner.map(lambda t: f"<{t}>"), _noise, _nested,
    _nested.map(lambda t: f"(x {t})"), _nested.map(lambda t: f"({t}"),
)
_received = st.builds(lambda parts, sep, stamp: "".join(parts) + sep + stamp,
                      st.lists(_trace_piece, max_size=12),
                      st.sampled_from([";", "; ", ";\r\n\t", "", ";;", "; for <a@b>;"]),
                      _stamp)


def _slow_received(values: list[str]) -> tuple[list[object], list[object]]:
    faults: list[object] = []
    dates: list[object] = []
    receiveds_parsing(values, defects=faults, date_defects=dates)
    return faults, dates


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(_received)
def test_plain_received_values_have_no_fault_and_the_stamp_mail_parser_reads(value: str) -> None:
    stamp = plain_received_stamp(value)
    if stamp is None:
        return
    faults, dates = _slow_received([value])
    assert faults == []
    assert dates == date_diagnostics(parse_mail_date(stamp), value, "received", 0)


def test_the_received_shape_is_met_and_missed() -> None:
    postfix = ("from mail.wp.pl (mail.wp.pl [198.51.100.23])\r\n\tby mx.um.krakow.pl (Postfix)"
               " with ESMTP id 0851195C2F\r\n\tfor <ngo@um.krakow.pl>; Mon, 24 Feb 2014 20:31:06 +0100")
    assert plain_received_stamp(postfix) == "Mon, 24 Feb 2014 20:31:06 +0100"
    # One nested level and a zone comment after the stamp: every devset Received line.
    tls = postfix.replace("\r\n\tby", "\r\n\t(using TLSv1 with cipher ECDHE-RSA-AES256-SHA"
                          " (256/256 bits))\r\n\tby") + " (CET)"
    assert plain_received_stamp(tls) == "Mon, 24 Feb 2014 20:31:06 +0100 (CET)"
    assert _slow_received([tls]) == ([], date_diagnostics(
        parse_mail_date("Mon, 24 Feb 2014 20:31:06 +0100 (CET)"), tls, "received", 0))
    twice = postfix.replace("(Postfix)", "(Postfix (x (y)))")
    assert plain_received_stamp(twice) is None
    assert plain_received_stamp(postfix + " ((CET))") is None
    assert plain_received_stamp(postfix.replace(";", "; for <a@b>;")) is None
    assert _slow_received([postfix.replace(";", "; id x;")])[0] != []


def _with_received(values: list[str]) -> bytes:
    head = "".join(f"Received: {v}\r\n" for v in values)
    return (head + "From: a@example.org\r\nDate: Mon, 24 Feb 2014 20:31:06 +0100\r\n"
            "Subject: x\r\n\r\nbody\r\n").encode("utf-8", "surrogateescape")


def _categories(raw: bytes) -> object:
    try:
        return sorted(parse._TreeAndDefects.from_bytes(raw).defects_categories)
    except Exception as exc:
        return type(exc).__name__


# Folded values only (a bare CR or LF would start a new header line).
_folded = _received.map(lambda v: v.replace("\r\n", "\r\n ").replace("\r\n  ", "\r\n "))


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_folded, min_size=1, max_size=3))
def test_header_pass_gives_the_same_categories_without_the_received_shape(
        values: list[str]) -> None:
    raw = _with_received(values)
    fast = _categories(raw)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parse, "plain_received_stamp", lambda _value: None)
        assert _categories(raw) == fast


_role = st.sampled_from(["Postmaster", "postmaster", "INFO", "Abuse", "www", "noc", "Sales"])
_local_atom = st.one_of(st.text(st.sampled_from(list("aZz09_+-.!#")), min_size=0, max_size=70),
                        _role)
_label = st.one_of(st.text(st.sampled_from(list("az09-A")), min_size=0, max_size=66),
                   st.sampled_from(["xn--abc", "ab--cd", "-a", "a-", "localhost", "test"]))
_tld = st.sampled_from(["pl", "com", "org", "net", "eu", "info", "test", "local", "arpa", "PL",
                        "invalid", "onion", "123", "p", "pl."])
_addresses = st.builds(lambda lo, labels, tld: f"{lo}@{'.'.join([*labels, tld])}",
                       st.lists(_local_atom, min_size=1, max_size=3).map(".".join),
                       st.lists(_label, min_size=0, max_size=4), _tld)
_plain_valid = st.builds(
    lambda lo, labels, tld: f"{lo}@{'.'.join([*labels, tld])}",
    st.one_of(_role, st.from_regex(r"[A-Za-z0-9_+-]{1,30}(\.[A-Za-z0-9_+-]{1,30}){0,2}",
                                   fullmatch=True)),
    st.lists(st.from_regex(r"[a-z0-9]{1,30}(-[a-z0-9]{1,30}){0,2}", fullmatch=True),
             min_size=1, max_size=4),
    st.sampled_from(["pl", "com", "org", "net", "eu", "info"]))


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(_addresses, _plain_valid))
def test_validated_answers_as_email_validator(address: str) -> None:
    assert validated.__wrapped__(address) == _email_validator(address)  # type: ignore[attr-defined]


def _email_validator(address: str) -> str | None:
    try:
        return str(validate_email(address, check_deliverability=False).normalized)
    except (EmailNotValidError, ValueError, UnicodeError):
        return None


def test_the_plain_address_shape_is_taken() -> None:
    assert addresses._PLAIN_VALID.fullmatch("jan.kowalski@um.krakow.pl")
    assert not addresses._PLAIN_VALID.fullmatch("jan@host.test")
    for address in ("x" * 65 + "@example.pl", "Postmaster@b.pl", "a@b.test", "a@B.pl",
                    "a..b@c.pl", "a@b--c.pl"):
        assert validated(address) == _email_validator(address)
    assert _email_validator("a@b.test") is None
