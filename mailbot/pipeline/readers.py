"""Reading messages in worker processes: both cores, a memory cap and a time bound per message."""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection

from mailbot.bounces import BounceReport, looks_like_bounce, read_bounce
from mailbot.models import Kind
from mailbot.pipeline.drafts import Draft, Drafting, draft_answers
from mailbot.readerserver import reader_context
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


def _init_worker(lifeline: Connection) -> None:
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, WORKER_MEMORY_BYTES))
    threading.Thread(target=_exit_with_parent, args=(lifeline,), daemon=True).start()
    # Already done in the forkserver (reader_preload.py) unless that failed: then do it here.
    warm_reader()


def _exit_with_parent(lifeline: Connection) -> None:
    """Exit when the parent is gone (killed, crashed): only it holds the pipe's other end.

    A worker holds both ends of its job queue's pipe, so without this an orphaned reader
    would wait for work for ever (seen after a `kill -9` of the parent).
    """
    with contextlib.suppress(EOFError, OSError):
        lifeline.recv_bytes()
    os._exit(1)


def _noop() -> None:
    return None


def _read(job: ReadJob) -> Reading:
    return read_message(job.raw, internaldate=job.internaldate, deadline=job.deadline)


Done = tuple[Reading, tuple[Draft, ...], BounceReport | None]


def _work(reader: Callable[[ReadJob], Reading], job: ReadJob) -> Done:
    """What a worker does for one job: read it, its bounce report, drafts of likely answers."""
    reading = reader(job)
    bounce = None
    if reading.extraction.kind is Kind.BOUNCE or looks_like_bounce(job.raw):
        bounce = read_bounce(job.raw)
    if job.drafting is None or job.now is None:
        return reading, (), bounce
    return reading, draft_answers(job.drafting, job.message_id, reading, job.now), bounce


# The pool a chunk was given to, and its futures (a renewed pool means: read it again).
Submitted = tuple[ProcessPoolExecutor, list[Future[Done]]]


def _result(done: Done) -> ReadResult:
    return ReadResult(done[0], drafts=done[1], bounce=done[2])


class ReaderPool:
    """Reads in a process pool; a message over its time bound is reported, and the pool renewed."""

    def __init__(self, seconds_per_message: float, workers: int | None = None,
                 reader: Callable[[ReadJob], Reading] | None = None) -> None:
        self.seconds = seconds_per_message
        # The function run in the workers (module-level, so the workers can import it).
        self.reader = reader or _read
        self.workers = workers or max(1, min(2, os.cpu_count() or 1))
        self._pool: ProcessPoolExecutor | None = None
        # warm_in_background() may create the pool from another thread while polling runs.
        self._lock = threading.Lock()
        self._warming: threading.Thread | None = None
        # (read end for the workers, write end kept here): EOF tells a worker we are gone.
        self._lifeline: tuple[Connection, Connection] | None = None

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            return self._create()

    def _create(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = reader_context()
            if self._lifeline is None:
                self._lifeline = context.Pipe(duplex=False)
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context,
                                             initializer=_init_worker,
                                             initargs=(self._lifeline[0],))
        return self._pool

    def _kill(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # Stop stuck workers at once: a hostile message must not hold the run.
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=True, cancel_futures=True)

    def warm(self) -> None:
        """Start the workers now (imports, morphology dictionary), not on the first message."""
        pool = self._executor()
        for _ in range(self.workers):
            pool.submit(_noop)

    def warm_in_background(self) -> threading.Thread:
        """warm() in a thread: the forkserver loads the dictionary while the inbox is polled
        (about a second at the start of `run --once`, bench/bench_backlog.py)."""
        thread = threading.Thread(target=self._warm_quietly, name="mailbot-readers-warm",
                                  daemon=True)
        self._warming = thread
        thread.start()
        return thread

    def _warm_quietly(self) -> None:
        try:
            self.warm()
        except Exception:  # process() starts the pool itself and reports what fails
            log.warning("starting the reader processes failed", exc_info=True)

    def read_ahead(self, chunks: Iterable[Sequence[ReadJob]],
                   depth: int = 2) -> Iterator[list[ReadResult]]:
        """The results of each chunk in turn, the next `depth` chunks being read while the
        caller handles this one: the parent's commits and the workers' reading overlap, and
        a worker that finishes early finds the chunk after next already waiting."""
        it = iter(chunks)
        in_flight: deque[tuple[Sequence[ReadJob], Submitted | None]] = deque()

        def top_up() -> None:
            while len(in_flight) < max(1, depth):
                jobs = next(it, None)
                if jobs is None:
                    return
                in_flight.append((jobs, self._submit(jobs)))

        top_up()
        while in_flight:
            jobs, submitted = in_flight.popleft()
            results = self._collect(jobs, submitted)
            top_up()
            yield results

    def _submit(self, jobs: Sequence[ReadJob]) -> Submitted | None:
        try:
            pool = self._executor()
            return pool, [pool.submit(_work, self.reader, job) for job in jobs]
        except BrokenProcessPool:
            self._kill()
            return None

    def _collect(self, jobs: Sequence[ReadJob], submitted: Submitted | None) -> list[ReadResult]:
        if submitted is None or submitted[0] is not self._pool:
            return self.read_all(jobs)
        results: list[ReadResult] = []
        for future in submitted[1]:
            try:
                results.append(_result(future.result(timeout=self.seconds * 2 + 5)))
            except (FutureTimeout, BrokenProcessPool, CancelledError):
                # Stuck or dead: renew the pool; the first unfinished job is the likely culprit.
                self._kill()
                return results + self.read_all(jobs[len(results):], solo=True)
            except Exception as exc:  # the message itself broke the reader
                results.append(ReadResult(None, f"{type(exc).__name__}: {exc}"[:300]))
        return results

    def read_all(self, jobs: Sequence[ReadJob], *, solo: bool = False) -> list[ReadResult]:
        """Read every job; a crash or timeout kills the pool and the rest are tried again,
        one at a time (solo) until the culprit is found, then in batches again."""
        results: list[ReadResult | None] = [None] * len(jobs)
        pending = list(range(len(jobs)))
        while pending:
            batch = pending[:1] if solo else pending
            futures: list[tuple[int, Future[Done]]] = []
            try:
                pool = self._executor()
                futures = [(i, pool.submit(_work, self.reader, jobs[i])) for i in batch]
            except BrokenProcessPool:
                self._kill()
                solo = True
                continue
            broken = False
            for i, future in futures:
                try:
                    results[i] = _result(future.result(timeout=self.seconds * (1 if solo else 2)
                                                       + 5))
                except FutureTimeout:
                    if solo:
                        results[i] = ReadResult(None, f"time limit: more than {self.seconds:.0f} s to read")
                    broken = True
                    break
                except BrokenProcessPool:
                    if solo:
                        results[i] = ReadResult(None, "reader process died (memory or crash)")
                    broken = True
                    break
                except Exception as exc:  # the message itself broke the reader
                    results[i] = ReadResult(None, f"{type(exc).__name__}: {exc}"[:300])
            if broken:
                self._kill()
                # Found the culprit alone: back to batches. Else look for it one by one.
                solo = not solo
            pending = [i for i in pending if results[i] is None]
        return [r if r is not None else ReadResult(None, "not read") for r in results]

    def close(self) -> None:
        # A pool still being started must not come to life after this close.
        warming, self._warming = self._warming, None
        if warming is not None:
            warming.join()
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        lifeline, self._lifeline = self._lifeline, None
        for end in lifeline or ():
            end.close()
