"""parse(): headers, addresses, charsets, HTML, attachments, hostile bytes, devset text vs quoted."""

from __future__ import annotations

import base64
import io
import zipfile
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reader_support import (
    DATA,
    DEVSET,
    crlf,
    docx_bytes,
    file_part,
    message,
    multipart,
    odt_bytes,
    pdf_bytes,
    text_part,
)

from mailbot.attachments import safe_filename
from mailbot.parse import parse
from mailbot.textutil import decode_bytes, repair_mojibake

PL = "Zażółć gęślą jaźń. Świętość, Źródło"


def fixture(name: str) -> bytes:
    return (DATA / name).read_bytes()


def devset(number: str) -> bytes:
    path = DEVSET / f"{number}.eml"
    if not path.exists():
        pytest.skip("../shared/devset is absent")
    return path.read_bytes()


def assert_clean_headers(parsed_values: list[str]) -> None:
    for value in parsed_values:
        assert not any(ch in value for ch in "\r\n\x00\u2028\u2029\u202e\u2066"), value


# --- headers and addresses -------------------------------------------------------------------

def test_fields_of_an_ordinary_message() -> None:
    parsed = parse(fixture("outlook_reply_pl.eml"))
    assert parsed.from_addr == "jan@przyklad.org.pl"  # domain lower-cased, local part kept
    assert parsed.from_name == "Jan Kowalski"
    assert parsed.subject == "ODP: Zaproszenie na konferencję"
    assert parsed.to == ("ngo@um.krakow.pl",)
    assert parsed.message_id == "<000a01cf36e7$0001$0002$@przyklad.org.pl>"
    assert parsed.date == datetime(2014, 3, 3, 10, 0, 1, tzinfo=timezone(timedelta(hours=1)))
    assert parsed.received == datetime(2014, 3, 3, 10, 0, 5, tzinfo=timezone(timedelta(hours=1)))
    assert parsed.size == len(fixture("outlook_reply_pl.eml"))
    assert [name for name, _ in parsed.headers][:3] == ["Return-Path", "Received", "From"]
    assert parsed.header("x-mailer") == "Microsoft Outlook 14.0"


def test_received_is_the_topmost_header_and_date_without_zone_is_utc() -> None:
    raw = crlf("Received: from b by mx.um.krakow.pl; Wed, 5 Mar 2014 23:59:30 +0100\n"
               "Received: from c by b; Wed, 5 Mar 2014 20:00:00 +0100\n"
               "From: a@example.pl\nDate: Wed, 5 Mar 2014 22:48:51 -0000\n\nx\n").encode()
    parsed = parse(raw)
    assert parsed.received == datetime(2014, 3, 5, 22, 59, 30, tzinfo=UTC)
    assert parsed.date == datetime(2014, 3, 5, 22, 48, 51, tzinfo=UTC)
    assert "date: no time zone, read as UTC" in parsed.defects


def test_cve_2023_27043_address_does_not_yield_bob() -> None:
    parsed = parse(fixture("cve_2023_27043.eml"))
    assert parsed.from_addr is None
    assert parsed.reply_to is None
    assert parsed.from_name is None
    assert not any("bob" in d for d in parsed.defects)
    assert any(d.startswith("from address") for d in parsed.defects)


@pytest.mark.parametrize(("header", "expected"), [
    ("Jan <jan@Example.PL>", "jan@example.pl"),
    ("\"Kowalski, Jan\" <Jan.Kowalski@example.pl>", "Jan.Kowalski@example.pl"),
    ("jan@example.pl (Jan Kowalski)", "jan@example.pl"),
    ("=?utf-8?B?eHB0bw?= <dummy@example.pl>", "dummy@example.pl"),
    ("\"=?ISO-8859-1?B?c2g=?=\" <sh@example.pl>", "sh@example.pl"),
    ("marta.sobczyk <marta.sobczyk@op.pl>", "marta.sobczyk@op.pl"),
    ("alice@example.com <bob@example.com>", None),
    ("a@example.pl, b@example.pl", None),
    ("Mail Delivery System <MAILER-DAEMON>", None),
    ("<>", None),
    ("jan@localhost", None),
])
def test_from_address_is_strict(header: str, expected: str | None) -> None:
    assert parse(message("x", sender=header)).from_addr == expected


