"""An answer request with every field filled, for the render and audit tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from mailbot.models import Person
from mailbot.render import AnswerRequest

WARSAW = ZoneInfo("Europe/Warsaw")


def answer_request(kind: str = "confirmation", key: str | None = None,
                   **changes: Any) -> AnswerRequest:
    """A registrant's request of `kind` (two attendees, a reply to a Gmail message); `changes`
    replace fields."""
    values: dict[str, Any] = {
        "kind": kind, "to_addr": "jan.kowalski@fundacja.org.pl", "to_name": "Jan Kowalski",
        "in_reply_to": "<CAB7x9=abc.123@mail.gmail.com>",
        "inbound_subject": "Zgłoszenie na konferencję",
        "organisation": "Fundacja Rozwoju Społeczeństwa Obywatelskiego",
        "attendees": (Person("Jan Kowalski", "prezes zarządu"), Person("Anna Nowak")),
        "received_at": datetime(2014, 3, 4, 12, 31, tzinfo=WARSAW),
        "key": key or f"m42-{kind}-1",
    }
    values.update(changes)
    return AnswerRequest(**values)
