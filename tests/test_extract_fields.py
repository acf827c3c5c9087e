"""Organisation, ids, contact and areas: nominative names, checksums, the office excluded."""

from __future__ import annotations

import pytest
from extract_support import run

from mailbot.extract.ids import find_ids
from mailbot.extract.orgnames import mentions
from mailbot.extract.phones import normalise_phone, phones_in


@pytest.mark.parametrize(("line", "expected"), [
    ("w imieniu „Fundacji Srebrny Wiek” zgłaszam", "Fundacja Srebrny Wiek"),
    ("Reprezentuję Fundację Zielony Zakątek – zajmujemy się", "Fundacja Zielony Zakątek"),
    ("przedstawicieli Stowarzyszenia Nowohuckie Forum Sąsiedzkie:",
     "Stowarzyszenie Nowohuckie Forum Sąsiedzkie"),
    ("dwóch osób ze Stowarzyszenia Turystycznego Beskidnik:", "Stowarzyszenie Turystyczne Beskidnik"),
    ('w imieniu "Spółdzielni Socjalnej Smaki Podgórza" zgłaszam',
     "Spółdzielnia Socjalna Smaki Podgórza"),
    ("zgłoszenie Uczniowskiego Klubu Sportowego Orlik", "Uczniowski Klub Sportowy Orlik"),
    ("z Małopolskiego Oddziału Stowarzyszenia Trenerów", "Małopolski Oddział Stowarzyszenia Trenerów"),
    ("zgłoszenie Towarzystwa Miłośników Zabłocia", "Towarzystwo Miłośników Zabłocia"),
    # inner quotes stay, wrapping quotes go
    ("Stowarzyszenie Rodziców i Przyjaciół Dzieci „Bliżej Siebie” zgłasza",
     "Stowarzyszenie Rodziców i Przyjaciół Dzieci „Bliżej Siebie”"),
    # spelled as written: no diacritics added, capitals kept
    ("ze Spoldzielni Socjalnej Smaki Podgorza", "Spoldzielnia Socjalna Smaki Podgorza"),
    ("FUNDACJI ZIELONY ZAKATEK", "FUNDACJA ZIELONY ZAKATEK"),
    ("Fundacja im. Brata Alberta w Krakowie zgłasza", "Fundacja im. Brata Alberta w Krakowie"),
])
def test_organisation_head_in_the_nominative(line: str, expected: str) -> None:
    assert [m.name for m in mentions(line)] == [expected]


def test_a_head_word_alone_is_not_a_name() -> None:
    assert mentions("Fundacja działa na rzecz osób starszych.") == []


def test_organisation_from_form_field_beats_signature() -> None:
    result = run("Nazwa organizacji: Fundacja Wspierania Przedsiębiorczości Lokalnej\n"
                 "Imię i nazwisko: Tomasz Zawada\n\nPozdrawiam\nTomasz Zawada\n-- \n"
                 "Fundacja Wspierania Przedsiębiorczości Lokalnej\nul. Rakowicka 14/7, Kraków")
    assert result.organisation.name == "Fundacja Wspierania Przedsiębiorczości Lokalnej"


def test_display_name_is_used_when_the_text_names_no_organisation() -> None:
    result = run("Zgłaszam Pana Adama Kota.", from_name="Fundacja Teatralna Scena Podgórze",
                 from_addr="biuro@scena.pl")
    assert result.organisation.name == "Fundacja Teatralna Scena Podgórze"


def test_never_the_office_or_the_conference() -> None:
    result = run("Zgłaszam Pana Adama Kota na konferencję „Wspólnie dla Krakowa” "
                 "organizowaną przez Urząd Miasta Krakowa.")
    assert result.organisation.name is None


def test_informal_group_named_in_quotes() -> None:
    result = run("Jestem członkiem nieformalnej grupy sąsiedzkiej „Sąsiedzi z Ludwinowa”. "
                 "Czy możemy wziąć udział w konferencji?")
    assert result.organisation.name == "Sąsiedzi z Ludwinowa"


@pytest.mark.parametrize(("text", "krs", "nip", "regon"), [
    ("KRS 0000284173 | NIP 678-30-12-346 | REGON 120512342", "0000284173", "6783012346",
     "120512342"),
    ("KRS 412877", "0000412877", None, None),
    ("NIP PL6793108527, KRS 0000389462", "0000389462", "6793108527", None),
    ("REGON: 35650213100021", None, None, "35650213100021"),
    ("NIP: 677 23 18 461", None, "6772318461", None),
    ("wniosek do KRS złożyliśmy w styczniu", None, None, None),
])
def test_ids(text: str, krs: str | None, nip: str | None, regon: str | None) -> None:
    found = find_ids(text)
    assert (found.krs, found.nip, found.regon) == (krs, nip, regon)


