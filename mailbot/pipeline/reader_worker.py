"""What runs inside a reader process: the jobs it is given, its limits, and the answers it sends back."""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import resource
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection

from mailbot.bounces import BounceReport, looks_like_bounce, read_bounce
from mailbot.models import Kind
from mailbot.pipeline.drafts import Draft, Drafting, draft_answers
from mailbot.reading import Reading, read_message

log = logging.getLogger("mailbot.readers")

# A worker may use this much address space; a decompression or parser bomb fails inside it.
WORKER_MEMORY_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class ReadJob:
    raw: bytes
    internaldate: datetime | None
    deadline: datetime
    # Pre-render the likely answers too (drafts.py), for message `message_id` at time `now`.
    drafting: Drafting | None = None
    message_id: int = 0
    now: datetime | None = None


@dataclass(frozen=True)
class ReadResult:
    """A reading, or why there is none (time limit, crash, exception); drafts of its answers."""

    reading: Reading | None
    error: str | None = None
    drafts: tuple[Draft, ...] = ()
    # The bounce report of a message that is or looks like one (read here, not in the parent).
    bounce: BounceReport | None = None


def warm_reader() -> None:
    """Load what reading needs (the morphology dictionary above all) now, not on a message."""
    try:
        read_message(b"From: a@b.pl\r\n\r\nJan Kowalski\r\n", internaldate=None,
                     deadline=datetime.fromisoformat("2014-03-05T23:59:59+01:00"))
    except Exception:  # a worker that cannot warm up still reads, and reports, each message
        log.warning("reader warm-up failed", exc_info=True)


def read_job(job: ReadJob) -> Reading:
    """The default reader: parse, extract and decide one message."""
    return read_message(job.raw, internaldate=job.internaldate, deadline=job.deadline)


def work(reader: Callable[[ReadJob], Reading], job: ReadJob) -> ReadResult:
    """What a worker does for one job: read it, its bounce report, drafts of likely answers."""
    try:
        reading = reader(job)
        bounce = None
        if reading.extraction.kind is Kind.BOUNCE or looks_like_bounce(job.raw):
            bounce = read_bounce(job.raw)
        drafts: tuple[Draft, ...] = ()
        if job.drafting is not None and job.now is not None:
            drafts = draft_answers(job.drafting, job.message_id, reading, job.now)
        return ReadResult(reading, drafts=drafts, bounce=bounce)
    except Exception as exc:  # the message itself broke the reader
        return ReadResult(None, f"{type(exc).__name__}: {exc}"[:300])


def serve(jobs: Connection, answers: Connection, lifeline: Connection,
          reader: Callable[[ReadJob], Reading]) -> None:
    """A reader process: read the slices of (ticket, job) that arrive, answer each job at once.

    The parent bounds the time of every job by when its answer arrives, so answers go back
    one by one, never a slice at a time.
    """
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, WORKER_MEMORY_BYTES))
    threading.Thread(target=_exit_with_parent, args=(lifeline,), daemon=True).start()
    # Already done in the forkserver (reader_preload.py) unless that failed: then do it here.
    warm_reader()
    while True:
        try:
            slice_: Sequence[tuple[int, ReadJob]] | None = jobs.recv()
        except (EOFError, OSError):
            return
        if slice_ is None:
            return
        for ticket, job in slice_:
            result = work(reader, job)
            try:
                answers.send((ticket, result))
            except (BrokenPipeError, EOFError):
                return
            except Exception as exc:  # a result that cannot be pickled is this job's error
                answers.send((ticket, ReadResult(None, f"result not sent: {type(exc).__name__}")))


def _exit_with_parent(lifeline: Connection) -> None:
    """Exit when the parent is gone (killed, crashed): only it holds the pipe's other end.

    A worker stuck on a message would otherwise read on for ever after a `kill -9` of the
    parent.
    """
    with contextlib.suppress(EOFError, OSError):
        lifeline.recv_bytes()
    os._exit(1)


def feed(slices: queue.SimpleQueue[Sequence[tuple[int, ReadJob]] | None], jobs: Connection) -> None:
    """The parent's side of one worker's job pipe, in a thread: a send that waits for a worker
    busy with a large slice (or stuck on a message) never holds up the parent's loop."""
    while True:
        slice_ = slices.get()
        if slice_ is None:
            break
        try:
            jobs.send(slice_)
        except (OSError, ValueError):
            # The worker is gone (killed for a time limit, or died): the pool re-sends its jobs.
            break
    with contextlib.suppress(OSError):
        jobs.close()