def test_reply_to_and_to_addresses() -> None:
    raw = message("x", headers="Reply-To: Prywatny <Marta.Lis@O2.pl>\n")
    raw = raw.replace(b"To: ngo@um.krakow.pl", b"To: A <a@example.pl>, b@example.pl, zly@adres")
    parsed = parse(raw)
    assert parsed.reply_to == "Marta.Lis@o2.pl"
    assert parsed.to == ("a@example.pl", "b@example.pl")


def test_crlf_in_encoded_word_subject_and_display_name_is_cleaned() -> None:
    raw = message("x", subject="=?utf-8?q?Hello=0D=0ABcc=3A_victim=40example.net?=",
                  sender="=?utf-8?q?Eve=0D=0ABcc=3A_x=40y.pl?= <eve@example.pl>")
    parsed = parse(raw)
    assert parsed.subject == "Hello Bcc: victim@example.net"
    assert parsed.from_addr == "eve@example.pl"
    assert parsed.from_name == "Eve Bcc: x@y.pl"
    assert_clean_headers([parsed.subject, parsed.from_name or ""] + [v for _, v in parsed.headers])


def test_bidi_and_line_separators_are_removed_from_headers() -> None:
    parsed = parse(message("x", subject="=?utf-8?b?" + base64.b64encode(
        "Faktura\u202egpj.exe\u2028Bcc: x\u2066".encode()).decode() + "?="))
    assert parsed.subject == "Faktura gpj.exe Bcc: x"


def test_nul_bytes_in_headers_and_body_are_dropped() -> None:
    raw = message("Zgłaszam\x00 udział\x00.", subject="Zg\x00loszenie")
    parsed = parse(raw)
    assert "\x00" not in parsed.text
    assert parsed.text == "Zgłaszam udział."
    assert_clean_headers([v for _, v in parsed.headers] + [parsed.subject])


def test_raw_8bit_headers_are_decoded() -> None:
    raw = message("x", subject="Zgłoszenie").replace(
        "Zgłoszenie".encode(), "Zgłoszenie Świętość".encode("iso-8859-2"))
    assert parse(raw).subject == "Zgłoszenie Świętość"


def test_split_multibyte_encoded_words_are_joined() -> None:
    first = base64.b64encode("ż".encode()[:1]).decode()
    second = base64.b64encode("ż".encode()[1:] + "ółw".encode()).decode()
    parsed = parse(message("x", subject=f"=?utf-8?B?{first}?=\r\n =?utf-8?B?{second}?= x"))
    assert parsed.subject == "żółw x"


# --- charsets ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("encoding", "declared"), [
    ("cp1250", "iso-8859-2"),  # the classic mislabel: ś ź Ś Ź differ
    ("iso-8859-2", "windows-1250"),
    ("cp1250", None),          # unlabelled 8-bit
    ("iso-8859-2", None),
    ("utf-8", None),
    ("iso-8859-2", "us-ascii"),
    ("iso-8859-2", "iso-8859-1"),  # latin-1 label on Polish bytes
    ("cp1250", "utf-8"),
])
def test_mislabelled_polish_text_is_repaired(encoding: str, declared: str | None) -> None:
    raw = message(PL.encode(encoding), charset=declared)
    parsed = parse(raw)
    assert parsed.text == PL
    assert any("read as" in d for d in parsed.defects) or declared is None


def test_correct_labels_are_kept_without_a_defect() -> None:
    for encoding in ("iso-8859-2", "windows-1250", "utf-8"):
        parsed = parse(message(PL, charset=encoding, cte="quoted-printable"))
        assert parsed.text == PL
        assert not parsed.defects


def test_mislabelled_fixture() -> None:
    parsed = parse(fixture("mislabelled_cp1250.eml"))
    assert "Świętosław Źrebięcki, Stowarzyszenie Środowisko i Źródła" in parsed.text
    assert "text/plain: charset iso-8859-2 read as cp1250" in parsed.defects


