"""Registrations, their attendees and history."""

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
        return self._load_registrations(where, params)

    def planning_registrations(self, org: Organisation, contact_email: str | None, *,
                               waiting: bool, places: bool) -> RegistrationIndex:
        """The registrations planning one message can touch, indexed: the same organisation
        (KRS, NIP, REGON or name key) or sender, plus, with `waiting`, the waiting list (a
        cancellation may promote from it); with `places`, the places all confirmed take.

        Planning used to get every registration: held in memory, that grew with each
        organisation (bench/bench_backlog.py); these few rows are found by index instead.
        """
        clauses: list[str] = []
        params: list[Any] = []
        for column in ("krs", "nip", "regon"):
            value = getattr(org, column)
            if value:
                clauses.append(f"{column} = ?")
                params.append(value)
        key = org_key(org.name)
        if key:
            clauses.append("org_key = ?")
            params.append(key)
        if contact_email:
            clauses.append("lower(contact_email) = lower(?)")
            params.append(contact_email)
        if waiting:
            clauses.append("status = 'waitlist'")
        found = self._load_registrations(" or ".join(clauses), params) if clauses else []
        taken = self.places_taken() if places else None
        return RegistrationIndex(found, places_taken=taken)

    def places_taken(self) -> int:
        """Attendees of confirmed registrations (the places a capacity limit counts)."""
        return int(self.scalar(
            "select count(*) from attendees a join registrations r on r.id = a.registration_id "
            "where r.status = 'confirmed'") or 0)

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
        return reg_id

    def waiting_order(self) -> list[int]:
        return [r["id"] for r in self.query(
            "select id from registrations where status = 'waitlist' order by received_at, id")]

    def history(self, registration_id: int) -> list[dict[str, Any]]:
        return self.query("select * from history where registration_id = ? order by id",
                          [registration_id])
