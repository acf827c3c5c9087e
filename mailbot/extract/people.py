"""Attendees: from forms, tables, registration sentences and lists, and the sender when they attend."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from mailbot.extract import cues
from mailbot.extract.forms import Field, Table
from mailbot.extract.inline import (
    Rec,
    details,
    item_people,
    possessive_roles,
    role_only,
    sentence_people,
)
from mailbot.extract.names import NOMINATIVE
from mailbot.extract.personscan import person_mentions
from mailbot.extract.phones import address_belongs_to, emails_in, phones_in
from mailbot.extract.roles import normalise_role
from mailbot.extract.selfclaim import SelfClaim
from mailbot.extract.textprep import Doc, fold, is_list_item, sentences, strip_list_mark
from mailbot.models import FieldNote, Person

_LIST_INTRO = re.compile(r"^\s*(?:uczestnicy|osoby|zglaszane osoby|lista uczestnikow|"
                         r"uczestnik(?:cy)? konferencji|attendees|participants|"
                         r"osoby zglaszane[^:]{0,60})\s*:\s*$"
                         # a table header read as plain text: "Lp. Imię i nazwisko Funkcja …"
                         r"|^\s*(?:lp\.?\s+)?imie i nazwisko\s+(?:funkcja|stanowisko|telefon)")


@dataclass(frozen=True)
class SenderFacts:
    """The writer as the contact reader found them (name, signature role, e-mail, phone)."""

    name: str | None
    role: str | None
    email: str | None
    phone: str | None


@dataclass(frozen=True)
class People:
    attendees: tuple[Person, ...]
    notes: tuple[FieldNote, ...]
    cue: bool
    self_registered: bool
    form: bool


def _name_rec(value: str, office: frozenset[str]) -> Rec | None:
    found = person_mentions(value, prefer=NOMINATIVE, allow_lower=True, force=True)
    if not found or found[0].start > 12:
        return None
    mention = found[0]
    role, email, phone = details(value[mention.end:], in_list=True, office=office)
    return Rec(mention.name, role, email, phone, mention.reading.confidence,
               mention.reading.reason)


def _from_fields(fields: Sequence[Field], office: frozenset[str]) -> tuple[list[Rec], list[Rec]]:
    """(attendees, contact persons) from 'Imię i nazwisko: …' style fields."""
    recs: list[Rec] = []
    contacts: list[Rec] = []
    current: int | None = None
    last_line = -10
    parts: dict[str, str] = {}
    for item in fields:
        if item.key in ("first_name", "surname"):
            # "Imię: Jan" and "Nazwisko: Kowalski" on separate lines make one name.
            parts[item.key] = item.value
            if len(parts) < 2:
                continue
            item = Field(item.line, "name", f"{parts['first_name']} {parts['surname']}")
            parts = {}
        if item.key == "name":
            rec = _name_rec(item.value, office)
            current = None
            if rec is not None:
                recs.append(rec)
                current = len(recs) - 1
            last_line = item.line
        elif item.key == "contact":
            rec = _name_rec(item.value, office)
            if rec is not None:
                contacts.append(rec)
        elif current is not None and item.line - last_line <= 6:
            recs[current] = _fill(recs[current], item.key, item.value, office)
            last_line = item.line
    return recs, contacts


def _fill(rec: Rec, key: str, value: str, office: frozenset[str]) -> Rec:
    if key == "role" and rec.role is None:
        return replace(rec, role=normalise_role(value, strict=False))
    if key == "phone" and rec.phone is None:
        phones = phones_in(value, labelled=False) or phones_in(value)
        return replace(rec, phone=phones[0] if phones else None)
    if key == "email" and rec.email is None:
        emails = emails_in(value, office)
        return replace(rec, email=emails[0] if emails else None)
    return rec


def _from_tables(tables: Sequence[Table], office: frozenset[str]) -> list[Rec]:
    recs: list[Rec] = []
    for table in tables:
        for row in table.rows:
            name = row.get("name") or f"{row.get('first_name', '')} {row.get('surname', '')}"
            rec = _name_rec(name.strip(), office)
            if rec is None:
                continue
            for key in ("role", "phone", "email"):
                if key in row:
                    rec = _fill(rec, key, row[key], office)
            recs.append(rec)
    return recs


@dataclass(frozen=True)
class _Scan:
    recs: list[Rec]
    roles: list[Rec]
    unnamed: list[Rec]
    cue: bool
    own: SelfClaim
    forwarded: SelfClaim


def _scan_lines(doc: Doc, used: set[int], office: frozenset[str]) -> _Scan:
    """Named people, role-only people, whether something registers and whether the writer goes."""
    recs: list[Rec] = []
    roles: list[Rec] = []
    unnamed: list[Rec] = []
    cue = list_mode = False
    own, forwarded = SelfClaim(), SelfClaim()
    current: int | None = None
    lines = doc.lines
    # Index of the next non-blank line after each line (computed once: linear on long mail).
    following_at = [len(lines)] * (len(lines) + 1)
    for k in range(len(lines) - 1, -1, -1):
        following_at[k] = k if lines[k].strip() else following_at[k + 1]
    for i, line in enumerate(lines):
        if i in used or not line.strip():
            list_mode = False
            current = None
            continue
        if list_mode:
            body = strip_list_mark(line) if is_list_item(line) else line
            found = item_people(body, office)
            if found:
                recs.extend(found)
                current = len(recs) - 1
                continue
            if current is not None and not is_list_item(line):
                before = recs[current]
                for key, value in (("phone", line), ("email", line)):
                    recs[current] = _fill(recs[current], key, value, office)
                if recs[current] != before or phones_in(line) or emails_in(line, office):
                    continue
            list_mode = False
        line_cue = False
        for sentence in sentences(strip_list_mark(line)):
            folded = fold(sentence)
            if cues.registration_cue(folded):
                line_cue = cue = True
                found = sentence_people(sentence, office)
                recs.extend(found)
                if not found:
                    roles.extend(role_only(sentence))
                else:
                    unnamed.extend(possessive_roles(sentence))
            else:
                found = []
            # The sender speaks in their own lines; a forwarded message's writer in theirs.
            if i < doc.own_end:
                own = own.read(sentence, folded, bool(found), forwarded=False)
            elif i < doc.forward_end:
                forwarded = forwarded.read(sentence, folded, bool(found), forwarded=True)
        folded_line = fold(line)
        nxt = following_at[i + 1]
        following = lines[nxt] if nxt < len(lines) else ""
        if _LIST_INTRO.match(folded_line):
            cue = list_mode = True
        elif line_cue and (line.rstrip().endswith(":") or is_list_item(following)
                           or "nastepujac" in folded_line):
            list_mode = True
    return _Scan(recs, roles, unnamed, cue, own, forwarded)


def _merge(recs: Sequence[Rec]) -> list[Rec]:
    merged: dict[str, Rec] = {}
    for rec in recs:
        if rec.name is None:
            continue
        key = fold(rec.name)
        known = merged.get(key)
        if known is None:
            merged[key] = rec
            continue
        merged[key] = Rec(known.name, known.role or rec.role, known.email or rec.email,
                          known.phone or rec.phone, max(known.confidence, rec.confidence),
                          known.reason if known.confidence >= rec.confidence else rec.reason)
    return list(merged.values())


def _same_person(a: str | None, b: str | None) -> bool:
    return bool(a and b) and fold(a or "") == fold(b or "")


def _with_writer(rec: Rec, writer: SenderFacts | None) -> Rec:
    """A writer who attends keeps their own address (if clearly theirs), phone and role."""
    if writer is None or not _same_person(rec.name, writer.name):
        return rec
    theirs = address_belongs_to(writer.email, rec.name, sender=True)
    return replace(rec, email=rec.email or (writer.email if theirs else None),
                   phone=rec.phone or writer.phone, role=rec.role or writer.role)


def find_people(doc: Doc, fields: Sequence[Field], tables: Sequence[Table],
                sender: SenderFacts, office: frozenset[str],
                forwarded: SenderFacts | None = None) -> People:
    """Every person who will attend, with role and own e-mail/phone where given.

    `forwarded` is the writer of a forwarded message: they attend when their own text says so.
    """
    form_recs, contacts = _from_fields(fields, office)
    table_recs = _from_tables(tables, office)
    used = {f.line for f in fields}
    for table in tables:
        used.update(range(table.first_line, table.last_line + 1))
    scan = _scan_lines(doc, used, office)
    roles, cue = scan.roles, scan.cue
    recs = _merge(form_recs + table_recs + scan.recs)
    nobody = not recs and not roles
    self_flag = scan.own.said or (scan.own.weak and nobody)
    forward_flag = scan.forwarded.said or (scan.forwarded.weak and nobody)
    sender = replace(sender, role=sender.role or scan.own.role)
    if forwarded is not None:
        forwarded = replace(forwarded, role=forwarded.role or scan.forwarded.role)
    if self_flag and sender.name and not any(_same_person(r.name, sender.name) for r in recs):
        recs.append(Rec(sender.name, sender.role, None, None, 0.9, "nadawca weźmie udział"))
    if forward_flag and forwarded is not None and forwarded.name \
            and not any(_same_person(r.name, forwarded.name) for r in recs):
        recs.append(Rec(forwarded.name, forwarded.role, None, None, 0.85,
                        "autor przekazanej wiadomości weźmie udział"))
    notes: list[FieldNote] = []
    if self_flag and not sender.name:
        roles.append(Rec(None, sender.role, None, sender.phone, 0.4,
                         "nadawca weźmie udział, ale nie podpisał się nazwiskiem"))
    # The sender's own addresses are read only when someone still lacks one (most mail names
    # nobody, or gives each their address): the text is long and every address is validated.
    own_emails: list[str] | None = None
    taken = {r.email for r in recs if r.email}
    out: list[Person] = []
    for rec in recs:
        rec = _with_writer(_with_writer(rec, sender), forwarded)
        for contact in contacts:
            if _same_person(rec.name, contact.name):
                rec = replace(rec, email=rec.email or contact.email,
                              phone=rec.phone or contact.phone)
        if rec.email is None:
            if own_emails is None:
                own_emails = emails_in("\n".join(doc.own_lines), office)
            found = [e for e in own_emails if e not in taken and address_belongs_to(e, rec.name)]
            if found:
                rec = replace(rec, email=found[0])
                taken.add(found[0])
        out.append(Person(rec.name, rec.role, rec.email, rec.phone))
        if rec.confidence < 0.9:
            notes.append(FieldNote(f"attendee {rec.name}", rec.confidence, rec.reason))
    if not out and roles:
        out = [Person(None, r.role, None, r.phone) for r in roles]
        notes.append(FieldNote("attendees", 0.4, "osoby wskazane tylko funkcją; nazwiska do uzupełnienia"))
    elif out and scan.unnamed:
        out += [Person(None, r.role) for r in scan.unnamed]
        notes.append(FieldNote("attendees", 0.4, "osoba wskazana tylko funkcją; nazwisko do uzupełnienia"))
    elif out:
        sources = "z formularza" if form_recs else "z tabeli" if table_recs else "z treści"
        lowest = min([r.confidence for r in recs] or [0.9])
        # Per-person notes already carry any doubt; this one only summarises.
        notes.insert(0, FieldNote("attendees", max(0.5, min(lowest, 0.9)),
                                  f"liczba osób {sources}: {len(out)}"
                                  + ("; nadawca weźmie udział" if self_flag else "")
                                  + ("; autor przekazanej wiadomości weźmie udział"
                                     if forward_flag else "")))
    form = bool(form_recs or table_recs)
    return People(tuple(out), tuple(notes), cue or form, self_flag or forward_flag, form)
