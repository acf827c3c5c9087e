"""SIGKILL of a real `mailbot run` at every named crash point and at random times, real Dovecot and
aiosmtpd on loopback; after each, a restart and the invariants (tests/invariants.py)."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from e2e_support import make_settings
from invariants import (
    Clock,
    Sent,
    World,
    check_invariants,
    imap_env,
    kill_group,
    registration,
    robot_reply,
    tuned,
    write_config,
)
from servers import ImapAccount, imap_append, imap_list_folder, imap_session
from smtp_sink import SmtpSink
from tcp_proxy import TcpProxy

from mailbot.cli import cli
from mailbot.failpoints import POINTS
from mailbot.pipeline import Pipeline
from mailbot.store import Store

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

    # Each accepted answer waits a little for its 250: more kills land in the RFC 1047 window.
    world.sink.stall(0.3)
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
        assert copies == (1 if row["state"] == "sent" else copies)
        assert copies <= 1


# -- IMAP, database and mailbox faults ---------------------------------------------------------

def big_registration(n: int) -> bytes:
    """A registration with a long body, so a FETCH spans many TCP segments."""
    raw = registration(n)
    return raw + b"".join(b"Dodatkowe informacje o naszej organizacji, wiersz %d.\r\n" % i
                          for i in range(900))


def test_imap_connection_cut_mid_fetch(tmp_path: Path, imap_account: ImapAccount,
                                       smtp_sink: SmtpSink,
                                       tcp_proxy: Callable[[str, int], TcpProxy]) -> None:
    proxy = tcp_proxy(imap_account.host, imap_account.port)
    settings = make_settings(tmp_path, imap_env(imap_account, smtp_sink, port=proxy.port))
    settings = tuned(settings, "inbox", batch_size=2, timeout_seconds=10.0)
    clock = Clock()
    store = Store(settings.database)
    pipeline = Pipeline(settings, store, clock)
    try:
        assert pipeline.cycle().errors == []
        inbound = [big_registration(n) for n in range(6)]
        deliver_all(imap_account, inbound)
        # Past the login, the search and the first batch; inside the second batch's literals.
        proxy.cut_after_bytes = 2 * len(inbound[0]) + 60_000
        cut = pipeline.cycle()
        assert any(e.startswith("inbox:") for e in cut.errors), cut.errors
        stored = store.query("select raw from messages")
        # Whatever was committed before the cut is whole; the cut batch left no partial bytes.
        assert 0 < len(stored) < len(inbound)
        assert all(bytes(r["raw"]) in inbound for r in stored)
        proxy.cut_after_bytes = None
        healed = pipeline.cycle()
        assert healed.errors == []
        assert pipeline.cycle().fetched == 0
    finally:
        pipeline.close()
        store.close()
    server = [raw for f in ("INBOX", "Processed") for _, raw in imap_list_folder(imap_account, f)]
    assert sorted(server) == sorted(inbound)
    checked = check_invariants(settings.database, server, ledger_of(smtp_sink))
    assert len(checked.rows) == 6
    assert len(checked.answers) == 6


def deliver_all(account: ImapAccount, messages: list[bytes], folder: str = "INBOX") -> None:
    for raw in messages:
        imap_append(account, raw, datetime.now(UTC), folder=folder)


def ledger_of(sink: SmtpSink) -> list[Sent]:
    return [Sent(tuple(m.rcpt_tos), m.data) for m in sink.messages]


LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


def hold_lock(db: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process (a staff command, sqlite3 shell) holding BEGIN EXCLUSIVE for a while."""
    locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(db), str(seconds)],
                              stdout=subprocess.PIPE, text=True)
    assert locker.stdout is not None
    assert locker.stdout.readline().strip() == "locked"
    return locker


def test_database_locked_by_another_process(world: World) -> None:
    assert world.run("run", "--once").returncode == 0
    inbound = [registration(n) for n in range(3)]
    deliver(world, inbound)
    # The worker waits for the lock (busy timeout 30 s) and then does its work.
    locker = hold_lock(world.db, 3.0)
    waited = world.run("run", "--once")
    assert locker.wait(10) == 0
    assert waited.returncode == 0, waited.stderr[-2000:]
    # With a busy timeout shorter than the lock, the run fails with one clear line and loses
    # nothing: the server copies stay until a later run has stored them.
    more = [registration(n) for n in range(3, 6)]
    deliver(world, more)
    world.config.write_text(world.config.read_text().replace(
        "[database]\n", "[database]\nbusy_timeout_ms = 200\n"))
    locker = hold_lock(world.db, 4.0)
    refused = world.run("run", "--once")
    still_locked = locker.poll() is None
    assert locker.wait(10) == 0
    assert still_locked
    assert refused.returncode != 0
    assert "Błąd:" in refused.stderr, refused.stderr[-2000:]
    assert "Traceback" not in refused.stderr
    assert len(imap_list_folder(world.account, "INBOX")) == 3
    assert world.run("run", "--once").returncode == 0
    checked = check_invariants(world.db, world.server_messages(), world.ledger())
    assert len(checked.rows) == 6
    assert len(checked.answers) == 6


