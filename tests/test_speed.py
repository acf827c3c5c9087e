"""The speed work keeps the guarantees: the registrations cache, read-ahead, chunked processing,
and sending every due answer in one cycle."""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from e2e_support import devset, make_settings, pipeline_for
from slow_reader import misbehaving_read

from mailbot.config import Settings
from mailbot.errors import MailboxError
from mailbot.inbox import FetchedMessage, Inbox, open_inbox, seed_maildir
from mailbot.models import Contact, Organisation, Person
from mailbot.pipeline import CycleReport, Pipeline
from mailbot.pipeline.readers import ReaderPool, ReadJob
from mailbot.registry import Registration
from mailbot.store import Store

NOW = datetime(2014, 3, 4, 9, 0, tzinfo=UTC)
DEADLINE = datetime.fromisoformat("2014-03-05T23:59:59+01:00")


def registration(name: str, person: str) -> Registration:
    return Registration(None, Organisation(name, None, None, None), "confirmed", "email",
                        Contact(person, None, None), ("culture",), (Person(person, None, None, None),))


def rolled_back(store: Store) -> None:
    with store.transaction() as db:
        store.save_registration(db, registration("Fundacja B", "Ewa Kot"), now=NOW, actor="t",
                                action="create")
        raise RuntimeError("abort")


def names(store: Store) -> list[str | None]:
    return [r.organisation.name for r in store.registrations()]


