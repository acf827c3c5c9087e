"""Delivery: sending due answers (the RFC 1047 window made visible) and the daily digest."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path

from mailbot import failpoints
from mailbot.errors import SendError
from mailbot.pipeline.base import CycleReport, PipelineBase, ensure_dir
from mailbot.store import OutboxRow

log = logging.getLogger("mailbot.pipeline")

class Delivery(PipelineBase):
    """Sends the outbox and writes the digest."""

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
