"""PURE planning of one processed message: registration changes and answers, given store facts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from mailbot.models import Action, Decision, Extraction
from mailbot.registry import (
    Capacity,
    Registration,
    find_match,
    merge,
    next_from_waitlist,
    place,
    with_registration,
)

# Message states by action: what staff see in `mailbot list`.
STATE_OF = {
    Action.CONFIRM: "processed",
    Action.REFUSE_LATE: "processed",
    Action.CANCEL: "processed",
    Action.REVIEW: "review",
    Action.IGNORE: "ignored",
}


@dataclass(frozen=True)
class Answer:
    """An answer to queue: what kind, to whom, about which registration."""

    kind: str
    to_addr: str
    to_name: str | None
    key: str
    registration: Registration | None
    reply_to_message: bool = True


@dataclass(frozen=True)
class RegistrationWrite:
    registration: Registration
    action: str
    detail: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    state: str
    writes: tuple[RegistrationWrite, ...]
    answers: tuple[Answer, ...]
    notes: tuple[str, ...] = ()


def replaced_people(extraction: Extraction) -> tuple[str, ...]:
    """Names a change-of-person mail withdraws (signals "replaces:<name>" from the extractor)."""
    return tuple(s.split(":", 1)[1] for s in extraction.signals if s.startswith("replaces:"))


def plan_message(message_id: int, extraction: Extraction, decision: Decision,
                 registrations: Sequence[Registration], waiting_order: Sequence[int],
                 capacity: Capacity, *, source: str = "email") -> Plan:
    """What processing this message changes. Answers are planned only when decision.answer."""
    state = STATE_OF[decision.action]
    contact = extraction.contact
    to_addr = contact.email
    if decision.action is Action.CONFIRM:
        return _plan_registration(message_id, extraction, decision, registrations, capacity,
                                  source, state)
    if decision.action is Action.CANCEL:
        return _plan_cancellation(message_id, extraction, decision, registrations,
                                  waiting_order, capacity, state)
    answers: tuple[Answer, ...] = ()
    if decision.action is Action.REFUSE_LATE and decision.answer and to_addr:
        answers = (Answer("refusal", to_addr, contact.name, f"m{message_id}-refusal", None),)
    return Plan(state, (), answers)


def _plan_registration(message_id: int, extraction: Extraction, decision: Decision,
                       registrations: Sequence[Registration], capacity: Capacity,
                       source: str, state: str) -> Plan:
    people = tuple(p for p in extraction.attendees if p.name or p.role)
    match = find_match(registrations, extraction.organisation)
    if match is not None:
        reg, changes = merge(match, extraction.organisation, people, extraction.contact,
                             extraction.areas, replaces=replaced_people(extraction))
        action = "update"
    else:
        reg = Registration(None, extraction.organisation, "confirmed", source,
                           extraction.contact, extraction.areas, people)
        changes = tuple(f"dodano: {p.name or p.role}" for p in people)
        action = "create"
    placed, over = place(reg, registrations, capacity)
    notes = tuple(f"ponad limit miejsc organizacji: {p.name}" for p in over)
    if placed.status == "waitlist":
        changes = (*changes, "lista rezerwowa: brak wolnych miejsc")
    writes = (RegistrationWrite(placed, action, (*changes, *notes)),)
    answers: tuple[Answer, ...] = ()
    if decision.answer and extraction.contact.email:
        kind = "confirmation" if placed.status == "confirmed" else "waitlist"
        answers = (Answer(kind, extraction.contact.email, extraction.contact.name,
                          f"m{message_id}-{kind}", placed),)
    return Plan(state, writes, answers, notes)


def _plan_cancellation(message_id: int, extraction: Extraction, decision: Decision,
                       registrations: Sequence[Registration], waiting_order: Sequence[int],
                       capacity: Capacity, state: str) -> Plan:
    match = find_match(registrations, extraction.organisation)
    if match is None and extraction.contact.email:
        # Without a named organisation, the sender's address identifies the registration.
        same = [r for r in registrations if r.contact.email and extraction.contact.email
                and r.contact.email.lower() == extraction.contact.email.lower()
                and r.status != "cancelled"]
        match = same[-1] if len(same) >= 1 else None
    writes: list[RegistrationWrite] = []
    answers: list[Answer] = []
    notes: tuple[str, ...] = ()
    if match is None:
        notes = ("brak pasującego zgłoszenia do anulowania",)
    elif match.status != "cancelled":
        cancelled = replace(match, status="cancelled")
        writes.append(RegistrationWrite(cancelled, "cancel", ("rezygnacja",)))
        others = with_registration(registrations, cancelled)
        for rid in next_from_waitlist(others, waiting_order, capacity):
            promoted = next(r for r in others if r.id == rid)
            promoted = replace(promoted, status="confirmed")
            writes.append(RegistrationWrite(promoted, "promote",
                                            ("zwolniło się miejsce: potwierdzono",)))
            if promoted.contact.email:
                answers.append(Answer("promotion", promoted.contact.email, promoted.contact.name,
                                      f"r{rid}-promotion-m{message_id}", promoted,
                                      reply_to_message=False))
    if decision.answer and extraction.contact.email:
        answers.insert(0, Answer("cancellation", extraction.contact.email,
                                 extraction.contact.name, f"m{message_id}-cancellation", match))
    return Plan(state, tuple(writes), tuple(answers), notes)
