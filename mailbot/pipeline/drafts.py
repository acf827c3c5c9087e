"""Answers pre-rendered in the reader workers; the parent uses one only if its own request is equal."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mailbot.config import EventSettings
from mailbot.models import Action, OutgoingMail
from mailbot.plan import Answer, plan_message
from mailbot.reading import Reading
from mailbot.registry import Capacity
from mailbot.render import AnswerRequest, Renderer

log = logging.getLogger("mailbot.drafts")

# Rendering (templates, MIME, .ics, the header audit) was most of the parent's time per
# message while the workers waited (bench/bench_backlog.py). A worker renders the answer that
# planning against no earlier registration gives; the parent plans for real, inside its
# transaction, and takes the draft only when its request is the same value: else it renders.
DRAFTED = (Action.CONFIRM, Action.REFUSE_LATE)

Draft = tuple[AnswerRequest, OutgoingMail]


@dataclass(frozen=True)
class Drafting:
    """What a worker needs to pre-render answers: the templates, the event and its places."""

    templates: Path
    event: EventSettings
    capacity: Capacity


def answer_request(answer: Answer, reading: Reading, suffix: str = "") -> AnswerRequest:
    """Everything the answer says; rendering depends on this value, the time and nothing else."""
    reg = answer.registration
    parsed = reading.parsed
    return AnswerRequest(
        kind=answer.kind,
        to_addr=answer.to_addr,
        to_name=answer.to_name,
        in_reply_to=parsed.message_id if answer.reply_to_message else None,
        inbound_subject=parsed.subject if answer.reply_to_message else "",
        organisation=(reg.organisation.name if reg else None)
        or reading.extraction.organisation.name,
        attendees=reg.attendees if reg else reading.extraction.attendees,
        received_at=reading.decision.received_at,
        key=answer.key + suffix,
    )


_RENDERER: list[tuple[Drafting, Renderer]] = []


def _renderer(drafting: Drafting) -> Renderer:
    if not _RENDERER or _RENDERER[0][0] != drafting:
        _RENDERER[:] = [(drafting, Renderer(drafting.templates, drafting.event))]
    return _RENDERER[0][1]


def draft_answers(drafting: Drafting, message_id: int, reading: Reading,
                  now: datetime) -> tuple[Draft, ...]:
    """The likely answers of a message, rendered; () when none is likely or anything fails."""
    decision = reading.decision
    if not decision.answer or decision.action not in DRAFTED:
        return ()
    try:
        plan = plan_message(message_id, reading.extraction, decision, (), (), drafting.capacity)
        renderer = _renderer(drafting)
        requests = [answer_request(answer, reading) for answer in plan.answers]
        return tuple((request, renderer.answer(request, now)) for request in requests)
    except Exception:
        # Only a head start: the parent renders the answer itself and reports what fails.
        log.debug("draft of message %d failed", message_id, exc_info=True)
        return ()