def test_latin1_mojibake_is_repaired() -> None:
    assert repair_mojibake("za¿ó³æ gê¶l± ja¼ñ") == "zażółć gęślą jaźń"
    assert repair_mojibake("zaÅ¼Ã³Å‚Ä‡ gÄ™Å›lÄ… jaÅºÅ„") == "zażółć gęślą jaźń"
    assert repair_mojibake("Grüße, René") == "Grüße, René"
    # Double-encoded UTF-8 in a body labelled UTF-8.
    parsed = parse(message(PL.encode("utf-8").decode("cp1252").encode("utf-8")))
    assert parsed.text == PL
    assert any("mojibake repaired" in d for d in parsed.defects)


@pytest.mark.parametrize("label", ["x-unknown", "zlib_codec", "base64_codec", "no-such-charset",
                                   "punycode", "utf-7\""])
def test_unknown_or_non_text_charsets_never_raise(label: str) -> None:
    parsed = parse(message("Zgłoszenie udziału".encode("cp1250"), charset=label))
    assert parsed.text == "Zgłoszenie udziału"
    assert decode_bytes(b"\xff\xfe\x00", label).text  # replacement, not an exception


def test_non_latin_declared_charset_is_trusted() -> None:
    text = "Добрый день"
    assert parse(message(text.encode("koi8-r"), charset="koi8-r")).text == text


def test_unreadable_text_is_flagged_garbled() -> None:
    cyrillic = "Добрий день! Надсилаю рахунок за оренду залу за лютий 2014 р. Прошу підтвердити."
    parsed = parse(message(cyrillic.encode("koi8-u"), charset="windows-1250"))
    assert "text: garbled (unreadable charset)" in parsed.defects


# --- HTML ---------------------------------------------------------------------------------------

def test_html_only_outlook_mail_with_a_table() -> None:
    parsed = parse(fixture("outlook_html_table.eml"))
    assert parsed.html is True
    lines = parsed.text.splitlines()
    assert any("Zofia Świątek" in ln and "prezes" in ln and "601 222 333" in ln for ln in lines)
    assert any("Źdźisław Ślęzak" in ln and "skarbnik" in ln for ln in lines)
    assert "<" not in parsed.text
    assert "MsoNormal" not in parsed.text


def test_plain_text_is_preferred_to_html() -> None:
    raw = multipart([text_part("Wersja tekstowa."), text_part("<p>Wersja <b>HTML</b></p>",
                                                              ctype="text/html")],
                    subtype="alternative")
    parsed = parse(raw)
    assert parsed.text == "Wersja tekstowa."
    assert parsed.html is False


def test_empty_plain_part_falls_back_to_html() -> None:
    raw = multipart([text_part("  \n"), text_part("<div>Zgłaszam<br>Jana</div><script>x()</script>",
                                                   ctype="text/html")], subtype="alternative")
    parsed = parse(raw)
    assert parsed.text == "Zgłaszam\nJana"
    assert parsed.html is True


def test_huge_html_is_capped() -> None:
    html = "<div>" + "<b>a</b>" * 200_000 + "</div>"
    parsed = parse(message(html, ctype="text/html"))
    assert "html: input over 1 MiB, truncated" in parsed.defects


# --- attachments --------------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "filename", "ctype", "expected"), [
    (docx_bytes(), "zgłoszenie.docx", "application/octet-stream", "Łucja Śliwińska   prezes"),
    (odt_bytes(), "formularz.odt", "application/vnd.oasis.opendocument.text",
     "Uczestnik: Grzegorz Brzęczyszczykiewicz"),
    (pdf_bytes(), "form.pdf", "application/pdf", "Fundacja Testowa zglasza Jana Nowaka"),
    (rb"{\rtf1\ansi\ansicpg1250 Zg\'b3aszam Pani\'b9 \'8cwi\'eatos\'b3aw\'b9.\par}", "f.rtf",
     "application/rtf", "Zgłaszam Panią Świętosławą."),
    ("Uczestnik: Świętosław Źrebięcki".encode("cp1250"), "lista.txt", "text/plain",
     "Uczestnik: Świętosław Źrebięcki"),
])
def test_attachment_text(data: bytes, filename: str, ctype: str, expected: str) -> None:
    raw = multipart([text_part("W załączeniu zgłoszenie."), file_part(data, filename, ctype)])
    parsed = parse(raw)
    assert parsed.text == "W załączeniu zgłoszenie."
    (attachment,) = parsed.attachments
    assert attachment.filename == filename
    assert attachment.size == len(data)
    assert expected in attachment.text
    assert expected in parsed.attachment_text


