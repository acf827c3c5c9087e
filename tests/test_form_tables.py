"""A registration form sent as a Word or OpenDocument file whose fields and people are table rows."""

from __future__ import annotations

import io
from datetime import datetime
from email.message import EmailMessage

import docx
import pytest
from odf.opendocument import OpenDocumentText
from odf.table import Table, TableCell, TableColumn, TableRow
from odf.text import P

from mailbot.reading import read_message

HEADING = "Formularz zgłoszeniowy – konferencja „Wspólnie dla Krakowa”, 7 marca 2014"
FIELDS = [("Nazwa organizacji", "Stowarzyszenie Przyjaciół Parku Jordana"), ("KRS", "0000234567"),
          ("Imię i nazwisko", "Barbara Nowicka"), ("Funkcja", "wiceprezes")]
DEADLINE = datetime.fromisoformat("2014-03-05T23:59:59+01:00")
PEOPLE = [("Lp.", "Imię i nazwisko", "Telefon"), ("1", "Marek Zieliński", "601 222 333"),
          ("2", "Ewa Kowalczyk", "602 333 444")]


def word_form() -> bytes:
    document = docx.Document()
    document.add_paragraph(HEADING)  # long, no full stop: hard-wrapped prose would go on
    for rows in (FIELDS, PEOPLE):
        table = document.add_table(rows=len(rows), cols=len(rows[0]))
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                table.cell(i, j).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def odf_form() -> bytes:
    document = OpenDocumentText()
    document.text.addElement(P(text=HEADING))
    for rows in (FIELDS, PEOPLE):
        table = Table()
        table.addElement(TableColumn(numbercolumnsrepeated=len(rows[0])))
        for row in rows:
            cells = TableRow()
            for value in row:
                cell = TableCell()
                cell.addElement(P(text=value))
                cells.addElement(cell)
            table.addElement(cells)
        document.text.addElement(table)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def mail_with(data: bytes, filename: str, subtype: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Biuro Stowarzyszenia <biuro@parkjordana.org.pl>"
    message["To"] = "ngo@um.krakow.pl"
    message["Subject"] = "Zgłoszenie"
    message["Date"] = "Mon, 03 Mar 2014 10:00:00 +0100"
    message["Message-ID"] = "<form-1@parkjordana.org.pl>"
    message.set_content("Dzień dobry,\nw załączeniu formularz.\nPozdrawiam\nBiuro Stowarzyszenia\n")
    message.add_attachment(data, maintype="application", subtype=subtype, filename=filename)
    return bytes(message)


@pytest.mark.parametrize(("data", "filename", "subtype"), [
    (word_form(), "formularz.docx",
     "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (odf_form(), "formularz.odt", "vnd.oasis.opendocument.text"),
])
def test_table_rows_after_a_long_heading_are_read_as_the_form(data: bytes, filename: str,
                                                              subtype: str) -> None:
    reading = read_message(mail_with(data, filename, subtype), internaldate=None,
                           deadline=DEADLINE)
    extraction = reading.extraction
    assert str(reading.decision.action) == "confirm", reading.decision.reasons
    assert extraction.organisation.name == "Stowarzyszenie Przyjaciół Parku Jordana"
    assert extraction.organisation.krs == "0000234567"
    people = {p.name: p for p in extraction.attendees}
    assert set(people) == {"Barbara Nowicka", "Marek Zieliński", "Ewa Kowalczyk"}
    assert people["Barbara Nowicka"].role == "wiceprezes"
    assert people["Ewa Kowalczyk"].phone == "+48602333444"


def test_a_table_pasted_into_a_plain_text_mail_keeps_its_rows() -> None:
    # Word's table pasted into a plain-text mail: cells apart by tabs, right after a long line
    # without a full stop (which hard-wrapped prose would continue).
    body = ("Dzień dobry, zgłaszamy udział w konferencji osób z Fundacji Dobrych Sąsiadów\r\n"
            "Imię i nazwisko\tFunkcja\tTelefon\r\n"
            "Jan Kowalski\tprezes\t601 222 333\r\n"
            "Ewa Nowak\tskarbnik\t602 333 444\r\n\r\nAnna Nowak\r\n")
    raw = ("From: Anna Nowak <anna@fundacja.pl>\r\nTo: ngo@um.krakow.pl\r\nSubject: Zgloszenie\r\n"
           "Date: Mon, 03 Mar 2014 10:00:00 +0100\r\nMessage-ID: <tabs@fundacja.pl>\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()
    reading = read_message(raw, internaldate=None, deadline=DEADLINE)
    extraction = reading.extraction
    assert str(reading.decision.action) == "confirm", reading.decision.reasons
    # Not "Fundacja Dobrych Sąsiadów Imię": the header row is not glued to the sentence.
    assert extraction.organisation.name == "Fundacja Dobrych Sąsiadów"
    assert [(p.name, p.role, p.phone) for p in extraction.attendees] == [
        ("Jan Kowalski", "prezes", "+48601222333"), ("Ewa Nowak", "skarbnik", "+48602333444")]
