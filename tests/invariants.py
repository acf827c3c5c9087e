"""Fault-test worlds (config, env, a real `mailbot` subprocess) and the invariants checked after each.

The invariants (reliability.md §9): every server message stored once and byte-exact; at most one
answer per inbound Message-ID; nothing stuck mid-send; the database's integrity check passes;
no answer to robots; every answer passes an independent header audit.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import hashlib
import os
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from servers import ImapAccount, imap_list_folder
from smtp_sink import SmtpSink

from mailbot.config import Settings

ROOT = Path(__file__).resolve().parents[1]
PROCESSED = "Processed"
# Header names an answer may carry (render.Renderer.answer); anything else is a leak.
ANSWER_HEADERS = frozenset({
    "from", "to", "subject", "date", "message-id", "in-reply-to", "references",
    "auto-submitted", "x-auto-response-suppress", "x-mailbot-loop", "mime-version",
    "content-type", "content-transfer-encoding"})
_OWN_ID = re.compile(r"^<mailbot\.([A-Za-z0-9._-]+)@[A-Za-z0-9.-]+>$")


# -- messages the tests deliver ---------------------------------------------------------------

def registration(n: int, sender: str | None = None, *, tag: str = "") -> bytes:
    """A plain, unambiguous registration from a person (answered: late ones get a refusal)."""
    msg = EmailMessage()
    address = sender or f"anna.nowak{n}@fundacja{n}.org.pl"
    msg["From"] = f"Anna Nowak <{address}>"
    msg["To"] = "ngo@um.krakow.pl"
    msg["Subject"] = f"Zgłoszenie na konferencję {n}"
    msg["Date"] = format_datetime(datetime(2026, 3, 1, 10, n % 60, tzinfo=UTC))
    msg["Message-ID"] = f"<reg{n}.{tag or secrets.token_hex(4)}@fundacja{n}.org.pl>"
    msg.set_content(
        "Dzień dobry,\n\nzgłaszam udział Fundacji Pomocy Sąsiedzkiej nr " f"{n} w konferencji "
        "„Wspólnie dla Krakowa”.\nUczestnicy:\n1. Anna Nowak – prezes zarządu\n"
        "2. Jan Kowalski – wolontariusz\n\nZ poważaniem\nAnna Nowak\n")
    return msg.as_bytes(policy=email.policy.SMTP)


def robot_reply(n: int, sender: str = "biuro@firma-robot.pl") -> bytes:
    """An out-of-office notice with Auto-Submitted (never answered)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "ngo@um.krakow.pl"
    msg["Subject"] = "Automatyczna odpowiedź: nieobecność"
    msg["Auto-Submitted"] = "auto-replied"
    msg["Message-ID"] = make_msgid(f"ooo{n}", domain="firma-robot.pl")
    msg["Date"] = format_datetime(datetime(2026, 3, 1, 11, 0, tzinfo=UTC))
    msg.set_content("Dziękuję za wiadomość. Jestem na urlopie do 10 marca, "
                    "odpowiem po powrocie.\n")
    return msg.as_bytes(policy=email.policy.SMTP)


# -- a world: config file, servers, the mailbot subprocess -------------------------------------

