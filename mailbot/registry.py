"""PURE registration rules: matching an organisation, merging a later mail, capacity and waiting list."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import overload

from mailbot.models import Contact, Organisation, Person

# Statuses a registration can have; only confirmed and waitlist hold (or wait for) places.
STATUSES = ("confirmed", "waitlist", "cancelled")
SOURCES = ("email", "fax", "desk", "phone")


@dataclass(frozen=True)
class Registration:
    """One organisation's registration as it now stands."""

    id: int | None
    organisation: Organisation
    status: str
    source: str
    contact: Contact
    areas: tuple[str, ...]
    attendees: tuple[Person, ...]


@dataclass(frozen=True)
class Capacity:
    """Places: 0 means unlimited."""

    total: int = 0
    per_organisation: int = 0


# Pure, and called for the same few names again and again (a message's organisation, the
# registration it matches); bounded so that a long backlog does not grow the process.
@functools.lru_cache(maxsize=2048)
def org_key(name: str | None) -> str:
    """A matching key for an organisation name: case, quotes, accents and spacing ignored."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c)).replace("ł", "l")
    text = re.sub(r"[„”\"'“‘’«»`]", "", text)
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def person_key(name: str | None) -> str:
    return " ".join(sorted(org_key(name).split()))


def _match_keys(org: Organisation) -> list[tuple[str, str]]:
    """What find_match compares, in its order: KRS, NIP, REGON, then the name's key."""
    keys = [(attr, value) for attr in ("krs", "nip", "regon") if (value := getattr(org, attr))]
    name = org_key(org.name)
    if name:
        keys.append(("name", name))
    return keys


class RegistrationIndex(Sequence[Registration]):
    """All registrations in id order, with the lookups planning makes for every message.

    find_match and places_taken over a plain list cost one pass over every registration per
    message, which made a 10,000-message backlog quadratic (bench/bench_backlog.py). The store
    keeps one of these up to date as it writes; the answers are the same as over the list.
    """

    def __init__(self, registrations: Iterable[Registration] = (), *,
                 places_taken: int | None = None) -> None:
        """`places_taken`: the places all confirmed registrations take, when this index holds
        only some of them (the store gives planning just the ones a message can touch)."""
        self._by_id: dict[int, Registration] = {}
        self._ids: dict[tuple[str, str], set[int]] = {}
        self._taken = 0
        self._in_order = True
        for reg in registrations:
            self.put(reg)
        # Places taken by confirmed registrations that are not in this index.
        self._outside = 0 if places_taken is None else places_taken - self._taken

    def with_registration(self, reg: Registration) -> RegistrationIndex:
        """A copy with `reg` put in (this index is left as it is)."""
        copy = RegistrationIndex(self._ordered())
        copy._outside = self._outside
        copy.put(reg)
        return copy

    def put(self, reg: Registration) -> None:
        """Add a registration, or replace the one with its id."""
        if reg.id is None:
            raise ValueError("only a stored registration (with an id) can be indexed")
        old = self._by_id.get(reg.id)
        if old is not None:
            self._forget(old)
        elif self._by_id and reg.id < next(reversed(self._by_id)):
            self._in_order = False
        self._by_id[reg.id] = reg
        for key in _match_keys(reg.organisation):
            self._ids.setdefault(key, set()).add(reg.id)
        if reg.status == "confirmed":
            self._taken += len(reg.attendees)

    def _forget(self, reg: Registration) -> None:
        for key in _match_keys(reg.organisation):
            ids = self._ids.get(key)
            if ids is not None:
                ids.discard(reg.id or 0)
                if not ids:
                    del self._ids[key]
        if reg.status == "confirmed":
            self._taken -= len(reg.attendees)

    def match(self, org: Organisation) -> Registration | None:
        """find_match's answer: the lowest id sharing the first of org's keys that any shares."""
        for key in _match_keys(org):
            ids = self._ids.get(key)
            if ids:
                return self._by_id[min(ids)]
        return None

    def taken(self, exclude: int | None = None) -> int:
        """places_taken's answer: attendees of confirmed registrations, but `exclude`'s
        (which must be in this index, as the registration being planned is)."""
        total = self._outside + self._taken
        skipped = self._by_id.get(exclude) if exclude is not None else None
        if skipped is not None and skipped.status == "confirmed":
            return total - len(skipped.attendees)
        return total

    def _ordered(self) -> list[Registration]:
        if self._in_order:
            return list(self._by_id.values())
        return [self._by_id[i] for i in sorted(self._by_id)]

    def __iter__(self) -> Iterator[Registration]:
        return iter(self._ordered())

    def __len__(self) -> int:
        return len(self._by_id)

    @overload
    def __getitem__(self, index: int) -> Registration: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Registration]: ...

    def __getitem__(self, index: int | slice) -> Registration | Sequence[Registration]:
        return self._ordered()[index]


