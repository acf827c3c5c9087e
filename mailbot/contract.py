"""PURE rendering of one message's reading as the `extract --json` contract object."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from mailbot.models import Decision, Extraction, Kind, ParsedMail

_IGNORED_KINDS = (Kind.AUTO_REPLY, Kind.BOUNCE, Kind.OTHER)


def contract_object(parsed: ParsedMail, extraction: Extraction, decision: Decision,
                    zone: ZoneInfo) -> dict[str, Any]:
    """The JSON object of spec/extraction.md for one message."""
    ignored = extraction.kind in _IGNORED_KINDS
    org = extraction.organisation
    received = decision.received_at.astimezone(zone).isoformat() if decision.received_at else None
    return {
        "message_id": parsed.message_id,
        "received_at": received,
        "kind": str(extraction.kind),
        "decision": str(decision.action),
        "organisation": {
            "name": None if ignored else org.name,
            "krs": None if ignored else org.krs,
            "nip": None if ignored else org.nip,
            "regon": None if ignored else org.regon,
        },
        "attendees": [] if ignored or extraction.kind is Kind.CANCELLATION else [
            {"name": p.name, "role": p.role, "email": p.email, "phone": p.phone}
            for p in extraction.attendees
        ],
        "contact": {
            "name": extraction.contact.name,
            "email": extraction.contact.email,
            "phone": None if ignored else extraction.contact.phone,
        },
        "areas": [] if ignored else list(extraction.areas),
    }


def failure_object(message_id: str | None, reason: str) -> dict[str, Any]:
    """The object for a message that could not be read at all: kind other, decision review."""
    return {
        "message_id": message_id,
        "received_at": None,
        "kind": "other",
        "decision": "review",
        "organisation": {"name": None, "krs": None, "nip": None, "regon": None},
        "attendees": [],
        "contact": {"name": None, "email": None, "phone": None},
        "areas": [],
        "error": reason,
    }


def extraction_from_record(record: dict[str, Any]) -> Extraction:
    """Rebuild an Extraction from a stored contract object (possibly corrected by staff)."""
    from mailbot.models import Contact, Organisation, Person

    org = record.get("organisation") or {}
    contact = record.get("contact") or {}
    return Extraction(
        kind=Kind(record.get("kind") or "other"),
        organisation=Organisation(org.get("name"), org.get("krs"), org.get("nip"), org.get("regon")),
        attendees=tuple(Person(p.get("name"), p.get("role"), p.get("email"), p.get("phone"))
                        for p in record.get("attendees") or []),
        contact=Contact(contact.get("name"), contact.get("email"), contact.get("phone")),
        areas=tuple(record.get("areas") or ()),
        signals=tuple(record.get("signals") or ()),
    )
