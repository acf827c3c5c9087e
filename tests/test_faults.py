"""SIGKILL of a real `mailbot run` at every named crash point and at random times, real Dovecot and
aiosmtpd on loopback; after each, a restart and the invariants (tests/invariants.py)."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from invariants import (
    World,
    check_invariants,
    kill_group,
    registration,
    robot_reply,
    write_config,
)
from servers import ImapAccount, imap_append, imap_list_folder
from smtp_sink import SmtpSink

from mailbot.cli import cli
from mailbot.failpoints import POINTS

pytestmark = pytest.mark.imap

ROBOT = "biuro@firma-robot.pl"
# Points reached while sending: the interrupted answer may or may not have been accepted.
SEND_POINTS = ("during_data", "after_data_sent", "after_accept")


@pytest.fixture
def world(tmp_path: Path, imap_account: ImapAccount, smtp_sink: SmtpSink) -> World:
    config = write_config(tmp_path, "[outbox]\ntimeout_seconds = 10.0\n"
                                    "[inbox]\ntimeout_seconds = 20.0\n")
    return World(tmp_path, imap_account, smtp_sink, config)


def deliver(world: World, messages: list[bytes]) -> None:
    for raw in messages:
        imap_append(world.account, raw, datetime.now(UTC))


def staff(world: World, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(world.config), *args], env=world.env(),
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def answer_rows(world: World) -> list[dict[str, object]]:
    import sqlite3

    conn = sqlite3.connect(str(world.db))
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(
            "select * from outbox where kind != 'digest' order by id")]
    finally:
        conn.close()


@pytest.mark.parametrize("point", POINTS)
def test_sigkill_at_each_named_point_then_restart(world: World, point: str) -> None:
    inbound = [registration(n) for n in (1, 2, 3)] + [robot_reply(1, ROBOT)]
    deliver(world, inbound)
    crashed = world.run("run", "--answer-backlog", crash_at=point, timeout=90)
    assert crashed.returncode == -9, (point, crashed.stdout, crashed.stderr[-2000:])
    for _ in range(2):
        again = world.run("run", "--once")
        assert again.returncode == 0, again.stderr[-2000:]
    checked = check_invariants(world.db, world.server_messages(), world.ledger(), robots=[ROBOT])
    assert len(checked.rows) == len(inbound)
    # Every server copy moved on, even when the kill came between the commit and the move.
    assert imap_list_folder(world.account, "INBOX") == []
    rows = answer_rows(world)
    states = Counter(str(r["state"]) for r in rows)
    assert len(rows) == 3, rows  # one answer per person, none to the robot
    delivered = [s for s in checked.answers]
    if point not in SEND_POINTS:
        assert states == {"sent": 3}
        assert len(delivered) == 3
        return
    # The answer that was on the wire is in doubt: shown to staff, never resent by itself.
    assert states == {"sent": 2, "in_doubt": 1}
    doubt = next(r for r in rows if r["state"] == "in_doubt")
    assert f"{doubt['kind']}:in_doubt" in staff(world, "review")
    copies = sum(1 for s in delivered if str(s.message["Message-ID"]) == doubt["header_message_id"])
    # during_data dies before the body went out; afterwards the sink holds the one copy.
    assert copies == (0 if point == "during_data" else 1)
    if copies:
        staff(world, "outbox", "mark-sent", str(doubt["id"]))
    else:
        staff(world, "outbox", "resend", str(doubt["id"]))
        assert world.run("run", "--once").returncode == 0
    assert Counter(str(r["state"]) for r in answer_rows(world)) == {"sent": 3}
    final = check_invariants(world.db, world.server_messages(), world.ledger(), robots=[ROBOT])
    assert sum(1 for s in final.answers
               if str(s.message["Message-ID"]) == doubt["header_message_id"]) == 1


def test_random_kill_loop_loses_nothing_and_answers_once(world: World) -> None:
    """15 SIGKILLs at random moments while 40 messages arrive (seeded; bounded in time)."""
    rng = random.Random(20140307)
    inbound = [registration(n, tag=f"k{n}") if n % 4 else robot_reply(n, ROBOT)
               for n in range(40)]
    done = threading.Event()

    def arrive() -> None:
        for raw in inbound:
            imap_append(world.account, raw, datetime.now(UTC))
            time.sleep(rng.uniform(0.05, 0.9))
        done.set()

    feeder = threading.Thread(target=arrive, daemon=True)
    feeder.start()
    started = time.monotonic()
    kills = 0
    while kills < 15 and time.monotonic() - started < 90:
        proc = world.start("run", "--answer-backlog")
        time.sleep(rng.uniform(0.3, 4.0))
        kill_group(proc)
        kills += 1
    assert done.wait(60)
    feeder.join(5)
    for _ in range(2):
        assert world.run("run", "--once").returncode == 0
    checked = check_invariants(world.db, world.server_messages(), world.ledger(), robots=[ROBOT])
    assert kills == 15
    assert len(checked.rows) == len(inbound)
    assert imap_list_folder(world.account, "INBOX") == []
    rows = answer_rows(world)
    assert len(rows) == 30  # the 30 people, once each; the 10 robots never
    assert {str(r["state"]) for r in rows} <= {"sent", "in_doubt"}
    for row in rows:
        copies = sum(1 for s in checked.answers
                     if str(s.message["Message-ID"]) == row["header_message_id"])
        assert copies == (1 if row["state"] == "sent" else copies) and copies <= 1
