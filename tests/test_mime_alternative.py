"""multipart/alternative: an HTML child that cannot be chosen is decoded but not rendered."""

from __future__ import annotations

from collections.abc import Callable
from email.message import Message

import pytest
from reader_support import crlf, file_part, multipart, text_part

import mailbot.mime as mime
from mailbot.htmltext import MAX_HTML_CHARS, html_to_text
from mailbot.models import ParsedMail
from mailbot.parse import parse

PL = "Dzień dobry, zgłaszam Łucję Śliwińską z Fundacji Żółty Żagiel."
HTML = "<html><body><p>Szanowni Państwo,</p><p>zgłaszam <b>Annę Żak</b>.</p></body></html>"


def nested(parts: list[bytes], subtype: str, boundary: str) -> bytes:
    """A multipart body part (not a whole message) holding already-serialised parts."""
    out = crlf(f'Content-Type: multipart/{subtype}; boundary="{boundary}"\n\n').encode()
    for part in parts:
        out += f"--{boundary}\r\n".encode() + part + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def raw_part(headers: str, body: bytes) -> bytes:
    return crlf(headers + "\n").encode() + body


class Renders:
    """Counts html_to_text calls made by the MIME walk."""

    def __init__(self, real: Callable[[str], tuple[str, tuple[str, ...]]]) -> None:
        self.real = real
        self.calls = 0

    def __call__(self, markup: str) -> tuple[str, tuple[str, ...]]:
        self.calls += 1
        return self.real(markup)


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> Renders:
    counter = Renders(html_to_text)
    monkeypatch.setattr(mime, "html_to_text", counter)
    return counter


def parse_rendering_all(raw: bytes, monkeypatch: pytest.MonkeyPatch) -> ParsedMail:
    """parse() as before the change: every text/html body part rendered."""
    real = mime._body_piece

    def always(part: Message, ctype: str, walk: mime.Walk, render_html: bool = True) -> None:
        real(part, ctype, walk, True)

    with monkeypatch.context() as patch:
        patch.setattr(mime, "_body_piece", always)
        return parse(raw)


