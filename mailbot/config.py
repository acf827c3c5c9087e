"""Load config.toml plus environment overrides into frozen, validated Settings (all errors at once)."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mailbot.errors import ConfigError

DEFAULT_CONFIG = "config.toml"


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EventSettings(_Section):
    name: str = "Wspólnie dla Krakowa"
    date: dt.date = dt.date(2014, 3, 7)
    starts: dt.time = dt.time(10, 0)
    ends: dt.time = dt.time(15, 0)
    place: str = "Urząd Miasta Krakowa, ul. Wielopole 17A, Kraków"
    timezone: str = "Europe/Warsaw"
    deadline: datetime = datetime(2014, 3, 5, 23, 59, 59)  # noqa: DTZ001 - local, zone applied below
    office_name: str = "Wydział Polityki Społecznej i Zdrowia, Urząd Miasta Krakowa"
    office_address: str = "ul. Wielopole 17A, pokój 412, 31-072 Kraków"
    office_email: str = "ngo@um.krakow.pl"
    office_phones: tuple[str, ...] = ("12 616-78-13",)
    reply_from: str = "ngo@um.krakow.pl"
    reply_from_name: str = "Biuro ds. organizacji pozarządowych UMK"
    staff_emails: tuple[str, ...] = ("ngo-zespol@um.krakow.pl",)
    capacity_total: int = Field(default=0, ge=0)
    capacity_per_organisation: int = Field(default=0, ge=0)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class InboxSettings(_Section):
    url: str = "maildir:var/inbox"
    processed_folder: str = "Processed"
    answer_backlog: bool = False
    batch_size: int = Field(default=200, ge=1, le=5000)
    use_idle: bool = True
    timeout_seconds: float = Field(default=60.0, gt=0)


class OutboxSettings(_Section):
    url: str = "file:var/outbox"
    retry_minutes: tuple[int, ...] = (1, 5, 15, 60, 240)
    timeout_seconds: float = Field(default=60.0, gt=0)
    archive_bcc: str | None = None


class DatabaseSettings(_Section):
    path: str = "var/mailbot.db"
    busy_timeout_ms: int = Field(default=30000, ge=0)


class ScheduleSettings(_Section):
    poll_minutes: float = Field(default=2.0, gt=0)
    digest_time: dt.time = dt.time(7, 0)


class LimitSettings(_Section):
    answers_per_address_per_day: int = Field(default=3, ge=1)
    answers_per_hour: int = Field(default=200, ge=1)
    max_message_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    max_header_bytes: int = Field(default=64 * 1024, ge=1024)
    max_encoded_words: int = Field(default=100, ge=1)
    max_mime_depth: int = Field(default=20, ge=1)
    max_mime_parts: int = Field(default=200, ge=1)
    seconds_per_message: float = Field(default=10.0, gt=0)


class PathSettings(_Section):
    templates: str = "templates"
    digests: str = "var/digests"


class FileSettings(_Section):
    event: EventSettings = EventSettings()
    inbox: InboxSettings = InboxSettings()
    outbox: OutboxSettings = OutboxSettings()
    database: DatabaseSettings = DatabaseSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    limits: LimitSettings = LimitSettings()
    paths: PathSettings = PathSettings()


@dataclass(frozen=True)
class InboxSpec:
    """Where mail comes from: a Maildir path or an IMAP server."""

    scheme: Literal["maildir", "imap", "imaps"]
    path: Path | None = None
    host: str = ""
    port: int = 0
    user: str = ""
    password: str = ""
    folder: str = "INBOX"

    def describe(self) -> str:
        if self.scheme == "maildir":
            return f"maildir:{self.path}"
        return f"{self.scheme}://{self.user}@{self.host}:{self.port}/{self.folder}"


@dataclass(frozen=True)
class OutboxSpec:
    """Where answers go: a folder of .eml files or an SMTP server."""

    scheme: Literal["file", "smtp", "smtp+starttls", "smtps"]
    path: Path | None = None
    host: str = ""
    port: int = 0
    user: str = ""
    password: str = ""

    def describe(self) -> str:
        if self.scheme == "file":
            return f"file:{self.path}"
        who = f"{self.user}@" if self.user else ""
        return f"{self.scheme}://{who}{self.host}:{self.port}"


@dataclass(frozen=True)
class Settings:
    """Everything mailbot needs to run, resolved and validated."""

    source: Path | None
    file: FileSettings
    inbox: InboxSpec
    outbox: OutboxSpec
    database: Path
    templates: Path
    digests: Path

    @property
    def event(self) -> EventSettings:
        return self.file.event

    @property
    def limits(self) -> LimitSettings:
        return self.file.limits

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.file.event.timezone)

    @property
    def deadline(self) -> datetime:
        """The registration deadline as an aware instant in the event's zone."""
        return self.file.event.deadline.replace(tzinfo=self.zone)


