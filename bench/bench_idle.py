"""Idle-cost benchmark: CPU used by `mailbot run` (IDLE on, Dovecot) over 60 s with no mail."""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

from common import (
    DATA,
    MAILBOT,
    SmtpSink,
    bench_config,
    cpu_seconds,
    dovecot,
    load_average,
    machine,
    mailbot_env,
    stop_worker,
    tree,
)


def wait_first_cycle(database: Path, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Until the worker has polled once (its sync_state row records the poll)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"mailbot run exited with {proc.returncode}")
        if database.exists():
            try:
                with sqlite3.connect(database, timeout=1) as db:
                    if db.execute("select last_poll_ok_at from sync_state").fetchone():
                        return
            except sqlite3.OperationalError:
                pass
        time.sleep(0.2)
    raise SystemExit("mailbot run did not finish its first cycle")


def tree_cpu(pid: int) -> float:
    # The main process's figure includes its reaped children; living ones are added.
    return sum(cpu_seconds(p) for p in tree(pid))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--settle", type=float, default=5.0,
                        help="seconds to wait after the first cycle before measuring")
    args = parser.parse_args()
    folder = DATA / "idle"
    shutil.rmtree(folder, ignore_errors=True)
    print(f"machine: {machine()}")
    with dovecot() as server:
        sink = SmtpSink().start()
        account = server.new_account("idle")
        env = mailbot_env(bench_config(folder), account, f"smtp://{sink.host}:{sink.port}",
                          folder / "mailbot.db")
        with (folder / "mailbot.log").open("wb") as log:
            proc = subprocess.Popen([str(MAILBOT), "run"], env=env, stdout=log, stderr=log)
        try:
            wait_first_cycle(folder / "mailbot.db", proc)
            time.sleep(args.settle)
            load = load_average()
            before, started = tree_cpu(proc.pid), time.monotonic()
            time.sleep(args.seconds)
            used, elapsed = tree_cpu(proc.pid) - before, time.monotonic() - started
            processes = len(tree(proc.pid))
        finally:
            stop_worker(proc)
            sink.stop()
    print(f"load average at start: {load}")
    print(f"mailbot run, no mail, {elapsed:.0f} s: {used:.3f} s CPU in {processes} process(es) "
          f"= {used / elapsed * 100:.2f} % of one core")


if __name__ == "__main__":
    main()