def test_plain_then_html_skips_rendering_and_reads_as_before(
    renders: Renders, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = multipart([text_part(PL), text_part(HTML, ctype="text/html")], subtype="alternative")
    got = parse(raw)
    assert renders.calls == 0
    assert got.text == PL
    assert got.html is False
    assert got.defects == ()
    before = parse_rendering_all(raw, monkeypatch)
    assert renders.calls == 1
    assert got == before


def test_every_later_html_child_is_skipped(renders: Renders) -> None:
    raw = multipart([text_part(PL), text_part(HTML, ctype="text/html"),
                     text_part("<p>Inna wersja</p>", ctype="text/html")], subtype="alternative")
    got = parse(raw)
    assert (renders.calls, got.text, got.html) == (0, PL, False)


def test_html_first_is_rendered_and_the_later_plain_chosen(
    renders: Renders, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = multipart([text_part(HTML, ctype="text/html"), text_part(PL)], subtype="alternative")
    got = parse(raw)
    # Nothing plain precedes the HTML, so it is rendered (it could have been the only text).
    assert renders.calls == 1
    assert (got.text, got.html) == (PL, False)
    assert got == parse_rendering_all(raw, monkeypatch)


def test_html_only_alternative_is_rendered(renders: Renders) -> None:
    raw = multipart([text_part(HTML, ctype="text/html")], subtype="alternative")
    got = parse(raw)
    assert renders.calls == 1
    assert got.html is True
    assert "Annę Żak" in got.text


@pytest.mark.parametrize("plain", ["", "   \n\t\n  "], ids=["empty", "whitespace"])
def test_empty_plain_lets_html_be_rendered_and_chosen(
    plain: str, renders: Renders, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = multipart([text_part(plain), text_part(HTML, ctype="text/html")], subtype="alternative")
    got = parse(raw)
    assert renders.calls == 1
    assert got.html is True
    assert "Szanowni Państwo" in got.text
    assert "Annę Żak" in got.text
    assert got == parse_rendering_all(raw, monkeypatch)


def test_plain_sent_as_a_file_does_not_count_as_plain(
    renders: Renders, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A text/plain attachment is no body piece: the HTML is the only text and must be read.
    raw = multipart([file_part(PL.encode(), "notatka.txt", "text/plain"),
                     text_part(HTML, ctype="text/html")], subtype="alternative")
    got = parse(raw)
    assert renders.calls == 1
    assert got.html is True
    assert "Annę Żak" in got.text
    assert got == parse_rendering_all(raw, monkeypatch)


def test_decoding_defect_of_the_unchosen_html_is_recorded(
    renders: Renders, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad_html = raw_part("Content-Type: text/html; charset=iso-8859-2\n"
                        "Content-Transfer-Encoding: 8bit\n", f"<p>{PL}</p>".encode())
    raw = multipart([text_part(PL), bad_html], subtype="alternative")
    got = parse(raw)
    assert renders.calls == 0
    assert got.text == PL
    assert got.defects == ("text/html: charset iso-8859-2 read as utf-8",)
    assert got == parse_rendering_all(raw, monkeypatch)


def test_oversized_unchosen_html_keeps_its_truncation_defect(renders: Renders) -> None:
    big = "<p>" + "x" * (MAX_HTML_CHARS + 10) + "</p>"
    raw = multipart([text_part(PL), text_part(big, ctype="text/html")], subtype="alternative")
    got = parse(raw)
    assert renders.calls == 0
    assert got.text == PL
    assert got.defects == ("html: input over 1 MiB, truncated",)


def test_related_inside_alternative_is_walked_as_before(
    renders: Renders, monkeypatch: pytest.MonkeyPatch
) -> None:
    related = nested([text_part(HTML, ctype="text/html"),
                      file_part(b"\x89PNG\r\n\x1a\n", "logo.png", "image/png")],
                     "related", "REL-1")
    raw = multipart([text_part(PL), related], subtype="alternative")
    got = parse(raw)
    # Only a text/html leaf is skipped; a multipart/related HTML child is walked in full.
    assert renders.calls == 1
    assert (got.text, got.html) == (PL, False)
    assert [a.filename for a in got.attachments] == ["logo.png"]
    assert got == parse_rendering_all(raw, monkeypatch)


def test_alternative_inside_mixed_skips_and_keeps_attachments(
    renders: Renders, monkeypatch: pytest.MonkeyPatch
) -> None:
    alternative = nested([text_part(PL), text_part(HTML, ctype="text/html")],
                         "alternative", "ALT-1")
    raw = multipart([alternative, file_part(b"Lista uczestnikow", "lista.txt", "text/plain")])
    got = parse(raw)
    assert renders.calls == 0
    assert (got.text, got.html) == (PL, False)
    assert [a.filename for a in got.attachments] == ["lista.txt"]
    assert got == parse_rendering_all(raw, monkeypatch)


def test_plain_inside_an_earlier_mixed_child_counts(renders: Renders) -> None:
    mixed = nested([text_part(PL), file_part(b"%PDF-1.4", "formularz.pdf", "application/pdf")],
                   "mixed", "MIX-1")
    raw = multipart([mixed, text_part(HTML, ctype="text/html")], subtype="alternative")
    got = parse(raw)
    assert renders.calls == 0
    assert (got.text, got.html) == (PL, False)


def test_first_plain_child_is_still_chosen(renders: Renders) -> None:
    later = "Wersja druga, której nikt nie czyta."
    raw = multipart([text_part(PL), text_part(HTML, ctype="text/html"), text_part(later)],
                    subtype="alternative")
    got = parse(raw)
    assert (renders.calls, got.text, got.html) == (0, PL, False)
