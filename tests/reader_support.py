"""Builders of small raw messages for the reader's tests (bytes as a mail client would send)."""

from __future__ import annotations

import base64
import io
import quopri
from collections.abc import Iterator
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "reader"
DEVSET = Path(__file__).resolve().parents[1].parent / "shared" / "devset"


def devset_sentences() -> Iterator[str]:
    """Every sentence of every devset message's lines, folded as the cue patterns read them."""
    from mailbot.extract.textprep import fold, sentences

    for path in sorted(DEVSET.glob("*.eml")):
        for line in path.read_bytes().decode("utf-8", "replace").splitlines():
            yield from (fold(sentence) for sentence in sentences(line))


def crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def message(body: str | bytes, *, subject: str = "Zgłoszenie", charset: str | None = "utf-8",
            cte: str = "8bit", ctype: str = "text/plain", headers: str = "",
            sender: str = "Jan Kowalski <jan@example.pl>") -> bytes:
    """One single-part message; `body` is encoded with `charset` and `cte` unless bytes."""
    data = body if isinstance(body, bytes) else crlf(body).encode(charset or "ascii")
    if cte == "quoted-printable":
        data = quopri.encodestring(data).replace(b"\n", b"\r\n")
    elif cte == "base64":
        data = base64.encodebytes(data).replace(b"\n", b"\r\n")
    ct = f"{ctype}; charset={charset}" if charset else ctype
    head = crlf(
        "Received: from mail.example.pl (mail.example.pl [198.51.100.1])\n"
        "\tby mx.um.krakow.pl (Postfix) with ESMTP id 1\n"
        "\tfor <ngo@um.krakow.pl>; Tue, 4 Mar 2014 10:00:05 +0100 (CET)\n"
        f"From: {sender}\nTo: ngo@um.krakow.pl\nSubject: {subject}\n"
        "Date: Tue, 4 Mar 2014 10:00:00 +0100\nMessage-ID: <t1@example.pl>\n"
        f"{headers}MIME-Version: 1.0\nContent-Type: {ct}\n"
        f"Content-Transfer-Encoding: {cte}\n\n")
    return head.encode("utf-8") + data


def multipart(parts: list[bytes], *, subtype: str = "mixed", headers: str = "",
              params: str = "", subject: str = "Zgłoszenie") -> bytes:
    """A multipart message of already-serialised parts (each: headers, blank line, body)."""
    boundary = "BOUNDARY-x1"
    head = crlf(
        "From: Jan Kowalski <jan@example.pl>\nTo: ngo@um.krakow.pl\n"
        f"Subject: {subject}\nDate: Tue, 4 Mar 2014 10:00:00 +0100\n"
        f"Message-ID: <m1@example.pl>\n{headers}MIME-Version: 1.0\n"
        f"Content-Type: multipart/{subtype}; boundary=\"{boundary}\"{params}\n\n"
    ).encode()
    out = head
    for part in parts:
        out += f"--{boundary}\r\n".encode() + part + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def file_part(data: bytes, filename: str, ctype: str) -> bytes:
    encoded = base64.encodebytes(data).replace(b"\n", b"\r\n")
    return crlf(f"Content-Type: {ctype}; name=\"{filename}\"\n"
                f"Content-Disposition: attachment; filename=\"{filename}\"\n"
                "Content-Transfer-Encoding: base64\n\n").encode() + encoded


def text_part(text: str, charset: str = "utf-8", ctype: str = "text/plain") -> bytes:
    return crlf(f"Content-Type: {ctype}; charset={charset}\n"
                "Content-Transfer-Encoding: 8bit\n\n").encode() + crlf(text).encode(charset)


def docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("FORMULARZ ZGŁOSZENIOWY")
    document.add_paragraph("Nazwa organizacji: Fundacja Żółty Żagiel")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Imię i nazwisko"
    table.cell(0, 1).text = "Funkcja"
    table.cell(1, 0).text = "Łucja Śliwińska"
    table.cell(1, 1).text = "prezes"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def odt_bytes() -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    document = OpenDocumentText()
    document.text.addElement(P(text="Stowarzyszenie Źródło zgłasza udział."))
    document.text.addElement(P(text="Uczestnik: Grzegorz Brzęczyszczykiewicz"))
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def pdf_bytes(text: str = "Fundacja Testowa zglasza Jana Nowaka", pages: int = 1) -> bytes:
    """A minimal valid PDF with `pages` pages, each showing `text` in Helvetica."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(pages))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    for i in range(pages):
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources "
                       f"<< /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return out
