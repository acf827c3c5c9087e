"""Benchmark plumbing: private Dovecot and SMTP sink (from tests/), configs, /proc sampling, machine."""

from __future__ import annotations

import contextlib
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
MAILBOT = ROOT / ".venv" / "bin" / "mailbot"
# The test helpers start a private Dovecot and an aiosmtpd sink; the benchmarks reuse them.
sys.path.insert(0, str(ROOT / "tests"))

import servers  # noqa: E402
from imapclient import IMAPClient  # noqa: E402
from servers import ImapAccount, ImapServer, imap_connect, start_imap_server  # noqa: E402
from smtp_sink import SmtpSink  # noqa: E402

__all__ = ["DATA", "MAILBOT", "ROOT", "ImapAccount", "ImapServer", "SmtpSink", "TreeSampler",
           "bench_config", "cpu_seconds", "dovecot", "imap_connect", "load_average", "machine",
           "mailbot_env", "median", "multiappend", "percentile", "tree"]

TICKS = os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def dovecot(mdbox: bool = False) -> Iterator[ImapServer]:
    """A private Dovecot on loopback (tests/servers.py); mdbox storage on request."""
    original = servers.DOVECOT_CONF
    if mdbox:
        servers.DOVECOT_CONF = original.replace("mail_location = maildir:~/Maildir",
                                                "mail_location = mdbox:~/mdbox")
    try:
        server = start_imap_server()
    finally:
        servers.DOVECOT_CONF = original
    if server.kind != "dovecot":
        server.stop()
        raise SystemExit("the benchmarks need Dovecot (apt-get install dovecot-imapd)")
    try:
        yield server
    finally:
        server.stop()


def multiappend(account: ImapAccount, mails: Sequence[tuple[bytes, datetime]],
                folder: str = "INBOX", chunk: int = 100) -> float:
    """Load messages with MULTIAPPEND (LITERAL+, pipelined); returns seconds taken."""
    started = time.perf_counter()
    client: IMAPClient = imap_connect(account, timeout=120)
    try:
        for start in range(0, len(mails), chunk):
            part = mails[start:start + chunk]
            client.multiappend(folder, [{"msg": raw, "date": when} for raw, when in part])
    finally:
        client.logout()
    return time.perf_counter() - started


def bench_config(folder: Path, *, per_hour: int = 1_000_000, digest_time: str = "23:59:59",
                 poll_minutes: float = 2.0) -> Path:
    """config.toml for a benchmark: the project's own, with absolute paths and bench limits.

    The hourly circuit breaker (200 answers) would otherwise stop answering a backlog after 200
    mails and hide the cost of rendering; the digest (once a day) is kept out of the timings.
    """
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    replacements = {
        r'(?m)^templates = .*$': f'templates = "{ROOT / "templates"}"',
        r'(?m)^digests = .*$': f'digests = "{folder / "digests"}"',
        r'(?m)^answers_per_hour = .*$': f"answers_per_hour = {per_hour}",
        r'(?m)^digest_time = .*$': f"digest_time = {digest_time}",
        r'(?m)^poll_minutes = .*$': f"poll_minutes = {poll_minutes}",
    }
    for pattern, value in replacements.items():
        text, count = re.subn(pattern, value.replace("\\", "\\\\"), text)
        if count != 1:
            raise SystemExit(f"config.toml changed shape: {pattern!r} matched {count} times")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def mailbot_env(config: Path, account: ImapAccount, outbox: str, database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILBOT_")}
    env.update({"MAILBOT_CONFIG": str(config),
                "MAILBOT_INBOX": f"imap://{account.user}@{account.host}:{account.port}/INBOX",
                "MAILBOT_IMAP_PASSWORD": account.password, "MAILBOT_OUTBOX": outbox,
                "MAILBOT_DATABASE": str(database)})
    return env


def _children(pid: int) -> list[int]:
    out: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{task}/children") as f:
                out.extend(int(x) for x in f.read().split())
    return out


def tree(pid: int) -> list[int]:
    """pid and all its descendants (forkserver, reader workers, resource tracker)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(_children(current))
    return found


def _status_kb(pid: int, key: str) -> int:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
    return 0


def _pss_kb(pid: int) -> int:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid: int, children: bool = True) -> float:
    """utime+stime of a process, plus what its waited-for children used (from /proc/PID/stat)."""
    with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
        return sum(int(x) for x in fields[11:15 if children else 13]) / TICKS
    return 0.0


@dataclass
class TreeSampler:
    """Samples a process tree from /proc every `interval` s: VmHWM per pid, CPU per pid."""

    pid: int
    interval: float = 0.05
    # PSS is read every pss_every-th sample (0.5 s): smaps_rollup walks the page tables, ~6 ms
    # for a `mailbot run` tree against 0.5 ms for the rest of a sample, so reading it every
    # 50 ms took ~6 % of the machine from the run it measured (the floor runs unsampled).
    # The tree's memory moves slowly (+12 MB from 1,000 to 10,000 messages).
    pss_every: int = 10
    hwm_kb: dict[int, int] = field(default_factory=dict)
    cpu: dict[int, float] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    # Peak of the tree's summed PSS (shared pages split between the processes sharing them).
    peak_pss_kb: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self, pss_too: bool = True) -> None:
        pss = 0
        for pid in tree(self.pid):
            hwm = _status_kb(pid, "VmHWM:")
            if hwm:
                self.hwm_kb[pid] = max(hwm, self.hwm_kb.get(pid, 0))
            if pss_too:
                pss += _pss_kb(pid)
            self.cpu[pid] = max(cpu_seconds(pid, children=False), self.cpu.get(pid, 0.0))
            if pid not in self.names:
                with contextlib.suppress(OSError), open(f"/proc/{pid}/cmdline", "rb") as f:
                    self.names[pid] = f.read().replace(b"\0", b" ").decode(errors="replace")[:120]
        self.peak_pss_kb = max(self.peak_pss_kb, pss)

    def __enter__(self) -> TreeSampler:
        def loop() -> None:
            count = 0
            while not self._stop.is_set():
                self.sample(pss_too=count % self.pss_every == 0)
                count += 1
                self._stop.wait(self.interval)
        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def main_hwm_mb(self) -> float:
        return self.hwm_kb.get(self.pid, 0) / 1024

    def worker_hwm_mb(self) -> float:
        return max((kb for pid, kb in self.hwm_kb.items() if pid != self.pid), default=0) / 1024

    def main_cpu(self) -> float:
        return self.cpu.get(self.pid, 0.0)

    def others_cpu(self) -> float:
        """CPU seconds of every other process of the tree (forkserver, readers)."""
        return sum(cpu for pid, cpu in self.cpu.items() if pid != self.pid)

    def total_hwm_mb(self) -> float:
        """Sum of every process's peak: an upper bound on the tree's peak RSS."""
        return sum(self.hwm_kb.values()) / 1024


def stop_worker(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM a `mailbot run` (it finishes its step), then kill it if it does not exit."""
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "?")
    mem = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    binary = servers.dovecot_binary()
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False
                             ).stdout.split()[0] if binary else "absent"
    return (f"nproc {os.cpu_count()}, {cpu}, RAM {mem / 1024**2:.1f} GiB, Python "
            f"{platform.python_version()}, Dovecot {version}, kernel {platform.release()}")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sample."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)