def test_named_inline_text_part_is_body_text() -> None:
    inline = crlf("Content-Type: text/plain; charset=utf-8; name=\"tekst.txt\"\n"
                  "Content-Disposition: inline; filename=\"tekst.txt\"\n\n"
                  "Zgłaszam Jana Kowalskiego.\n").encode()
    parsed = parse(multipart([text_part("Dzień dobry,"), inline]))
    assert parsed.text == "Dzień dobry,\n\nZgłaszam Jana Kowalskiego."
    assert parsed.attachments == ()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "filename", "defect"), [
    (_zip({f"m{i}.xml": b"x" for i in range(101)}), "many.docx", "101 members"),
    (_zip({"word/document.xml": b"<a/>" + b" " * 10_000_000}), "bomb.docx", "ratio"),
    (pdf_bytes(pages=21), "long.pdf", "21 pages"),
    (b"PK\x03\x04 broken", "broken.docx", "not a zip file"),
    (b"%PDF-1.4 garbage", "broken.pdf", "unreadable pdf"),
    (_zip({"word/document.xml": b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]><x>&a;</x>"}), "dtd.docx",
     "DTD"),
    (_zip({"content.xml": b"<not-closed"}), "bad.odt", "malformed XML"),
])
def test_attachment_caps_and_failures_give_a_defect(data: bytes, filename: str,
                                                    defect: str) -> None:
    parsed = parse(multipart([text_part("x"), file_part(data, filename,
                                                         "application/octet-stream")]))
    assert parsed.attachments[0].text == ""
    assert any(filename in d and defect in d for d in parsed.defects), parsed.defects


def test_attachment_filenames_are_display_strings_only() -> None:
    assert safe_filename("../../../tmp/evil\x00.sh") == "evil.sh"
    assert safe_filename("C:\\Users\\x\\doc.pdf") == "doc.pdf"
    assert safe_filename("faktura\u202egpj.exe") == "fakturagpj.exe"
    assert safe_filename("=?windows-1250?Q?zg=B3oszenie=5FSpinacz=2Edocx?=") == \
        "zgłoszenie_Spinacz.docx"
    long = safe_filename("a" * 300 + ".docx")
    assert len(long) <= 120
    assert long.endswith(".docx")


def test_devset_docx_form_is_read() -> None:
    parsed = parse(devset("025"))
    (attachment,) = parsed.attachments
    assert attachment.filename == "zgłoszenie_Spinacz.docx"
    assert "Fundacja Inicjatyw Społecznych Spinacz" in attachment.text


def test_attached_message_text_follows_the_body() -> None:
    parsed = parse(fixture("forward_attached.eml"))
    body, _, forwarded = parsed.text.partition("Od: Renata Czech <renata@pracownia.example.pl>")
    assert "Przesyłam zgłoszenie Pani Prezes" in body
    assert "Fundacja Pracownia zgłasza udział Renaty Czech (prezes)." in forwarded
    assert "Temat: Zgłoszenie" in forwarded
    assert [a.content_type for a in parsed.attachments] == ["message/rfc822"]


def test_returned_message_of_a_report_is_quoted_not_text() -> None:
    parsed = parse(devset("019"))
    assert "Beata Pawlak" not in parsed.text
    assert "Zarejestrowane osoby: Jan Adamczyk, Beata Pawlak" in parsed.quoted
    assert any(a.content_type == "message/delivery-status" and "Action: failed" in a.text
               for a in parsed.attachments)


# --- hostile and broken input ---------------------------------------------------------------------

def test_invalid_base64_never_raises() -> None:
    raw = message(b"WmfFgm9zemVuaWU=!!!@@@***\r\nnot base64 at all\r\n").replace(
        b"Content-Transfer-Encoding: 8bit", b"Content-Transfer-Encoding: base64")
    parsed = parse(raw)
    assert parsed.text.startswith("Zgłoszenie")
    assert any("Base64" in d for d in parsed.defects)


