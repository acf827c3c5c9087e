"""Messages and the inbox's sync state: raw bytes stored once, states, the answering facts."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from mailbot.errors import NotFoundError
from mailbot.store.base import StoreBase, dumps, from_iso, insert_row, iso, update_row


@dataclass(frozen=True)
class StoredMessage:
    id: int
    mailbox: str
    uid: int | None
    raw: bytes
    internaldate: datetime | None
    backlog: bool
    state: str
    sha256: str


@dataclass(frozen=True)
class SyncState:
    mailbox: str
    uidvalidity: int
    last_uid: int
    backlog_max_uid: int


class MessageStore(StoreBase):
    """Stored messages, per-mailbox UID state, and counts that bear on answering."""

    # -- inbox side ------------------------------------------------------------------------

    def sync_state(self, mailbox: str) -> SyncState | None:
        rows = self.query("select * from sync_state where mailbox = ?", [mailbox])
        if not rows:
            return None
        r = rows[0]
        return SyncState(r["mailbox"], r["uidvalidity"], r["last_uid"], r["backlog_max_uid"])

    def begin_sync(self, mailbox: str, uidvalidity: int, highest_uid: int, now: datetime,
                   *, answer_backlog: bool) -> SyncState:
        """Record the mailbox's identity; the first start marks what is already there as backlog.

        A changed UIDVALIDITY restarts from UID 0; stored mail is re-found by its hash, and the
        mail that is new by hash is answered as usual.
        """
        state = self.sync_state(mailbox)
        with self.transaction() as db:
            if state is None:
                backlog = 0 if answer_backlog else highest_uid
                insert_row(db, "sync_state", {
                    "mailbox": mailbox, "uidvalidity": uidvalidity, "last_uid": 0,
                    "backlog_max_uid": backlog, "first_seen_at": iso(now),
                })
            elif state.uidvalidity != uidvalidity:
                update_row(db, "sync_state", ("mailbox", mailbox), {
                    "uidvalidity": uidvalidity, "last_uid": 0, "backlog_max_uid": 0,
                    "last_error": f"UIDVALIDITY changed from {state.uidvalidity}: rescanned",
                })
        result = self.sync_state(mailbox)
        assert result is not None
        return result

    def record_poll(self, mailbox: str, now: datetime, error: str | None) -> None:
        values: dict[str, Any] = {"last_poll_at": iso(now), "last_error": error}
        if error is None:
            values["last_poll_ok_at"] = iso(now)
        with self.transaction() as db:
            if db.execute("select 1 from sync_state where mailbox = ?", [mailbox]).fetchone():
                update_row(db, "sync_state", ("mailbox", mailbox), values)

    def store_batch(self, mailbox: str, uidvalidity: int,
                    batch: Sequence[tuple[int, bytes, datetime | None]],
                    backlog_max_uid: int, now: datetime, *,
                    advance: bool = True) -> list[tuple[int, bool]]:
        """Commit a batch of raw messages (and, with `advance`, last_uid) in ONE transaction.

        Returns (row id, newly stored) per message. A message whose bytes are already stored
        (a UIDVALIDITY rescan, the same copy delivered twice, or a batch fetched again after a
        crash before its server copies moved) only gets its location updated.
        """
        out: list[tuple[int, bool]] = []
        with self.transaction() as db:
            for uid, raw, internaldate in batch:
                digest = hashlib.sha256(raw).hexdigest()
                known = db.execute("select id from messages where sha256 = ?", [digest]).fetchone()
                if known:
                    update_row(db, "messages", ("id", known[0]), {
                        "mailbox": mailbox, "uidvalidity": uidvalidity, "uid": uid})
                    out.append((known[0], False))
                    continue
                row_id = insert_row(db, "messages", {
                    "mailbox": mailbox, "uidvalidity": uidvalidity, "uid": uid,
                    "sha256": digest, "size": len(raw), "raw": raw,
                    "internaldate": iso(internaldate), "stored_at": iso(now),
                    "backlog": int(uid <= backlog_max_uid), "state": "received",
                })
                out.append((row_id, True))
            if batch and advance:
                self._advance(db, mailbox, max(uid for uid, _, _ in batch))
        return out

    def advance_last_uid(self, mailbox: str, uid: int) -> None:
        """Record that every message up to `uid` is stored and its server copy moved."""
        with self.transaction() as db:
            self._advance(db, mailbox, uid)

    @staticmethod
    def _advance(db: Database, mailbox: str, uid: int) -> None:
        db.execute("update sync_state set last_uid = max(last_uid, ?) where mailbox = ?",
                   [uid, mailbox])

    def add_local_message(self, raw: bytes, received: datetime, now: datetime,
                          mailbox: str = "local") -> int:
        """Store a message that did not come through the inbox (e.g. `mailbot add`'s record)."""
        return self.store_batch(mailbox, 0, [(0, raw, received)], -1, now)[0][0]

    def message(self, message_id: int) -> StoredMessage:
        rows = self.query("select id, mailbox, uid, raw, internaldate, backlog, state, sha256 "
                          "from messages where id = ?", [message_id])
        if not rows:
            raise NotFoundError(f"no message with id {message_id}")
        return self._message(rows[0])

    def messages(self, ids: Sequence[int]) -> list[StoredMessage]:
        """The stored messages with these ids, in id order (missing ids are left out)."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self.query("select id, mailbox, uid, raw, internaldate, backlog, state, sha256 "
                          f"from messages where id in ({marks}) order by id", list(ids))
        return [self._message(r) for r in rows]

    @staticmethod
    def _message(r: dict[str, Any]) -> StoredMessage:
        return StoredMessage(r["id"], r["mailbox"], r["uid"], r["raw"],
                             from_iso(r["internaldate"]), bool(r["backlog"]), r["state"],
                             r["sha256"])

    def message_row(self, message_id: int) -> dict[str, Any]:
        rows = self.query("select * from messages where id = ?", [message_id])
        if not rows:
            raise NotFoundError(f"no message with id {message_id}")
        return rows[0]

    def update_message(self, message_id: int, values: dict[str, Any]) -> None:
        """Update a message row; call inside the processing transaction."""
        update_row(self.db, "messages", ("id", message_id), values)

    def park(self, message_id: int, reason: str, now: datetime) -> None:
        """A message that tripped a limit: kept as it came, waiting for a person."""
        with self.transaction() as db:
            update_row(db, "messages", ("id", message_id), {
                "state": "review", "action": "review", "kind": "other", "answer": 0,
                "reasons": dumps([reason]), "processed_at": iso(now)})

    def mark_failed(self, message_id: int, error: str, state: str = "failed") -> None:
        with self.transaction() as db:
            db.execute("update messages set state = ?, error = ?, attempts = attempts + 1 "
                       "where id = ?", [state, error, message_id])

    # -- answering facts --------------------------------------------------------------------

    def answers_to(self, address: str, since: datetime) -> int:
        return int(self.scalar(
            "select count(*) from outbox where lower(to_addr) = lower(?) and created_at >= ? "
            "and kind != 'digest'", [address, iso(since)]) or 0)

    def answers_since(self, since: datetime, up_to: int | None = None) -> int:
        """Answers queued since `since` (digests not counted), at most `up_to` if given.

        The worker asks before every answer, an hour back; counting the hour's rows each time
        grew with a backlog (0.45 ms an answer at 6,000 answers in the hour, bench_backlog).
        So the count is kept between calls and moved on by the rows that left the window and
        the rows added since; anything unusual (a rollback, the window moving back, fewer rows)
        means a full count.
        """
        start = iso(since) or ""
        top = int(self.scalar("select coalesce(max(id), 0) from outbox"))
        window = self.answer_window
        if window is None or start < window[0] or top < window[2]:
            count = int(self.scalar("select count(*) from outbox where created_at >= ? "
                                    "and kind != 'digest'", [start]) or 0)
        else:
            old_start, old_count, old_top = window
            left = int(self.scalar(
                "select count(*) from outbox where created_at >= ? and created_at < ? "
                "and id <= ? and kind != 'digest'", [old_start, start, old_top]) or 0)
            # The unary + keeps SQLite on the id range (the new rows), off the created_at index
            # (every row of the hour).
            added = int(self.scalar(
                "select count(*) from outbox where id > ? and +created_at >= ? "
                "and +kind != 'digest'", [old_top, start]) or 0)
            count = old_count - left + added
        self.answer_window = (start, count, top)
        return count if up_to is None else min(count, max(up_to, 0))

    def answered_message_ids(self, header_message_id: str) -> int:
        """How many answers already went (or wait to go) to a message with this Message-ID."""
        return int(self.scalar(
            "select count(*) from outbox o join messages m on m.id = o.message_id "
            "where m.message_id = ? and o.kind != 'digest'", [header_message_id]) or 0)

    def answers_for_message(self, message_id: int) -> int:
        return int(self.scalar("select count(*) from outbox where message_id = ? "
                               "and kind != 'digest'", [message_id]) or 0)