def write_config(folder: Path, extra: str = "") -> Path:
    """A config for a temporary world: templates from the repo, digests under `folder`."""
    text = (f'[paths]\ntemplates = "{ROOT / "templates"}"\ndigests = "{folder / "digests"}"\n'
            f'[database]\npath = "{folder / "mailbot.db"}"\n{extra}')
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class World:
    """A private IMAP account, an SMTP sink and a config; runs `python -m mailbot` against them."""

    root: Path
    account: ImapAccount
    sink: SmtpSink
    config: Path
    folder: str = "INBOX"
    extra_env: dict[str, str] = field(default_factory=dict)
    _runs: int = 0

    @property
    def db(self) -> Path:
        return self.root / "mailbot.db"

    def env(self, crash_at: str | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAILBOT_")}
        a = self.account
        env.update({
            "MAILBOT_INBOX": f"imap://{a.user}@{a.host}:{a.port}/{self.folder}",
            "MAILBOT_IMAP_PASSWORD": a.password,
            "MAILBOT_OUTBOX": f"smtp://{self.sink.host}:{self.sink.port}",
            "MAILBOT_DATABASE": str(self.db),
            "PYTHONPATH": str(ROOT),
            **self.extra_env,
        })
        if crash_at:
            env["MAILBOT_CRASH_AT"] = crash_at
        return env

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "mailbot", "--config", str(self.config), *args]

    def run(self, *args: str, crash_at: str | None = None,
            timeout: float = 90) -> subprocess.CompletedProcess[str]:
        """Run mailbot to completion in its own process group (its reader workers die with it)."""
        proc = self.start(*args, crash_at=crash_at)
        try:
            proc.wait(timeout)
        finally:
            # A SIGKILLed leader leaves its forkserver and readers behind: end them too.
            kill_group(proc)
        out, err = (self._log(proc, name) for name in ("out", "err"))
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    def start(self, *args: str, crash_at: str | None = None) -> subprocess.Popen[bytes]:
        """Start mailbot; output goes to files (orphaned readers would hold a pipe open)."""
        self._runs += 1
        logs = [open(self.root / f"run{self._runs}.{n}", "wb") for n in ("out", "err")]  # noqa: SIM115
        try:
            proc = subprocess.Popen(self.argv(*args), env=self.env(crash_at), cwd=self.root,
                                    stdout=logs[0], stderr=logs[1], start_new_session=True)
        finally:
            for handle in logs:
                handle.close()
        proc.run_number = self._runs  # type: ignore[attr-defined]
        return proc

    def _log(self, proc: subprocess.Popen[bytes], name: str) -> str:
        number = proc.run_number  # type: ignore[attr-defined]
        return (self.root / f"run{number}.{name}").read_text(errors="replace")

    def server_messages(self) -> list[bytes]:
        """Exact bytes of every message in the inbox folder and in Processed."""
        return [raw for folder in (self.folder, PROCESSED)
                for _, raw in imap_list_folder(self.account, folder)]

    def ledger(self) -> list[Sent]:
        return [Sent(tuple(m.rcpt_tos), m.data) for m in self.sink.messages]


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process group we created for `proc` (start_new_session), then reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(10)


# -- the invariants ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Sent:
    """One message the outbox handed over: envelope recipients and bytes."""

    rcpts: tuple[str, ...]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        msg = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        return msg

    @property
    def is_digest(self) -> bool:
        return b"Message-ID: <mailbot.digest-" in self.data


def file_ledger(folder: Path) -> list[Sent]:
    """The file outbox's .eml files as a ledger (X-Envelope-To line, then the message)."""
    out = []
    for path in sorted(folder.glob("*.eml")) if folder.is_dir() else []:
        head, _, data = path.read_bytes().partition(b"\r\n")
        rcpt_line, _, data = data.partition(b"\r\n")
        assert head.startswith(b"X-Envelope-From: ")
        assert rcpt_line.startswith(b"X-Envelope-To: ")
        out.append(Sent((rcpt_line.split(b": ", 1)[1].decode(),), data))
    return out


@dataclass(frozen=True)
class Checked:
    """What the invariants saw, for a test's further assertions."""

    rows: dict[str, dict[str, object]]
    outbox: list[dict[str, object]]
    answers: list[Sent]