def test_deep_nesting_is_capped_not_fatal() -> None:
    raw = b"From: a@example.pl\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
    for depth in range(1, 1000):
        raw += b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (depth - 1, depth)
    parsed = parse(raw + b"--b999\r\nContent-Type: text/plain\r\n\r\nhej\r\n")
    assert parsed.defects  # whichever parser gave up, it says so
    assert parsed.from_addr == "a@example.pl"


@pytest.mark.parametrize("raw", [
    b"", b"\x00\xff" * 100, b"no headers at all\r\njust text", b"From: x\r\n",
    b"Subject: =?utf-8?b?####?=\r\n\r\n", b"\r\n\r\n\r\n", b"Content-Type: multipart/mixed\r\n\r\n--",
    b"Content-Type: message/rfc822\r\n\r\nContent-Type: message/rfc822\r\n\r\n",
    b"From: " + b"(" * 5000 + b"a@b.pl" + b")" * 5000 + b"\r\n\r\nx",
])
def test_garbage_gives_a_parsed_mail(raw: bytes) -> None:
    parsed = parse(raw)
    assert parsed.size == len(raw)
    assert "\x00" not in parsed.text


def test_mail_parser_failure_falls_back_and_says_so() -> None:
    # mail-parser 4.8 raises AttributeError on a truncated inner multipart (no outer epilogue).
    raw = crlf("From: a@example.pl\nContent-Type: multipart/mixed; boundary=\"q\"\n\n"
               "--q\nContent-Type: text/plain\n\nTreść\n--q\nContent-Type: message/rfc822\n\n"
               "From: b@example.pl\nContent-Type: multipart/alternative; boundary=\"z\"\n\n"
               "truncated\n").encode()
    parsed = parse(raw)
    assert parsed.text.startswith("Treść")
    assert "mail-parser failed (AttributeError), stdlib parser used" in parsed.defects


# --- quoted replies and forwards ----------------------------------------------------------------

OWN = "Zgłaszam udział Pani Anny Nowak (skarbnik).\n\nPozdrawiam\nJan Kowalski"
INVITE = ("Szanowni Państwo,\nzapraszamy na konferencję 7 marca.\n"
          "Informacji udziela Pan Piotr Zieliński, tel. 12 616-78-00.")
QUOTED_INVITE = "\n".join("> " + line for line in INVITE.splitlines())


