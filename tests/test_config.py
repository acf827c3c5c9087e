"""Configuration: defaults run anywhere, every error reported at once, environment overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot.config import load_settings, settings_from_mapping
from mailbot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_config_is_valid_and_uses_embedded_defaults() -> None:
    s = load_settings(ROOT / "config.toml", env={})
    assert s.inbox.scheme == "maildir"
    assert s.inbox.path == ROOT / "var/inbox"
    assert s.outbox.scheme == "file"
    assert s.deadline.isoformat() == "2014-03-05T23:59:59+01:00"
    assert s.event.staff_emails


def test_every_error_reported_at_once_with_section_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[event]\ntimezone = "Europe/Nowhere"\ncapacity_total = -1\n'
        '[schedule]\npoll_minutes = 0\n[inbox]\nurl = "pop3://x"\nbatchsize = 5\n'
    )
    with pytest.raises(ConfigError) as info:
        load_settings(bad, env={})
    text = str(info.value)
    assert str(bad) in text
    for fragment in ("[event] timezone", "[event] capacity_total", "[schedule] poll_minutes",
                     "[inbox] url", "[inbox] batchsize"):
        assert fragment in text, fragment


def test_environment_overrides_and_passwords(tmp_path: Path) -> None:
    env = {
        "MAILBOT_INBOX": "imaps://ngo%40um.krakow.pl@imap.example.org/Zgloszenia",
        "MAILBOT_OUTBOX": "smtp+starttls://bot@smtp.example.org",
        "MAILBOT_DATABASE": str(tmp_path / "x.db"),
        "MAILBOT_IMAP_PASSWORD": "sekret",
        "MAILBOT_SMTP_PASSWORD": "tajne",
    }
    s = load_settings(ROOT / "config.toml", env=env)
    assert (s.inbox.scheme, s.inbox.host, s.inbox.port) == ("imaps", "imap.example.org", 993)
    assert (s.inbox.user, s.inbox.password, s.inbox.folder) == ("ngo@um.krakow.pl", "sekret",
                                                                "Zgloszenia")
    assert (s.outbox.scheme, s.outbox.port, s.outbox.password) == ("smtp+starttls", 587, "tajne")
    assert s.database == tmp_path / "x.db"
    assert "sekret" not in s.inbox.describe()


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_settings(tmp_path / "nope.toml", env={})
    broken = tmp_path / "broken.toml"
    broken.write_text("[event\nname=")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(broken, env={})


def test_deadline_with_offset_is_refused() -> None:
    with pytest.raises(ConfigError, match="deadline"):
        settings_from_mapping({"event": {"deadline": "2014-03-05T23:59:59+01:00"},
                               "paths": {"templates": str(ROOT / "templates")}},
                              base=ROOT, env={})
