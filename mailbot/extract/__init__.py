"""PURE ParsedMail -> Extraction: kind, organisation, ids, attendees, contact, areas, notes."""

from __future__ import annotations

from mailbot.classify import classify
from mailbot.extract.areas import find_areas
from mailbot.extract.contact import forward_contact, forwarded_writer, read_contact
from mailbot.extract.forms import fields as find_fields
from mailbot.extract.forms import tables as find_tables
from mailbot.extract.ids import find_ids
from mailbot.extract.kind import read_kind
from mailbot.extract.organisation import candidates, choose
from mailbot.extract.people import find_people
from mailbot.extract.readable import unreadable_reason
from mailbot.extract.textprep import prepare
from mailbot.extract.withdrawn import withdrawn_people
from mailbot.models import Contact, Extraction, FieldNote, Kind, Organisation, ParsedMail, Person

_ROBOT_KINDS = (Kind.BOUNCE, Kind.AUTO_REPLY)
# Registrations that arrive this way are read, but a person confirms them.
_SUSPECT = ("list mail", "marked as spam")
# Notes are shown to staff, so their reasons are Polish (the codes above stay English).
_SUSPECT_PL = {"list mail": "w poczcie z listy mailingowej",
               "marked as spam": "w wiadomości oznaczonej jako spam"}
_ROBOT_PL = {Kind.BOUNCE: "zwrot (niedoręczenie)", Kind.AUTO_REPLY: "odpowiedź automatyczna"}


def extract(parsed: ParsedMail, *, office_addresses: frozenset[str] = frozenset()) -> Extraction:
    """Everything mailbot reads from one message, with a confidence and reason per field."""
    verdict = classify(parsed, office_addresses)
    signals = list(verdict.signals)
    reasons = verdict.no_answer_reasons
    doc = prepare(parsed)
    if verdict.kind in _ROBOT_KINDS:
        reading = read_contact(parsed, doc, robot=True)
        note = FieldNote("kind", 0.95,
                         f"{_ROBOT_PL[verdict.kind]}: rozpoznano po nagłówkach lub treści")
        return Extraction(verdict.kind, contact=reading.contact, notes=(note,),
                          signals=tuple(signals), no_answer_reasons=reasons)
    unreadable = unreadable_reason(parsed, doc)
    if unreadable:
        contact = read_contact(parsed, doc, robot=True).contact
        return Extraction(Kind.OTHER, contact=Contact(contact.name, contact.email, None),
                          notes=(FieldNote("kind", 0.3, unreadable),),
                          signals=(*signals, "text:unreadable"), readable=False,
                          no_answer_reasons=reasons)
    writer = forwarded_writer(doc, office_addresses)
    reading = forward_contact(read_contact(parsed, doc, robot=False), writer, office_addresses)
    lines = list(doc.lines)
    form_fields = find_fields(lines)
    form_tables = find_tables(lines)
    people = find_people(doc, form_fields, form_tables, reading.sender, office_addresses, writer)
    suspect = [r for r in reasons if r in _SUSPECT]
    kind_reading = read_kind(doc.own_lines + doc.lines[doc.own_end:], parsed.subject,
                             registers=people.cue, named=bool(people.attendees),
                             self_registered=people.self_registered, form=people.form,
                             list_mail=bool(suspect))
    kind = kind_reading.kind
    signals.extend(kind_reading.signals)
    notes: list[FieldNote] = [FieldNote("kind", kind_reading.confidence, kind_reading.reason)]
    displays = [reading.display, parsed.from_name]
    guess = choose(candidates(lines, form_fields, parsed.subject, displays))
    ids = find_ids("\n".join(lines))
    contact = reading.contact
    attendees: tuple[Person, ...] = ()
    areas: tuple[str, ...] = ()
    if kind is Kind.REGISTRATION:
        attendees = people.attendees
        notes.extend(people.notes)
        # The registry drops these people from the organisation's registration.
        signals.extend(f"replaces:{name}"
                       for name in withdrawn_people(doc, attendees, reading.sender.name))
        if suspect:
            notes.append(FieldNote("kind", 0.3,
                                   "zgłoszenie " + " / ".join(_SUSPECT_PL[r] for r in suspect)))
    if kind in (Kind.REGISTRATION, Kind.QUESTION):
        areas = find_areas(lines, form_fields, guess.name if guess else None)
    if contact.phone is None and contact.name:
        # The writer's phone may be on their own attendee line ("Halina Stępień - prezes, tel. …").
        own = next((p.phone for p in people.attendees if p.name == contact.name and p.phone), None)
        contact = Contact(contact.name, contact.email, own)
    notes.extend(reading.notes)
    if guess is not None:
        notes.append(FieldNote("organisation", guess.confidence, guess.reason))
    notes.extend(ids.notes)
    organisation = Organisation(guess.name if guess else None, ids.krs, ids.nip, ids.regon)
    return Extraction(kind, organisation=organisation, attendees=attendees, contact=contact,
                      areas=areas, notes=tuple(notes), signals=tuple(signals),
                      no_answer_reasons=reasons)