@pytest.mark.parametrize("separator", [
    # Polish clients
    "W dniu 2014-02-27 11:47, Konferencja NGO pisze:\n" + QUOTED_INVITE,
    "W dniu 27.02.2014 o 11:47, Konferencja NGO <ngo@um.krakow.pl> pisze:\n\n" + QUOTED_INVITE,
    "Dnia 27 lutego 2014 11:47 Konferencja NGO <ngo@um.krakow.pl> napisał(a):\n" + INVITE,
    "Dnia 27.02.2014 o 11:47 Konferencja NGO napisała:\n" + QUOTED_INVITE,
    "czw., 27 lut 2014 o 11:47 Konferencja NGO <ngo@um.krakow.pl> napisał(a):\n"
    + QUOTED_INVITE,
    "czw., 27 lut 2014 o 11:47 Konferencja NGO <ngo@um.krakow.pl>\nnapisał(a):\n\n"
    + QUOTED_INVITE,
    "27 lutego 2014 11:47 użytkownik Konferencja NGO <ngo@um.krakow.pl>\nnapisał:\n" + INVITE,
    "Użytkownik Konferencja NGO <ngo@um.krakow.pl> napisał:\n" + QUOTED_INVITE,
    "Wiadomość napisana przez Konferencja NGO <ngo@um.krakow.pl> w dniu 27 lut 2014, o godz. "
    "11:47:\n\n" + QUOTED_INVITE,
    "Wiadomość napisana przez Konferencja NGO <ngo@um.krakow.pl> w dniu\n27 lut 2014, o godz. "
    "11:47:\n" + INVITE,
    "-----Wiadomość oryginalna-----\nOd: Konferencja NGO [mailto:ngo@um.krakow.pl]\n"
    "Wysłano: 27 lutego 2014 11:47\nDo: Jan Kowalski\nTemat: Zaproszenie\n\n" + INVITE,
    "----- Oryginalna wiadomość -----\nOd: Konferencja NGO\nDo: Jan Kowalski\n"
    "Wysłano: czwartek, 27 lutego 2014 11:47\nTemat: Zaproszenie\n\n" + INVITE,
    "________________________________\nOd: Konferencja NGO <ngo@um.krakow.pl>\n"
    "Wysłane: 27 lutego 2014 11:47\nDo: Jan Kowalski\nDW: Anna Nowak\nTemat: Zaproszenie\n\n"
    + INVITE,
    "Od: Konferencja NGO [mailto:ngo@um.krakow.pl]\nWysłano: 27 lutego 2014 11:47\n"
    "Do: Jan Kowalski; Anna Nowak;\n Piotr Zieliński\nTemat: Zaproszenie\n\n" + INVITE,
    # English clients
    "On Thu, Feb 27, 2014 at 11:47 AM, Konferencja NGO <ngo@um.krakow.pl> wrote:\n"
    + QUOTED_INVITE,
    "On Thu, Feb 27, 2014 at 11:47 AM, Konferencja NGO <\nngo@um.krakow.pl> wrote:\n\n"
    + QUOTED_INVITE,
    "On 27/02/2014 11:47, Konferencja NGO wrote:\n" + INVITE,
    "-----Original Message-----\nFrom: Konferencja NGO [mailto:ngo@um.krakow.pl]\n"
    "Sent: Thursday, February 27, 2014 11:47 AM\nTo: Jan Kowalski\nSubject: Invitation\n\n"
    + INVITE,
    "________________________________\nFrom: Konferencja NGO <ngo@um.krakow.pl>\n"
    "Sent: 27 February 2014 11:47\nTo: Jan Kowalski\nSubject: Invitation\n\n" + INVITE,
    "*From:* Konferencja NGO <ngo@um.krakow.pl>\n*Date:* 27 February 2014\n"
    "*Subject:* Invitation\n*To:* Jan Kowalski\n\n" + INVITE,
    QUOTED_INVITE,
])
def test_reply_styles_split_own_text_from_quote(separator: str) -> None:
    parsed = parse(message(OWN + "\n\n" + separator, subject="Re: Zaproszenie"))
    assert parsed.text == OWN
    assert "Piotr Zieliński" in parsed.quoted
    assert "Konferencja NGO" in parsed.quoted or separator == QUOTED_INVITE


@pytest.mark.parametrize(("separator", "subject"), [
    ("---------- Wiadomość przekazana dalej ----------", "Fwd: Zgłoszenie"),
    ("---------- Forwarded message ---------", "Fwd: Registration"),
    ("Początek przekazywanej wiadomości:", "Zgłoszenie"),
    ("Begin forwarded message:", "Zgłoszenie"),
    ("-------- Przekazana wiadomość --------", "Zgłoszenie"),
    ("-----Wiadomość oryginalna-----", "PD: Zgłoszenie"),
    ("-----Original Message-----", "FW: Zgłoszenie"),
    ("________________________________", "PD: Zgłoszenie"),
])
def test_forward_styles_keep_the_forwarded_registration(separator: str, subject: str) -> None:
    forwarded = ("Od: Renata Czech <renata@pracownia.example.pl>\nData: 4 marca 2014 10:58\n"
                 "Temat: Zgłoszenie\nDo: Jacek Wrona <jacek@example.pl>\n\n"
                 "Fundacja Pracownia zgłasza Renatę Czech (prezes).\n\nRenata Czech")
    note = "Przesyłam zgłoszenie Pani Prezes.\nJacek Wrona"
    parsed = parse(message(f"{note}\n\n{separator}\n{forwarded}", subject=subject))
    assert parsed.text.startswith(note)
    assert "Fundacja Pracownia zgłasza Renatę Czech (prezes)." in parsed.text
    assert "Od: Renata Czech <renata@pracownia.example.pl>" in parsed.text
    assert separator not in parsed.text
    assert parsed.quoted == ""


