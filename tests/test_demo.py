"""`mailbot demo`, the README's first command, as a user runs it: the samples answered once, in Polish."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
from collections import Counter
from email.message import EmailMessage
from pathlib import Path

import pytest
from e2e_support import ROOT, devset

MAILBOT = Path(sys.executable).with_name("mailbot")
ANSWERED = ("confirm", "refuse_late", "cancel")


def demo(config: Path) -> str:
    """Run the installed `mailbot demo` with `config`; its output, after checking it exited 0."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILBOT_")}
    env["MAILBOT_CONFIG"] = str(config)
    done = subprocess.run([str(MAILBOT), "demo"], env=env, cwd=config.parent, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """config.toml as shipped, beside which the demo makes var/demo (templates from the project)."""
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    path = tmp_path / "config.toml"
    path.write_text(text.replace('templates = "templates"', f'templates = "{ROOT / "templates"}"'),
                    encoding="utf-8")
    return path


def read(path: Path) -> EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_the_demo_answers_the_sample_mail_once_and_writes_the_digest(config: Path) -> None:
    assert MAILBOT.exists(), f"the mailbot entry point is not installed beside {sys.executable}"
    decisions = Counter(m.truth["decision"] for m in devset())
    answers = sum(decisions[d] for d in ANSWERED)
    out = demo(config)
    root = config.parent / "var" / "demo"
    assert f"Przygotowano skrzynkę demonstracyjną: {root / 'inbox'} (36 wiadomości)" in out
    assert "Wiadomości: 36 nowych; przetworzono 36." in out
    assert (f"potwierdzone: {decisions['confirm']}, odmowy po terminie: {decisions['refuse_late']}, "
            f"rezygnacje: {decisions['cancel']}, do przejrzenia: {decisions['review']}, "
            f"pominięte: {decisions['ignore']}") in out
    # Every answer and the staff's digest, as .eml files in the file outbox.
    assert f"wysłano: {answers + 1} " in out
    sent = sorted((root / "outbox").glob("*.eml"))
    assert len(sent) == answers + 1
    mails = [read(path) for path in sent]
    kinds = Counter(str(m["Subject"]).split(" – ")[0].split(":")[0] for m in mails)
    assert kinds["Potwierdzenie rejestracji"] == decisions["confirm"], kinds
    confirmation = next(m for m in mails if str(m["Subject"]).startswith("Potwierdzenie"))
    text = confirmation.get_body(("plain",))
    assert text is not None
    assert "7 marca 2014" in text.get_content()
    assert str(confirmation["Auto-Submitted"]) == "auto-replied"
    assert any(p.get_filename() == "zaproszenie.ics" for p in confirmation.iter_attachments())
    digest_line = next(line for line in out.splitlines() if "zestawienie dla zespołu" in line)
    assert Path(digest_line.split(": ", 1)[1]).is_file()

    # A second run finds nothing new and answers nobody twice.
    again = demo(config)
    assert "Wiadomości: 0 nowych; przetworzono 0." in again
    assert "wysłano: 0 " in again
    assert sorted((root / "outbox").glob("*.eml")) == sent
