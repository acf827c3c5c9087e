"""RegistrationIndex gives planning the same answers as a plain list of registrations."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.models import Contact, Organisation, Person
from mailbot.registry import Registration, RegistrationIndex, find_match, places_taken

NAMES = ["Fundacja Zielony Kraków", "fundacja zielony krakow", "Stowarzyszenie Razem",
         "Klub Seniora", "", None]
NUMBERS = [None, "0000123456", "0000654321"]


def registration(reg_id: int, name: str | None, krs: str | None, nip: str | None,
                 status: str, people: int) -> Registration:
    return Registration(
        id=reg_id, organisation=Organisation(name, krs, nip, None), status=status, source="email",
        contact=Contact(None, None, None), areas=(),
        attendees=tuple(Person(f"Osoba {i}", None, None, None) for i in range(people)))


registrations = st.lists(
    st.tuples(st.sampled_from(NAMES), st.sampled_from(NUMBERS), st.sampled_from(NUMBERS),
              st.sampled_from(["confirmed", "waitlist", "cancelled"]), st.integers(0, 4)),
    max_size=12)
organisations = st.builds(Organisation, st.sampled_from(NAMES), st.sampled_from(NUMBERS),
                          st.sampled_from(NUMBERS), st.none())


@settings(max_examples=300, deadline=None)
@given(registrations, registrations, organisations, st.integers(0, 30))
def test_index_answers_like_the_list(first: list, updates: list, org: Organisation,
                                     exclude: int) -> None:
    regs = {i + 1: registration(i + 1, *row) for i, row in enumerate(first)}
    index = RegistrationIndex(regs.values())
    # Rewrite some registrations in place (as save_registration does), then add new ones.
    for i, row in enumerate(updates):
        reg_id = i % 20 + 1
        regs[reg_id] = registration(reg_id, *row)
        index.put(regs[reg_id])
    plain = [regs[i] for i in sorted(regs)]
    assert list(index) == plain
    assert len(index) == len(plain)
    assert find_match(index, org) == find_match(plain, org)
    assert places_taken(index, exclude) == places_taken(plain, exclude)
    assert places_taken(index) == places_taken(plain)


def test_an_update_keeps_the_order_and_moves_the_keys() -> None:
    a = registration(1, "Klub Seniora", None, None, "confirmed", 2)
    b = registration(2, "Stowarzyszenie Razem", "0000123456", None, "confirmed", 3)
    index = RegistrationIndex([a, b])
    renamed = replace(a, organisation=Organisation("Fundacja Zielony Kraków", None, None, None),
                      status="cancelled")
    index.put(renamed)
    assert list(index) == [renamed, b]
    assert find_match(index, Organisation("Klub Seniora", None, None, None)) is None
    assert find_match(index, Organisation("FUNDACJA ZIELONY KRAKOW", None, None, None)) == renamed
    assert places_taken(index) == 3
    assert index[1] == b


def test_registrations_put_out_of_id_order_are_listed_by_id() -> None:
    late = registration(7, "Klub Seniora", None, None, "waitlist", 1)
    early = registration(3, "Klub Seniora", None, None, "confirmed", 1)
    index = RegistrationIndex([late, early])
    assert list(index) == [early, late]
    assert find_match(index, Organisation("klub seniora", None, None, None)) == early


def test_the_stores_planning_view_answers_like_every_registration(tmp_path) -> None:
    from datetime import UTC, datetime
    from pathlib import Path

    from mailbot.store import Store

    store = Store(Path(tmp_path) / "db.sqlite")
    now = datetime(2014, 3, 3, 12, tzinfo=UTC)
    rows = [
        ("Fundacja Zielony Kraków", "0000123456", "confirmed", "a@ngo.pl", 2),
        ("Stowarzyszenie Razem", None, "confirmed", "b@ngo.pl", 3),
        ("Klub Seniora", None, "waitlist", "c@ngo.pl", 1),
        ("Fundacja Zielony Krakow", None, "cancelled", "A@NGO.PL", 4),
        ("Towarzystwo Bezpieczna Wspólnota", None, "waitlist", "d@ngo.pl", 2),
    ]
    with store.transaction() as db:
        for name, krs, status, email, people in rows:
            reg = registration(0, name, krs, None, status, people)
            reg = replace(reg, id=None, contact=Contact(None, email, None))
            store.save_registration(db, reg, now=now, actor="test", action="add")
    everything = store.registrations()
    probes = [Organisation("FUNDACJA ZIELONY KRAKÓW", None, None, None),
              Organisation(None, "0000123456", None, None),
              Organisation("Klub Seniora", None, None, None),
              Organisation("Nieznana Fundacja", None, None, None)]
    for org in probes:
        for email in (None, "a@ngo.pl", "zzz@ngo.pl"):
            view = store.planning_registrations(org, email, waiting=True, places=True)
            match = find_match(view, org)
            assert match == find_match(everything, org)
            # Planning leaves out the registration it places: the match, or a new one.
            for exclude in (None, match.id if match else None):
                assert places_taken(view, exclude) == places_taken(everything, exclude)
            same = [r for r in everything if email and r.contact.email
                    and r.contact.email.lower() == email.lower()]
            assert all(r in list(view) for r in same)
            assert all(r in list(view) for r in everything if r.status == "waitlist")
    assert places_taken(everything) == store.places_taken() == 5