def test_forward_of_a_reply_keeps_the_forward_and_quotes_the_reply() -> None:
    body = ("Przesyłam dalej.\n\n---------- Forwarded message ---------\n"
            "From: Renata <renata@example.pl>\nDate: 4 March 2014\nSubject: Re: Zaproszenie\n"
            "To: Jacek <jacek@example.pl>\n\nZgłaszam Renatę Czech.\n\n"
            "On Thu, Feb 27, 2014 at 11:47 AM, Konferencja NGO <ngo@um.krakow.pl> wrote:\n"
            + QUOTED_INVITE)
    parsed = parse(message(body, subject="Fwd: Re: Zaproszenie"))
    assert "Zgłaszam Renatę Czech." in parsed.text
    assert "Piotr Zieliński" in parsed.quoted
    assert "Piotr Zieliński" not in parsed.text


def test_outlook_block_with_nothing_above_is_read_as_a_forward() -> None:
    body = ("Od: Renata Czech\nWysłano: 4 marca 2014 10:58\nDo: Jacek Wrona\nTemat: Zgłoszenie\n\n"
            "Zgłaszam Renatę Czech.")
    parsed = parse(message(body, subject="Zgłoszenie"))
    assert "Zgłaszam Renatę Czech." in parsed.text


@pytest.mark.parametrize("own_text", [
    "Temat: udział w konferencji\nZgłaszam Jana Kowalskiego.",
    "Zgłaszam Jana Kowalskiego.\nOd: 9:00 będziemy na miejscu.\nDo: końca konferencji.",
    "Zgłaszam Jana Kowalskiego, jak Pan Prezes napisał:\nprzyjdzie też skarbnik.",
    "Od: Fundacja X\nTemat: zgłoszenie\nZgłaszam Jana Kowalskiego.",
    "Zgłaszam:\n- Jan Kowalski\n-----\n- Anna Nowak",
    "Zgłaszam Jana Kowalskiego.\nW dniu konferencji będę pisał: relację.",
    "Zgłaszam Jana Kowalskiego.\nWiadomość napisana przez Pana w dniu wczorajszym:\nbez zmian.",
])
def test_user_lines_that_look_like_headers_do_not_cut_the_text(own_text: str) -> None:
    parsed = parse(message(own_text))
    assert parsed.text == own_text
    assert parsed.quoted == ""


def test_interleaved_and_bottom_posted_replies_keep_every_own_line() -> None:
    body = ("> Czy przyjdą Państwo?\nTak, zgłaszam Jana Kowalskiego.\n"
            "> Ile osób?\nDwie: także Anna Nowak.")
    parsed = parse(message(body))
    assert parsed.text == "Tak, zgłaszam Jana Kowalskiego.\nDwie: także Anna Nowak."
    assert parsed.quoted == "> Czy przyjdą Państwo?\n> Ile osób?"
    bottom = ("W dniu 2014-02-27 11:47, Konferencja NGO pisze:\n" + QUOTED_INVITE
              + "\n\nZgłaszam Jana Kowalskiego.")
    parsed = parse(message(bottom))
    assert parsed.text == "Zgłaszam Jana Kowalskiego."


@pytest.mark.parametrize("name", ["outlook_reply_pl.eml", "thunderbird_reply_pl.eml",
                                  "gmail_wrapped_pl.eml"])
def test_reply_fixtures(name: str) -> None:
    parsed = parse(fixture(name))
    assert "zgłaszam" in parsed.text
    assert "Zieliński" not in parsed.text
    assert "Zieliński" in parsed.quoted
    assert "Zaproszenie" not in parsed.text.replace("Temat: udział", "")


def test_flowed_text_is_unwrapped() -> None:
    parsed = parse(fixture("thunderbird_reply_pl.eml"))
    assert "zgłaszam udział Pana Piotra Nowaka (prezes zarządu)." in parsed.text


# --- the devset: text vs quoted where it matters --------------------------------------------------

