"""People listed one a line ("Jan Kowalski - prezes") after a long sentence stay apart from it."""

from __future__ import annotations

from datetime import datetime

import pytest

from mailbot.extract.textprep import unwrap
from mailbot.reading import read_message

DEADLINE = datetime.fromisoformat("2014-03-05T23:59:59+01:00")


def reading_of(body: str) -> tuple[str, str | None, list[tuple[str | None, str | None]]]:
    raw = ("From: Anna Nowak <anna@fundacja.pl>\r\nTo: ngo@um.krakow.pl\r\nSubject: Zgloszenie\r\n"
           "Date: Mon, 03 Mar 2014 10:00:00 +0100\r\nMessage-ID: <lines@fundacja.pl>\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()
    reading = read_message(raw, internaldate=None, deadline=DEADLINE)
    return (str(reading.decision.action), reading.extraction.organisation.name,
            [(p.name, p.role) for p in reading.extraction.attendees])


def test_an_unmarked_list_after_a_long_line_is_not_glued_to_it() -> None:
    action, organisation, people = reading_of(
        "Zgłaszamy udział w konferencji następujących osób z Fundacji Dobrych Sąsiadów\r\n"
        "Jan Kowalski - prezes\r\nEwa Nowak - skarbnik\r\n\r\nAnna Nowak\r\n")
    # Before: "Fundacja Dobrych Sąsiadów Jan Kowalski", and only Ewa Nowak registered.
    assert organisation == "Fundacja Dobrych Sąsiadów"
    assert people == [("Jan Kowalski", "prezes"), ("Ewa Nowak", "skarbnik")]
    assert action == "confirm"


def test_one_person_on_the_last_line_is_not_read_into_the_organisation() -> None:
    _, organisation, _ = reading_of(
        "Zgłaszam udział w konferencji przedstawiciela Fundacji Dobrych Sąsiadów z Krakowa\r\n"
        "Jan Kowalski – prezes zarządu\r\n\r\nAnna Nowak\r\n")
    assert organisation is not None
    assert "Kowalski" not in organisation


@pytest.mark.parametrize("lines", [
    # A paragraph wrapped before a name, a dash inside the sentence: still one line.
    ["W konferencji weźmie udział nasza koordynatorka projektów, która przedstawi",
     "Fundację Dobrych Sąsiadów - jej działania i plany na kolejny rok."],
    ["Dzień dobry, zgłaszam na konferencję 7 marca przedstawicielkę naszej fundacji",
     "Ewę Nowak – skarbniczkę zarządu, która chętnie weźmie udział w dyskusji."],
])
def test_wrapped_prose_with_a_dash_is_still_one_line(lines: list[str]) -> None:
    assert unwrap(lines) == [" ".join(lines)]
