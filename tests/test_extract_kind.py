"""The kind of a message from its text (and the classifier's robot verdict) and readability."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from extract_support import RECEIVED, mail, run

from mailbot.decide import decide
from mailbot.extract import extract
from mailbot.models import Action, Kind

DEADLINE = datetime(2014, 3, 5, 23, 59, 59, tzinfo=ZoneInfo("Europe/Warsaw"))


@pytest.mark.parametrize("text", [
    "Dzień dobry, zgłaszam Pana Jana Kowalskiego na konferencję. Fundacja Dobre Serce",
    "Dzien dobry, zglaszam udzial pana Jana Kowalskiego. Fundacja Dobre Serce",
    "Przesyłam poprawione zgłoszenie: Imię i nazwisko: Jan Kowalski",
    "Chciałbym zapisać się na konferencję 7 marca. Proszę o potwierdzenie.",
    "Hello, I would like to register myself for the conference. Jan Kowalski",
])
def test_registration(text: str) -> None:
    assert run(text).kind is Kind.REGISTRATION


@pytest.mark.parametrize("text", [
    "Niestety rezygnujemy z udziału w konferencji. Fundacja Dobre Serce",
    "Dzień dobry, niestety nie weźmiemy udziału w konferencji 7 marca.",
    "Dzien dobry, niestety nie wezme dzis udzialu w konferencji. Przepraszam.",
    "Musimy odwołać nasze zgłoszenie – nikt z Fundacji Lepsze Jutro nie przyjdzie.",
    "Prosimy o wykreślenie z listy uczestników Pana Adama Kota.",
    "We have to cancel our registration for the conference, sorry.",
])
def test_cancellation(text: str) -> None:
    assert run(text).kind is Kind.CANCELLATION


@pytest.mark.parametrize("text", [
    "Czy z jednej organizacji można zgłosić cztery osoby na konferencję?",
    "Nasza fundacja chciałaby wziąć udział w konferencji. Gdzie się odbędzie?",
    "Czy mogę jeszcze zrezygnować z udziału w konferencji?",
    # A partial cancellation is left to staff.
    "Pan Adam Bąk nie weźmie udziału w konferencji, pozostałe osoby bez zmian.",
])
def test_question(text: str) -> None:
    assert run(text).kind is Kind.QUESTION


@pytest.mark.parametrize("text", [
    "Twoja skrzynka pocztowa przekroczyła limit. Kliknij tutaj, aby ją zweryfikować.",
    "Dziękuję za informację, pozdrawiam serdecznie!",
    "",
])
def test_other(text: str) -> None:
    result = run(text, subject="Informacja")
    assert result.kind is Kind.OTHER
    assert result.readable


@pytest.mark.parametrize("text", [
    "Dziękuję za potwierdzenie udziału w konferencji, do zobaczenia 7 marca!",
    "Niestety nie chcemy już uczestniczyć w wydarzeniach miasta.",
])
def test_human_mail_about_the_event_that_registers_nobody_goes_to_staff(text: str) -> None:
    result = run(text, from_name=None, from_addr="someone@example.org")
    assert result.kind in (Kind.QUESTION, Kind.REGISTRATION)
    assert result.attendees == ()


@pytest.mark.parametrize("text", [
    "Dzień dobry,\nbardzo chcielibyśmy uczestniczyć w marcowej konferencji.\nPozdrawiam",
    "Chcemy się zarejestrować na konferencję dla organizacji pozarządowych.",
    "Uprzejmie prosimy o zarejestrowanie naszego stowarzyszenia na konferencję.",
    "Nasze koło chciałoby również wziąć udział w konferencji 7 marca.",
    "Pragniemy zgłosić nasz udział w konferencji.",
    "Wyrażamy chęć udziału w konferencji, dane uczestników prześlemy.",
    "Planujemy przyjść na konferencję w komplecie.",
])
def test_intent_to_attend_with_nobody_named_is_a_registration_for_review(text: str) -> None:
    result = run(text, from_name=None, from_addr="biuro@example.org")
    assert result.kind is Kind.REGISTRATION
    assert result.attendees == ()
    decision = decide(result, RECEIVED, "received", DEADLINE)
    assert decision.action is Action.REVIEW
    assert decision.reasons == ("zgłoszenie bez organizacji i nazwisk uczestników",)


def test_we_intend_to_attend_does_not_make_the_named_writer_an_attendee() -> None:
    result = run("Dzień dobry, chcielibyśmy się zapisać na konferencję.\nPozdrawiam\nMarek Wójcik",
                 from_name="Marek Wójcik", from_addr="marek@example.org")
    assert result.kind is Kind.REGISTRATION
    assert result.attendees == ()


def test_i_would_like_to_sign_up_registers_the_writer() -> None:
    result = run("Dzień dobry, chciałabym się zapisać na konferencję.\nZofia Nowicka",
                 from_name="Zofia Nowicka", from_addr="zofia@example.org")
    assert result.kind is Kind.REGISTRATION
    assert [p.name for p in result.attendees] == ["Zofia Nowicka"]


@pytest.mark.parametrize("text", [
    "Czy można jeszcze zapisać się na konferencję?",
    "Dzień dobry, czy mogę zgłosić dwie osoby z jednego stowarzyszenia?",
    "Chcielibyśmy wziąć udział. Do kiedy trzeba przesłać zgłoszenie?",
    "Czy moglibyśmy zarejestrować się na miejscu, w dniu konferencji?",
])
def test_a_question_about_registering_stays_a_question(text: str) -> None:
    result = run(text, from_name=None, from_addr="biuro@example.org")
    assert result.kind is Kind.QUESTION
    assert result.attendees == ()


def test_newsletter_unsubscribe_is_not_a_cancellation() -> None:
    result = run("7 marca – konferencja dla organizacji. Aby zrezygnować z subskrypcji, kliknij.",
                 headers=(("List-Unsubscribe", "<http://x.example/u>"),
                          ("Precedence", "bulk")))
    assert result.kind is Kind.OTHER


def test_registration_in_list_mail_goes_to_review() -> None:
    result = run("Zgłaszam Pana Jana Kowalskiego. Fundacja Dobre Serce",
                 headers=(("List-Id", "<ngo.lists.example>"),))
    assert result.kind is Kind.REGISTRATION
    assert any(n.field == "kind" for n in result.low_confidence)


def test_registering_and_withdrawing_without_replacement_goes_to_review() -> None:
    result = run("Zgłaszam Pana Jana Kowalskiego. Pani Anna Nowak nie weźmie udziału. "
                 "Fundacja Dobre Serce")
    assert result.kind is Kind.REGISTRATION
    assert [n.field for n in result.low_confidence] == ["kind"]


def test_robot_kind_from_the_classifier_wins() -> None:
    parsed = mail("Zgłaszam Pana Jana Kowalskiego. Fundacja Dobre Serce",
                  headers=(("Auto-Submitted", "auto-replied"),))
    result = extract(parsed)
    assert result.kind is Kind.AUTO_REPLY
    assert result.attendees == ()
    assert "header:auto-submitted=auto-replied" in result.signals


def test_mojibake_is_unreadable() -> None:
    result = run("äĎÂŇÉĘ ÄĹÎŘ!\nîÁÄÓÉĚÁŔ ŇÁČŐÎĎË ÚÁ ĎŇĹÎÄŐ ÚÁĚŐ ÚÁ ĚŔÔÉĘ 2014 Ň.")
    assert result.kind is Kind.OTHER
    assert not result.readable


def test_foreign_script_is_unreadable_for_the_office() -> None:
    result = run("Добрий день! Надсилаю рахунок за оренду залу за лютий 2014 р.")
    assert not result.readable
