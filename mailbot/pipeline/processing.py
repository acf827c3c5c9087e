"""Processing stored mail: limits, time-bounded reading, decisions, one atomic unit per message."""

from __future__ import annotations

import json
import logging
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from mailbot import failpoints
from mailbot.bounces import BounceReport, looks_like_bounce, read_bounce, undelivered
from mailbot.decide import AnswerFacts, gate
from mailbot.errors import MailbotError, MailboxError
from mailbot.limits import check_limits
from mailbot.models import Action, Decision, Kind, OutgoingMail
from mailbot.pipeline.base import CycleReport, Outcome, PipelineBase, extraction_record
from mailbot.pipeline.drafts import answer_request
from mailbot.pipeline.readers import ReadJob, ReadResult
from mailbot.plan import Answer, Plan, plan_message
from mailbot.reading import Reading, read_message
from mailbot.registry import Capacity
from mailbot.render import AnswerRequest
from mailbot.store import StoredMessage, dumps, iso

log = logging.getLogger("mailbot.pipeline")

class Processing(PipelineBase):
    """Reads waiting messages and commits what each one changes."""

    # -- process ---------------------------------------------------------------------------

    def process(self, report: CycleReport, limit: int = 100000, chunk: int = 64,
                more: Iterator[None] | None = None) -> None:
        """Read waiting messages in worker processes (time-bounded), then commit a chunk at once.

        Messages are loaded a chunk at a time, so memory stays flat however long the backlog,
        and the workers read the next chunks while this process commits the current one.
        `more` (poll_steps) stores the inbox's next batch each time it is advanced: it is
        advanced whenever fewer than a chunk of stored messages wait, until it is exhausted;
        an inbox error ends it and is reported as "inbox: ...".
        """
        ids = deque(int(r["id"]) for r in self.store.query(
            "select id from messages where state = 'received' order by id limit ?", [limit]))
        seen = max(ids, default=0)
        source = more
        batches: deque[list[StoredMessage]] = deque()

        def refill() -> bool:
            nonlocal seen, source
            if source is None:
                return False
            try:
                next(source)
            except StopIteration:
                source = None
                return False
            except MailboxError as exc:
                report.errors.append(f"inbox: {exc}")
                source = None
                return False
            ids.extend(int(r["id"]) for r in self.store.query(
                "select id from messages where state = 'received' and id > ? order by id",
                [seen]))
            seen = max(ids, default=seen)
            return True

        def jobs() -> Iterator[list[ReadJob]]:
            while True:
                while len(ids) < chunk and refill():
                    pass
                if not ids:
                    return
                taken = [ids.popleft() for _ in range(min(chunk, len(ids)))]
                batches.append(self._readable(report, taken))
                now = self.clock()
                yield [ReadJob(m.raw, m.internaldate, self.settings.deadline, self.drafting, m.id, now)
                       for m in batches[-1]]

        for results in self.readers.read_ahead(jobs()):
            # One durable commit per chunk, each message in its own savepoint (apply's nested
            # transaction): a message that fails rolls back alone. Nothing is sent before this
            # commit, so a crash inside the chunk only means its messages are read again.
            with self.store.transaction():
                for message, result in zip(batches.popleft(), results, strict=True):
                    self._commit(report, message, result)
            failpoints.reached("after_process_commit")

    def _readable(self, report: CycleReport, ids: list[int]) -> list[StoredMessage]:
        readable = []
        for message in self.store.messages(ids):
            if message.state != "received":
                continue
            reason = check_limits(message.raw, self.limits)
            if reason is None:
                readable.append(message)
            else:
                # Hostile or broken mail: stored as it came, parked for a person, never parsed.
                self.store.park(message.id, f"limit: {reason}", self.clock())
                report.processed += 1
                report.count(str(Action.REVIEW))
        return readable

    def _commit(self, report: CycleReport, message: StoredMessage, result: ReadResult) -> None:
        if result.reading is None:
            self.store.park(message.id, f"unreadable: {result.error}", self.clock())
            report.errors.append(f"message {message.id}: {result.error}")
            report.processed += 1
            report.count(str(Action.REVIEW))
            return
        try:
            outcome = self.apply(message, result.reading, self.gated(result.reading, message),
                                 drafts=dict(result.drafts), bounce=result.bounce)
        except MailbotError as exc:
            self.store.mark_failed(message.id, str(exc))
            report.errors.append(f"message {message.id}: {exc}")
            log.error("message %d failed: %s", message.id, exc)
            return
        except Exception as exc:  # a bad message is parked, never allowed to stop the run
            self.store.mark_failed(message.id, f"{type(exc).__name__}: {exc}")
            report.errors.append(f"message {message.id}: {type(exc).__name__}")
            log.exception("message %d failed", message.id)
            return
        report.processed += 1
        report.count(outcome.action)
        report.answers_queued += outcome.answers

    def read(self, message: StoredMessage) -> Reading:
        return read_message(message.raw, internaldate=message.internaldate,
                            deadline=self.settings.deadline)

    def facts(self, reading: Reading, message: StoredMessage) -> AnswerFacts:
        now = self.clock()
        address = reading.extraction.contact.email or ""
        header_id = reading.parsed.message_id
        return AnswerFacts(
            backlog=message.backlog,
            answers_to_address_last_day=self.store.answers_to(address, now - timedelta(days=1)),
            answers_last_hour=self.store.answers_since(
                now - timedelta(hours=1), up_to=self.settings.limits.answers_per_hour),
            already_answered=self.store.answers_for_message(message.id) > 0
            or bool(header_id and self.store.answered_message_ids(header_id)),
        )

    def process_one(self, message: StoredMessage, *, resend: bool = False) -> Outcome:
        """Read, decide and commit one message: registration, answers and state in ONE transaction."""
        limit = check_limits(message.raw, self.limits)
        if limit is not None:
            # Hostile or broken mail: stored as it came, parked for a person, never parsed here.
            self.store.park(message.id, f"limit: {limit}", self.clock())
            return Outcome(str(Action.REVIEW), 0)
        reading = self.read(message)
        return self.apply(message, reading, self.gated(reading, message, resend=resend),
                          resend=resend)

    def gated(self, reading: Reading, message: StoredMessage, *, resend: bool = False) -> Decision:
        """The reading's decision with the answering rules (backlog, caps, once) applied."""
        # gate() reads the facts only for a decision that answers; each is a count over the
        # outbox, so mail that gets no answer (robots, questions) skips them.
        needed = reading.decision.answer and not resend
        facts = self.facts(reading, message) if needed else AnswerFacts()
        limits = self.settings.limits
        return gate(reading.decision, facts, per_address_per_day=limits.answers_per_address_per_day,
                    per_hour=limits.answers_per_hour)

    def apply(self, message: StoredMessage, reading: Reading, decision: Decision, *,
              resend: bool = False, actor: str | None = None, source: str = "email",
              reply: bool = True, drafts: Mapping[AnswerRequest, OutgoingMail] | None = None,
              bounce: BounceReport | None = None) -> Outcome:
        """Commit a decision: registration changes, queued answers and the message's state.

        `drafts` are answers a reader worker rendered ahead; one is used only for an equal request.
        `bounce` is the message's bounce report when a reader worker read it already.
        """
        event = self.settings.event
        capacity = Capacity(event.capacity_total, event.capacity_per_organisation)
        now = self.clock()
        suffix = f"-r{now.strftime('%Y%m%d%H%M%S')}" if resend else ""
        bounced, report = self.bounced_answers(message, reading, bounce)
        if bounced and decision.answer:
            # A returned answer of ours is never answered, whatever its text looked like.
            decision = replace(decision, answer=False, reasons=(
                *decision.reasons, "bez automatycznej odpowiedzi: zwrot naszej własnej odpowiedzi"))
        held = not bounced and self.held_by_breaker(reading, message, decision)
        with self.store.transaction() as db:
            extraction = reading.extraction
            cancelling = decision.action is Action.CANCEL
            registrations = self.store.planning_registrations(
                extraction.organisation, extraction.contact.email, waiting=cancelling,
                places=bool(capacity.total))
            waiting = self.store.waiting_order() if cancelling else []
            plan = plan_message(message.id, extraction, decision, registrations, waiting,
                                capacity, source=source)
            registration_id = None
            saved: dict[int | None, int] = {}
            for write in plan.writes:
                reg_id = self.store.save_registration(
                    db, write.registration, now=now, actor=actor or f"wiadomość #{message.id}",
                    action=write.action, detail=write.detail, message_id=message.id,
                    received_at=decision.received_at)
                saved[write.registration.id] = reg_id
                registration_id = registration_id or reg_id
            queued = 0
            for answer in plan.answers:
                mail = self.render(replace(answer, reply_to_message=answer.reply_to_message and reply),
                                   reading, suffix, drafts)
                reg = answer.registration
                answer_reg = saved.get(reg.id if reg else None) or (reg.id if reg else None)
                if self.store.enqueue(db, key=answer.key + suffix, kind=answer.kind,
                                      to_addr=mail.to, subject=mail.subject,
                                      header_message_id=mail.message_id, data=mail.data, now=now,
                                      message_id=message.id, registration_id=answer_reg) is not None:
                    queued += 1
            if bounced and report is not None:
                failed = ", ".join(report.permanent[:3])
                self.store.mark_bounced(bounced, message.id, now,
                                        f"odbita: zwrot w wiadomości #{message.id}"
                                        + (f" ({failed})" if failed else ""))
            self.store_outcome(db, message, reading, decision, plan, registration_id, now,
                               held=held)
        if not self.store.in_transaction():
            failpoints.reached("after_process_commit")
        return Outcome(str(decision.action), queued)

    def held_by_breaker(self, reading: Reading, message: StoredMessage,
                        decision: Decision) -> bool:
        """True when only the hourly circuit breaker kept this message's answer back."""
        if decision.answer or not reading.decision.answer:
            return False
        limits = self.settings.limits
        facts = self.facts(reading, message)
        if facts.answers_last_hour < limits.answers_per_hour:
            return False
        return gate(reading.decision, replace(facts, answers_last_hour=0),
                    per_address_per_day=limits.answers_per_address_per_day,
                    per_hour=limits.answers_per_hour).answer

    def bounced_answers(self, message: StoredMessage, reading: Reading,
                        report: BounceReport | None = None,
                        ) -> tuple[tuple[str, ...], BounceReport | None]:
        """Our answers this message returns as undelivered (DSN, NDR or a classified bounce)."""
        classified = reading.extraction.kind is Kind.BOUNCE
        if report is None:
            if not classified and not looks_like_bounce(message.raw):
                return (), None
            report = read_bounce(message.raw)
        return undelivered(report, classified_bounce=classified), report

    def preview(self, message_id: int) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """The stored reading of a message and what the current rules read now."""
        row = self.store.message_row(message_id)
        old = json.loads(row["extraction"]) if row["extraction"] else None
        message = self.store.message(message_id)
        reading = self.read(message)
        decision = self.gated(reading, message)
        new = extraction_record(Reading(reading.parsed, reading.extraction, decision), self.settings)
        return old, new

    def reprocess(self, message_id: int, *, resend: bool = False) -> Outcome:
        """Process a stored message again; it is answered again only with resend."""
        return self.process_one(self.store.message(message_id), resend=resend)

    def render(self, answer: Answer, reading: Reading, suffix: str = "",
               drafts: Mapping[AnswerRequest, OutgoingMail] | None = None) -> OutgoingMail:
        request = answer_request(answer, reading, suffix)
        draft = drafts.get(request) if drafts else None
        return draft or self.renderer.answer(request, self.clock())

    def store_outcome(self, db: object, message: StoredMessage, reading: Reading,
                      decision: Decision, plan: Plan, registration_id: int | None,
                      now: datetime, *, held: bool = False) -> None:
        extraction = reading.extraction
        # An answer the circuit breaker held waits for a person (mailbot review / approve).
        notes = (f"bezpiecznik: wstrzymano automatyczną odpowiedź, bo w ostatniej godzinie "
                 f"wysłano już {self.settings.limits.answers_per_hour} odpowiedzi; sprawdź, "
                 f"czy to nie pętla, i wyślij ją poleceniem: mailbot approve {message.id}",
                 ) if held else ()
        self.store.update_message(message.id, {
            "state": "review" if held else plan.state,
            "message_id": reading.parsed.message_id,
            "kind": str(extraction.kind),
            "action": str(decision.action),
            "answer": int(decision.answer),
            "received_at": iso(decision.received_at),
            "time_source": decision.time_source,
            "from_addr": reading.parsed.from_addr,
            "subject": reading.parsed.subject[:300],
            "reasons": dumps([*notes, *decision.reasons, *plan.notes]),
            "extraction": dumps(extraction_record(reading, self.settings)),
            "error": None,
            "processed_at": iso(now),
            "registration_id": registration_id,
        })
