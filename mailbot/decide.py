"""PURE decisions: which clock judges the deadline, what the office does, and whether to answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mailbot.models import ANSWERING_ACTIONS, Action, Decision, Extraction, Kind, ParsedMail


def received_time(parsed: ParsedMail, internaldate: datetime | None) -> tuple[datetime | None, str]:
    """When the office's server got the mail: INTERNALDATE, else topmost Received, else Date."""
    if internaldate is not None and internaldate.tzinfo is not None:
        return internaldate, "internaldate"
    if parsed.received is not None:
        return parsed.received, "received_header"
    if parsed.date is not None:
        return parsed.date, "date_header"
    return None, "unknown"


def decide(extraction: Extraction, received_at: datetime | None, time_source: str,
           deadline: datetime) -> Decision:
    """The contract's decision for one message (spec/extraction.md), with reasons."""
    kind = extraction.kind

    def made(action: Action, *reasons: str) -> Decision:
        answer = action in ANSWERING_ACTIONS and not extraction.no_answer_reasons
        extra = tuple(f"no automatic answer: {r}" for r in extraction.no_answer_reasons
                      if action in ANSWERING_ACTIONS)
        return Decision(action, tuple(reasons) + extra, received_at, time_source, answer)

    if kind in (Kind.AUTO_REPLY, Kind.BOUNCE):
        return made(Action.IGNORE, f"kind {kind}: never answered")
    if kind is Kind.OTHER:
        if not extraction.readable:
            return made(Action.REVIEW, "unreadable message")
        return made(Action.IGNORE, "not about the conference")
    if kind is Kind.QUESTION:
        return made(Action.REVIEW, "a question for staff")
    if kind is Kind.CANCELLATION:
        return made(Action.CANCEL, "cancellation (accepted whenever it arrives)")
    if received_at is None:
        return made(Action.REVIEW, "no received time: cannot judge the deadline")
    if received_at > deadline:
        return made(Action.REFUSE_LATE, f"received {received_at.isoformat()} ({time_source}) "
                                        f"after the deadline {deadline.isoformat()}")
    missing = []
    if not extraction.organisation.name:
        missing.append("organisation")
    if not any(p.name for p in extraction.attendees):
        missing.append("attendee names")
    if missing:
        return made(Action.REVIEW, "registration without " + " and ".join(missing))
    unsure = extraction.low_confidence
    if unsure:
        return made(Action.REVIEW, *(f"unsure of {n.field}: {n.reason}" for n in unsure))
    return made(Action.CONFIRM, f"registration received {received_at.isoformat()} "
                                f"({time_source}), on time")


@dataclass(frozen=True)
class AnswerFacts:
    """What the store knows that bears on answering one sender (looked up by the pipeline)."""

    backlog: bool = False
    answers_to_address_last_day: int = 0
    answers_last_hour: int = 0
    already_answered: bool = False


def gate(decision: Decision, facts: AnswerFacts, *, per_address_per_day: int,
         per_hour: int) -> Decision:
    """Hold back an answer the rules forbid (backlog, caps, already answered); keep the action."""
    if not decision.answer:
        return decision
    held: str | None = None
    if facts.already_answered:
        held = "already answered once"
    elif facts.backlog:
        held = "backlog at first start: stored, not answered"
    elif facts.answers_to_address_last_day >= per_address_per_day:
        held = f"daily cap of {per_address_per_day} answers to this address reached"
    elif facts.answers_last_hour >= per_hour:
        held = f"hourly cap of {per_hour} answers reached (circuit breaker)"
    if held is None:
        return decision
    return Decision(decision.action, (*decision.reasons, f"no automatic answer: {held}"),
                    decision.received_at, decision.time_source, answer=False)


def day_window(now: datetime) -> datetime:
    """Start of the rolling 24-hour window that caps answers to one address."""
    return now - timedelta(days=1)
