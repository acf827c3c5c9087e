"""`mailbot run` as a real process: new mail answered within seconds, one worker per database,
SIGTERM finishes the current step and exits cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from e2e_support import ROOT, devset

from mailbot.inbox import seed_maildir


def env_for(tmp_path: Path) -> dict[str, str]:
    return {**os.environ,
            "MAILBOT_CONFIG": str(ROOT / "config.toml"),
            "MAILBOT_INBOX": f"maildir:{tmp_path / 'inbox'}",
            "MAILBOT_OUTBOX": f"file:{tmp_path / 'outbox'}",
            "MAILBOT_DATABASE": str(tmp_path / "mailbot.db")}


def wait_for(predicate: object, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def test_worker_answers_new_mail_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    worker = subprocess.Popen([sys.executable, "-m", "mailbot", "run"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # The worker's first cycle records the empty inbox; then mail arrives.
        assert wait_for(lambda: (tmp_path / "inbox" / "mailbot-uidlist").exists(), 20)
        assert wait_for(lambda: (tmp_path / "mailbot.db").exists(), 20)
        time.sleep(1.0)
        late = next(m for m in devset() if m.truth.get("decision") == "refuse_late")
        seed_maildir(tmp_path / "inbox", [(late.raw, late.received)])
        outbox = tmp_path / "outbox"
        assert wait_for(lambda: outbox.is_dir() and any(outbox.glob("*refusal*.eml")), 30), \
            worker.stderr.read1().decode() if worker.stderr else ""  # type: ignore[attr-defined]
        # A second worker on the same database refuses to start.
        second = subprocess.run([sys.executable, "-m", "mailbot", "run", "--once"], env=env,
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert "another mailbot worker" in second.stderr
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=30)
    assert code == 0
    assert len(list((tmp_path / "outbox").glob("*refusal*.eml"))) == 1
