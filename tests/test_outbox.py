"""The outbox against a faulty SMTP server (aiosmtpd on loopback): 4xx retry with backoff, 5xx
failure shown to staff, stalls and drops in the RFC 1047 window become in_doubt and are never
resent by themselves, and a failure mid-send leaves nothing stuck."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest
from e2e_support import make_settings, staff_cli
from invariants import Clock, Sent, check_invariants, registration, tuned
from smtp_sink import SmtpSink
from tcp_proxy import TcpProxy

from mailbot.config import Settings
from mailbot.errors import StoreError
from mailbot.inbox import seed_maildir
from mailbot.pipeline import CycleReport, Pipeline
from mailbot.store import Store

# The daily digest is moved to the last second of the day, so only answers go out.
LATE_DIGEST = time(23, 59, 59)


class Desk:
    """An in-process pipeline: Maildir inbox, SMTP outbox, a settable clock."""

    def __init__(self, tmp: Path, port: int, **outbox: object) -> None:
        settings = make_settings(tmp, {"MAILBOT_OUTBOX": f"smtp://127.0.0.1:{port}"})
        settings = tuned(settings, "schedule", digest_time=LATE_DIGEST)
        self.settings: Settings = tuned(tuned(settings, "outbox", **outbox), "inbox",
                                        answer_backlog=True)
        self.clock = Clock()
        self.store = Store(self.settings.database)
        self.pipeline = Pipeline(self.settings, self.store, self.clock)
        self.inbox = tmp / "inbox"

    def deliver(self, *messages: bytes) -> None:
        seed_maildir(self.inbox, [(raw, datetime.now(UTC)) for raw in messages])

    def cycle(self) -> CycleReport:
        return self.pipeline.cycle()

    def rows(self) -> list[dict[str, object]]:
        return self.store.query("select * from outbox where kind != 'digest' order by id")

    def staff(self, *args: str) -> str:
        return staff_cli(self.settings, self.inbox.parent,
                         f"smtp://127.0.0.1:{self.settings.outbox.port}", *args,
                         extra_config=f"[schedule]\ndigest_time = {LATE_DIGEST.isoformat()}\n")

    def close(self) -> None:
        self.pipeline.close()
        self.store.close()


@pytest.fixture
def desk_factory(tmp_path: Path) -> Iterator[Callable[..., Desk]]:
    made: list[Desk] = []

    def make(port: int, **outbox: object) -> Desk:
        desk = Desk(tmp_path, port, **outbox)
        made.append(desk)
        return desk

    yield make
    for desk in made:
        desk.close()


def ledger(sink: SmtpSink) -> list[Sent]:
    return [Sent(tuple(m.rcpt_tos), m.data) for m in sink.messages]


@pytest.mark.parametrize(("stage", "code"), [("MAIL", 421), ("MAIL", 451), ("RCPT", 451),
                                             ("DATA", 451), ("DATA", 421)])
def test_temporary_failure_retries_with_backoff(desk_factory: Callable[..., Desk],
                                                smtp_sink: SmtpSink, stage: str,
                                                code: int) -> None:
    desk = desk_factory(smtp_sink.port)
    smtp_sink.fail(stage, code, times=1)
    desk.deliver(registration(1))
    first = desk.cycle()
    assert (first.sent, first.retry, first.in_doubt) == (0, 1, 0)
    [row] = desk.rows()
    assert row["state"] == "retry"
    assert datetime.fromisoformat(str(row["next_attempt_at"])) > desk.clock.now
    assert smtp_sink.messages == []  # a 4xx at end of DATA means the server keeps nothing
    # Not due yet: nothing is sent; after the first backoff step it goes, once.
    assert desk.cycle().sent == 0
    desk.clock.advance(minutes=1, seconds=1)
    assert desk.cycle().sent == 1
    assert [r["state"] for r in desk.rows()] == ["sent"]
    check_invariants(desk.settings.database, [], ledger(smtp_sink))
    assert len(smtp_sink.messages) == 1


def test_retries_run_out_then_failed(desk_factory: Callable[..., Desk], smtp_sink: SmtpSink) -> None:
    desk = desk_factory(smtp_sink.port, retry_minutes=(1, 2))
    smtp_sink.fail("MAIL", 451)
    desk.deliver(registration(1))
    states = []
    for _ in range(3):
        desk.cycle()
        states.append(desk.rows()[0]["state"])
        desk.clock.advance(minutes=3)
    assert states == ["retry", "retry", "failed"]
    assert smtp_sink.transactions == 3
    assert desk.cycle().sent == 0
    assert smtp_sink.transactions == 3


def test_permanent_failure_is_shown_to_staff(desk_factory: Callable[..., Desk],
                                             smtp_sink: SmtpSink) -> None:
    desk = desk_factory(smtp_sink.port)
    smtp_sink.fail("RCPT", 550)
    desk.deliver(registration(1))
    report = desk.cycle()
    assert (report.sent, report.send_failed) == (0, 1)
    [row] = desk.rows()
    assert row["state"] == "failed"
    assert "550" in str(row["last_error"])
    desk.clock.advance(hours=6)
    assert desk.cycle().sent == 0  # never retried
    assert smtp_sink.transactions == 1
    assert "refusal:failed" in desk.staff("review")
    problems = desk.store.digest_inputs().problems
    assert [(p.id, p.status) for p in problems] == [(row["id"], "failed")]
    assert desk.store.digest_inputs().health.failed == 1


@pytest.mark.parametrize("fault", ["stall", "drop"])
def test_lost_reply_after_data_is_in_doubt_and_never_resent(
        desk_factory: Callable[..., Desk], smtp_sink: SmtpSink, fault: str) -> None:
    desk = desk_factory(smtp_sink.port, timeout_seconds=1.0)
    if fault == "stall":
        smtp_sink.stall(3.0, times=1)  # longer than the client's timeout
    else:
        smtp_sink.drop_after_data(times=1)
    desk.deliver(registration(1))
    report = desk.cycle()
    assert (report.sent, report.in_doubt) == (0, 1)
    [row] = desk.rows()
    assert row["state"] == "in_doubt"
    assert len(smtp_sink.messages) == 1  # the server did take it: resending would duplicate
    for _ in range(3):
        desk.clock.advance(hours=5)
        assert desk.cycle().sent == 0
    assert len(smtp_sink.messages) == 1
    assert "refusal:in_doubt" in desk.staff("review")
    assert desk.store.digest_inputs().health.in_doubt == 1
    if fault == "stall":
        desk.staff("outbox", "mark-sent", str(row["id"]))
        assert desk.cycle().sent == 0
    else:
        # Staff decided it never arrived: it goes once more, by their hand only.
        desk.staff("outbox", "resend", str(row["id"]))
        assert desk.cycle().sent == 1
    assert [r["state"] for r in desk.rows()] == ["sent"]
    check_invariants(desk.settings.database, [], ledger(smtp_sink),
                     resent=[str(row["header_message_id"])])


def test_refused_connection_and_silent_server_retry(desk_factory: Callable[..., Desk],
                                                   smtp_sink: SmtpSink,
                                                   tcp_proxy: Callable[[str, int], TcpProxy]) -> None:
    proxy = tcp_proxy(smtp_sink.host, smtp_sink.port)
    desk = desk_factory(proxy.port, timeout_seconds=1.0)
    desk.deliver(registration(1))
    proxy.refuse = True
    assert desk.cycle().retry == 1
    # The server accepts the connection but never greets: a timeout before DATA, safe to retry.
    proxy.refuse = False
    proxy.stall()
    desk.clock.advance(minutes=2)
    stalled = desk.cycle()
    assert (stalled.retry, stalled.in_doubt) == (1, 0)
    proxy.resume()
    proxy.cut()
    desk.clock.advance(minutes=6)
    assert desk.cycle().sent == 1
    assert len(smtp_sink.messages) == 1


def test_a_database_error_mid_send_leaves_nothing_stuck_for_the_next_cycle(
        desk_factory: Callable[..., Desk], smtp_sink: SmtpSink,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The long-running worker recovers rows its own failed cycle left in `sending`."""
    desk = desk_factory(smtp_sink.port)
    desk.deliver(registration(1), registration(2))
    store = desk.store
    real = store.set_outbox_state
    failures = []

    def flaky(outbox_id: int, state: str, *args: Any, **kwargs: Any) -> None:
        if state == "data_in_flight" and not failures:
            failures.append(outbox_id)
            raise StoreError("database is locked (test fault)")
        real(outbox_id, state, *args, **kwargs)

    monkeypatch.setattr(store, "set_outbox_state", flaky)
    with pytest.raises(StoreError):
        desk.cycle()
    assert smtp_sink.messages == []  # DATA was never completed: the server keeps nothing
    assert {r["state"] for r in desk.rows()} == {"sending"}
    # The same process runs its next cycle (no restart): both answers go, once each.
    desk.clock.advance(minutes=1)
    desk.cycle()
    assert [r["state"] for r in desk.rows()] == ["sent", "sent"]
    assert len(smtp_sink.messages) == 2
    check_invariants(desk.settings.database, [], ledger(smtp_sink))