@pytest.mark.parametrize(("number", "in_text", "in_quoted"), [
    ("016", "w jej miejsce zgłaszam Panią Joannę Sikorę", "Zarejestrowane osoby: Ewa Mazur"),
    ("017", "Halina Stępień - prezes, Fundacja Pomocy Bezdomnym Przystań",
     "Inicjatorką konferencji jest Pani Anna Okońska-Walkowicz."),
    ("022", "- Renata Czech – prezes zarządu, tel. 501 667 092", None),
    ("007", "Recipient address rejected", "Message-ID: <53105EA1.2044760@um.krakow.pl>"),
    ("030", "Mailbox quota exceeded", "Message-ID: <53176277.5469589@um.krakow.pl>"),
    ("006", "Paweł Kurek         koordynator projektów edukacyjnych", None),
    ("029", "(wiadomość wygenerowana automatycznie)", None),
])
def test_devset_text_and_quoted(number: str, in_text: str, in_quoted: str | None) -> None:
    parsed = parse(devset(number))
    assert in_text in parsed.text
    if in_quoted is None:
        assert parsed.quoted == ""
    else:
        assert in_quoted in parsed.quoted
        assert in_quoted not in parsed.text


def test_devset_forward_keeps_its_sender_lines() -> None:
    parsed = parse(devset("022"))
    assert "Od: Renata Czech <renata.czech@pracowniamlodych.pl>" in parsed.text
    assert "Wiadomość przekazana dalej" not in parsed.text


def test_devset_every_message_parses_cleanly() -> None:
    if not DEVSET.exists():
        pytest.skip("../shared/devset is absent")
    for path in sorted(DEVSET.glob("*.eml")):
        parsed = parse(path.read_bytes())
        assert parsed.from_addr, path.name
        assert parsed.received is not None, path.name
        assert parsed.received.tzinfo is not None, path.name
        assert parsed.text.strip(), path.name
        garbled = "text: garbled (unreadable charset)" in parsed.defects
        assert garbled == (path.name == "026.eml"), path.name


# --- property tests -----------------------------------------------------------------------------

_SETTINGS = settings(max_examples=150, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])


def _check(raw: bytes) -> None:
    parsed = parse(raw)
    assert parsed.size == len(raw)
    assert "\x00" not in parsed.text
    assert_clean_headers([v for _, v in parsed.headers] + [parsed.subject,
                                                           parsed.from_name or ""])


@_SETTINGS
@given(st.binary(max_size=4000))
def test_parse_never_raises_on_arbitrary_bytes(raw: bytes) -> None:
    _check(raw)


@_SETTINGS
@given(st.lists(st.sampled_from([
    b"From: ", b"Subject: ", b"Content-Type: multipart/mixed; boundary=x\r\n", b"--x\r\n",
    b"--x--\r\n", b"Content-Type: message/rfc822\r\n", b"=?utf-8?b?xb?=", b"=?x?q?=ZZ?=",
    b"\r\n", b"\n", b"\r", b"\r\n\r\n", b"<a@b.pl>", b"(", b")", b"\"", b"\x00", b"\xff\xfe",
    b"Content-Transfer-Encoding: base64\r\n", b"Content-Transfer-Encoding: quoted-printable\r\n",
    b"charset=x-unknown", b"=\r\n", b"<html><table><tr><td>", b"> ", b"W dniu 1.1.2014 pisze:",
]), max_size=60).map(b"".join))
def test_parse_never_raises_on_mail_shaped_noise(raw: bytes) -> None:
    _check(raw)


_DEVSET_RAW = sorted(DEVSET.glob("*.eml")) if DEVSET.exists() else []


@_SETTINGS
@given(st.data())
def test_parse_never_raises_on_mutated_devset_mail(data: st.DataObject) -> None:
    if not _DEVSET_RAW:
        pytest.skip("../shared/devset is absent")
    raw = bytearray(data.draw(st.sampled_from(_DEVSET_RAW)).read_bytes())
    for _ in range(data.draw(st.integers(1, 12))):
        position = data.draw(st.integers(0, len(raw)))
        action = data.draw(st.sampled_from(["flip", "delete", "insert", "truncate"]))
        if action == "flip" and position < len(raw):
            raw[position] = data.draw(st.integers(0, 255))
        elif action == "delete":
            del raw[position:position + data.draw(st.integers(1, 200))]
        elif action == "insert":
            raw[position:position] = data.draw(st.binary(min_size=1, max_size=50))
        else:
            del raw[position:]
    _check(bytes(raw))
