"""The transactional outbox: queued answers, their sending states, bounces."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from mailbot.errors import NotFoundError
from mailbot.store.base import StoreBase, insert_row, iso, update_row


@dataclass(frozen=True)
class OutboxRow:
    id: int
    key: str
    kind: str
    to_addr: str
    data: bytes
    state: str
    attempts: int
    message_id: int | None


class OutboxStore(StoreBase):
    """Answers waiting, being sent, sent, failed or in doubt."""

    # -- outbox ----------------------------------------------------------------------------

    def enqueue(self, db: Database, *, key: str, kind: str, to_addr: str, subject: str,
                header_message_id: str, data: bytes, now: datetime,
                message_id: int | None = None, registration_id: int | None = None,
                state: str = "queued") -> int | None:
        """Queue an answer inside the caller's transaction; an existing key is left alone."""
        if db.execute("select 1 from outbox where key = ?", [key]).fetchone():
            return None
        return insert_row(db, "outbox", {
            "key": key, "message_id": message_id, "registration_id": registration_id,
            "kind": kind, "to_addr": to_addr, "subject": subject,
            "header_message_id": header_message_id, "data": data, "state": state,
            "next_attempt_at": iso(now), "created_at": iso(now), "updated_at": iso(now),
        })

    def recover_outbox(self, now: datetime) -> tuple[int, int]:
        """After a crash: `sending` never reached DATA (safe to retry); `data_in_flight` may
        have been accepted by the server, so it becomes in_doubt for staff, never resent."""
        with self.transaction() as db:
            retried = db.execute("update outbox set state = 'retry', updated_at = ? "
                                 "where state = 'sending'", [iso(now)]).rowcount
            doubted = db.execute(
                "update outbox set state = 'in_doubt', updated_at = ?, last_error = "
                "'interrupted after the message data was sent: the server may have accepted it' "
                "where state = 'data_in_flight'", [iso(now)]).rowcount
        return retried, doubted

    def claim_due(self, now: datetime, limit: int = 100) -> list[OutboxRow]:
        """Take due rows for sending: each is marked `sending` (committed) before any SMTP."""
        with self.transaction() as db:
            rows = list(db.query(
                "select id, key, kind, to_addr, data, state, attempts, message_id from outbox "
                "where state in ('queued', 'retry') and next_attempt_at <= ? "
                "order by id limit ?", [iso(now), limit]))
            for r in rows:
                db.execute("update outbox set state = 'sending', attempts = attempts + 1, "
                           "updated_at = ? where id = ?", [iso(now), r["id"]])
        return [OutboxRow(r["id"], r["key"], r["kind"], r["to_addr"], r["data"], "sending",
                          r["attempts"] + 1, r["message_id"]) for r in rows]

    def set_outbox_state(self, outbox_id: int, state: str, now: datetime,
                         error: str | None = None, retry_in: timedelta | None = None) -> None:
        values: dict[str, Any] = {"state": state, "updated_at": iso(now)}
        if error is not None:
            values["last_error"] = error
        if retry_in is not None:
            values["next_attempt_at"] = iso(now + retry_in)
        if state == "sent":
            values["sent_at"] = iso(now)
        with self.transaction() as db:
            update_row(db, "outbox", ("id", outbox_id), values)

    def outbox_row(self, outbox_id: int) -> dict[str, Any]:
        rows = self.query("select * from outbox where id = ?", [outbox_id])
        if not rows:
            raise NotFoundError(f"no outbox row with id {outbox_id}")
        return rows[0]

    def mark_bounced(self, header_message_ids: Sequence[str], bounce_message: int,
                     now: datetime, detail: str | None = None) -> int:
        """Mark answers returned by a bounce; only answers that went out can bounce (a forged
        bounce naming a queued answer's predictable Message-ID must not stop it)."""
        count = 0
        with self.transaction() as db:
            for hid in header_message_ids:
                count += db.execute(
                    "update outbox set state = 'bounced', updated_at = ?, last_error = ? "
                    "where header_message_id = ? and kind != 'digest' "
                    "and state in ('sent', 'in_doubt', 'bounced')",
                    [iso(now), detail or f"odbita: zwrot w wiadomości #{bounce_message}",
                     hid]).rowcount
        return count
