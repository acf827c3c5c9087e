"""Fixed rows for the digest and export tests (a small, realistic week before the deadline)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from mailbot.digest import (
    DigestData,
    Health,
    OutboxProblem,
    RefusalRow,
    RegistrationRow,
    ReviewRow,
    build_digest,
)

ZONE = ZoneInfo("Europe/Warsaw")
DAY = date(2014, 3, 6)
NOW = datetime(2014, 3, 6, 7, 0, tzinfo=ZONE)
SINCE = datetime(2014, 3, 5, 7, 0, tzinfo=ZONE)
HOSTILE_ORG = '<script>alert("x")</script> Fundacja \u202eevil\u202c'


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2014, month, day, hour, minute, tzinfo=ZONE)


REGISTRATIONS = (
    RegistrationRow(1, "Fundacja Rozwoju Społeczeństwa Obywatelskiego",
                    ("Jan Kowalski", "Anna Nowak"), "confirmed", ("social_welfare", "education"),
                    "email", at(26, 10, 5, month=2)),
    RegistrationRow(2, "Stowarzyszenie Ślężańskie", ("Łukasz Żółkiewski",), "confirmed",
                    ("culture",), "fax", at(27, 9, 30, month=2)),
    RegistrationRow(3, "Klub Sportowy Wisła-Junior", ("Piotr Zieliński", "Ewa Mazur", "Ola Lis"),
                    "confirmed", ("sport",), "email", at(3, 14, 0)),
    RegistrationRow(4, HOSTILE_ORG, ("Maria Wiśniewska",), "review", ("other",), "email",
                    at(5, 11, 0)),
    RegistrationRow(5, "Fundacja Zdrowie Małopolski", ("Katarzyna Lewandowska",), "cancelled",
                    ("health",), "email", at(4, 16, 20)),
    RegistrationRow(6, "Towarzystwo Przyjaciół Krakowa", ("Adam Nowicki", "Beata Kaczmarek"),
                    "confirmed", ("culture", "environment"), "desk", at(5, 12, 0)),
    RegistrationRow(7, "Fundacja Przedsiębiorczości", ("Tomasz Wójcik",), "waitlist",
                    ("entrepreneurship",), "email", at(5, 22, 45)),
    RegistrationRow(8, '=HYPERLINK("http://x")', ("Zofia Kamińska",), "confirmed", (),
                    "phone", at(5, 23, 10)),
)
REFUSALS = (
    RefusalRow(41, at(6, 0, 12), "spozniony@stowarzyszenie.pl", "Stowarzyszenie Spóźnionych"),
)
REVIEW = (
    ReviewRow(40, at(5, 18, 3), "question: czy można zgłosić 3 osoby?", "anna@ngo.pl",
              "Pytanie o liczbę miejsc"),
    ReviewRow(33, at(4, 11, 0), "registration without attendee names", "biuro@fundacja.pl",
              "Zgłoszenie <b>pilne</b>"),
)
PROBLEMS = (
    OutboxProblem(12, "nieistnieje@fundacja.org.pl", "confirmation", "bounced",
                  "550 5.1.1 user unknown", at(5, 9, 0)),
    OutboxProblem(15, "jan@example.org", "confirmation", "in_doubt",
                  "connection lost after DATA", at(5, 23, 30)),
)


def sample_digest(*, stale_poll: bool = False) -> DigestData:
    last_poll = NOW - (timedelta(hours=5) if stale_poll else timedelta(minutes=2))
    health = Health(last_poll_ok=last_poll, outbox_backlog=1, in_doubt=1, failed=0)
    return build_digest(DAY, NOW, SINCE, REGISTRATIONS, REFUSALS, REVIEW, PROBLEMS, health, ZONE)
