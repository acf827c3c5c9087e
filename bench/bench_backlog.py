"""Backlog benchmark: N generated messages in Dovecot, `mailbot run --once --answer-backlog` against
the floor (batched fetch + mail-parser + one commit per batch) over the same mailbox."""

from __future__ import annotations

import argparse
import logging
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import mailparser
from common import (
    DATA,
    MAILBOT,
    ImapAccount,
    ImapServer,
    SmtpSink,
    TreeSampler,
    bench_config,
    dovecot,
    imap_connect,
    load_average,
    machine,
    mailbot_env,
    multiappend,
)
from gen_mail import MIXES, generate

FLOOR_BATCH = 200
# mail-parser logs every part type it does not decode (bounces' rfc822-headers).
logging.getLogger("mailparser").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Result:
    count: int
    mix: str
    load_s: float
    floor_s: float
    ours_s: float
    decided_s: float
    main_mb: float
    worker_mb: float
    tree_mb: float
    pss_mb: float
    main_cpu: float
    readers_cpu: float
    stages: dict[str, float]
    actions: dict[str, int]
    outbox: dict[str, int]
    delivered: int
    load_before: str
    load_after: str

    @property
    def ratio(self) -> float:
        """The issue's measure: start of `run --once` to every decision and queued answer."""
        return self.floor_s / self.decided_s

    @property
    def ratio_whole(self) -> float:
        """The whole run, sending the answers to the SMTP server included."""
        return self.floor_s / self.ours_s


def floor(account: ImapAccount, folder: Path) -> float:
    """Batched imapclient fetch (BODY.PEEK[] INTERNALDATE, 200) + mail-parser + 1 commit/batch."""
    db_path = folder / "floor.db"
    db_path.unlink(missing_ok=True)
    started = time.perf_counter()
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("pragma journal_mode = wal")
    db.execute("pragma synchronous = full")
    db.execute("create table m (uid integer primary key, raw blob, internaldate text, "
               "message_id text, sender text, subject text, date text, body text, "
               "attachments integer)")
    client = imap_connect(account, timeout=120)
    client.select_folder("INBOX", readonly=True)
    uids = sorted(client.search(["ALL"]))
    for start in range(0, len(uids), FLOOR_BATCH):
        batch = uids[start:start + FLOOR_BATCH]
        data = client.fetch(batch, ["BODY.PEEK[]", "INTERNALDATE"])
        rows = []
        for uid in batch:
            raw = data[uid][b"BODY[]"]
            mail = mailparser.parse_from_bytes(raw)
            rows.append((uid, raw, str(data[uid][b"INTERNALDATE"]), mail.message_id,
                         str(mail.from_), mail.subject, str(mail.date), mail.body[:100000],
                         len(mail.attachments)))
        db.execute("begin")
        db.executemany("insert into m values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.execute("commit")
    client.logout()
    db.close()
    return time.perf_counter() - started


def spread(db: sqlite3.Connection, sql: str) -> float:
    low, high = db.execute(sql).fetchone()
    if not low or not high:
        return 0.0
    return (datetime.fromisoformat(high) - datetime.fromisoformat(low)).total_seconds()


def ours(account: ImapAccount, folder: Path, sink: SmtpSink,
         profile: bool) -> tuple[datetime, float, TreeSampler, str]:
    database = folder / "mailbot.db"
    env = mailbot_env(bench_config(folder), account, f"smtp://{sink.host}:{sink.port}", database)
    argv = [str(MAILBOT), "run", "--once", "--answer-backlog"]
    if profile:
        # The main process only; the readers' share shows as waiting in read_all.
        argv = [sys.executable, "-m", "cProfile", "-o", str(folder / "main.prof"), *argv]
    started_at = datetime.now(UTC)
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with TreeSampler(proc.pid) as sampler:
        output, _ = proc.communicate()
        elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"mailbot run failed ({proc.returncode}):\n{output}")
    return started_at, elapsed, sampler, output


