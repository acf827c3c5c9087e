"""The reading ceiling: one process reading the generated mail, then the reader pool with 1 and 2 readers.

No IMAP, no SQLite, no sending: what the backlog could reach if the parent cost nothing, and
how much of a reader's CPU is the reading itself, the pipes, and two readers sharing two cores.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from datetime import UTC, datetime
from pathlib import Path

from common import cpu_seconds, load_average, machine, tree
from gen_mail import MIXES, generate

from mailbot.config import load_settings
from mailbot.pipeline.drafts import Drafting
from mailbot.pipeline.reader_worker import ReadJob, read_job, work
from mailbot.pipeline.readers import ReaderPool
from mailbot.registry import Capacity

CONFIG = Path(__file__).resolve().parents[1] / "config.toml"
CHUNK = 64


def jobs_of(count: int, mix: str) -> list[ReadJob]:
    """The jobs the pipeline gives its readers for `count` generated messages (drafting on)."""
    settings = load_settings(CONFIG)
    event = settings.event
    drafting = Drafting(settings.templates, event,
                        Capacity(event.capacity_total, event.capacity_per_organisation))
    now = datetime.now(UTC)
    return [ReadJob(m.raw, m.internaldate, settings.deadline, drafting, number, now)
            for number, m in enumerate(generate(count, 1, mix), start=1)]


def in_process(jobs: list[ReadJob]) -> float:
    """CPU ms per message of work() in this process (after a warm-up on the first 50)."""
    for job in jobs[:50]:
        work(read_job, job)
    started = time.process_time()
    for job in jobs:
        work(read_job, job)
    return (time.process_time() - started) / len(jobs) * 1000


def pooled(jobs: list[ReadJob], readers: int) -> tuple[float, float, float]:
    """(readers' CPU ms/msg, parent CPU ms/msg, msg/s) reading `jobs` through the pool."""
    pool = ReaderPool(60.0, workers=readers)
    try:
        pool.warm()
        # Every process below this one but this one: the forkserver (idle) and the readers.
        others = [pid for pid in tree(os.getpid()) if pid != os.getpid()]
        before = sum(cpu_seconds(pid, children=False) for pid in others)
        cpu, wall = time.process_time(), time.perf_counter()
        read = 0
        for results in pool.read_ahead([jobs[i:i + CHUNK] for i in range(0, len(jobs), CHUNK)]):
            read += sum(1 for r in results if r.error is None)
        wall = time.perf_counter() - wall
        parent = time.process_time() - cpu
        used = sum(cpu_seconds(pid, children=False) for pid in others) - before
    finally:
        pool.close()
    if read != len(jobs):
        raise SystemExit(f"only {read} of {len(jobs)} messages read")
    return used / len(jobs) * 1000, parent / len(jobs) * 1000, len(jobs) / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--mix", choices=MIXES, default="devset")
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    print(f"machine: {machine()}; load average {load_average()}")
    jobs = jobs_of(args.count, args.mix)
    print(f"{args.count} messages, {args.mix} mix: reading, drafting the answers, bounce reports")
    print(f"  one process, no pool:        {in_process(jobs):5.2f} ms CPU a message")
    for readers in (1, 2):
        used, parent, rate = pooled(jobs, readers)
        print(f"  pool of {readers} reader(s):          {used:5.2f} ms CPU a message in the readers, "
              f"{parent:4.2f} in the parent; {rate:4.0f} msg/s")


if __name__ == "__main__":
    main()