def test_uidvalidity_change_rescans_without_double_answers(world: World) -> None:
    world.folder = "Zgloszenia"
    with imap_session(world.account) as client:
        client.create_folder(world.folder)
        before = client.folder_status(world.folder, ["UIDVALIDITY"])[b"UIDVALIDITY"]
    first = [registration(n) for n in range(3)]
    deliver_all(world.account, first, world.folder)
    assert world.run("run", "--once", "--answer-backlog").returncode == 0
    # The folder is deleted and made again (restored from a backup): new UIDVALIDITY, same mail.
    with imap_session(world.account) as client:
        client.delete_folder(world.folder)
        client.create_folder(world.folder)
        after = client.folder_status(world.folder, ["UIDVALIDITY"])[b"UIDVALIDITY"]
    assert after != before
    late = registration(9)
    deliver_all(world.account, [*first, late], world.folder)
    rescan = world.run("run", "--once")
    assert rescan.returncode == 0, rescan.stderr[-2000:]
    checked = check_invariants(world.db, world.server_messages(), world.ledger())
    assert len(checked.rows) == 4
    assert len(checked.answers) == 4  # three before the reset, one for the new message


def test_same_message_id_delivered_twice(world: World) -> None:
    once = registration(1, tag="same")
    variant = once.replace(b"wolontariusz", b"skarbnik")  # same Message-ID, other bytes
    assert once != variant
    deliver(world, [once, once, variant])
    assert world.run("run", "--once", "--answer-backlog").returncode == 0
    checked = check_invariants(world.db, world.server_messages(), world.ledger())
    # Identical bytes are stored once; different bytes are kept too; one answer in all.
    assert len(checked.rows) == 2
    assert len(checked.answers) == 1


def test_human_reading_flagging_and_moving_mail_meanwhile(world: World) -> None:
    inbound = [registration(n) for n in range(8)]
    deliver(world, inbound)
    with imap_session(world.account) as client:
        client.select_folder("INBOX")
        uids = sorted(client.search(["ALL"]))
        client.add_flags(uids[:4], [b"\\Seen", b"\\Flagged"])
        client.create_folder("Archiwum")
        client.move(uids[-1:], "Archiwum")  # taken away before mailbot ever saw it
    stop = threading.Event()

    def human() -> None:
        with imap_session(world.account) as client:
            client.select_folder("INBOX")
            while not stop.is_set():
                found = client.search(["ALL"])
                if found:
                    client.add_flags(found, [b"\\Seen"])
                    client.remove_flags(found, [b"\\Seen", b"\\Flagged"])
                time.sleep(0.02)

    meddler = threading.Thread(target=human, daemon=True)
    meddler.start()
    try:
        assert world.run("run", "--once", "--answer-backlog").returncode == 0
    finally:
        stop.set()
        meddler.join(10)
    checked = check_invariants(world.db, world.server_messages(), world.ledger())
    assert len(checked.rows) == 7
    assert len(checked.answers) == 7
    # The human puts the archived message back: it is new mail now, stored and answered once.
    with imap_session(world.account) as client:
        client.select_folder("Archiwum")
        client.move(client.search(["ALL"]), "INBOX")
    assert world.run("run", "--once").returncode == 0
    checked = check_invariants(world.db, world.server_messages(), world.ledger())
    assert len(checked.rows) == 8
    assert len(checked.answers) == 8


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs (needs root); it is grown by remounting to free space."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                          capture_output=True, text=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here, so disk full is not simulated: {made.stderr}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_disk_full_loses_nothing(world: World, small_disk: Path) -> None:
    db = small_disk / "mailbot.db"
    world.extra_env["MAILBOT_DATABASE"] = str(db)
    assert world.run("run", "--once").returncode == 0
    big = registration(1) + b"Za\xc5\x82\xc4\x85cznik w tre\xc5\x9bci.\r\n" * 60_000
    inbound = [registration(2), big, registration(3)]
    deliver(world, inbound)
    full = world.run("run", "--once")
    assert full.returncode != 0
    assert "full" in full.stderr, full.stderr[-2000:]
    assert "Traceback" not in full.stderr
    assert len(imap_list_folder(world.account, "INBOX")) == 3  # nothing moved, nothing lost
    assert Store(db).integrity_ok()
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    assert world.run("run", "--once").returncode == 0
    checked = check_invariants(db, world.server_messages(), world.ledger())
    assert len(checked.rows) == 3
    assert len(checked.answers) == 3
