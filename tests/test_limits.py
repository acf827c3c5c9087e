"""check_limits(): each limit tripped just over it and left alone just under it."""

from __future__ import annotations

import pytest
from reader_support import DEVSET, crlf

from mailbot.limits import Limits, check_limits

HEAD = "From: Jan <jan@example.pl>\nTo: ngo@um.krakow.pl\nSubject: x\n"


def plain(headers: str = "", body: str = "Zgłaszam.\n") -> bytes:
    return crlf(HEAD + headers + "\n" + body).encode()


def nested_multipart(depth: int) -> bytes:
    """A tree `depth` levels deep: nested multiparts, each the only child, then a text part."""
    out = crlf(HEAD + "Content-Type: multipart/mixed; boundary=\"b0\"\n\n")
    for level in range(1, depth - 1):
        out += crlf(f"--b{level - 1}\nContent-Type: multipart/mixed; boundary=\"b{level}\"\n\n")
    out += crlf(f"--b{depth - 2}\nContent-Type: text/plain\n\nhej\n")
    for level in range(depth - 2, -1, -1):
        out += crlf(f"--b{level}--\n")
    return out.encode()


def nested_messages(depth: int) -> bytes:
    """A message/rfc822 chain: `depth` counts the outer message and every embedded one."""
    out = HEAD + "Content-Type: message/rfc822\n\n"
    out += "From: a@example.pl\nContent-Type: message/rfc822\n\n" * (depth - 2)
    return crlf(out + "From: a@example.pl\nSubject: inner\n\nhej\n").encode()


def many_parts(count: int) -> bytes:
    parts = "".join(f"--B\nContent-Type: text/plain\n\npart {i}\n" for i in range(count))
    return crlf(HEAD + "Content-Type: multipart/mixed; boundary=B\n\n" + parts + "--B--\n").encode()


def test_defaults_match_the_brief() -> None:
    limits = Limits()
    assert limits.max_message_bytes == 25 * 1024 * 1024
    assert limits.max_header_bytes == 64 * 1024
    assert limits.max_one_header_bytes == 8 * 1024
    assert limits.max_encoded_words == 100
    assert limits.max_mime_depth == 20
    assert limits.max_mime_parts == 200
    assert limits.max_addresses == 100


def test_oversize() -> None:
    raw = plain(body="x" * 2000)
    assert check_limits(raw, Limits(max_message_bytes=len(raw) - 1)) == "oversize"
    assert check_limits(raw, Limits(max_message_bytes=len(raw))) is None


def test_header_block_too_large() -> None:
    headers = "".join(f"X-Filler-{i}: {'a' * 100}\n" for i in range(700))  # ~80 KiB, 700 fields
    assert check_limits(plain(headers)) == "header_too_large"
    assert check_limits(plain(headers), Limits(max_header_bytes=200_000,
                                               max_header_fields=1000)) is None


def test_header_block_without_end_is_too_large() -> None:
    raw = b"Subject: " + b"a" * 70_000  # no blank line at all
    assert check_limits(raw) == "header_too_large"
    assert check_limits(b"Subject: short, no body") is None


def test_one_header_too_large() -> None:
    assert check_limits(plain(f"X-Long: {'a' * 8200}\n")) == "header_too_large"
    folded = "X-Long: " + "\n ".join(["a" * 70] * 118) + "\n"  # folded, still one field > 8 KiB
    assert check_limits(plain(folded)) == "header_too_large"
    assert check_limits(plain(f"X-Long: {'a' * 8000}\n")) is None


def test_too_many_header_fields() -> None:
    headers = "".join(f"X-H{i}: v\n" for i in range(501))
    assert check_limits(plain(headers)) == "header_too_large"
    assert check_limits(plain(headers), Limits(max_header_fields=510)) is None


@pytest.mark.parametrize(("words", "expected"), [(101, "header_bomb"), (100, None)])
def test_encoded_word_bomb(words: int, expected: str | None) -> None:
    subject = " ".join(["=?utf-8?q?a?="] * words)
    raw = crlf(HEAD.replace("Subject: x", f"Subject: {subject}") + "\nx\n").encode()
    assert check_limits(raw) == expected