def find_match(candidates: Sequence[Registration], org: Organisation) -> Registration | None:
    """The registration of the same organisation: by KRS, then NIP, then normalised name."""
    if isinstance(candidates, RegistrationIndex):
        return candidates.match(org)
    for attr in ("krs", "nip", "regon"):
        value = getattr(org, attr)
        if value:
            for reg in candidates:
                if getattr(reg.organisation, attr) == value:
                    return reg
    key = org_key(org.name)
    if key:
        for reg in candidates:
            if org_key(reg.organisation.name) == key:
                return reg
    return None


def merge(existing: Registration, org: Organisation, people: Sequence[Person],
          contact: Contact, areas: Sequence[str], *,
          replaces: Sequence[str] = ()) -> tuple[Registration, tuple[str, ...]]:
    """A later mail from the same organisation: add new people, update known ones, drop the
    ones it replaces, fill in missing details. Returns the new value and what changed."""
    changes: list[str] = []
    dropped = {person_key(n) for n in replaces}
    kept: list[Person] = []
    for person in existing.attendees:
        if person_key(person.name) in dropped:
            changes.append(f"usunięto: {person.name}")
        else:
            kept.append(person)
    index = {person_key(p.name): i for i, p in enumerate(kept) if p.name}
    for person in people:
        key = person_key(person.name)
        if key and key in index:
            old = kept[index[key]]
            new = Person(old.name, person.role or old.role, person.email or old.email,
                         person.phone or old.phone)
            if new != old:
                kept[index[key]] = new
                changes.append(f"zaktualizowano: {old.name}")
        elif person.name or person.role:
            kept.append(person)
            if key:
                index[key] = len(kept) - 1
            changes.append(f"dodano: {person.name or person.role}")
    old_org = existing.organisation
    new_org = Organisation(old_org.name or org.name, old_org.krs or org.krs,
                           old_org.nip or org.nip, old_org.regon or org.regon)
    if new_org != old_org:
        changes.append("uzupełniono dane organizacji")
    new_contact = Contact(contact.name or existing.contact.name,
                          contact.email or existing.contact.email,
                          contact.phone or existing.contact.phone)
    new_areas = tuple(dict.fromkeys((*existing.areas, *areas)))
    status = existing.status
    if status == "cancelled":
        status = "confirmed"
        changes.append("ponowne zgłoszenie po rezygnacji")
    return replace(existing, organisation=new_org, contact=new_contact, areas=new_areas,
                   attendees=tuple(kept), status=status), tuple(changes)


def with_registration(registrations: Sequence[Registration],
                      reg: Registration) -> Sequence[Registration]:
    """`registrations` with `reg` in place of the one with its id."""
    if isinstance(registrations, RegistrationIndex):
        return registrations.with_registration(reg)
    return [reg if r.id == reg.id else r for r in registrations]


def places_taken(registrations: Sequence[Registration], exclude: int | None = None) -> int:
    if isinstance(registrations, RegistrationIndex):
        return registrations.taken(exclude)
    return sum(len(r.attendees) for r in registrations
               if r.status == "confirmed" and r.id != exclude)


def place(registration: Registration, others: Sequence[Registration],
          capacity: Capacity) -> tuple[Registration, tuple[Person, ...]]:
    """Confirm or waitlist a registration given the places left; returns it and the people
    over the per-organisation limit (who are not registered)."""
    people = registration.attendees
    over: tuple[Person, ...] = ()
    if capacity.per_organisation and len(people) > capacity.per_organisation:
        people, over = people[:capacity.per_organisation], people[capacity.per_organisation:]
    status = registration.status
    if status != "cancelled" and capacity.total:
        free = capacity.total - places_taken(others, exclude=registration.id)
        if registration.status == "waitlist" or len(people) > free:
            status = "waitlist" if len(people) > free else "confirmed"
    elif status != "cancelled":
        status = "confirmed"
    return replace(registration, attendees=people, status=status), over


def next_from_waitlist(registrations: Sequence[Registration], waiting_order: Sequence[int],
                       capacity: Capacity) -> list[int]:
    """Ids of waiting registrations that now fit, first come first served."""
    if not capacity.total:
        return [rid for rid in waiting_order]
    by_id = {r.id: r for r in registrations}
    free = capacity.total - places_taken(registrations)
    promoted: list[int] = []
    for rid in waiting_order:
        reg = by_id.get(rid)
        if reg is None or reg.status != "waitlist":
            continue
        if len(reg.attendees) <= free:
            promoted.append(rid)
            free -= len(reg.attendees)
        else:
            break
    return promoted
