"""PURE raw bytes -> Reading: parse, extract and decide one message, the way every caller does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mailbot.decide import decide, received_time
from mailbot.extract import extract
from mailbot.models import Decision, Extraction, ParsedMail
from mailbot.parse import parse


@dataclass(frozen=True)
class Reading:
    """One message as mailbot understood it."""

    parsed: ParsedMail
    extraction: Extraction
    decision: Decision


def read_message(raw: bytes, *, internaldate: datetime | None, deadline: datetime) -> Reading:
    """Parse, extract and decide; the deadline is judged on the server's received time."""
    parsed = parse(raw)
    extraction = extract(parsed)
    received_at, source = received_time(parsed, internaldate)
    return Reading(parsed, extraction, decide(extraction, received_at, source, deadline))