def _parse_inbox(url: str, base: Path, env: Mapping[str, str], problems: list[str]) -> InboxSpec:
    if url.startswith("maildir:"):
        return InboxSpec(scheme="maildir", path=_resolve(url.removeprefix("maildir:"), base))
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        problems.append(
            f"[inbox] url: {url!r} is not maildir:PATH, imap://user:pass@host:port/FOLDER "
            "or imaps://..."
        )
        return InboxSpec(scheme="maildir", path=base / "var/inbox")
    scheme: Literal["imap", "imaps"] = "imaps" if parts.scheme == "imaps" else "imap"
    try:
        port = parts.port or (993 if scheme == "imaps" else 143)
    except ValueError:
        problems.append(f"[inbox] url: the port in {url!r} is not a number from 1 to 65535")
        port = 143
    password = env.get("MAILBOT_IMAP_PASSWORD") or unquote(parts.password or "")
    return InboxSpec(
        scheme=scheme,
        host=parts.hostname,
        port=port,
        user=unquote(parts.username or ""),
        password=password,
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
    )


def _parse_outbox(url: str, base: Path, env: Mapping[str, str], problems: list[str]) -> OutboxSpec:
    if url.startswith("file:"):
        return OutboxSpec(scheme="file", path=_resolve(url.removeprefix("file:"), base))
    parts = urlsplit(url)
    defaults = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
    if parts.scheme not in defaults or not parts.hostname:
        problems.append(
            f"[outbox] url: {url!r} is not file:PATH, smtp://host:port, "
            "smtp+starttls://... or smtps://..."
        )
        return OutboxSpec(scheme="file", path=base / "var/outbox")
    try:
        port = parts.port or defaults[parts.scheme]
    except ValueError:
        problems.append(f"[outbox] url: the port in {url!r} is not a number from 1 to 65535")
        port = defaults[parts.scheme]
    scheme: Literal["smtp", "smtp+starttls", "smtps"] = parts.scheme  # type: ignore[assignment]
    return OutboxSpec(
        scheme=scheme,
        host=parts.hostname,
        port=port,
        user=unquote(parts.username or ""),
        password=env.get("MAILBOT_SMTP_PASSWORD") or unquote(parts.password or ""),
    )


def _resolve(path: str, base: Path) -> Path:
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else base / candidate


def _describe(error: Mapping[str, Any]) -> str:
    loc = [str(p) for p in error.get("loc", ())]
    where = f"[{loc[0]}] {'.'.join(loc[1:])}" if len(loc) > 1 else (loc[0] if loc else "?")
    value = error.get("input")
    shown = "" if isinstance(value, dict) else f" (got {value!r})"
    return f"{where}: {error.get('msg', 'invalid')}{shown}"


def _raw_url(data: Mapping[str, Any], section: str) -> str | None:
    value = data.get(section)
    url = value.get("url") if isinstance(value, Mapping) else None
    return url if isinstance(url, str) else None


def settings_from_mapping(
    data: Mapping[str, Any],
    *,
    base: Path,
    env: Mapping[str, str],
    source: Path | None = None,
) -> Settings:
    """Validate a parsed TOML mapping and the environment; raise ConfigError listing every error."""
    problems: list[str] = []
    try:
        file = FileSettings.model_validate(dict(data))
    except ValidationError as exc:
        problems.extend(_describe(err) for err in exc.errors())
        file = FileSettings()
    if file.event.deadline.tzinfo is not None:
        problems.append("[event] deadline: give a local time without an offset (zone is [event] timezone)")
    # Read the URLs from the raw mapping too, so their errors show even when other keys fail.
    inbox = _parse_inbox(env.get("MAILBOT_INBOX") or _raw_url(data, "inbox") or file.inbox.url,
                         base, env, problems)
    outbox = _parse_outbox(env.get("MAILBOT_OUTBOX") or _raw_url(data, "outbox") or file.outbox.url,
                           base, env, problems)
    database = _resolve(env.get("MAILBOT_DATABASE") or file.database.path, base)
    templates = _resolve(file.paths.templates, base)
    if not (templates / "confirmation.txt.j2").is_file():
        problems.append(f"[paths] templates: {templates} does not hold the mailbot templates")
    if problems:
        where = str(source) if source else "configuration"
        raise ConfigError(
            f"{where}: {len(problems)} problem(s):\n" + "\n".join(f"  - {p}" for p in problems)
        )
    return Settings(
        source=source,
        file=file,
        inbox=inbox,
        outbox=outbox,
        database=database,
        templates=templates,
        digests=_resolve(file.paths.digests, base),
    )


def load_settings(path: str | os.PathLike[str] | None = None,
                  env: Mapping[str, str] | None = None) -> Settings:
    """Read the config file (argument, else MAILBOT_CONFIG, else ./config.toml)."""
    environ = os.environ if env is None else env
    chosen = Path(path or environ.get("MAILBOT_CONFIG") or DEFAULT_CONFIG)
    try:
        with chosen.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"{chosen}: no such configuration file (use --config or MAILBOT_CONFIG)") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{chosen}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{chosen}: cannot read: {exc.strerror}") from exc
    return settings_from_mapping(data, base=chosen.resolve().parent, env=environ, source=chosen)
