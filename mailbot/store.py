"""The only module that talks to SQLite: messages, sync state, registrations, outbox, digests."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from mailbot.errors import NotFoundError, StoreError
from mailbot.models import Contact, Organisation, Person
from mailbot.registry import Registration, org_key
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


class Store:
    """A migrated SQLite database in WAL mode with a busy timeout."""

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
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the database {path}: {exc}") from exc
        # All registrations by id, as committed (see _all_registrations); None = not loaded.
        self._regs: dict[int, Registration] | None = None
        self._regs_version = -1

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """One atomic unit of work; sqlite errors become StoreError after rollback."""
        try:
            with self.db.atomic():
                yield self.db
        except sqlite3.OperationalError as exc:
            self._regs = None
            raise StoreError(f"database {self.path}: {exc}") from exc
        except BaseException:
            # Rolled back: the cached registrations may hold writes that never happened.
            self._regs = None
            raise

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        return list(self.db.query(sql, params))

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.db.execute(sql, params).fetchone()
        return row[0] if row else None

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
                db.table("sync_state").insert({
                    "mailbox": mailbox, "uidvalidity": uidvalidity, "last_uid": 0,
                    "backlog_max_uid": backlog, "first_seen_at": iso(now),
                })
            elif state.uidvalidity != uidvalidity:
                db.table("sync_state").update(mailbox, {
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
            if db.table("sync_state").count_where("mailbox = ?", [mailbox]):
                db.table("sync_state").update(mailbox, values)

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
                    db.table("messages").update(known[0], {"mailbox": mailbox,
                                                     "uidvalidity": uidvalidity, "uid": uid})
                    out.append((known[0], False))
                    continue
                row_id = db.table("messages").insert({
                    "mailbox": mailbox, "uidvalidity": uidvalidity, "uid": uid,
                    "sha256": digest, "size": len(raw), "raw": raw,
                    "internaldate": iso(internaldate), "stored_at": iso(now),
                    "backlog": int(uid <= backlog_max_uid), "state": "received",
                }).last_pk
                out.append((_pk(row_id), True))
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

    def pending(self, limit: int = 500) -> list[StoredMessage]:
        rows = self.query("select id, mailbox, uid, raw, internaldate, backlog, state, sha256 "
                          "from messages where state = 'received' order by id limit ?", [limit])
        return [self._message(r) for r in rows]

    def message(self, message_id: int) -> StoredMessage:
        rows = self.query("select id, mailbox, uid, raw, internaldate, backlog, state, sha256 "
                          "from messages where id = ?", [message_id])
        if not rows:
            raise NotFoundError(f"no message with id {message_id}")
        return self._message(rows[0])

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
        self.db.table("messages").update(message_id, values)

    def park(self, message_id: int, reason: str, now: datetime) -> None:
        """A message that tripped a limit: kept as it came, waiting for a person."""
        with self.transaction() as db:
            db.table("messages").update(message_id, {
                "state": "review", "action": "review", "kind": "other", "answer": 0,
                "reasons": dumps([reason]), "processed_at": iso(now)})

    def mark_failed(self, message_id: int, error: str, state: str = "failed") -> None:
        with self.transaction() as db:
            db.execute("update messages set state = ?, error = ?, attempts = attempts + 1 "
                       "where id = ?", [state, error, message_id])

    def requeue(self, ids: Sequence[int]) -> int:
        with self.transaction() as db:
            for message_id in ids:
                db.execute("update messages set state = 'received', error = null where id = ?",
                           [message_id])
        return len(ids)

    # -- answering facts --------------------------------------------------------------------

    def answers_to(self, address: str, since: datetime) -> int:
        return int(self.scalar(
            "select count(*) from outbox where lower(to_addr) = lower(?) and created_at >= ? "
            "and kind != 'digest'", [address, iso(since)]) or 0)

    def answers_since(self, since: datetime) -> int:
        return int(self.scalar("select count(*) from outbox where created_at >= ? "
                               "and kind != 'digest'", [iso(since)]) or 0)

    def answered_message_ids(self, header_message_id: str) -> int:
        """How many answers already went (or wait to go) to a message with this Message-ID."""
        return int(self.scalar(
            "select count(*) from outbox o join messages m on m.id = o.message_id "
            "where m.message_id = ? and o.kind != 'digest'", [header_message_id]) or 0)

    def answers_for_message(self, message_id: int) -> int:
        return int(self.scalar("select count(*) from outbox where message_id = ? "
                               "and kind != 'digest'", [message_id]) or 0)

    # -- outbox ----------------------------------------------------------------------------

    def enqueue(self, db: Database, *, key: str, kind: str, to_addr: str, subject: str,
                header_message_id: str, data: bytes, now: datetime,
                message_id: int | None = None, registration_id: int | None = None,
                state: str = "queued") -> int | None:
        """Queue an answer inside the caller's transaction; an existing key is left alone."""
        if db.execute("select 1 from outbox where key = ?", [key]).fetchone():
            return None
        return _pk(db.table("outbox").insert({
            "key": key, "message_id": message_id, "registration_id": registration_id,
            "kind": kind, "to_addr": to_addr, "subject": subject,
            "header_message_id": header_message_id, "data": data, "state": state,
            "next_attempt_at": iso(now), "created_at": iso(now), "updated_at": iso(now),
        }).last_pk)

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
            db.table("outbox").update(outbox_id, values)

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

    # -- registrations -----------------------------------------------------------------------

    def registrations(self, where: str = "1 = 1", params: Sequence[Any] = ()) -> list[Registration]:
        if where == "1 = 1" and not params:
            return self._all_registrations()
        return self._load_registrations(where, params)

    def _all_registrations(self) -> list[Registration]:
        # Every processed message is planned against all registrations; reading them all per
        # message made a backlog quadratic (bench/bench_backlog.py). Our own writes update the
        # cache in save_registration; a commit by another connection (a staff command) changes
        # PRAGMA data_version, and then everything is read again.
        version = int(self.db.execute("pragma data_version").fetchone()[0])
        if self._regs is None or version != self._regs_version:
            self._regs = {r.id or 0: r for r in self._load_registrations("1 = 1", ())}
            self._regs_version = version
        return list(self._regs.values())

    def _load_registrations(self, where: str, params: Sequence[Any]) -> list[Registration]:
        rows = self.query(f"select * from registrations where {where} order by id", params)
        people: dict[int, list[Person]] = {}
        ids = [r["id"] for r in rows]
        if ids:
            marks = ",".join("?" * len(ids))
            for a in self.query(f"select * from attendees where registration_id in ({marks}) "
                                "order by id", ids):
                people.setdefault(a["registration_id"], []).append(
                    Person(a["name"], a["role"], a["email"], a["phone"]))
        return [Registration(
            id=r["id"],
            organisation=Organisation(r["organisation"], r["krs"], r["nip"], r["regon"]),
            status=r["status"], source=r["source"],
            contact=Contact(r["contact_name"], r["contact_email"], r["contact_phone"]),
            areas=tuple(json.loads(r["areas"] or "[]")),
            attendees=tuple(people.get(r["id"], [])),
        ) for r in rows]

    def registration(self, registration_id: int) -> Registration:
        found = self.registrations("id = ?", [registration_id])
        if not found:
            raise NotFoundError(f"no registration with id {registration_id}")
        return found[0]

    def save_registration(self, db: Database, reg: Registration, *, now: datetime,
                          actor: str, action: str, detail: Sequence[str] = (),
                          message_id: int | None = None,
                          received_at: datetime | None = None) -> int:
        """Write a registration and its attendees as they now stand, plus a history entry."""
        org = reg.organisation
        values: dict[str, Any] = {
            "org_key": org_key(org.name), "organisation": org.name, "krs": org.krs,
            "nip": org.nip, "regon": org.regon, "status": reg.status, "source": reg.source,
            "contact_name": reg.contact.name, "contact_email": reg.contact.email,
            "contact_phone": reg.contact.phone, "areas": dumps(list(reg.areas)),
            "updated_at": iso(now),
        }
        if reg.id is None:
            values.update({"created_at": iso(now), "first_message_id": message_id,
                           "received_at": iso(received_at or now)})
            reg_id = _pk(db.table("registrations").insert(values).last_pk)
        else:
            reg_id = reg.id
            db.table("registrations").update(reg_id, values)
            db.execute("delete from attendees where registration_id = ?", [reg_id])
        for person in reg.attendees:
            db.table("attendees").insert({"registration_id": reg_id, "name": person.name,
                                    "role": person.role, "email": person.email,
                                    "phone": person.phone, "added_at": iso(now)})
        db.table("history").insert({"registration_id": reg_id, "message_id": message_id,
                              "actor": actor, "action": action, "detail": dumps(list(detail)),
                              "at": iso(now)})
        if self._regs is not None:
            # Exactly as a fresh read would give it; dropped again if the transaction rolls back.
            self._regs[reg_id] = self._load_registrations("id = ?", [reg_id])[0]
        return reg_id

    def waiting_order(self) -> list[int]:
        return [r["id"] for r in self.query(
            "select id from registrations where status = 'waitlist' order by received_at, id")]

    def history(self, registration_id: int) -> list[dict[str, Any]]:
        return self.query("select * from history where registration_id = ? order by id",
                          [registration_id])

    # -- digests ---------------------------------------------------------------------------

    def digest_inputs(self) -> DigestInputs:
        """Everything the digest summarises, read in one go."""
        from mailbot.digest import Health, OutboxProblem, RefusalRow, RegistrationRow, ReviewRow

        regs = [RegistrationRow(
            id=r.id or 0, organisation=r.organisation.name,
            people=tuple(p.name or (p.role or "") for p in r.attendees), status=r.status,
            areas=r.areas, source=r.source, created_at=created)
            for r, created in self.registrations_with_times()]
        refusals = [RefusalRow(
            message_id=m["id"], received_at=_aware(m["received_at"] or m["stored_at"]),
            sender=m["from_addr"],
            organisation=(json.loads(m["extraction"] or "{}").get("organisation") or {}).get("name"))
            for m in self.query("select id, received_at, stored_at, from_addr, extraction "
                                "from messages where action = 'refuse_late'")]
        review = [ReviewRow(
            message_id=m["id"], received_at=from_iso(m["received_at"]),
            reason=m["error"] or "; ".join(json.loads(m["reasons"] or "[]")[:2]) or m["state"],
            sender=m["from_addr"], subject=m["subject"] or "")
            for m in self.query("select id, received_at, from_addr, subject, reasons, error, state "
                                "from messages where state in ('review', 'failed', 'parked') "
                                "and handled_at is null")]
        problems = [OutboxProblem(
            id=o["id"], to=o["to_addr"], kind=o["kind"], status=o["state"],
            error=o["last_error"] or "", created_at=_aware(o["created_at"]))
            for o in self.query("select * from outbox where state in "
                                "('failed', 'in_doubt', 'bounced', 'retry')")]
        states = self.counts("outbox", "state")
        health = Health(
            last_poll_ok=from_iso(self.scalar("select max(last_poll_ok_at) from sync_state")),
            outbox_backlog=states.get("queued", 0) + states.get("retry", 0),
            in_doubt=states.get("in_doubt", 0), failed=states.get("failed", 0),
            held=int(self.scalar("select count(*) from messages where state = 'review' and "
                                 "handled_at is null and reasons like '%bezpiecznik%'") or 0))
        since = from_iso(self.scalar("select max(created_at) from digests"))
        return DigestInputs(regs, refusals, review, problems, health, since)

    def registrations_with_times(self) -> list[tuple[Registration, datetime]]:
        # When the office received the registration (its first message), else when stored.
        times = {r["id"]: _aware(r["t"]) for r in self.query(
            "select id, coalesce(received_at, created_at) as t from registrations")}
        return [(r, times[r.id or 0]) for r in self.registrations()]

    def export_rows(self, statuses: Sequence[str] = ("confirmed", "waitlist", "cancelled")) -> list[Any]:
        """One row per attendee (or one per registration without people), for exports."""
        from mailbot.export import ExportRow

        rows: list[Any] = []
        for reg, created in self.registrations_with_times():
            if reg.status not in statuses:
                continue
            org = reg.organisation
            people = reg.attendees or (None,)
            for person in people:
                rows.append(ExportRow(
                    registration_id=reg.id or 0, organisation=org.name, krs=org.krs, nip=org.nip,
                    regon=org.regon, status=reg.status, source=reg.source,
                    person=person.name if person else None, role=person.role if person else None,
                    email=person.email if person else None, phone=person.phone if person else None,
                    contact_email=reg.contact.email, contact_phone=reg.contact.phone,
                    areas=reg.areas, registered_at=created))
        return rows

    def record_digest(self, day: str, text_path: str, html_path: str, now: datetime) -> None:
        self.db.table("digests").insert({"day": day, "text_path": text_path, "html_path": html_path,
                                   "created_at": iso(now)})

    def digest_done(self, day: str) -> bool:
        return bool(self.scalar("select count(*) from digests where day = ?", [day]))

    def counts(self, table: str, column: str) -> dict[str, int]:
        if table not in ("messages", "outbox", "registrations") or not column.isidentifier():
            raise ValueError(table)
        return {r["k"]: r["n"] for r in self.query(
            f"select {column} as k, count(*) as n from {table} group by {column}")}

    def integrity_ok(self) -> bool:
        return bool(self.scalar("pragma integrity_check") == "ok")


def _pk(value: Any) -> int:
    """sqlite-utils' last_pk of an insert into a table with an integer primary key."""
    if value is None:
        raise StoreError("insert returned no row id")
    return int(value)


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
