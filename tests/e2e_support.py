"""Helpers for end-to-end tests: settings for a temporary world, the devset, answer inspection."""

from __future__ import annotations

import email
import email.policy
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from mailbot.config import Settings, load_settings
from mailbot.parse import parse
from mailbot.pipeline import Pipeline
from mailbot.store import Store

ROOT = Path(__file__).resolve().parents[1]
DEVSET = ROOT.parent / "shared" / "devset"
SAMPLES = ROOT / "mailbot" / "samples"
ANSWERING = {"confirm", "refuse_late", "cancel"}


@dataclass(frozen=True)
class DevMessage:
    name: str
    raw: bytes
    truth: dict[str, object]
    received: datetime | None


def devset() -> list[DevMessage]:
    """The 36 reviewed messages with their truth (from ../shared, else the packaged copies)."""
    folder = DEVSET if DEVSET.is_dir() else SAMPLES
    out = []
    for path in sorted(folder.glob("*.eml")):
        truth_path = DEVSET / f"{path.stem}.json"
        truth = json.loads(truth_path.read_text()) if truth_path.exists() else {}
        raw = path.read_bytes()
        out.append(DevMessage(path.stem, raw, truth, parse(raw).received))
    return out


def make_settings(tmp: Path, env: dict[str, str]) -> Settings:
    base = {"MAILBOT_DATABASE": str(tmp / "mailbot.db"),
            "MAILBOT_INBOX": f"maildir:{tmp / 'inbox'}",
            "MAILBOT_OUTBOX": f"file:{tmp / 'outbox'}"}
    settings = load_settings(ROOT / "config.toml", env={**base, **env})
    return replace(settings, digests=tmp / "digests")


def fixed_clock(moment: datetime = datetime(2014, 3, 6, 8, 0, tzinfo=UTC)) -> datetime:
    return moment


# 06:00 in Warsaw on the day after the deadline: before the 07:00 digest, so no digest mail.
E2E_NOW = datetime(2014, 3, 6, 5, 0, tzinfo=UTC)


def pipeline_for(settings: Settings, when: datetime | None = None) -> tuple[Pipeline, Store]:
    store = Store(settings.database)
    clock_value = when or E2E_NOW
    return Pipeline(settings, store, lambda: clock_value), store


def answer_of(data: bytes) -> email.message.EmailMessage:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(msg, email.message.EmailMessage)
    return msg


def expected_answers(messages: list[DevMessage]) -> dict[str, str]:
    """inbound Message-ID -> the address the truth says must get an answer."""
    out = {}
    for m in messages:
        if m.truth.get("decision") in ANSWERING:
            contact = m.truth["contact"]
            assert isinstance(contact, dict)
            out[str(m.truth["message_id"])] = str(contact["email"]).lower()
    return out


def cli_world(tmp_path: Path, monkeypatch: object, **settings: str) -> Path:
    """A copy of config.toml in tmp_path (relative var/ paths land there) chosen by
    MAILBOT_CONFIG; `settings` replace whole `key = value` lines, e.g. capacity_total="3"."""
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = text.replace('templates = "templates"', f'templates = "{ROOT / "templates"}"')
    for key, value in settings.items():
        lines = [f"{key} = {value}" if line.startswith(f"{key} = ") else line
                 for line in text.splitlines()]
        text = "\n".join(lines) + "\n"
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("MAILBOT_CONFIG", str(tmp_path / "config.toml"))
    for name in ("MAILBOT_INBOX", "MAILBOT_OUTBOX", "MAILBOT_DATABASE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def cli_ok(*args: str) -> str:
    """The output of a mailbot command run in-process (click's CliRunner), after checking it
    exited 0."""
    from click.testing import CliRunner

    from mailbot.cli import cli

    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def staff_cli(settings: Settings, folder: Path, outbox_url: str, *args: str,
              extra_config: str = "") -> str:
    """A staff command run through the CLI against `settings`' database, the Maildir inbox in
    `folder`/inbox and `outbox_url`; its output, after checking it exited 0."""
    from click.testing import CliRunner

    from mailbot.cli import cli

    config = folder / "staff.toml"
    config.write_text(f'[paths]\ntemplates = "{settings.templates}"\n'
                      f'digests = "{folder / "digests"}"\n{extra_config}')
    env = {"MAILBOT_DATABASE": str(settings.database),
           "MAILBOT_INBOX": f"maildir:{folder / 'inbox'}",
           "MAILBOT_OUTBOX": outbox_url}
    result = CliRunner().invoke(cli, ["--config", str(config), *args], env=env,
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output
