"""The command line through click's CliRunner, on the embedded Maildir + file-outbox world."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from e2e_support import ROOT, cli_world, devset

from mailbot.cli import cli
from mailbot.inbox import seed_maildir


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config pointing everything into tmp_path; returns tmp_path."""
    return cli_world(tmp_path, monkeypatch)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def seeded(world: Path, count: int = 36) -> None:
    assert run("run", "--once")[0] == 0  # first start on an empty inbox
    seed_maildir(world / "var" / "inbox", [(m.raw, m.received) for m in devset()[:count]])


def test_every_command_has_help_with_an_example() -> None:
    for name, command in cli.commands.items():
        code, out = run(name, "--help")
        assert code == 0, name
        if not hasattr(command, "commands"):
            assert "Example" in out, name


def test_check_config_and_errors_are_one_clear_line(world: Path) -> None:
    code, out = run("check-config")
    assert code == 0
    assert "maildir:" in out
    assert "2014-03-05T23:59:59+01:00" in out
    (world / "config.toml").write_text("[event]\ntimezone = 'Mars/Base'\n")
    code, out = run("check-config")
    assert code == 1
    assert out.startswith("Błąd:")
    assert "Traceback" not in out
    code, out = run("show", "999")
    assert code == 1


def test_extract_never_crashes_and_prints_one_object_per_file(world: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.eml"
    junk.write_bytes(b"\x00\xff" * 1000)
    empty = tmp_path / "empty.eml"
    empty.write_bytes(b"")
    files = [str(junk), str(empty), str(tmp_path / "missing.eml"), str(ROOT / "mailbot/samples/001.eml")]
    code, out = run("extract", *files, "--json")
    assert code == 0
    objects = [json.loads(line) for line in out.splitlines()]
    assert len(objects) == 4
    assert objects[2]["decision"] == "review"
    assert objects[2]["kind"] == "other"
    for obj in objects:
        assert set(obj) >= {"message_id", "received_at", "kind", "decision", "organisation",
                            "attendees", "contact", "areas"}


def test_run_once_list_show_export_digest(world: Path) -> None:
    seeded(world)
    code, out = run("run", "--once")
    assert code == 0
    assert "Pobrano 36" in out
    code, out = run("list", "--format", "json", "--limit", "100")
    rows = json.loads(out)
    assert len(rows) == 36
    code, out = run("list", "--format", "csv")
    assert len(list(csv.reader(io.StringIO(out)))) == 37
    code, out = run("list", "--action", "ignore")
    assert code == 0
    code, out = run("show", str(rows[-1]["id"]))
    assert code == 0
    assert "Decyzja:" in out
    assert "Odpowiedzi:" in out
    code, out = run("show", str(rows[-1]["id"]), "--raw")
    assert out.startswith(("Return-Path", "Received", "From", "Delivered", "X-", "Message", "Date",
                           "MIME", "Subject", "To"))
    code, out = run("digest", "--date", "2014-03-06")
    assert code == 0
    assert "2014-03-06" in out
    code, out = run("digest", "--date", "2014-03-06")
    assert "już jest" in out
    out_csv = world / "z.csv"
    code, out = run("export", "--format", "csv", "-o", str(out_csv))
    assert code == 0
    assert out_csv.exists()


def test_reprocess_never_answers_again_without_resend(world: Path) -> None:
    seeded(world, 12)
    run("run", "--once")
    answers = sorted((world / "var" / "outbox").glob("*.eml"))
    code, out = run("reprocess", "--all", "--dry-run")
    assert code == 0
    assert "Wiadomości: 12" in out
    code, out = run("reprocess", "--all")
    assert code == 0
    run("send")
    assert sorted((world / "var" / "outbox").glob("*.eml")) == answers


def test_run_once_fails_when_inbox_unreachable(world: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILBOT_INBOX", "imap://nobody@127.0.0.1:1/INBOX")
    code, out = run("run", "--once")
    assert code == 2
    assert "inbox" in out
