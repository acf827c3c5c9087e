"""Registration rules: matching, merging later mail, capacity, waiting list, cancellation plans."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from mailbot.models import Action, Contact, Decision, Extraction, Kind, Organisation, Person
from mailbot.plan import plan_message
from mailbot.registry import Capacity, Registration, find_match, merge, next_from_waitlist, org_key, place

T = datetime(2014, 3, 1, 12, 0, tzinfo=ZoneInfo("Europe/Warsaw"))


def reg(rid: int, name: str, people: int = 1, status: str = "confirmed", **org: str) -> Registration:
    return Registration(rid, Organisation(name, **org), status, "email",
                        Contact("K", f"k{rid}@x.pl"), (),
                        tuple(Person(f"Osoba{rid}{i} Nazwisko") for i in range(people)))


def test_org_key_ignores_case_quotes_accents() -> None:
    assert org_key("Stowarzyszenie „Rampa”") == org_key('stowarzyszenie "RAMPA"')
    assert org_key("Fundacja Zielony Zakątek") == org_key("fundacja zielony zakatek")


def test_match_by_krs_then_nip_then_name() -> None:
    regs = [reg(1, "Fundacja A", krs="0000123456"), reg(2, "Fundacja B", nip="6761013717"),
            reg(3, "Fundacja C")]
    assert find_match(regs, Organisation("Inna nazwa", krs="0000123456")).id == 1  # type: ignore[union-attr]
    assert find_match(regs, Organisation("Fundacja A", nip="6761013717")).id == 2  # type: ignore[union-attr]
    assert find_match(regs, Organisation("FUNDACJA C")).id == 3  # type: ignore[union-attr]
    assert find_match(regs, Organisation("Fundacja D")) is None


def test_merge_adds_updates_and_replaces() -> None:
    existing = Registration(1, Organisation("F"), "confirmed", "email", Contact(), (),
                            (Person("Jan Kowalski"), Person("Anna Nowak")))
    merged, changes = merge(existing, Organisation("F", krs="0000000001"),
                            [Person("Ewa Mazur"), Person("Jan Kowalski", role="prezes")],
                            Contact(email="a@b.pl"), ["culture"], replaces=["Anna Nowak"])
    assert [p.name for p in merged.attendees] == ["Jan Kowalski", "Ewa Mazur"]
    assert merged.attendees[0].role == "prezes"
    assert merged.organisation.krs == "0000000001"
    assert any("Anna Nowak" in c for c in changes)
    assert any("Ewa Mazur" in c for c in changes)


def test_capacity_and_waiting_list() -> None:
    cap = Capacity(total=3)
    others = [reg(1, "A", 2)]
    placed, _ = place(reg(None, "B", 1), others, cap)  # type: ignore[arg-type]
    assert placed.status == "confirmed"
    placed, _ = place(reg(None, "C", 2), [*others, reg(2, "B", 1)], cap)  # type: ignore[arg-type]
    assert placed.status == "waitlist"
    limited, over = place(reg(None, "D", 3), [], Capacity(per_organisation=2))  # type: ignore[arg-type]
    assert len(limited.attendees) == 2
    assert len(over) == 1
    regs = [reg(1, "A", 2, status="cancelled"), reg(2, "B", 1), reg(3, "C", 2, status="waitlist"),
            reg(4, "D", 1, status="waitlist")]
    assert next_from_waitlist(regs, [3, 4], cap) == [3]


def test_cancellation_promotes_from_waitlist_and_answers() -> None:
    regs = [reg(1, "A", 2), reg(2, "B", 1, status="waitlist")]
    extraction = Extraction(Kind.CANCELLATION, organisation=Organisation("A"),
                            contact=Contact("K", "k1@x.pl"))
    decision = Decision(Action.CANCEL, (), T, "x", answer=True)
    plan = plan_message(9, extraction, decision, regs, [2], Capacity(total=2))
    assert [(w.registration.id, w.registration.status) for w in plan.writes] == [
        (1, "cancelled"), (2, "confirmed")]
    assert [a.kind for a in plan.answers] == ["cancellation", "promotion"]
    assert plan.answers[1].to_addr == "k2@x.pl"


def test_registration_plan_without_answer_still_registers() -> None:
    extraction = Extraction(Kind.REGISTRATION, organisation=Organisation("Nowa"),
                            attendees=(Person("Jan Kowalski"),), contact=Contact(email="j@x.pl"))
    decision = Decision(Action.CONFIRM, (), T, "x", answer=False)
    plan = plan_message(5, extraction, decision, [], [], Capacity())
    assert plan.state == "processed"
    assert len(plan.writes) == 1
    assert plan.answers == ()
    answered = plan_message(5, extraction, Decision(Action.CONFIRM, (), T, "x", answer=True),
                            [], [], Capacity())
    assert answered.answers[0].key == "m5-confirmation"
