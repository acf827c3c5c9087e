"""Latency benchmark: `mailbot run` (IDLE) against Dovecot and aiosmtpd; 50 registrations APPENDed
one by one, each timed from its APPEND to the confirmation arriving at the SMTP sink."""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import time
from datetime import datetime
from pathlib import Path

from bench_idle import wait_first_cycle
from common import (
    DATA,
    MAILBOT,
    SmtpSink,
    bench_config,
    dovecot,
    imap_connect,
    load_average,
    machine,
    mailbot_env,
    median,
    percentile,
    stop_worker,
)
from gen_mail import Generator, Mail

from mailbot.config import load_settings
from mailbot.reading import read_message

WAIT_SECONDS = 30.0


def confirmable(count: int, seed: int, config: Path) -> list[Mail]:
    """Registrations that mailbot itself reads as confirmations with an address to answer."""
    deadline = load_settings(config).deadline
    gen, out = Generator(seed), list[Mail]()
    while len(out) < count:
        mail = gen.registration(late=False)
        raw = mail.raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        reading = read_message(raw, internaldate=mail.internaldate, deadline=deadline)
        if str(reading.decision.action) == "confirm" and reading.decision.answer \
                and reading.extraction.contact.email:
            out.append(Mail(raw, mail.internaldate, mail.kind))
    return out


def stage_times(database: Path, appended: list[float]) -> tuple[list[float], list[float]]:
    """Per message: APPEND -> raw stored (IDLE + fetch), stored -> decision committed."""
    with sqlite3.connect(database) as db:
        rows = db.execute("select stored_at, processed_at from messages order by id").fetchall()
    to_store, to_decide = [], []
    for start, (stored, processed) in zip(appended, rows, strict=False):
        s, p = datetime.fromisoformat(stored).timestamp(), datetime.fromisoformat(processed).timestamp()
        to_store.append(s - start)
        to_decide.append(p - s)
    return to_store, to_decide


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    folder = DATA / "latency"
    shutil.rmtree(folder, ignore_errors=True)
    config = bench_config(folder)
    mails = confirmable(args.count, args.seed, config)
    print(f"machine: {machine()}")
    latencies: list[float] = []
    appended: list[float] = []
    missed = 0
    with dovecot() as server:
        sink = SmtpSink().start()
        account = server.new_account("latency")
        env = mailbot_env(config, account, f"smtp://{sink.host}:{sink.port}", folder / "mailbot.db")
        with (folder / "mailbot.log").open("wb") as log:
            proc = subprocess.Popen([str(MAILBOT), "run"], env=env, stdout=log, stderr=log)
        client = imap_connect(account)
        try:
            # First start on an empty inbox: everything appended later is new mail, answered.
            wait_first_cycle(folder / "mailbot.db", proc)
            time.sleep(1.0)
            load = load_average()
            for number, mail in enumerate(mails, 1):
                appended.append(time.time())
                started = time.perf_counter()
                client.append("INBOX", mail.raw, msg_time=mail.internaldate)
                if sink.wait_for_messages(number - missed, timeout=WAIT_SECONDS):
                    latencies.append(time.perf_counter() - started)
                else:
                    missed += 1
        finally:
            client.logout()
            stop_worker(proc)
            sink.stop()
    load_after = load_average()
    print(f"load average: {load} at start, {load_after} at the end")
    print(f"{len(latencies)} of {len(mails)} confirmations arrived (missed: {missed})")
    if latencies:
        print(f"APPEND -> confirmation at the SMTP sink: median {median(latencies):.3f} s, "
              f"p95 {percentile(latencies, 95):.3f} s, max {max(latencies):.3f} s")
    to_store, to_decide = stage_times(folder / "mailbot.db", appended)
    if to_store:
        print(f"  of which APPEND -> raw stored (IDLE notify + fetch): median {median(to_store):.3f} s; "
              f"stored -> decision committed: median {median(to_decide):.3f} s")


if __name__ == "__main__":
    main()
