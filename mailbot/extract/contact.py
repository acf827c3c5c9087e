"""Who to answer: Reply-To else From; the writer's name and own phone (never the office's)."""

from __future__ import annotations

import email.utils
from dataclasses import dataclass

from mailbot.extract.names import person_display_name
from mailbot.extract.people import SenderFacts
from mailbot.extract.phones import is_office_email, normalise_email
from mailbot.extract.sender import Signature, contact_line_phone, read_signature
from mailbot.extract.textprep import Doc, fold
from mailbot.models import Contact, FieldNote, ParsedMail


@dataclass(frozen=True)
class ContactReading:
    contact: Contact
    sender: SenderFacts
    signature: Signature
    display: str | None
    notes: tuple[FieldNote, ...]


def _display(parsed: ParsedMail) -> str | None:
    """The display name that goes with the reply address."""
    if parsed.reply_to:
        raw = parsed.header("Reply-To") or ""
        name, address = email.utils.parseaddr(raw)
        return (name.strip() or None) if address else None
    return (parsed.from_name or "").strip() or None


def _plain_display(display: str | None) -> str | None:
    """A non-person display name worth showing ('Mail Delivery System'), not a bare local part."""
    if not display or "@" in display or ("." in display and " " not in display):
        return None
    return " ".join(display.split())[:120]


def contact_address(parsed: ParsedMail) -> str | None:
    raw = parsed.reply_to or parsed.from_addr
    if not raw:
        return None
    return normalise_email(raw) or raw.strip()


def forwarded_writer(doc: Doc, office: frozenset[str] = frozenset()) -> SenderFacts | None:
    """Who wrote the forwarded message ('Od: Robert Sikora <r.sikora@…>'), never the office."""
    if not doc.forward_senders:
        return None
    display, raw = email.utils.parseaddr(doc.forward_senders[0])
    address = normalise_email(raw) if raw else None
    if address is None or is_office_email(address, office):
        return None
    person = person_display_name(display.strip() or None)
    signature = read_signature(doc.forward_lines, person)
    name = person or signature.name
    if name is None:
        return None
    same = signature.name is None or fold(signature.name) == fold(name)
    phone = (signature.phone if same else None) or contact_line_phone(doc.forward_lines)
    return SenderFacts(name, signature.role if same else None, address, phone)


def read_contact(parsed: ParsedMail, doc: Doc, *, robot: bool) -> ContactReading:
    """The contact object and what we know of the writer (for self-registration)."""
    address = contact_address(parsed)
    display = _display(parsed)
    person = person_display_name(display)
    notes: list[FieldNote] = []
    if robot:
        signature = Signature(None, None, None, (), "wiadomość automatyczna")
        name = person or _plain_display(display)
        return ContactReading(Contact(name, address, None), SenderFacts(None, None, address, None),
                              signature, display, ())
    signature = read_signature(doc.own_lines, person)
    # The contract: the display name if it is a person, else the person who signs.
    name = person or signature.name
    same = signature.name is None or fold(signature.name) == fold(name or "")
    phone = (signature.phone if same else None) or contact_line_phone(doc.own_lines)
    if person:
        notes.append(FieldNote("contact", 0.9, "nazwa wyświetlana adresu zwrotnego to osoba"))
    elif signature.name:
        notes.append(FieldNote("contact", 0.85, f"podpis: {signature.name} ({signature.reason})"))
    if phone:
        notes.append(FieldNote("contact phone", 0.9, "własny numer nadawcy"))
    contact = Contact(name or _plain_display(display), address, phone)
    sender = SenderFacts(name, signature.role, address, phone)
    return ContactReading(contact, sender, signature, display, tuple(notes))


def forward_contact(reading: ContactReading, writer: SenderFacts | None,
                    office: frozenset[str]) -> ContactReading:
    """The forwarded message's writer answers for a forward sent from the office's own address.

    The contract's contact is Reply-To else From, and never the office's own address: when an
    office clerk forwards a registration, the registrant (the forwarded writer) gets the answer.
    A forward by anyone else keeps its sender as the contact (devset: a member forwarding).
    """
    address = reading.contact.email
    if writer is None or writer.email is None or address is None \
            or not is_office_email(address, office):
        return reading
    contact = Contact(writer.name, writer.email, writer.phone)
    note = FieldNote("contact", 0.7, "przekazane z naszego adresu: kontakt to autor "
                     "przekazanej wiadomości")
    return ContactReading(contact, reading.sender, reading.signature, reading.display,
                          (note,))
