"""Pseudo-forms whose person label names the participant ('Imię i nazwisko uczestnika: …')."""

from __future__ import annotations

import io

import pytest
from extract_support import run
from reader_support import file_part, multipart, text_part

from mailbot.extract import extract
from mailbot.extract.forms import field_key
from mailbot.models import Kind, Person
from mailbot.parse import parse

BODY = "Dzień dobry,\nw załączeniu przesyłam formularz.\n\nPozdrawiam\nTeresa Wilk"


@pytest.mark.parametrize("label", [
    "Imię i nazwisko uczestnika:",
    "Imię i nazwisko uczestnika/uczestniczki:",
    "Imię i nazwisko osoby zgłaszanej do udziału:",
    "Uczestnik:",
    "Uczestniczka:",
    "Osoba zgłaszana:",
    "Dane uczestnika:",
    "Imie i nazwisko uczestnika:",
])
def test_a_label_naming_the_participant_gives_the_person_with_role_and_phone(label: str) -> None:
    form = ("FORMULARZ ZGŁOSZENIA\nNazwa organizacji: Stowarzyszenie Ogrody Wisły\n"
            f"{label} Zofia Malinowska\nFunkcja: sekretarz zarządu\nTelefon: 601 455 218\n")
    result = run(BODY, from_name="Teresa Wilk", from_addr="t.wilk@ogrodywisly.pl",
                 attachment=form)
    assert result.kind is Kind.REGISTRATION
    assert result.organisation.name == "Stowarzyszenie Ogrody Wisły"
    assert result.attendees == (Person("Zofia Malinowska", "sekretarz zarządu", None,
                                       "+48601455218"),)


def test_participant_labels_on_every_field_of_two_people() -> None:
    form = ("Nazwa organizacji: Fundacja Zielony Most\n\n"
            "Imię i nazwisko uczestnika: Paweł Grzyb\nFunkcja uczestnika: wolontariusz\n"
            "Telefon uczestnika: 512 300 411\n\n"
            "Imię i nazwisko uczestnika: Ilona Wrzos\nStanowisko uczestnika: koordynatorka\n"
            "E-mail uczestnika: i.wrzos@zielonymost.pl\n")
    result = run(BODY, attachment=form)
    assert set(result.attendees) == {
        Person("Paweł Grzyb", "wolontariusz", None, "+48512300411"),
        Person("Ilona Wrzos", "koordynatorka", "i.wrzos@zielonymost.pl", None),
    }


@pytest.mark.parametrize(("label", "key"), [
    ("Imię i nazwisko uczestnika/uczestniczki", "name"),
    ("Osoba zgłaszana", "name"),
    ("Dane uczestnika", "name"),
    ("Imię uczestnika", "first_name"),
    ("Nazwisko uczestnika", "surname"),
    ("Funkcja uczestnika w organizacji", "role"),
    ("Telefon osoby zgłaszanej", "phone"),
    ("Imiona i nazwiska uczestników", "name"),
    # A list's heading, a count and a generic "Dane" are not one person's name.
    ("Uczestnicy", None),
    ("Liczba uczestników", None),
    ("Dane", None),
    ("Dane organizacji", None),
    # What the qualifier leaves must be a person's field, not the organisation's.
    ("Adres uczestnika", None),
])
def test_field_key_of_participant_labels(label: str, key: str | None) -> None:
    assert field_key(label) == key


def test_a_list_heading_still_opens_a_list() -> None:
    result = run("Fundacja Zielony Most zgłasza udział w konferencji.\nUczestnicy:\n"
                 "- Paweł Grzyb – wolontariusz\n- Ilona Wrzos – koordynatorka\n")
    assert {p.name for p in result.attendees} == {"Paweł Grzyb", "Ilona Wrzos"}


def _docx(paragraphs: list[str], rows: list[tuple[str, str]]) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if rows:
        table = document.add_table(rows=len(rows), cols=2)
        for i, (label, value) in enumerate(rows):
            table.cell(i, 0).text = label
            table.cell(i, 1).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.mark.parametrize(("paragraphs", "rows"), [
    # Paragraphs with a colon.
    (["ZGŁOSZENIE UDZIAŁU", "Nazwa organizacji: Klub Seniora Złota Jesień",
      "Imię i nazwisko uczestnika/uczestniczki: Halina Kurek", "Funkcja: przewodnicząca",
      "Telefon: 602 118 934"], []),
    # A two-column table: label cell, value cell.
    (["ZGŁOSZENIE UDZIAŁU"], [("Nazwa organizacji", "Klub Seniora Złota Jesień"),
                              ("Osoba zgłaszana", "Halina Kurek"),
                              ("Funkcja", "przewodnicząca"), ("Telefon", "602 118 934")]),
])
def test_a_docx_form_with_a_participant_label_through_the_reader(
        paragraphs: list[str], rows: list[tuple[str, str]]) -> None:
    raw = multipart([text_part("Dzień dobry,\nw załączeniu przesyłam formularz.\n"),
                     file_part(_docx(paragraphs, rows), "formularz.docx", DOCX)])
    result = extract(parse(raw))
    assert result.kind is Kind.REGISTRATION
    assert result.organisation.name == "Klub Seniora Złota Jesień"
    assert result.attendees == (Person("Halina Kurek", "przewodnicząca", None, "+48602118934"),)
