"""Hostile raw messages (reliability.md §8), each with the outcome the pipeline must reach.

Outcomes: PARKED (a pre-parse limit tripped: stored, state review, reason `limit: <code>`),
SILENT (stored, processed, never answered), ANSWERED (a registration despite its hostile part:
exactly one answer, to `to` or the From address, that passes the header audit) and ANY (stored
and processed without a crash; an answer, if any, is clean).
"""

from __future__ import annotations

import base64
import io
import itertools
import zipfile
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace

PARKED, SILENT, ANSWERED, ANY = "parked", "silent", "answered", "any"
# Never an address anything may be sent to: the injected or spoofed parties.
VICTIM = "victim@evil.example"
TOKEN = "XSSTOKEN"
_SEQ = itertools.count(1)

BODY = (
    "Dzień dobry,\r\n\r\nzgłaszam udział Fundacji Pomocy Sąsiedzkiej w konferencji "
    "„Wspólnie dla Krakowa”.\r\nUczestnicy:\r\n1. Anna Nowak – prezes zarządu\r\n"
    "2. Jan Kowalski – wolontariusz\r\n\r\nZ poważaniem\r\nAnna Nowak\r\n"
).encode()


@dataclass(frozen=True)
class Case:
    name: str
    raw: bytes
    expect: str
    reason: str | None = None  # PARKED: the limit code
    to: str | None = None  # ANSWERED: the one recipient (None: the sender in From)


def mail(
    *headers: tuple[str, str | bytes],
    body: bytes = BODY,
    ctype: str = "text/plain; charset=utf-8",
    cte: str = "8bit",
    message_id: str | None = None,
    sender: str | None = None,
) -> bytes:
    """Raw CRLF bytes; header values go out exactly as given (no encoding, no checks).

    Each message gets its own sender and Message-ID unless given (the per-address cap and
    the answered-once rule must not mix the cases up)."""
    seq = next(_SEQ)
    sender = sender or f"anna.nowak{seq}@fundacja-sasiedzka.org.pl"
    names = {n.lower() for n, _ in headers}
    base: list[tuple[str, str | bytes]] = []
    if "from" not in names:
        base.append(("From", f"Anna Nowak <{sender}>"))
    base += [("To", "ngo@um.krakow.pl")]
    if "subject" not in names:
        base.append(("Subject", "Zgłoszenie na konferencję"))
    base += [
        ("Date", "Mon, 03 Mar 2014 10:00:00 +0100"),
        ("Message-ID", message_id or f"<hostile.{seq}@fundacja.pl>"),
        ("MIME-Version", "1.0"),
        ("Content-Type", ctype),
        ("Content-Transfer-Encoding", cte),
    ]
    lines = [n.encode() + b": " + (v if isinstance(v, bytes) else v.encode()) for n, v in [*base, *headers]]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def multipart(
    parts: list[bytes], boundary: str = "b0", sub: str = "mixed", *headers: tuple[str, str | bytes]
) -> bytes:
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + p + b"\r\n" for p in parts)
    body = b"This is a multipart message.\r\n" + body + b"--" + boundary.encode() + b"--\r\n"
    return mail(*headers, body=body, ctype=f'multipart/{sub}; boundary="{boundary}"', cte="7bit")


def text_part(text: bytes = BODY, ctype: str = "text/plain; charset=utf-8") -> bytes:
    return f"Content-Type: {ctype}\r\nContent-Transfer-Encoding: 8bit\r\n\r\n".encode() + text


def attachment(name: str, data: bytes, ctype: str = "application/octet-stream") -> bytes:
    encoded = base64.encodebytes(data).replace(b"\n", b"\r\n")
    return (
        f'Content-Type: {ctype}; name="{name}"\r\nContent-Transfer-Encoding: base64\r\n'
        f'Content-Disposition: attachment; filename="{name}"\r\n\r\n'
    ).encode() + encoded


def nested_multipart(depth: int) -> bytes:
    inner = text_part()
    for level in range(depth, 1, -1):
        b = f"n{level}".encode()
        inner = (
            b'Content-Type: multipart/mixed; boundary="'
            + b
            + b'"\r\n\r\n--'
            + b
            + b"\r\n"
            + inner
            + b"\r\n--"
            + b
            + b"--\r\n"
        )
    return mail(
        body=b"--n1\r\n" + inner + b"\r\n--n1--\r\n", ctype='multipart/mixed; boundary="n1"', cte="7bit"
    )


def nested_rfc822(depth: int) -> bytes:
    inner = b"From: a@b.pl\r\nSubject: x\r\n\r\nsrodek\r\n"
    for _ in range(depth):
        inner = b"Content-Type: message/rfc822\r\n\r\n" + inner
    return mail(body=inner.split(b"\r\n\r\n", 1)[1], ctype="message/rfc822", cte="7bit")


