"""The contract decision and the answer gate: deadline boundary, kinds, caps, backlog."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from mailbot.decide import AnswerFacts, decide, gate, received_time
from mailbot.models import Action, Contact, Extraction, FieldNote, Kind, Organisation, ParsedMail, Person

WARSAW = ZoneInfo("Europe/Warsaw")
DEADLINE = datetime(2014, 3, 5, 23, 59, 59, tzinfo=WARSAW)
GOOD = Extraction(kind=Kind.REGISTRATION, organisation=Organisation("Fundacja X"),
                  attendees=(Person("Jan Kowalski"),), contact=Contact("Jan", "jan@x.pl"))


def at(*args: int, tz: object = WARSAW) -> datetime:
    return datetime(*args, tzinfo=tz)  # type: ignore[arg-type, misc]


@pytest.mark.parametrize(("moment", "action"), [
    (at(2014, 3, 5, 23, 59, 59), Action.CONFIRM),
    (at(2014, 3, 6, 0, 0, 0), Action.REFUSE_LATE),
    # 22:59:59 UTC is 23:59:59 in Warsaw (CET, +01:00): still on time.
    (at(2014, 3, 5, 22, 59, 59, tz=UTC), Action.CONFIRM),
    (at(2014, 3, 5, 23, 0, 0, tz=UTC), Action.REFUSE_LATE),
])
def test_deadline_boundary(moment: datetime, action: Action) -> None:
    assert decide(GOOD, moment, "received_header", DEADLINE).action is action


def test_deadline_across_dst() -> None:
    # A deadline in summer time (CEST, +02:00) is judged in local time too.
    summer = datetime(2014, 4, 2, 23, 59, 59, tzinfo=WARSAW)
    assert summer.utcoffset().total_seconds() == 7200  # type: ignore[union-attr]
    assert decide(GOOD, at(2014, 4, 2, 21, 59, 59, tz=UTC), "x", summer).action is Action.CONFIRM
    assert decide(GOOD, at(2014, 4, 2, 22, 0, 0, tz=UTC), "x", summer).action is Action.REFUSE_LATE


def test_kinds_map_to_actions() -> None:
    t = at(2014, 3, 1, 12, 0, 0)
    assert decide(Extraction(Kind.AUTO_REPLY), t, "x", DEADLINE).action is Action.IGNORE
    assert decide(Extraction(Kind.BOUNCE), t, "x", DEADLINE).action is Action.IGNORE
    assert decide(Extraction(Kind.OTHER), t, "x", DEADLINE).action is Action.IGNORE
    assert decide(Extraction(Kind.OTHER, readable=False), t, "x", DEADLINE).action is Action.REVIEW
    assert decide(Extraction(Kind.QUESTION), t, "x", DEADLINE).action is Action.REVIEW
    late = at(2014, 3, 9, 12, 0, 0)
    assert decide(Extraction(Kind.CANCELLATION), late, "x", DEADLINE).action is Action.CANCEL
    no_people = Extraction(Kind.REGISTRATION, organisation=Organisation("F"))
    assert decide(no_people, t, "x", DEADLINE).action is Action.REVIEW
    unsure = Extraction(Kind.REGISTRATION, organisation=Organisation("F"),
                        attendees=(Person("A B"),),
                        notes=(FieldNote("attendees", 0.3, "nazwisko spoza słownika"),
                               FieldNote("attendee A B", 0.45, "imię spoza słownika"),
                               FieldNote("contact phone", 0.4, "własny numer nadawcy")))
    decision = decide(unsure, t, "x", DEADLINE)
    assert decision.action is Action.REVIEW
    # Staff read the field codes as Polish labels.
    assert decision.reasons == ("niepewne pole uczestnicy: nazwisko spoza słownika",
                                "niepewne pole uczestnik A B: imię spoza słownika",
                                "niepewne pole telefon kontaktowy: własny numer nadawcy")


def test_robot_registration_is_not_answered() -> None:
    listed = Extraction(**{**GOOD.__dict__, "no_answer_reasons": ("list mail",)})
    decision = decide(listed, at(2014, 3, 1, 12, 0, 0), "x", DEADLINE)
    assert decision.action is Action.CONFIRM
    assert decision.answer is False


def test_received_time_prefers_internaldate_then_received_then_date() -> None:
    def mail(received: datetime | None, date: datetime | None) -> ParsedMail:
        return ParsedMail(None, "", None, None, None, (), date, received, (), "")

    r, d, i = at(2014, 3, 5, 10, 0, 0), at(2014, 3, 1, 0, 0, 0), at(2014, 3, 6, 1, 0, 0)
    assert received_time(mail(r, d), i) == (i, "internaldate")
    assert received_time(mail(r, d), None) == (r, "received_header")
    assert received_time(mail(None, d), None) == (d, "date_header")
    assert received_time(mail(None, None), None) == (None, "unknown")


def test_gate_holds_answers() -> None:
    decision = decide(GOOD, at(2014, 3, 1, 12, 0, 0), "x", DEADLINE)
    assert decision.answer
    kw = {"per_address_per_day": 3, "per_hour": 10}
    assert gate(decision, AnswerFacts(), **kw).answer
    for facts in (AnswerFacts(backlog=True), AnswerFacts(answers_to_address_last_day=3),
                  AnswerFacts(answers_last_hour=10), AnswerFacts(already_answered=True)):
        held = gate(decision, facts, **kw)
        assert held.answer is False
        assert held.action is Action.CONFIRM
        assert held.reasons[-1].startswith("bez automatycznej odpowiedzi")
