"""The store's connection: a migrated SQLite database in WAL mode, transactions, value helpers."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from mailbot.errors import NotFoundError, StoreError
from mailbot.schema import migrations

# States a message moves through; `received` is the only one the processor picks up.
MESSAGE_STATES = ("received", "processed", "review", "ignored", "failed", "duplicate", "parked")
OUTBOX_STATES = ("queued", "retry", "sending", "data_in_flight", "sent", "failed", "in_doubt",
                 "bounced", "held")


def iso(moment: datetime | None) -> str | None:
    """Aware datetimes are stored as ISO 8601 text with their offset."""
    return moment.isoformat() if moment is not None else None


def from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None



class StoreBase:
    """The connection and transactions; the other store modules add the tables' operations."""

    def __init__(self, path: Path, *, busy_timeout_ms: int = 30000) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), timeout=busy_timeout_ms / 1000,
                                   isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            conn.execute("PRAGMA journal_mode = WAL")
            # FULL: a committed raw message survives power loss before the server copy moves.
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            self.db = Database(conn)
            migrations.apply(self.db)
            # The circuit breaker's count of the last hour's answers, kept between calls
            # (messages.py answers_since): (window start, answers in it, highest outbox id seen).
            self.answer_window: tuple[str, int, int] | None = None
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the database {path}: {exc}") from exc

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """One atomic unit of work; sqlite errors become StoreError after rollback."""
        try:
            with self.db.atomic():
                yield self.db
        except BaseException as exc:
            # Rows it counted may be gone with the rollback: the next count starts afresh.
            self.answer_window = None
            if isinstance(exc, sqlite3.OperationalError):
                raise StoreError(f"database {self.path}: {exc}") from exc
            raise

    def in_transaction(self) -> bool:
        """True inside an open transaction (a nested one only makes a savepoint)."""
        return bool(self.db.conn.in_transaction)

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        return list(self.db.query(sql, params))

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.db.execute(sql, params).fetchone()
        return row[0] if row else None


def _pk(value: Any) -> int:
    """The rowid of an insert into a table with an integer primary key."""
    if value is None:
        raise StoreError("insert returned no row id")
    return int(value)


def insert_row(db: Database, table: str, values: Mapping[str, Any]) -> int:
    """INSERT one row by plain SQL; returns its rowid.

    sqlite-utils' table.insert asks sqlite_master and PRAGMA table_info on every call and wraps
    each row in a savepoint: most of the processing transaction's statements in a backlog
    (bench/bench_backlog.py). Table and column names are our own constants, never mail text.
    """
    columns = ", ".join(f'"{name}"' for name in values)
    marks = ", ".join("?" for _ in values)
    cursor = db.execute(f'insert into "{table}" ({columns}) values ({marks})', list(values.values()))
    return _pk(cursor.lastrowid)


def update_row(db: Database, table: str, key: tuple[str, Any], values: Mapping[str, Any]) -> None:
    """UPDATE one row by its key column by plain SQL; NotFoundError when no row has that key."""
    column, value = key
    assignments = ", ".join(f'"{name}" = ?' for name in values)
    cursor = db.execute(f'update "{table}" set {assignments} where "{column}" = ?',
                        [*values.values(), value])
    if cursor.rowcount == 0:
        raise NotFoundError(f"no {table} row with {column} {value!r}")


def _aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class DigestInputs:
    registrations: list[Any]
    refusals: list[Any]
    review: list[Any]
    problems: list[Any]
    health: Any
    since: datetime | None


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