def test_invalid_checksum_is_a_low_confidence_note_not_a_value() -> None:
    result = run("Zgłaszam Pana Adama Kota. Fundacja Dobre Serce, NIP: 676 101 37 18")
    assert result.organisation.nip is None
    assert [n.field for n in result.low_confidence] == ["nip"]


@pytest.mark.parametrize(("raw", "expected"), [
    ("605 118 274", "+48605118274"),
    ("(12) 644 21 37", "+48126442137"),
    ("0 12 656 44 10", "+48126564410"),
    ("0048 601 302 447", "+48601302447"),
    ("(0-12) 429 17 05", "+48124291705"),
    ("+48 (12) 266-30-18", "+48122663018"),
    ("12 616 78 00 wew. 123", "+48126167800"),
    ("123", None),
])
def test_phone_normalisation(raw: str, expected: str | None) -> None:
    assert normalise_phone(raw) == expected


def test_office_numbers_are_never_read() -> None:
    assert phones_in("tel. 12 616-78-00, faks 12 616-78-13") == []
    result = run("Zgłaszam Pana Adama Kota.\nPozdrawiam\nJan Kowalski\n"
                 "Informacji udziela MOWIS, tel. 12 616-78-00\nngo@um.krakow.pl")
    assert result.contact.phone is None


def test_contact_is_reply_to_with_its_own_name_and_phone() -> None:
    result = run("Zgłaszam udział Pani Marty Lis (prezes).\n\nZ poważaniem\nMarta Lis\n"
                 "prezes Stowarzyszenia Wiklina\nkom. 663-241-009",
                 from_name="Sekretariat Stowarzyszenia Wiklina",
                 from_addr="sekretariat@wiklina.org.pl", reply_to="marta.lis@o2.pl",
                 reply_to_name="Marta Lis")
    assert (result.contact.name, result.contact.email, result.contact.phone) == \
        ("Marta Lis", "marta.lis@o2.pl", "+48663241009")


def test_contact_name_is_null_when_nobody_signs() -> None:
    result = run("Stowarzyszenie Kraków na Kołach zgłasza udział dwóch osób (prezes zarządu "
                 "oraz koordynator wolontariuszy).\n\nZarząd Stowarzyszenia Kraków na Kołach",
                 from_name=None, from_addr="biuro@krakownakolach.org.pl")
    assert result.contact.name is None
    assert [p.role for p in result.attendees] == ["prezes zarządu", "koordynator wolontariuszy"]


def test_areas_from_the_organisations_own_statement_in_contract_order() -> None:
    result = run("Zgłaszam Pana Adama Kota.\nFundacja zajmuje się ochroną przyrody oraz "
                 "edukacją ekologiczną i kulturą.")
    assert result.areas == ("culture", "education", "environment")


def test_areas_never_from_the_name_or_the_beneficiaries() -> None:
    result = run("Stowarzyszenie Seniorów Dębniki Aktywnie zgłasza udział Pana Jana Kota.\n"
                 "Prowadzimy zajęcia sportowe dla seniorów.")
    assert result.areas == ("sport",)


def test_areas_form_field_and_other() -> None:
    result = run("Nazwa organizacji: Fundacja X Y\nImię i nazwisko: Jan Kot\n"
                 "Obszar działalności: przedsiębiorczość, inne")
    assert result.areas == ("entrepreneurship", "other")


def test_areas_never_from_a_quoted_notice() -> None:
    result = run("Zgłaszam Pana Adama Kota.\nFundacja Dobre Serce",
                 quoted="zapraszamy organizacje działające w obszarze kultury, sportu i zdrowia")
    assert result.areas == ()


def test_contact_name_is_the_display_person_and_not_another_signer() -> None:
    result = run("Zgłaszam Pana Adama Kota.\nPozdrawiam\nEwa Lis, asystentka\ntel. 600 100 200",
                 from_name="Jan Kowalski", from_addr="jan.kowalski@example.pl")
    # Ewa Lis's phone is hers, not the contact's.
    assert (result.contact.name, result.contact.phone) == ("Jan Kowalski", None)


def test_a_partner_organisation_is_not_the_senders() -> None:
    result = run("Zgłaszam Pana Jana Nowaka. Współpracujemy z Fundacją Bettera.\nPozdrawiam\n"
                 "Jan Kowalski\nStowarzyszenie Alfa Beta")
    assert result.organisation.name == "Stowarzyszenie Alfa Beta"