def test_registrations_cache_follows_own_writes_rollbacks_and_other_connections(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    ours, other = Store(path), Store(path)
    try:
        assert names(ours) == []
        with ours.transaction() as db:
            first = ours.save_registration(db, registration("Fundacja A", "Jan Nowak"), now=NOW,
                                           actor="t", action="create")
        assert names(ours) == ["Fundacja A"]
        # An update in place keeps its position and shows the new people.
        with ours.transaction() as db:
            ours.save_registration(db, replace(registration("Fundacja A", "Anna Lis"), id=first),
                                   now=NOW, actor="t", action="update")
        assert [p.name for p in ours.registrations()[0].attendees] == ["Anna Lis"]
        # A rolled-back write never shows.
        with pytest.raises(RuntimeError):
            rolled_back(ours)
        assert names(ours) == ["Fundacja A"]
        # Another connection's commit (a staff command in another process) is seen.
        with other.transaction() as db:
            other.save_registration(db, registration("Fundacja C", "Piotr Wilk"), now=NOW,
                                    actor="t", action="create")
        assert names(ours) == ["Fundacja A", "Fundacja C"]
        assert ours.registrations() == ours.registrations("1 = 1 and 1 = 1")
    finally:
        ours.close()
        other.close()


GOOD = (b"From: Jan Kowalski <jan@x.pl>\r\nSubject: test\r\nMessage-ID: <ok-%d@x.pl>\r\n\r\n"
        b"Zgloszenie\r\n")


def test_read_ahead_gives_each_chunk_in_order_and_survives_a_dying_worker() -> None:
    pool = ReaderPool(seconds_per_message=2.0, reader=misbehaving_read)
    chunks = [[ReadJob(GOOD % 1, None, DEADLINE), ReadJob(b"RAISE", None, DEADLINE)],
              [ReadJob(b"DIE", None, DEADLINE), ReadJob(GOOD % 2, None, DEADLINE)],
              [ReadJob(GOOD % 3, None, DEADLINE)]]
    try:
        got = list(pool.read_ahead(iter(chunks)))
    finally:
        pool.close()
    assert [len(r) for r in got] == [2, 2, 1]
    ids = [[r.reading.parsed.message_id if r.reading else r.error for r in chunk] for chunk in got]
    assert ids[0][0] == "<ok-1@x.pl>"
    assert "ValueError" in str(ids[0][1])
    assert "died" in str(ids[1][0])
    assert ids[1][1] == "<ok-2@x.pl>"
    assert ids[2] == ["<ok-3@x.pl>"]

def test_small_chunks_process_everything_and_one_send_clears_the_queue(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, {})
    pipeline, store = pipeline_for(settings)
    try:
        assert pipeline.cycle().fetched == 0
        messages = devset()
        seed_maildir(tmp_path / "inbox", [(m.raw, m.received) for m in messages])
        report = CycleReport()
        pipeline.poll(report)
        pipeline.process(report, chunk=3)
        assert report.processed == len(messages)
        assert not report.errors
        assert store.scalar("select count(*) from messages where state = 'received'") == 0
        queued = store.scalar("select count(*) from outbox where state = 'queued'")
        assert queued > 0
        # More than one claim's worth (100) of due answers: all go out in one send.
        with store.transaction() as db:
            for n in range(120):
                store.enqueue(db, key=f"extra-{n}", kind="confirmation", to_addr=f"p{n}@x.pl",
                              subject="s", header_message_id=f"<extra-{n}@x>",
                              data=b"Subject: s\r\n\r\nx\r\n", now=pipeline.clock())
        pipeline.send(report)
        assert report.sent == queued + 120
        assert store.scalar("select count(*) from outbox where state != 'sent'") == 0
    finally:
        pipeline.close()
        store.close()


def test_answers_drafted_in_the_readers_are_the_bytes_the_parent_would_render(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    messages = devset()
    outboxes = []
    parent_renders = []
    for drafting in (True, False):
        world = tmp_path / str(drafting)
        settings = make_settings(world, {})
        pipeline, store = pipeline_for(settings, when=NOW)
        calls: list[str] = []
        real = pipeline.renderer.answer
        monkeypatch.setattr(pipeline.renderer, "answer",
                            lambda request, now, real=real, calls=calls: (calls.append(request.key),
                                                                          real(request, now))[1])
        if not drafting:
            pipeline.drafting = None
        try:
            assert pipeline.cycle().fetched == 0
            seed_maildir(world / "inbox", [(m.raw, m.received) for m in messages])
            report = CycleReport()
            pipeline.poll(report)
            pipeline.process(report)
            # MIME boundaries are random per rendering; everything else must match byte for byte.
            outboxes.append({r["key"]: re.sub(rb"=_*\d+==", b"=B=", r["data"])
                             for r in store.query("select key, data from outbox where kind != 'digest'")})
            parent_renders.append(len(calls))
        finally:
            pipeline.close()
            store.close()
    drafted, rendered = outboxes
    assert len(drafted) > 10
    assert drafted == rendered
    # With drafts the parent rendered only what planning changed (none here: no repeats).
    assert parent_renders[1] == len(rendered)
    assert parent_renders[0] < parent_renders[1]


POOL_SCRIPT = """
import sys, time
from mailbot.pipeline.readers import ReaderPool

if __name__ == "__main__":
    pool = ReaderPool(5.0)
    pool.warm()
    pool.read_all([])
    print("ready", flush=True)
    time.sleep(120)
"""


def descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                children = {int(x) for x in (task / "children").read_text().split()}
                todo.extend(children - found)
                found |= children
    return found


def test_readers_exit_when_their_parent_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "pool.py"
    script.write_text(POOL_SCRIPT)
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        assert parent.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 30
        children = descendants(parent.pid)
        while len(children) < 3 and time.monotonic() < deadline:  # forkserver and 2 readers
            time.sleep(0.1)
            children = descendants(parent.pid)
        assert len(children) >= 2
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{pid}").exists() for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = [pid for pid in children if Path(f"/proc/{pid}").exists()
             and "forkserver" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")]
    assert alive == []


def small_batches(tmp_path: Path) -> Settings:
    settings = make_settings(tmp_path, {})
    inbox = settings.file.inbox.model_copy(update={"batch_size": 5, "answer_backlog": True})
    return replace(settings, file=settings.file.model_copy(update={"inbox": inbox}))


def ticking() -> Callable[[], datetime]:
    """A clock one second further on at every reading: the order of events shows in the rows."""
    moments = (NOW + timedelta(seconds=i) for i in count())
    return lambda: next(moments)


def test_a_backlog_is_read_while_the_inbox_is_still_being_fetched(tmp_path: Path) -> None:
    settings = small_batches(tmp_path)
    messages = devset()
    seed_maildir(tmp_path / "inbox", [(m.raw, m.received) for m in messages])
    store = Store(settings.database)
    try:
        with Pipeline(settings, store, ticking()) as pipeline:
            # cycle() does this with chunks of 64; 36 messages need smaller ones to show it.
            report = CycleReport()
            pipeline.process(report, chunk=4, more=pipeline.poll_steps(report))
        rows = store.query("select stored_at, processed_at, state from messages")
    finally:
        store.close()
    assert report.fetched == report.processed == len(messages) == len(rows)
    assert not report.errors
    assert all(r["state"] != "received" for r in rows)
    # The first decisions were committed before the last batch was stored.
    assert min(r["processed_at"] for r in rows) < max(r["stored_at"] for r in rows)


class FailingSecondFetch:
    """A Maildir inbox whose second fetch fails as a dropped IMAP connection would."""

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox
        self.fetches = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inbox, name)

    def fetch(self, uids: Sequence[int]) -> Iterator[FetchedMessage]:
        self.fetches += 1
        if self.fetches == 2:
            raise MailboxError("connection lost")
        return self.inbox.fetch(uids)


def test_an_inbox_failing_mid_poll_still_gets_what_was_stored_read(tmp_path: Path) -> None:
    settings = small_batches(tmp_path)
    messages = devset()[:12]
    seed_maildir(tmp_path / "inbox", [(m.raw, m.received) for m in messages])
    store = Store(settings.database)
    try:
        with Pipeline(settings, store, ticking(),
                      inbox_factory=lambda: FailingSecondFetch(
                          open_inbox(settings.inbox, settings.file.inbox))) as pipeline:
            first = pipeline.cycle()
        assert first.errors == ["inbox: connection lost"]
        assert first.fetched == first.processed == 5
        with Pipeline(settings, store, ticking()) as pipeline:
            second = pipeline.cycle()
        assert second.fetched == second.processed == 7
        assert store.scalar("select count(*) from messages where state = 'received'") == 0
    finally:
        store.close()
