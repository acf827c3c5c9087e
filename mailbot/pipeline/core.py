"""The imperative shell's core: poll the inbox, process stored mail, send answers, write the digest."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from mailbot import failpoints
from mailbot.bounces import BounceReport, looks_like_bounce, read_bounce, undelivered
from mailbot.config import Settings
from mailbot.contract import contract_object
from mailbot.decide import AnswerFacts, gate
from mailbot.errors import MailbotError, MailboxError, SendError
from mailbot.inbox import Inbox, open_inbox
from mailbot.limits import Limits, check_limits
from mailbot.models import Action, Decision, Kind, OutgoingMail
from mailbot.outbox import Transport, open_transport
from mailbot.pipeline.drafts import Drafting, answer_request
from mailbot.pipeline.readers import ReaderPool, ReadJob, ReadResult
from mailbot.plan import Answer, Plan, plan_message
from mailbot.reading import Reading, read_message
from mailbot.registry import Capacity
from mailbot.render import AnswerRequest, Renderer
from mailbot.store import OutboxRow, Store, StoredMessage, dumps, iso

log = logging.getLogger("mailbot.pipeline")

Clock = Callable[[], datetime]


@dataclass
class CycleReport:
    """What one cycle did, for the CLI and the logs."""

    fetched: int = 0
    stored: int = 0
    processed: int = 0
    actions: dict[str, int] = field(default_factory=dict)
    answers_queued: int = 0
    sent: int = 0
    send_failed: int = 0
    retry: int = 0
    in_doubt: int = 0
    errors: list[str] = field(default_factory=list)

    def count(self, action: str) -> None:
        self.actions[action] = self.actions.get(action, 0) + 1


class WorkerBusy(MailbotError):
    """Another mailbot worker holds the lock on this database."""


@contextmanager
def worker_lock(database: Path) -> Iterator[None]:
    """One worker (or sending CLI command) per database at a time (flock, released on exit)."""
    database.parent.mkdir(parents=True, exist_ok=True)
    handle = open(str(database) + ".lock", "a+")  # noqa: SIM115 - held for the whole block
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise WorkerBusy(f"another mailbot worker is running on {database}") from exc
        yield
    finally:
        handle.close()


class Pipeline:
    """Runs the stages against one store; inbox and transport are opened per stage run."""

    def __init__(self, settings: Settings, store: Store, clock: Clock,
                 inbox_factory: Callable[[], Inbox] | None = None,
                 transport_factory: Callable[[], Transport] | None = None) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self._inbox_factory = inbox_factory or (
            lambda: open_inbox(settings.inbox, settings.file.inbox))
        self._transport_factory = transport_factory or (
            lambda: open_transport(settings.outbox, settings.file.outbox.timeout_seconds))
        self.renderer = Renderer(settings.templates, settings.event)
        self.limits = limits_of(settings)
        self.readers = ReaderPool(settings.limits.seconds_per_message)
        event = settings.event
        # None: the parent renders every answer itself.
        self.drafting: Drafting | None = Drafting(
            settings.templates, event, Capacity(event.capacity_total, event.capacity_per_organisation))
        self.inbox: Inbox | None = None

    # -- poll ------------------------------------------------------------------------------

    def mailbox_name(self) -> str:
        return self.settings.inbox.describe()

    def open_inbox(self) -> Inbox:
        if self.inbox is None:
            self.inbox = self._inbox_factory()
        return self.inbox

    def close(self) -> None:
        """Release the inbox connection and the reader processes."""
        self.close_inbox()
        self.readers.close()

    def close_inbox(self) -> None:
        inbox, self.inbox = self.inbox, None
        if inbox is not None:
            try:
                inbox.close()
            except MailbotError:
                log.warning("inbox close failed")

    def poll(self, report: CycleReport) -> None:
        """Store every new message (raw bytes committed first), then move it on the server."""
        name = self.mailbox_name()
        try:
            inbox = self.open_inbox()
            state = inbox.open()
            known = self.store.sync_state(name)
            if known is None or known.uidvalidity != state.uidvalidity:
                uids = inbox.uids_after(0)
                sync = self.store.begin_sync(
                    name, state.uidvalidity, max(uids, default=0), self.clock(),
                    answer_backlog=self.settings.file.inbox.answer_backlog)
                if known is not None:
                    log.warning("uidvalidity changed on %s: rescanning %d messages", name, len(uids))
            else:
                sync = known
                uids = inbox.uids_after(known.last_uid)
            size = self.settings.file.inbox.batch_size
            for start in range(0, len(uids), size):
                chunk = uids[start:start + size]
                fetched = [(m.uid, m.raw, m.internaldate) for m in inbox.fetch(chunk)]
                report.fetched += len(fetched)
                failpoints.reached("after_fetch")
                # last_uid advances only after the move: a crash between the commit and the
                # move fetches the batch again (found by hash, stored once) and moves it then.
                results = self.store.store_batch(name, sync.uidvalidity, fetched,
                                                 sync.backlog_max_uid, self.clock(),
                                                 advance=False)
                report.stored += sum(1 for _, new in results if new)
                failpoints.reached("after_commit")
                # Only now, with the bytes durable in SQLite, may the server copy move.
                failpoints.reached("before_move")
                inbox.mark_processed([uid for uid, _, _ in fetched])
                if fetched:
                    self.store.advance_last_uid(name, max(uid for uid, _, _ in fetched))
            self.store.record_poll(name, self.clock(), None)
        except MailboxError as exc:
            self.close_inbox()
            self.store.record_poll(name, self.clock(), str(exc))
            raise

    # -- process ---------------------------------------------------------------------------

    def process(self, report: CycleReport, limit: int = 100000, chunk: int = 64) -> None:
        """Read waiting messages in worker processes (time-bounded), then commit one by one.

        Messages are loaded a chunk at a time, so memory stays flat however long the backlog,
        and the workers read the next chunk while this process commits the current one.
        """
        ids = [int(r["id"]) for r in self.store.query(
            "select id from messages where state = 'received' order by id limit ?", [limit])]
        batches: deque[list[StoredMessage]] = deque()

        def jobs() -> Iterator[list[ReadJob]]:
            for start in range(0, len(ids), chunk):
                batches.append(self._readable(report, ids[start:start + chunk]))
                now = self.clock()
                yield [ReadJob(m.raw, m.internaldate, self.settings.deadline, self.drafting, m.id, now)
                       for m in batches[-1]]

        for results in self.readers.read_ahead(jobs()):
            for message, result in zip(batches.popleft(), results, strict=True):
                self._commit(report, message, result)

    def _readable(self, report: CycleReport, ids: list[int]) -> list[StoredMessage]:
        readable = []
        for message_id in ids:
            message = self.store.message(message_id)
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
                                 drafts=dict(result.drafts))
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
            answers_last_hour=self.store.answers_since(now - timedelta(hours=1)),
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
              ) -> Outcome:
        """Commit a decision: registration changes, queued answers and the message's state.

        `drafts` are answers a reader worker rendered ahead; one is used only for an equal request.
        """
        event = self.settings.event
        capacity = Capacity(event.capacity_total, event.capacity_per_organisation)
        now = self.clock()
        suffix = f"-r{now.strftime('%Y%m%d%H%M%S')}" if resend else ""
        bounced, report = self.bounced_answers(message, reading)
        if bounced and decision.answer:
            # A returned answer of ours is never answered, whatever its text looked like.
            decision = replace(decision, answer=False, reasons=(
                *decision.reasons, "bez automatycznej odpowiedzi: zwrot naszej własnej odpowiedzi"))
        held = not bounced and self.held_by_breaker(reading, message, decision)
        with self.store.transaction() as db:
            plan = plan_message(message.id, reading.extraction, decision, self.store.registrations(),
                                self.store.waiting_order(), capacity, source=source)
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

    def bounced_answers(self, message: StoredMessage,
                        reading: Reading) -> tuple[tuple[str, ...], BounceReport | None]:
        """Our answers this message returns as undelivered (DSN, NDR or a classified bounce)."""
        classified = reading.extraction.kind is Kind.BOUNCE
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

    # -- send ------------------------------------------------------------------------------

    def send(self, report: CycleReport) -> None:
        """Send due answers; a crash after DATA started leaves the row in_doubt, never resent."""
        # Claimed 100 at a time, one connection each; until none is due (a backlog's answers
        # would otherwise wait one poll interval per hundred).
        while rows := self.store.claim_due(self.clock()):
            self._send_rows(report, rows)

    def _send_rows(self, report: CycleReport, rows: list[OutboxRow]) -> None:
        transport = self._transport_factory()
        sender = self.settings.event.reply_from
        retry = self.settings.file.outbox.retry_minutes
        try:
            for row in rows:
                def in_flight(outbox_id: int = row.id) -> None:
                    # Committed before the data goes out: a crash now means "in doubt".
                    self.store.set_outbox_state(outbox_id, "data_in_flight", self.clock())

                try:
                    transport.send(sender, row.to_addr, row.data, on_data=in_flight)
                except SendError as exc:
                    now = self.clock()
                    if exc.maybe_delivered:
                        self.store.set_outbox_state(row.id, "in_doubt", now, str(exc))
                        report.in_doubt += 1
                    elif exc.permanent or row.attempts > len(retry):
                        self.store.set_outbox_state(row.id, "failed", now, str(exc))
                        report.send_failed += 1
                    else:
                        wait = timedelta(minutes=retry[min(row.attempts, len(retry)) - 1])
                        self.store.set_outbox_state(row.id, "retry", now, str(exc), wait)
                        report.retry += 1
                    log.warning("outbox %d: %s", row.id, exc)
                else:
                    failpoints.reached("after_accept")
                    self.store.set_outbox_state(row.id, "sent", self.clock())
                    report.sent += 1
        finally:
            transport.close()

    # -- digest ----------------------------------------------------------------------------

    def recover(self) -> None:
        """At worker start: settle rows a killed process left mid-send."""
        retried, doubted = self.store.recover_outbox(self.clock())
        if retried or doubted:
            log.warning("recovered outbox: %d to retry, %d in doubt", retried, doubted)

    def digest_if_due(self) -> Path | None:
        """Write today's digest once its local time has come (catches up after downtime)."""
        now = self.clock().astimezone(self.settings.zone)
        if now.time() < self.settings.file.schedule.digest_time:
            return None
        if self.store.digest_done(now.date().isoformat()):
            return None
        return self.digest(now.date())

    def digest(self, day: date) -> Path | None:
        """Write the digest for a local date to files and queue it to staff; once per date."""
        from mailbot.digest import build_digest
        from mailbot.export import export_xlsx

        if self.store.digest_done(day.isoformat()):
            return None
        now = self.clock()
        inputs = self.store.digest_inputs()
        data = build_digest(day, now, inputs.since, inputs.registrations, inputs.refusals,
                            inputs.review, inputs.problems, inputs.health, self.settings.zone)
        text, html = self.renderer.digest_files(data)
        folder = ensure_dir(self.settings.digests)
        text_path = folder / f"zestawienie-{day.isoformat()}.txt"
        html_path = folder / f"zestawienie-{day.isoformat()}.html"
        text_path.write_text(text, encoding="utf-8")
        html_path.write_text(html, encoding="utf-8")
        xlsx = export_xlsx(self.store.export_rows())
        with self.store.transaction() as db:
            for address in self.settings.event.staff_emails:
                mail = self.renderer.digest_mail(data, (address,), xlsx, now)
                self.store.enqueue(db, key=f"digest-{day.isoformat()}-{address.lower()}",
                                   kind="digest", to_addr=address, subject=mail.subject,
                                   header_message_id=mail.message_id, data=mail.data, now=now)
            self.store.record_digest(day.isoformat(), str(text_path), str(html_path), now)
        log.info("digest for %s written", day.isoformat())
        return html_path

    # -- one cycle -------------------------------------------------------------------------

    def cycle(self) -> CycleReport:
        """Poll, process, the digest when due, send; inbox and outbox errors are reported."""
        report = CycleReport()
        # A failed earlier cycle of this worker (say, the database locked mid-send) may have
        # left rows in `sending` or `data_in_flight`; the worker lock makes them ours to settle.
        self.recover()
        try:
            self.poll(report)
        except MailboxError as exc:
            report.errors.append(f"inbox: {exc}")
        self.process(report)
        try:
            self.digest_if_due()
        except MailbotError as exc:
            report.errors.append(f"digest: {exc}")
        try:
            self.send(report)
        except SendError as exc:
            report.errors.append(f"outbox: {exc}")
        return report


@dataclass(frozen=True)
class Outcome:
    action: str
    answers: int


def limits_of(settings: Settings) -> Limits:
    lim = settings.limits
    return Limits(max_message_bytes=lim.max_message_bytes, max_header_bytes=lim.max_header_bytes,
                  max_encoded_words=lim.max_encoded_words, max_mime_depth=lim.max_mime_depth,
                  max_mime_parts=lim.max_mime_parts)


def extraction_record(reading: Reading, settings: Settings) -> dict[str, object]:
    """What is stored with a message: the contract object plus confidence notes and signals."""
    record = contract_object(reading.parsed, reading.extraction, reading.decision, settings.zone)
    record["notes"] = [{"field": n.field, "confidence": n.confidence, "reason": n.reason}
                       for n in reading.extraction.notes]
    record["signals"] = list(reading.extraction.signals)
    record["no_answer_reasons"] = list(reading.extraction.no_answer_reasons)
    return record


def local_day(moment: datetime, settings: Settings) -> date:
    return moment.astimezone(settings.zone).date()


def safe_filename(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)


def ensure_dir(path: Path) -> Path:
    os.makedirs(path, exist_ok=True)
    return path