def test_encoded_word_bomb_in_from() -> None:
    name = "".join(["=?utf-8?b?YQ==?="] * 300)
    assert check_limits(plain().replace(b"From: Jan", f"From: {name}".encode())) == "header_bomb"


@pytest.mark.parametrize(("count", "expected"), [(101, "too_many_addresses"), (100, None)])
def test_too_many_addresses(count: int, expected: str | None) -> None:
    to = ", ".join(f"u{i}@example.pl" for i in range(count))
    assert check_limits(plain(f"Cc: {to}\n")) == expected


@pytest.mark.parametrize(("depth", "expected"), [(21, "too_deep"), (20, None), (1000, "too_deep")])
def test_multipart_depth(depth: int, expected: str | None) -> None:
    assert check_limits(nested_multipart(depth)) == expected


@pytest.mark.parametrize(("depth", "expected"), [(21, "too_deep"), (20, None), (1000, "too_deep")])
def test_message_rfc822_depth(depth: int, expected: str | None) -> None:
    assert check_limits(nested_messages(depth)) == expected


@pytest.mark.parametrize(("count", "expected"), [(200, "too_many_parts"), (199, None),
                                                 (10_000, "too_many_parts")])
def test_too_many_parts(count: int, expected: str | None) -> None:
    # The root counts as a part, as the parser sees it.
    assert check_limits(many_parts(count)) == expected


def test_parts_are_counted_across_nested_multiparts() -> None:
    inner = "".join(f"--I\nContent-Type: text/plain\n\n{i}\n" for i in range(120))
    outer = (HEAD + "Content-Type: multipart/mixed; boundary=O\n\n"
             "--O\nContent-Type: multipart/alternative; boundary=I\n\n" + inner + "--I--\n"
             "--O\nContent-Type: multipart/mixed; boundary=J\n\n"
             + "".join(f"--J\nContent-Type: text/plain\n\n{i}\n" for i in range(100)) + "--J--\n"
             "--O--\n")
    assert check_limits(crlf(outer).encode()) == "too_many_parts"
    assert check_limits(crlf(outer).encode(), Limits(max_mime_parts=300)) is None


def test_dash_lines_that_are_not_boundaries_are_not_parts() -> None:
    body = "--B\nContent-Type: text/plain\n\n" + "-- not a boundary\n" * 5000 + "--B--\n"
    raw = crlf(HEAD + "Content-Type: multipart/mixed; boundary=B\n\n" + body).encode()
    assert check_limits(raw) is None


def test_lf_only_and_cr_only_messages() -> None:
    lf = nested_multipart(25).replace(b"\r\n", b"\n")
    cr = nested_multipart(25).replace(b"\r\n", b"\r")
    assert check_limits(lf) == "too_deep"
    assert check_limits(cr) == "too_deep"


def test_boundaries_are_case_sensitive_and_quoted_or_not() -> None:
    raw = crlf(HEAD + "Content-Type: multipart/mixed;\n boundary=AbC\n\n"
               + "".join("--AbC\nContent-Type: text/plain\n\nx\n" for _ in range(250))
               + "--AbC--\n").encode()
    assert check_limits(raw) == "too_many_parts"
    assert check_limits(raw.replace(b"--AbC", b"--abc")) is None


def test_big_attachment_within_the_cap_passes() -> None:
    body = ("--B\nContent-Type: text/plain\n\nW załączeniu.\n--B\n"
            "Content-Type: application/pdf\nContent-Transfer-Encoding: base64\n\n"
            + ("QUJDRA" * 12 + "\n") * 200_000 + "--B--\n")
    raw = crlf(HEAD + "Content-Type: multipart/mixed; boundary=B\n\n" + body).encode()
    assert len(raw) > 10 * 1024 * 1024
    assert check_limits(raw) is None


def test_devset_passes_every_limit() -> None:
    if not DEVSET.exists():
        pytest.skip("../shared/devset is absent")
    for path in sorted(DEVSET.glob("*.eml")):
        assert check_limits(path.read_bytes()) is None, path.name
