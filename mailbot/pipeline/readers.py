"""Reading messages in worker processes: both cores, a memory cap and a time bound per message."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess

from mailbot.pipeline.reader_worker import ReadJob, ReadResult, feed, read_job, serve, warm_reader
from mailbot.readerserver import reader_context
from mailbot.reading import Reading

__all__ = ["ReadJob", "ReadResult", "ReaderPool", "_read", "warm_reader"]

log = logging.getLogger("mailbot.readers")

# The reader tests and older callers know the default reader by this name.
_read = read_job

# Jobs go to a worker a slice at a time, and a worker holds at most DEPTH of them: enough to
# stay busy while the parent commits a chunk (~40 ms, ~10 messages), few enough that the two
# workers finish a backlog together.
SLICE = 4
DEPTH = 64
# A worker's answers wait in its pipe while the parent commits; a larger pipe than the
# default 64 KiB (6 answers) lets it keep reading meanwhile. Linux caps it for users at 1 MiB.
ANSWER_PIPE_BYTES = 1024 * 1024


@dataclass(eq=False)
class _Worker:
    """One reader process, its pipes, and the tickets it holds in the order it reads them."""

    process: BaseProcess
    answers: Connection
    slices: queue.SimpleQueue[Sequence[tuple[int, ReadJob]] | None]
    held: deque[int] = field(default_factory=deque)
    # When the job at the head of `held` started, as far as the parent can tell.
    since: float = 0.0


class ReaderPool:
    """Reads in worker processes; a message over its time bound is reported, its worker renewed."""

    def __init__(self, seconds_per_message: float, workers: int | None = None,
                 reader: Callable[[ReadJob], Reading] | None = None) -> None:
        self.seconds = seconds_per_message
        # The function run in the workers (module-level, so the workers can import it).
        self.reader = reader or read_job
        self.size = workers or max(1, min(2, os.cpu_count() or 1))
        self._workers: list[_Worker] = []
        # warm_in_background() may start the workers from another thread while polling runs.
        self._lock = threading.Lock()
        self._warming: threading.Thread | None = None
        # (read end for the workers, write end kept here): EOF tells a worker we are gone.
        self._lifeline: tuple[Connection, Connection] | None = None
        self._jobs: dict[int, ReadJob] = {}
        self._waiting: deque[int] = deque()
        self._done: dict[int, ReadResult] = {}
        self._next_ticket = 0

    # -- workers -----------------------------------------------------------------------------

    def warm(self) -> None:
        """Start the workers now (imports, morphology dictionary), not on the first message."""
        with self._lock:
            while len(self._workers) < self.size:
                self._workers.append(self._start())

    def warm_in_background(self) -> threading.Thread:
        """warm() in a thread: the forkserver forks the readers while the inbox is polled
        (about a second at the start of `run --once`, bench/bench_backlog.py)."""
        thread = threading.Thread(target=self._warm_quietly, name="mailbot-readers-warm",
                                  daemon=True)
        self._warming = thread
        thread.start()
        return thread

    def _warm_quietly(self) -> None:
        try:
            self.warm()
        except Exception:  # reading starts the workers itself and reports what fails
            log.warning("starting the reader processes failed", exc_info=True)

    def _start(self) -> _Worker:
        context = reader_context()
        if self._lifeline is None:
            self._lifeline = context.Pipe(duplex=False)
        jobs_in, jobs_out = context.Pipe(duplex=False)
        answers_in, answers_out = context.Pipe(duplex=False)
        with contextlib.suppress(OSError, AttributeError):
            fcntl.fcntl(answers_out.fileno(), fcntl.F_SETPIPE_SZ, ANSWER_PIPE_BYTES)
        process = context.Process(target=serve, name="mailbot-reader", daemon=True,
                                  args=(jobs_in, answers_out, self._lifeline[0], self.reader))
        try:
            process.start()
        finally:
            # The worker has its own copies now; ours would hide its death (no EOF).
            jobs_in.close()
            answers_out.close()
        slices: queue.SimpleQueue[Sequence[tuple[int, ReadJob]] | None] = queue.SimpleQueue()
        threading.Thread(target=feed, args=(slices, jobs_out), name="mailbot-reader-feed",
                         daemon=True).start()
        return _Worker(process, answers_in, slices)

    def _retire(self, worker: _Worker, error: str | None) -> None:
        """Stop a worker; the job it was on gets `error`, the rest wait for another worker."""
        with self._lock:
            self._workers.remove(worker)
        worker.slices.put(None)
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join()
        with contextlib.suppress(OSError):
            worker.answers.close()
        if worker.held and error is not None:
            self._finish(worker.held.popleft(), ReadResult(None, error))
        # Jobs a caller gave up on (abandoned) are not read again.
        self._waiting.extendleft(reversed([t for t in worker.held if t in self._jobs]))
        # Through warm(), under its lock: a background warm-up may be starting workers too.
        self.warm()

    # -- reading -----------------------------------------------------------------------------

    def read_all(self, jobs: Sequence[ReadJob]) -> list[ReadResult]:
        """Read every job: a message that hangs, kills its worker or raises gets an error."""
        tickets = self._submit(jobs)
        try:
            self._pump(tickets)
            return [self._done.pop(t) for t in tickets]
        finally:
            self._abandon(tickets)

    def read_ahead(self, chunks: Iterable[Sequence[ReadJob]],
                   depth: int = 3) -> Iterator[list[ReadResult]]:
        """The results of each chunk in turn, the next `depth` chunks being read while the
        caller handles this one: the parent's commits and the workers' reading overlap."""
        it = iter(chunks)
        in_flight: deque[list[int]] = deque()

        def top_up() -> None:
            while len(in_flight) < max(1, depth):
                jobs = next(it, None)
                if jobs is None:
                    return
                in_flight.append(self._submit(jobs))

        try:
            top_up()
            while in_flight:
                tickets = in_flight[0]
                self._pump(tickets)
                in_flight.popleft()
                top_up()
                self._dispatch()
                yield [self._done.pop(t) for t in tickets]
        finally:
            # The caller stopped early (an error while committing): what it will not take
            # is dropped, so a long-running worker neither reads it nor keeps its results.
            for tickets in in_flight:
                self._abandon(tickets)

    def _abandon(self, tickets: Sequence[int]) -> None:
        gone = set(tickets)
        for ticket in gone:
            self._jobs.pop(ticket, None)
            self._done.pop(ticket, None)
        if gone & set(self._waiting):
            self._waiting = deque(t for t in self._waiting if t not in gone)

    def _submit(self, jobs: Sequence[ReadJob]) -> list[int]:
        tickets = list(range(self._next_ticket, self._next_ticket + len(jobs)))
        self._next_ticket += len(jobs)
        self._jobs.update(zip(tickets, jobs, strict=True))
        self._waiting.extend(tickets)
        return tickets

    def _finish(self, ticket: int, result: ReadResult) -> None:
        if self._jobs.pop(ticket, None) is not None:
            self._done[ticket] = result

    def _dispatch(self) -> None:
        """Give waiting jobs to the workers that hold fewer than DEPTH, a slice at a time."""
        if len(self._workers) < self.size:
            self.warm()
        for worker in list(self._workers):
            if not worker.held and not worker.process.is_alive():
                # Died between messages (killed from outside): no job of its is to blame.
                self._retire(worker, None)
        for worker in self._workers:
            while self._waiting and len(worker.held) < DEPTH:
                tickets = [self._waiting.popleft()
                           for _ in range(min(SLICE, len(self._waiting)))]
                if not worker.held:
                    worker.since = time.monotonic()
                worker.held.extend(tickets)
                worker.slices.put([(t, self._jobs[t]) for t in tickets])

    def _pump(self, tickets: Sequence[int]) -> None:
        """Run the workers until every job of `tickets` has its result."""
        # The clock of a job starts no earlier than this call: its worker may have waited on a
        # full answer pipe while this process was committing.
        began = time.monotonic()
        while any(t not in self._done for t in tickets):
            self._dispatch()
            busy = [w for w in self._workers if w.held]
            if not busy:
                raise RuntimeError("jobs waiting but no reader holds any")
            deadline = min(max(w.since, began) for w in busy) + self.seconds
            ready = wait([w.answers for w in busy] + [w.process.sentinel for w in busy],
                         timeout=max(0.0, deadline - time.monotonic()))
            for worker in busy:
                if worker.answers in ready or worker.process.sentinel in ready:
                    self._receive(worker)
            now = time.monotonic()
            for worker in [w for w in busy if w in self._workers and w.held]:
                if now - max(worker.since, began) > self.seconds:
                    self._retire(worker, f"time limit: more than {self.seconds:.0f} s to read")

    def _receive(self, worker: _Worker) -> None:
        """Take every answer a worker has sent; a worker that died costs its current job."""
        try:
            while worker.held and worker.answers.poll():
                ticket, result = worker.answers.recv()
                # Answers come in the order of `held`; the check keeps a stray one harmless.
                if ticket in worker.held:
                    worker.held.remove(ticket)
                worker.since = time.monotonic()
                self._finish(ticket, result)
        except (EOFError, OSError):
            pass
        if worker.held and not worker.process.is_alive():
            self._retire(worker, "reader process died (memory or crash)")

    def close(self) -> None:
        # A pool still being started must not come to life after this close.
        warming, self._warming = self._warming, None
        if warming is not None:
            warming.join()
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.slices.put(None)
        for worker in workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            with contextlib.suppress(OSError):
                worker.answers.close()
        lifeline, self._lifeline = self._lifeline, None
        for end in lifeline or ():
            end.close()
