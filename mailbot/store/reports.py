"""What staff read from the store: the digest's inputs, export rows, counts, integrity."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from mailbot.registry import Registration
from mailbot.store.base import DigestInputs, _aware, from_iso, iso
from mailbot.store.registrations import RegistrationStore


class ReportStore(RegistrationStore):
    """Read-only summaries over messages, registrations and the outbox."""

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
