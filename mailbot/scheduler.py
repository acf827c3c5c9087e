"""apscheduler 3.x wiring: the poll cycle, the daily digest, an IDLE watcher that wakes the cycle."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from mailbot.config import Settings
from mailbot.errors import MailbotError
from mailbot.inbox import Inbox

log = logging.getLogger("mailbot.scheduler")


class Worker:
    """Runs `cycle` every poll interval and `digest` daily; a watcher wakes `cycle` on new mail.

    One executor thread serialises the jobs, so a cycle and a digest never overlap, and
    max_instances=1 skips a tick that comes while the previous cycle still runs.
    """

    def __init__(self, settings: Settings, cycle: Callable[[], object],
                 digest: Callable[[], object], watch_inbox: Callable[[], Inbox] | None,
                 clock: Callable[[], datetime]) -> None:
        self.settings = settings
        self.stop = threading.Event()
        self.clock = clock
        self._cycle = cycle
        self._digest = digest
        self._watch_inbox = watch_inbox
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 6 * 3600},
            timezone=settings.zone,
        )

    def _safe(self, job: Callable[[], object], name: str) -> Callable[[], None]:
        def run() -> None:
            try:
                job()
            except MailbotError as exc:
                log.error("%s failed: %s", name, exc)
            except Exception:
                log.exception("%s crashed", name)
        return run

    def wake(self) -> None:
        """Run the cycle now (from the watcher)."""
        job = self.scheduler.get_job("cycle")
        if job is not None:
            job.modify(next_run_time=self.clock())

    def start(self) -> None:
        minutes = self.settings.file.schedule.poll_minutes
        digest_at = self.settings.file.schedule.digest_time
        self.scheduler.add_job(self._safe(self._cycle, "cycle"), IntervalTrigger(
            seconds=minutes * 60, timezone=self.settings.zone), id="cycle",
            next_run_time=self.clock())
        self.scheduler.add_job(self._safe(self._digest, "digest"), CronTrigger(
            hour=digest_at.hour, minute=digest_at.minute, timezone=self.settings.zone),
            id="digest")
        self.scheduler.start()

    def run_forever(self) -> None:
        """Block until SIGTERM/SIGINT; the running job finishes, then everything stops."""
        def on_signal(signum: int, frame: FrameType | None) -> None:
            log.info("signal %d: finishing the current step", signum)
            self.stop.set()

        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.start()
            if self._watch_inbox is not None and self.settings.file.inbox.use_idle:
                self._watch()
            else:
                self.stop.wait()
        finally:
            self.scheduler.shutdown(wait=True)
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _watch(self) -> None:
        """Keep one connection waiting for new mail (IMAP IDLE); reconnect with backoff."""
        assert self._watch_inbox is not None
        backoff = 1.0
        inbox: Inbox | None = None
        while not self.stop.is_set():
            try:
                if inbox is None:
                    inbox = self._watch_inbox()
                    inbox.open()
                # Short waits so a signal is noticed within a second or two.
                if inbox.wait_for_mail(timeout=2.0):
                    self.wake()
                backoff = 1.0
            except MailbotError as exc:
                log.warning("watcher: %s; reconnecting in %.0f s", exc, backoff)
                if inbox is not None:
                    _close(inbox)
                inbox = None
                self.stop.wait(backoff)
                backoff = min(backoff * 2, 60.0)
        if inbox is not None:
            _close(inbox)


def _close(inbox: Inbox) -> None:
    with contextlib.suppress(MailbotError):
        inbox.close()