def run_size(server: ImapServer, count: int, seed: int, mix: str, profile: bool) -> Result:
    folder = DATA / f"backlog-{count}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    mails = generate(count, seed, mix)
    account = server.new_account("bench")
    load_s = multiappend(account, [(m.raw, m.internaldate) for m in mails])
    load_before = load_average()
    floor_s = floor(account, folder)
    sink = SmtpSink().start()
    try:
        started_at, ours_s, sampler, output = ours(account, folder, sink, profile)
        delivered = len(sink.messages)
    finally:
        sink.stop()
    db = sqlite3.connect(folder / "mailbot.db")
    def since_start(sql: str) -> float:
        first = db.execute(sql).fetchone()[0]
        return (datetime.fromisoformat(first) - started_at).total_seconds() if first else 0.0

    stages = {
        "start to first stored": since_start("select min(stored_at) from messages"),
        "start to first decision": since_start("select min(processed_at) from messages"),
        "poll (first to last stored)": spread(db, "select min(stored_at), max(stored_at) from messages"),
        "process (first to last decision)": spread(
            db, "select min(processed_at), max(processed_at) from messages"),
        "send (first to last sent)": spread(db, "select min(sent_at), max(sent_at) from outbox"),
    }
    actions = dict(db.execute("select coalesce(action, state), count(*) from messages group by 1"))
    outbox = dict(db.execute("select state, count(*) from outbox group by state"))
    stored = db.execute("select count(*) from messages").fetchone()[0]
    # Decisions and their queued answers commit together (a chunk at a time): the last one
    # committed is the end of the measure.
    last = db.execute("select max(t) from (select max(processed_at) t from messages union all "
                      "select max(created_at) from outbox where kind != 'digest')").fetchone()[0]
    decided_s = (datetime.fromisoformat(last) - started_at).total_seconds()
    db.close()
    if stored != count:
        raise SystemExit(f"stored {stored} of {count} messages:\n{output}")
    return Result(count, mix, load_s, floor_s, ours_s, decided_s, sampler.main_hwm_mb(),
                  sampler.worker_hwm_mb(), sampler.total_hwm_mb(), sampler.peak_pss_kb / 1024,
                  sampler.main_cpu(), sampler.others_cpu(), stages, actions, outbox, delivered, load_before,
                  load_average())


def report(r: Result) -> None:
    print(f"\n== backlog of {r.count} messages, {r.mix} mix (load average before {r.load_before}, "
          f"after {r.load_after})")
    print(f"  loaded into Dovecot (MULTIAPPEND 100):  {r.load_s:7.2f} s  "
          f"{r.count / r.load_s:8.0f} msg/s")
    print(f"  floor (fetch 200 + mail-parser + commit): {r.floor_s:5.2f} s  "
          f"{r.count / r.floor_s:8.0f} msg/s")
    print(f"  mailbot run --once --answer-backlog, start to every decision and queued answer:\n"
          f"                                         {r.decided_s:7.2f} s  "
          f"{r.count / r.decided_s:8.0f} msg/s   ours/floor = {r.ratio:.0%}")
    print(f"  ... the whole run, the answers sent:     {r.ours_s:7.2f} s  "
          f"{r.count / r.ours_s:8.0f} msg/s   ours/floor = {r.ratio_whole:.0%}")
    print(f"    CPU: main process {r.main_cpu:.1f} s ({r.main_cpu / r.count * 1000:.1f} ms/msg), "
          f"reader processes {r.readers_cpu:.1f} s ({r.readers_cpu / r.count * 1000:.1f} ms/msg)")
    for stage, seconds in r.stages.items():
        print(f"    {stage:34s} {seconds:7.2f} s")
    print(f"  peak RSS (VmHWM): main {r.main_mb:.0f} MB, largest reader {r.worker_mb:.0f} MB, "
          f"whole tree: sum of peaks {r.tree_mb:.0f} MB, peak of summed PSS {r.pss_mb:.0f} MB")
    print(f"  decisions: {r.actions}")
    print(f"  outbox: {r.outbox}; delivered to the SMTP sink: {r.delivered}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, action="append",
                        help="messages in the backlog (repeatable; default: 1000 and 10000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--mix", choices=MIXES, action="append",
                        help="the generated mix (repeatable; default: devset, then registrations)")
    parser.add_argument("--mdbox", action="store_true", help="Dovecot mdbox instead of maildir")
    parser.add_argument("--profile", action="store_true",
                        help="run mailbot under cProfile (bench/data/backlog-N/main.prof)")
    args = parser.parse_args()
    counts = args.count or [1000, 10000]
    mixes = args.mix or list(MIXES)
    print(f"machine: {machine()}")
    results = []
    with dovecot(mdbox=args.mdbox) as server:
        for mix in mixes:
            for count in counts:
                results.append(run_size(server, count, args.seed, mix, args.profile))
                report(results[-1])
    print("\nsummary:  mix            count  msg/s (decided / sent)  floor msg/s  ours/floor  "
          "tree RSS MB (sum of VmHWM / PSS)")
    for r in results:
        print(f"  {r.mix:13s} {r.count:6d} {r.count / r.decided_s:6.0f} / {r.count / r.ours_s:<6.0f}"
              f"{r.count / r.floor_s:17.0f} {r.ratio:11.0%} {r.tree_mb:12.0f} / {r.pss_mb:.0f}")


if __name__ == "__main__":
    main()
