"""Registrations, their attendees and history (cached between messages)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from mailbot.errors import NotFoundError
from mailbot.models import Contact, Organisation, Person
from mailbot.registry import Registration, RegistrationIndex, org_key
from mailbot.store.base import StoreBase, dumps, insert_row, iso, update_row


class RegistrationStore(StoreBase):
    """One registration per organisation, as it now stands, and what changed it."""

    # -- registrations -----------------------------------------------------------------------

    def registrations(self, where: str = "1 = 1", params: Sequence[Any] = ()) -> list[Registration]:
        if where == "1 = 1" and not params:
            return list(self.registration_index())
        return self._load_registrations(where, params)

    def registration_index(self) -> RegistrationIndex:
        """Every registration as committed (or written in the open transaction), indexed for
        planning; the store updates it in place, so use it at once and do not keep it."""
        # Every processed message is planned against all registrations; reading them all per
        # message made a backlog quadratic (bench/bench_backlog.py). Our own writes update the
        # cache in save_registration; a commit by another connection (a staff command) changes
        # PRAGMA data_version, and then everything is read again.
        version = int(self.db.execute("pragma data_version").fetchone()[0])
        if self._regs is None or version != self._regs_version:
            self._regs = RegistrationIndex(self._load_registrations("1 = 1", ()))
            self._regs_version = version
        return self._regs

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
            reg_id = insert_row(db, "registrations", values)
        else:
            reg_id = reg.id
            update_row(db, "registrations", ("id", reg_id), values)
            db.execute("delete from attendees where registration_id = ?", [reg_id])
        for person in reg.attendees:
            insert_row(db, "attendees", {"registration_id": reg_id, "name": person.name,
                                         "role": person.role, "email": person.email,
                                         "phone": person.phone, "added_at": iso(now)})
        insert_row(db, "history", {"registration_id": reg_id, "message_id": message_id,
                                   "actor": actor, "action": action,
                                   "detail": dumps(list(detail)), "at": iso(now)})
        if self._regs is not None:
            # Exactly as a fresh read would give it; dropped again if the transaction rolls back.
            self._regs.put(self._load_registrations("id = ?", [reg_id])[0])
        return reg_id

    def waiting_order(self) -> list[int]:
        return [r["id"] for r in self.query(
            "select id from registrations where status = 'waitlist' order by received_at, id")]

    def history(self, registration_id: int) -> list[dict[str, Any]]:
        return self.query("select * from history where registration_id = ? order by id",
                          [registration_id])
