"""Benchmark parse+extract over the devset and the corpus: messages/s, p50/p99/max, peak memory.

Run: .venv/bin/python bench/bench_extract.py   (prints numbers; asserts nothing)
"""

from __future__ import annotations

import csv
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

from mailbot.extract import extract  # noqa: E402
from mailbot.extract.morph import analyser  # noqa: E402
from mailbot.parse import parse  # noqa: E402


def _peak_rss_mib() -> float:
    """VmHWM (peak resident set size) of this process, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def run(name: str, paths: list[Path]) -> None:
    times: list[float] = []
    slowest: list[tuple[float, str]] = []
    started = time.perf_counter()
    for path in paths:
        raw = path.read_bytes()
        t0 = time.perf_counter()
        extract(parse(raw))
        elapsed = time.perf_counter() - t0
        times.append(elapsed)
        slowest.append((elapsed, str(path.relative_to(SHARED))))
    total = time.perf_counter() - started
    slowest.sort(reverse=True)
    print(f"{name}: {len(paths)} messages in {total:.2f} s = {len(paths) / total:.1f} msg/s; "
          f"per message p50 {1000 * statistics.median(times):.1f} ms, "
          f"p99 {1000 * _percentile(times, 0.99):.1f} ms, max {1000 * max(times):.1f} ms; "
          f"peak RSS so far {_peak_rss_mib():.0f} MiB")
    print("  slowest: " + ", ".join(f"{p} {1000 * t:.0f} ms" for t, p in slowest[:3]))


def main() -> None:
    t0 = time.perf_counter()
    analyser()
    print(f"morfeusz2 start-up: {1000 * (time.perf_counter() - t0):.0f} ms "
          f"(peak RSS {_peak_rss_mib():.0f} MiB)")
    devset = sorted((SHARED / "devset").glob("*.eml"))
    if devset:
        run("devset", devset)
    index = SHARED / "corpus" / "index.csv"
    if index.exists():
        with index.open(encoding="utf-8") as handle:
            corpus = [SHARED / "corpus" / row["path"] for row in csv.DictReader(handle)]
        run("corpus", corpus)
    print(f"peak memory (VmHWM): {_peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
