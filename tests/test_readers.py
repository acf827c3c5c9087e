"""The reader pool: a message that hangs, kills its worker or raises is reported; the rest are read."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from datetime import datetime
from pathlib import Path

import pytest
from e2e_support import fixed_clock, make_settings
from slow_reader import misbehaving_read

from mailbot.errors import StoreError
from mailbot.pipeline import Pipeline
from mailbot.pipeline.readers import ReaderPool, ReadJob
from mailbot.store import Store

DEADLINE = datetime.fromisoformat("2014-03-05T23:59:59+01:00")
GOOD = (b"From: Jan Kowalski <jan@x.pl>\r\nSubject: test\r\nMessage-ID: <ok-%d@x.pl>\r\n\r\n"
        b"Zgloszenie\r\n")


def job(raw: bytes) -> ReadJob:
    return ReadJob(raw, None, DEADLINE)


def test_hanging_dying_and_raising_messages_do_not_stop_the_others() -> None:
    pool = ReaderPool(seconds_per_message=1.0, reader=misbehaving_read)
    try:
        jobs = [job(GOOD % 1), job(b"SLEEP"), job(GOOD % 2), job(b"DIE"), job(b"RAISE"),
                job(GOOD % 3)]
        results = pool.read_all(jobs)
    finally:
        pool.close()
    assert [r.reading is not None for r in results] == [True, False, True, False, False, True]
    assert results[1].error is not None
    assert "time limit" in results[1].error
    assert results[3].error is not None
    assert "died" in results[3].error
    assert results[4].error is not None
    assert "ValueError" in results[4].error
    got = [r.reading.parsed.message_id for r in results if r.reading]
    assert got == ["<ok-1@x.pl>", "<ok-2@x.pl>", "<ok-3@x.pl>"]


DSN = (b"From: MAILER-DAEMON@mx.example.pl\r\nTo: ngo@um.krakow.pl\r\n"
       b"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-1@mx.example.pl>\r\n"
       b"MIME-Version: 1.0\r\n"
       b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n"
       b"--B\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
       b"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.pl\r\n\r\n"
       b"Final-Recipient: rfc822; nikt@example.pl\r\nAction: failed\r\nStatus: 5.1.1\r\n"
       b"--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
       b"Message-ID: <mailbot.m7-confirmation@um.krakow.pl>\r\n--B--\r\n")


def test_the_workers_read_a_bounce_report_so_the_parent_does_not() -> None:
    pool = ReaderPool(seconds_per_message=5.0)
    try:
        bounce, plain = pool.read_all([job(DSN), job(GOOD % 4)])
    finally:
        pool.close()
    assert plain.bounce is None
    assert bounce.bounce is not None
    assert "nikt@example.pl" in bounce.bounce.permanent
    assert "<mailbot.m7-confirmation@um.krakow.pl>" in bounce.bounce.message_ids


def test_a_pipeline_left_by_an_error_joins_the_readers_it_was_starting(tmp_path: Path) -> None:
    """`run --once` failing early (disk full) while the readers start: none is left starting.

    A reader still unpickling its job queue after this process exited found the queue's
    semaphore gone and printed a traceback (CI, test_disk_full_loses_nothing).
    """
    settings = make_settings(tmp_path, {})
    store = Store(settings.database)
    started: list[threading.Thread] = []

    def fail_while_warming() -> None:
        with Pipeline(settings, store, fixed_clock) as pipeline:
            started.append(pipeline.readers.warm_in_background())
            raise StoreError("database or disk is full")

    try:
        with pytest.raises(StoreError):
            fail_while_warming()
    finally:
        store.close()
    assert not started[0].is_alive()
    assert multiprocessing.active_children() == []


def test_a_hanging_message_costs_only_its_own_worker() -> None:
    pool = ReaderPool(seconds_per_message=1.0, reader=misbehaving_read)
    try:
        pool.warm()
        before = {w.process.pid for w in pool._workers}
        results = pool.read_all([job(GOOD % i) for i in range(6)] + [job(b"SLEEP")]
                                + [job(GOOD % i) for i in range(6, 12)])
        after = {w.process.pid for w in pool._workers}
    finally:
        pool.close()
    assert [r.error is None for r in results] == [True] * 6 + [False] + [True] * 6
    assert "time limit" in str(results[6].error)
    # The other worker was not killed (its messages not read twice); the stuck one is renewed.
    assert len(before & after) == 1
    assert len(after) == 2


def test_a_worker_killed_between_messages_blames_no_message() -> None:
    pool = ReaderPool(seconds_per_message=5.0)
    try:
        pool.warm()
        victim = pool._workers[0].process
        os.kill(victim.pid or 0, signal.SIGKILL)
        victim.join()
        results = pool.read_all([job(GOOD % i) for i in range(8)])
    finally:
        pool.close()
    assert [r.error for r in results] == [None] * 8
    assert [r.reading.parsed.message_id for r in results if r.reading] == [
        f"<ok-{i}@x.pl>" for i in range(8)]


def test_large_messages_and_answers_pass_through_the_pipes() -> None:
    """Slices and answers larger than any pipe buffer (a 3 MB letter reads to 1 MiB of text)."""
    body = ("Zgłaszam udział Jana Kowalskiego z Fundacji Przykład.\r\n" * 50_000).encode()
    big = (b"From: Jan Kowalski <jan@x.pl>\r\nSubject: duzy\r\nMessage-ID: <big-%d@x.pl>\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
    jobs = [job(big % i + body) for i in range(6)]
    pool = ReaderPool(seconds_per_message=60.0)
    try:
        results = pool.read_all(jobs)
    finally:
        pool.close()
    assert [r.error for r in results] == [None] * 6
    assert all(r.reading and len(r.reading.parsed.text) > 1_000_000 for r in results)


def test_chunks_a_caller_gives_up_on_are_dropped_and_the_pool_reads_on() -> None:
    pool = ReaderPool(seconds_per_message=1.0, reader=misbehaving_read)
    chunks = [[job(GOOD % 1)], [job(b"SLEEP")], [job(GOOD % 2)]]
    try:
        reading = pool.read_ahead(iter(chunks))
        first = next(reading)
        # The caller stops here, as `process` does when a commit fails.
        reading.close()
        later = pool.read_all([job(GOOD % 3), job(GOOD % 4)])
        leftovers = (dict(pool._jobs), dict(pool._done), list(pool._waiting))
    finally:
        pool.close()
    assert [r.reading.parsed.message_id for r in first if r.reading] == ["<ok-1@x.pl>"]
    assert [r.reading.parsed.message_id for r in later if r.reading] == ["<ok-3@x.pl>",
                                                                         "<ok-4@x.pl>"]
    assert leftovers == ({}, {}, [])