def zip_bomb_docx() -> bytes:
    """A .docx whose document.xml inflates 1,000-fold (ratio and size caps must stop it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:t>" + b"A" * (120 * 1024 * 1024) + b"</w:t>")
    return multipart(
        [
            text_part(),
            attachment(
                "zgloszenie.docx",
                buffer.getvalue(),
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
        ]
    )


def case(raw: bytes, expect: str, reason: str | None = None, to: str | None = None) -> Case:
    """A case without its name yet (the table gives it)."""
    return Case("", raw, expect, reason, to)


def at(name: str) -> str:
    return f"{name}@fundacja-sasiedzka.org.pl"


def registration_from(org_line: str) -> bytes:
    body = BODY.replace("Fundacji Pomocy Sąsiedzkiej".encode(), org_line.encode())
    return mail(body=body + f"\r\nOrganizacja: {org_line}\r\n".encode())


def _cases() -> list[tuple[str, Callable[[], Case]]]:
    ew = "=?utf-8?q?Zg=C5=82oszenie?= "
    return [
        ("unknown_charset", lambda: case(mail(ctype="text/plain; charset=x-no-such-charset"), ANSWERED)),
        ("zlib_codec_charset", lambda: case(mail(ctype="text/plain; charset=zlib_codec"), ANSWERED)),
        ("base64_codec_charset", lambda: case(mail(ctype="text/plain; charset=base64_codec"), ANSWERED)),
        (
            "utf7_bomb_1mb",
            lambda: case(mail(body=b"+AGEAYQBhAGE-" * 80_000, ctype="text/plain; charset=utf-7"), ANY),
        ),
        (
            "attachment_50mb",
            lambda: case(
                multipart(
                    [text_part(), attachment("skan.pdf", b"%PDF-1.4\n" + b"\x00" * (50 * 1024 * 1024))]
                ),
                PARKED,
                "oversize",
            ),
        ),
        ("parts_1000", lambda: case(multipart([text_part(b"x")] * 1000), PARKED, "too_many_parts")),
        ("parts_5000", lambda: case(multipart([text_part(b"x")] * 5000), PARKED, "too_many_parts")),
        ("nested_multipart_1000", lambda: case(nested_multipart(1000), PARKED, "too_deep")),
        ("nested_rfc822_1000", lambda: case(nested_rfc822(1000), PARKED, "too_deep")),
        ("subject_1000_encoded_words", lambda: case(mail(("Subject", ew * 1_000)), PARKED, "header_bomb")),
        (
            "subject_10k_encoded_words",
            lambda: case(mail(("Subject", ew * 10_000)), PARKED, "header_too_large"),
        ),
        (
            "from_10k_encoded_words",
            lambda: case(
                mail(("From", "=?utf-8?q?A?= " * 10_000 + f"<{at('ew')}>")), PARKED, "header_too_large"
            ),
        ),
        ("header_line_1mb", lambda: case(mail(("X-Long", "a" * 1024 * 1024)), PARKED, "header_too_large")),
        (
            "headers_10000",
            lambda: case(mail(*[(f"X-H{i}", "v") for i in range(10_000)]), PARKED, "header_too_large"),
        ),
        (
            "to_150_addresses",
            lambda: case(
                mail(("To", ", ".join(f"u{i}@ex.org" for i in range(150)))), PARKED, "too_many_addresses"
            ),
        ),
        (
            "cc_10000_addresses",
            lambda: case(
                mail(("Cc", ", ".join(f"u{i}@example.org" for i in range(10_000)))),
                PARKED,
                "header_too_large",
            ),
        ),
        (
            "crlf_in_encoded_subject",
            lambda: case(
                mail(("Subject", f"=?utf-8?q?Zg=C5=82oszenie=0D=0ABcc:_{VICTIM}?="), sender=at("crlf1")),
                ANSWERED,
                to=at("crlf1"),
            ),
        ),
        (
            "crlf_in_display_name",
            lambda: case(
                mail(("From", f"=?utf-8?q?Anna=0D=0ABcc:_{VICTIM}=0D=0A?= <{at('crlf2')}>")),
                # The reader refuses the whole From (its parsers disagree): no valid sender.
                SILENT,
            ),
        ),
        (
            "nul_bytes",
            lambda: case(
                mail(("Subject", b"Zg\x00loszenie"), body=BODY.replace(b"Anna", b"An\x00na")), ANSWERED
            ),
        ),
        ("invalid_base64", lambda: case(mail(body=b"!!!@@@ not base64 ===\r\n" * 50, cte="base64"), ANY)),
        (
            "truncated_quoted_printable",
            lambda: case(mail(body=b"Zg=C5=82oszenie =C", cte="quoted-printable"), ANY),
        ),
        ("garbage_no_headers", lambda: case(b"\x00\xff\xfe garbage\rmixed\nline\r\nends" * 50, SILENT)),
        ("empty_message", lambda: case(b"", SILENT)),
        (
            "spoofed_office_auth_fail",
            lambda: case(
                mail(
                    ("From", "Biuro UMK <ngo@um.krakow.pl>"),
                    ("Received", "from evil.example by mx"),
                    ("Authentication-Results", "mx.um.krakow.pl; spf=fail; dmarc=fail"),
                    ("Return-Path", f"<{VICTIM}>"),
                ),
                SILENT,
            ),
        ),
        (
            "spoofed_citizen_dmarc_fail",
            lambda: case(
                mail(
                    (
                        "Authentication-Results",
                        "mx.um.krakow.pl; dkim=fail; spf=fail; dmarc=fail "
                        "header.from=fundacja-sasiedzka.org.pl",
                    )
                ),
                SILENT,
            ),
        ),
        (
            "reply_to_elsewhere",
            # The contract (spec/extraction.md) answers Reply-To when present; never From too.
            lambda: case(
                mail(("Reply-To", at("sekretariat")), sender=at("replyto")), ANSWERED, to=at("sekretariat")
            ),
        ),
        ("cve_2023_27043_address", lambda: case(mail(("From", f"alice@example.org(<{VICTIM}>")), SILENT)),
        (
            "nested_comments_3000",
            lambda: case(mail(("From", "(" * 3000 + "x" + ")" * 3000 + f" <{at('comments')}>")), SILENT),
        ),
        ("auto_submitted", lambda: case(mail(("Auto-Submitted", "auto-generated")), SILENT)),
        ("list_mail", lambda: case(mail(("List-Id", "<ngo.lists.example>"), ("Precedence", "bulk")), SILENT)),
        (
            "mailer_daemon_null_sender",
            lambda: case(mail(("From", "MAILER-DAEMON@mx.example.org"), ("Return-Path", "<>")), SILENT),
        ),
        (
            "our_own_answer_back",
            lambda: case(
                mail(
                    ("From", "ngo@um.krakow.pl"), ("X-Mailbot-Loop", "1"), ("Auto-Submitted", "auto-replied")
                ),
                SILENT,
            ),
        ),
        (
            "html_with_script",
            lambda: case(
                mail(
                    body=(
                        f"<html><body><script>alert('{TOKEN}')</script><iframe src=x></iframe>"
                        f"<img src=x onerror=alert(1)>{BODY.decode()}</body></html>"
                    ).encode(),
                    ctype="text/html; charset=utf-8",
                ),
                ANSWERED,
            ),
        ),
        (
            "html_5mb_nested_tags",
            lambda: case(mail(body=b"<div>" * 500_000 + BODY, ctype="text/html; charset=utf-8"), ANY),
        ),
        (
            "evil_attachment_names",
            lambda: case(
                multipart(
                    [
                        text_part(),
                        attachment("../../../tmp/mailbot-evil\x00.sh", b"#!/bin/sh\n"),
                        attachment("zgloszenie\u202egpj.exe", b"MZ"),
                    ]
                ),
                ANSWERED,
            ),
        ),
        ("zip_bomb_docx", lambda: case(zip_bomb_docx(), ANSWERED)),
        (
            "redos_payloads",
            lambda: case(
                mail(body=BODY + b"a" * 50_000 + b"!\r\n" + b"Fundacja " * 5_000 + b"\r\n" + b"-" * 60_000),
                ANSWERED,
            ),
        ),
        (
            "formula_organisation",
            lambda: case(registration_from('=HYPERLINK("http://evil.example","Fundacja")'), ANSWERED),
        ),
        (
            "markup_in_organisation",
            lambda: case(registration_from(f"<script>{TOKEN}</script> Fundacja „Ś<b>wiatło</b>”"), ANSWERED),
        ),
        (
            "bidi_controls",
            lambda: case(mail(("From", f"Anna \u202eakwoN <{at('bidi')}>".encode())), ANSWERED),
        ),
        (
            "raw_8bit_latin2_headers",
            lambda: case(
                mail(
                    ("Subject", b"Zg\xb3oszenie \xb1\xea"),
                    ("From", b"Anna Nowak \xa3\xf3d\xbc <" + at("latin2").encode() + b">"),
                ),
                ANSWERED,
            ),
        ),
        (
            "idn_homograph_sender",
            # A Cyrillic "о" in a Latin domain: a look-alike sender is never answered (H-39).
            lambda: case(mail(("From", "Anna <anna@fundacja-sasiedzka.\u043erg.pl>".encode())), SILENT),
        ),
        (
            "two_return_paths",
            lambda: case(
                mail(("Return-Path", f"<{at('rp')}>"), ("Return-Path", f"<{VICTIM}>"), sender=at("rp")),
                ANSWERED,
            ),
        ),
        ("body_line_2mb", lambda: case(mail(body=BODY + b"x" * (2 * 1024 * 1024)), ANSWERED)),
        (
            "message_id_with_imap_command",
            lambda: case(
                mail(message_id="<inj@fundacja.pl>\r\n A001 CREATE hacked\r\n A002 DELETE INBOX"), ANSWERED
            ),
        ),
    ]


def case_names() -> list[str]:
    """The names of the cases, without generating them."""
    return [name for name, _ in _cases()]


def hostile_cases(names: Collection[str] | None = None) -> list[Case]:
    """The hostile cases (all, or those named), generated fresh: some are tens of megabytes."""
    return [replace(make(), name=name) for name, make in _cases() if names is None or name in names]
