"""CLI start-up benchmark: wall time of `mailbot --help` and `mailbot list` on an empty database."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import time

from common import DATA, MAILBOT, bench_config, load_average, machine, median


def timed(argv: list[str], env: dict[str, str], runs: int) -> list[float]:
    """Seconds per run, each in a fresh process, from spawn to exit."""
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, check=False)
        out.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr.decode(errors='replace')}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    folder = DATA / "cli"
    shutil.rmtree(folder, ignore_errors=True)
    # A deployed Python keeps its bytecode cache; without it every start recompiles what changed.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MAILBOT_") and k != "PYTHONDONTWRITEBYTECODE"}
    env.update({"MAILBOT_CONFIG": str(bench_config(folder)),
                "MAILBOT_DATABASE": str(folder / "mailbot.db"),
                "MAILBOT_INBOX": f"maildir:{folder / 'inbox'}",
                "MAILBOT_OUTBOX": f"file:{folder / 'outbox'}"})
    print(f"machine: {machine()}")
    # Creates and migrates the empty database, writes bytecode caches, warms the page cache.
    timed([str(MAILBOT), "list"], env, 1)
    timed([str(MAILBOT), "--help"], env, 1)
    print(f"load average before: {load_average()}")
    for argv in (["--help"], ["list"]):
        times = timed([str(MAILBOT), *argv], env, args.runs)
        print(f"mailbot {' '.join(argv):7s} median {median(times):.3f} s  min {min(times):.3f} s  "
              f"max {max(times):.3f} s  ({args.runs} fresh processes)")
    baseline = timed([str(MAILBOT.with_name("python")), "-c", "pass"], env, args.runs)
    print(f"(python -c pass: median {median(baseline):.3f} s; load average after: {load_average()})")


if __name__ == "__main__":
    main()
