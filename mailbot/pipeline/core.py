"""The imperative shell's core: one Pipeline that polls, processes, sends and digests."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from mailbot import failpoints
from mailbot.errors import MailbotError, MailboxError, SendError
from mailbot.pipeline.base import (
    Clock,
    CycleReport,
    Outcome,
    PipelineBase,
    WorkerBusy,
    extraction_record,
    local_day,
    worker_lock,
)
from mailbot.pipeline.delivery import Delivery
from mailbot.pipeline.processing import Processing

log = logging.getLogger("mailbot.pipeline")

class Pipeline(Processing, Delivery):
    """Runs the stages against one store; inbox and transport are opened per stage run."""

    # -- poll ------------------------------------------------------------------------------

    def poll(self, report: CycleReport) -> None:
        """Store every new message (raw bytes committed first), then move it on the server."""
        for _ in self.poll_steps(report):
            pass

    def poll_steps(self, report: CycleReport) -> Iterator[None]:
        """poll() a batch at a time: each step stores (and moves) one batch of new mail.

        cycle() hands the steps to process(), which takes the next batch when its readers are
        close to running out of stored mail: a backlog is read while the inbox is still being
        fetched (the readers waited for the whole poll, ~2.6 s of 10,000 messages).
        """
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
                yield
            self.store.record_poll(name, self.clock(), None)
        except MailboxError as exc:
            self.close_inbox()
            self.store.record_poll(name, self.clock(), str(exc))
            raise

    # -- one cycle -------------------------------------------------------------------------

    def cycle(self) -> CycleReport:
        """Poll, process, the digest when due, send; inbox and outbox errors are reported."""
        report = CycleReport()
        # A failed earlier cycle of this worker (say, the database locked mid-send) may have
        # left rows in `sending` or `data_in_flight`; the worker lock makes them ours to settle.
        self.recover()
        # Inbox errors are reported by process() (as "inbox: ..."), which still reads what is
        # stored.
        self.process(report, more=self.poll_steps(report))
        try:
            self.digest_if_due()
        except MailbotError as exc:
            report.errors.append(f"digest: {exc}")
        try:
            self.send(report)
        except SendError as exc:
            report.errors.append(f"outbox: {exc}")
        return report


__all__ = ["Clock", "CycleReport", "Outcome", "Pipeline", "PipelineBase", "WorkerBusy",
           "extraction_record", "local_day", "worker_lock"]
