"""The shell's shared parts: the cycle report, the worker lock, the pipeline's state."""

from __future__ import annotations

import fcntl
import logging
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Self

from mailbot.config import Settings
from mailbot.contract import contract_object
from mailbot.errors import MailbotError
from mailbot.inbox import Inbox, open_inbox
from mailbot.limits import Limits
from mailbot.outbox import Transport, open_transport
from mailbot.pipeline.drafts import Drafting
from mailbot.pipeline.readers import ReaderPool
from mailbot.reading import Reading
from mailbot.registry import Capacity
from mailbot.render import Renderer
from mailbot.store import Store

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



class PipelineBase:
    """What every stage shares: settings, store, clock, readers, renderer, the inbox connection."""

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

    def mailbox_name(self) -> str:
        return self.settings.inbox.describe()

    def open_inbox(self) -> Inbox:
        if self.inbox is None:
            self.inbox = self._inbox_factory()
        return self.inbox

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        # Also on errors: a reader process still starting must not outlive this process
        # (seen as a child's traceback when the disk filled during `run --once`).
        self.close()

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
