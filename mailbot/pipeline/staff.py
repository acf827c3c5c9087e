"""Staff operations on the store: approve, correct, mark handled, add fax/desk entries, settle the outbox."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from typing import Any

from mailbot.contract import extraction_from_record
from mailbot.decide import decide
from mailbot.errors import MailbotError, NotFoundError
from mailbot.models import Action, Contact, Extraction, Kind, Organisation, Person
from mailbot.parse import parse
from mailbot.pipeline.core import Outcome, Pipeline
from mailbot.reading import Reading
from mailbot.registry import SOURCES, Registration, person_key
from mailbot.store import dumps, iso


class StaffError(MailbotError):
    """A staff command asked for something that cannot be done (explained in Polish)."""


@dataclass(frozen=True)
class Correction:
    """Field changes asked for by `mailbot edit`; None leaves a field as it is."""

    organisation: str | None = None
    krs: str | None = None
    nip: str | None = None
    regon: str | None = None
    add_people: tuple[Person, ...] = ()
    remove_people: tuple[str, ...] = ()
    contact_email: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    kind: str | None = None


def parse_person(text: str) -> Person:
    """"Imię Nazwisko;rola;e-mail;telefon" with the last three optional."""
    parts = [p.strip() or None for p in text.split(";")] + [None] * 3
    if not parts[0] and not parts[1]:
        raise StaffError(f"osoba bez imienia i nazwiska ani funkcji: {text!r}")
    return Person(parts[0], parts[1], parts[2], parts[3])


def _record(row: dict[str, Any]) -> dict[str, Any]:
    text = row["staff_extraction"] or row["extraction"]
    if not text:
        raise StaffError(f"wiadomość #{row['id']} nie została jeszcze przetworzona")
    record: dict[str, Any] = json.loads(text)
    return record


def corrected(record: dict[str, Any], fix: Correction) -> dict[str, Any]:
    """A contract record with the corrections applied (pure)."""
    out: dict[str, Any] = json.loads(json.dumps(record))
    org = out.setdefault("organisation", {})
    for key, value in (("name", fix.organisation), ("krs", fix.krs), ("nip", fix.nip),
                       ("regon", fix.regon)):
        if value is not None:
            org[key] = value or None
    drop = {person_key(n) for n in fix.remove_people}
    people = [p for p in out.get("attendees") or [] if person_key(p.get("name")) not in drop]
    people += [{"name": p.name, "role": p.role, "email": p.email, "phone": p.phone}
               for p in fix.add_people]
    out["attendees"] = people
    contact = out.setdefault("contact", {})
    for key, value in (("email", fix.contact_email), ("name", fix.contact_name),
                       ("phone", fix.contact_phone)):
        if value is not None:
            contact[key] = value or None
    if fix.kind is not None:
        out["kind"] = Kind(fix.kind).value
    return out


def edit_message(pipeline: Pipeline, message_id: int, fix: Correction, actor: str) -> dict[str, Any]:
    """Store a corrected reading of a message; `approve` acts on it."""
    store = pipeline.store
    row = store.message_row(message_id)
    record = corrected(_record(row), fix)
    with store.transaction() as db:
        db.table("messages").update(message_id, {"staff_extraction": dumps(record)})
        db.table("history").insert({"registration_id": row["registration_id"], "message_id": message_id,
                              "actor": actor, "action": "edit", "detail": dumps(_describe(fix)),
                              "at": iso(pipeline.clock())})
    return record


def _describe(fix: Correction) -> list[str]:
    out = [f"{k}: {v}" for k, v in (("organizacja", fix.organisation), ("KRS", fix.krs),
                                     ("NIP", fix.nip), ("REGON", fix.regon),
                                     ("e-mail kontaktowy", fix.contact_email),
                                     ("rodzaj", fix.kind)) if v is not None]
    out += [f"dodano: {p.name or p.role}" for p in fix.add_people]
    out += [f"usunięto: {n}" for n in fix.remove_people]
    return out


def edit_registration(pipeline: Pipeline, registration_id: int, fix: Correction,
                      actor: str) -> Registration:
    store = pipeline.store
    reg = store.registration(registration_id)
    org = reg.organisation
    org = Organisation(_pick(fix.organisation, org.name), _pick(fix.krs, org.krs),
                       _pick(fix.nip, org.nip), _pick(fix.regon, org.regon))
    drop = {person_key(n) for n in fix.remove_people}
    missing = drop - {person_key(p.name) for p in reg.attendees}
    if missing:
        raise StaffError(f"w zgłoszeniu #{registration_id} nie ma osoby: {', '.join(fix.remove_people)}")
    people = tuple(p for p in reg.attendees if person_key(p.name) not in drop) + fix.add_people
    contact = Contact(_pick(fix.contact_name, reg.contact.name),
                      _pick(fix.contact_email, reg.contact.email),
                      _pick(fix.contact_phone, reg.contact.phone))
    updated = replace(reg, organisation=org, attendees=people, contact=contact)
    with store.transaction() as db:
        store.save_registration(db, updated, now=pipeline.clock(), actor=actor, action="edit",
                                detail=_describe(fix))
    return updated


def _pick(new: str | None, old: str | None) -> str | None:
    return old if new is None else (new or None)


def approve(pipeline: Pipeline, message_id: int, actor: str) -> Outcome:
    """Act on a reviewed message as (corrected and) extracted; answers as the decision calls for."""
    store = pipeline.store
    row = store.message_row(message_id)
    if row["handled_at"]:
        raise StaffError(f"wiadomość #{message_id} została już obsłużona ({row['handled_by']})")
    extraction = extraction_from_record(_record(row))
    if extraction.kind in (Kind.AUTO_REPLY, Kind.BOUNCE, Kind.OTHER, Kind.QUESTION):
        raise StaffError(f"wiadomość #{message_id} to {extraction.kind}: nie ma czego zatwierdzić "
                         "(użyj --answered albo --ignore, albo popraw rodzaj: edit --kind)")
    message = store.message(message_id)
    parsed = parse(message.raw)
    received = datetime.fromisoformat(row["received_at"]) if row["received_at"] else None
    # Staff approval stands in for confidence notes, so decide on the corrected fields alone.
    decision = decide(extraction, received, row["time_source"] or "unknown",
                      pipeline.settings.deadline)
    if decision.action is Action.REVIEW:
        raise StaffError(f"wiadomość #{message_id}: {'; '.join(decision.reasons)} — popraw "
                         "dane poleceniem `mailbot edit`")
    already = store.answers_for_message(message_id) > 0
    decision = replace(decision, answer=not already and bool(extraction.contact.email),
                       reasons=(*decision.reasons, f"zatwierdzone przez: {actor}"))
    outcome = pipeline.apply(message, Reading(parsed, extraction, decision), decision, actor=actor)
    mark_handled(pipeline, message_id, "approve", actor)
    return outcome


def mark_handled(pipeline: Pipeline, message_id: int, how: str, actor: str) -> None:
    store = pipeline.store
    store.message_row(message_id)
    with store.transaction() as db:
        db.table("messages").update(message_id, {"handled_by": f"{how}: {actor}",
                                           "handled_at": iso(pipeline.clock())})


def add_registration(pipeline: Pipeline, *, organisation: str, people: Sequence[Person],
                     contact: Contact, source: str, received: datetime,
                     krs: str | None = None, nip: str | None = None, regon: str | None = None,
                     areas: Sequence[str] = (), actor: str) -> tuple[Outcome, int]:
    """A registration by fax, at the desk or by phone: same deadline and capacity rules, and a
    confirmation where an e-mail address is given. It is kept as a message of its own."""
    if source not in SOURCES or source == "email":
        raise StaffError(f"źródło musi być jednym z: fax, desk, phone (podano {source!r})")
    if not people:
        raise StaffError("podaj co najmniej jedną osobę (--person)")
    contact = replace(contact, email=checked_email(contact.email))
    people = [replace(p, email=checked_email(p.email)) for p in people]
    if received.tzinfo is None:
        received = received.replace(tzinfo=pipeline.settings.zone)
    raw = _entry_record(organisation, people, contact, source, received, actor,
                        pipeline.settings.event.office_email)
    store = pipeline.store
    message_id = store.add_local_message(raw, received, pipeline.clock(), mailbox=source)
    extraction = Extraction(kind=Kind.REGISTRATION,
                            organisation=Organisation(organisation, krs, nip, regon),
                            attendees=tuple(people), contact=contact, areas=tuple(areas),
                            signals=(f"source:{source}",))
    decision = decide(extraction, received, "staff", pipeline.settings.deadline)
    decision = replace(decision, answer=decision.answer and bool(contact.email))
    message = store.message(message_id)
    outcome = pipeline.apply(message, Reading(parse(raw), extraction, decision), decision,
                             actor=actor, source=source, reply=False)
    return outcome, message_id


def checked_email(address: str | None) -> str | None:
    """A staff-typed address, normalised; a clear error instead of a bounce later."""
    if not address:
        return None
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise StaffError(f"niepoprawny adres e-mail {address!r}: {exc}") from exc


def _entry_record(organisation: str, people: Sequence[Person], contact: Contact, source: str,
                  received: datetime, actor: str, office: str) -> bytes:
    """A small RFC 5322 record of a fax or desk entry, so it is stored like any message."""
    msg = EmailMessage(policy=SMTP)
    # The registrant's address where given, so lists show who registered, not the office.
    msg["From"] = contact.email or office
    msg["To"] = office
    msg["Subject"] = f"Zgłoszenie ({source}): {organisation}"[:200]
    msg["Date"] = format_datetime(received)
    msg["Message-ID"] = make_msgid("entry", domain=office.rpartition("@")[2] or "localhost")
    msg["X-Mailbot-Source"] = source
    lines = [f"Źródło: {source}", f"Wpisane przez: {actor}", f"Organizacja: {organisation}"]
    lines += [f"Osoba: {p.name or '-'}; {p.role or '-'}; {p.email or '-'}; {p.phone or '-'}"
              for p in people]
    lines.append(f"Kontakt: {contact.name or '-'}; {contact.email or '-'}; {contact.phone or '-'}")
    msg.set_content("\n".join(lines) + "\n")
    return msg.as_bytes()


def settle_outbox(pipeline: Pipeline, outbox_id: int, how: str, actor: str) -> str:
    """Staff decide an in_doubt or failed answer: mark it sent, or queue it again."""
    store = pipeline.store
    row = store.outbox_row(outbox_id)
    now = pipeline.clock()
    if how == "mark-sent":
        if row["state"] not in ("in_doubt", "failed", "retry", "queued"):
            raise StaffError(f"odpowiedź #{outbox_id} ma stan {row['state']}: nie ma czego oznaczać")
        store.set_outbox_state(outbox_id, "sent", now, f"oznaczone jako wysłane: {actor}")
        return "sent"
    if how == "resend":
        if row["state"] not in ("in_doubt", "failed", "bounced"):
            raise StaffError(f"odpowiedź #{outbox_id} ma stan {row['state']}: "
                             "ponownie wysyła się tylko niepewne, nieudane lub odbite")
        store.set_outbox_state(outbox_id, "queued", now, f"ponownie w kolejce: {actor}",
                               retry_in=now - now)
        return "queued"
    raise NotFoundError(how)


def review_queue(pipeline: Pipeline) -> list[dict[str, Any]]:
    """What waits for a person, oldest first: messages to review and answers in trouble."""
    store = pipeline.store
    items = [
        {"typ": "wiadomość", "id": m["id"], "czas": m["received_at"] or m["stored_at"],
         "od": m["from_addr"], "rodzaj": m["kind"] or "-",
         "powód": m["error"] or "; ".join(json.loads(m["reasons"] or "[]")[:2])}
        for m in store.query("select * from messages where state in ('review', 'failed') "
                             "and handled_at is null")
    ]
    items += [
        {"typ": "odpowiedź", "id": o["id"], "czas": o["created_at"], "od": o["to_addr"],
         "rodzaj": f"{o['kind']}:{o['state']}", "powód": o["last_error"] or ""}
        for o in store.query("select * from outbox where state in ('in_doubt', 'failed', 'bounced')")
    ]
    return sorted(items, key=lambda i: (i["czas"] or "", i["id"]))