def check_invariants(db: Path, server: Iterable[bytes], ledger: Sequence[Sent], *,
                     robots: Iterable[str] = (), resent: Iterable[str] = (),
                     all_processed: bool = True) -> Checked:
    """Assert I1-I6; `resent` are our Message-IDs staff chose to send again."""
    conn = sqlite3.connect(str(db), timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        rows = {r["sha256"]: dict(r) for r in conn.execute("select * from messages")}
        outbox = [dict(r) for r in conn.execute("select * from outbox")]
        integrity = conn.execute("pragma integrity_check").fetchone()[0]
        foreign = conn.execute("pragma foreign_key_check").fetchall()
        counts = Counter(r["sha256"] for r in conn.execute("select sha256 from messages"))
    finally:
        conn.close()
    # I1: every server message stored once, byte for byte.
    for raw in server:
        digest = hashlib.sha256(raw).hexdigest()
        assert digest in rows, f"server message not stored: {raw[:200]!r}"
        assert rows[digest]["raw"] == raw
        assert hashlib.sha256(bytes(rows[digest]["raw"])).hexdigest() == digest  # type: ignore[arg-type]
    assert all(n == 1 for n in counts.values())
    # I4: the database is sound.
    assert integrity == "ok"
    assert foreign == []
    # I3: nothing stuck mid-send; nothing left unread.
    stuck = [o["id"] for o in outbox if o["state"] in ("sending", "data_in_flight")]
    assert stuck == [], f"outbox rows stuck mid-send: {stuck}"
    if all_processed:
        waiting = [r["id"] for r in rows.values() if r["state"] == "received"]
        assert waiting == [], f"messages never processed: {waiting}"
    answers = [s for s in ledger if not s.is_digest]
    # I2: at most one answer per inbound Message-ID, each of our Message-IDs at most once.
    again = set(resent)
    parents = Counter(str(s.message["In-Reply-To"]) for s in answers if s.message["In-Reply-To"])
    ours = Counter(str(s.message["Message-ID"]) for s in answers)
    twice = {k: n for k, n in ours.items() if n > 1 and k not in again}
    assert twice == {}, f"an answer went out more than once: {twice}"
    keys_of = {str(o["header_message_id"]): o for o in outbox}
    for parent, n in parents.items():
        extra = sum(1 for s in answers if str(s.message["In-Reply-To"]) == parent
                    and str(s.message["Message-ID"]) in again)
        assert n - extra <= 1, f"{n} answers to {parent}"
    digests = Counter(str(s.message["Message-ID"]) for s in ledger if s.is_digest)
    assert all(n == 1 for n in digests.values()), digests
    # I5: no answer to robots or to mail that must not be answered.
    robot_set = {r.lower() for r in robots}
    silent = {str(r["message_id"]) for r in rows.values()
              if r["kind"] in ("auto_reply", "bounce") and r["message_id"]}
    for s in answers:
        assert not {r.lower() for r in s.rcpts} & robot_set, f"answered a robot: {s.rcpts}"
        assert str(s.message["In-Reply-To"]) not in silent, "answered an auto-reply or bounce"
    # I6: outbound hygiene, independent of the renderer's own audit.
    for s in answers:
        audit(s)
        assert str(s.message["Message-ID"]) in keys_of, "sent something the outbox never held"
    return Checked(rows, outbox, answers)


def audit(sent: Sent) -> None:
    """One answer: one recipient equal to To, the intended headers only, no long lines."""
    assert len(sent.rcpts) == 1, sent.rcpts
    msg = sent.message
    names = {k.lower() for k in msg}
    assert names <= ANSWER_HEADERS, f"unexpected headers {names - ANSWER_HEADERS}"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Mailbot-Loop"]
    assert [a.addr_spec.lower() for a in msg["To"].addresses] == [sent.rcpts[0].lower()]
    assert _OWN_ID.match(str(msg["Message-ID"]))
    head = sent.data.split(b"\r\n\r\n", 1)[0]
    assert b"\r\n\r\n" in sent.data
    assert b"\x00" not in head
    assert all(len(line) <= 998 for line in sent.data.split(b"\r\n"))
    assert not re.search(rb"(?im)^(bcc|cc|resent-[a-z]+|x-injected[a-z-]*):", head)


class Clock:
    """A settable clock for in-process pipelines (aware UTC)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.now += timedelta(**delta)


def imap_env(account: ImapAccount, sink: SmtpSink | None = None, folder: str = "INBOX",
             port: int | None = None) -> dict[str, str]:
    """MAILBOT_* settings for an in-process pipeline on the test IMAP server (and SMTP sink)."""
    env = {"MAILBOT_INBOX": f"imap://{account.user}@{account.host}:{port or account.port}/{folder}",
           "MAILBOT_IMAP_PASSWORD": account.password}
    if sink is not None:
        env["MAILBOT_OUTBOX"] = f"smtp://{sink.host}:{sink.port}"
    return env


def tuned(settings: Settings, section: str, **values: object) -> Settings:
    """Settings with some keys of one config section replaced."""
    from dataclasses import replace

    part = getattr(settings.file, section).model_copy(update=values)
    return replace(settings, file=settings.file.model_copy(update={section: part}))
