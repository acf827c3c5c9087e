"""Forwarded mail: the forwarded writer's own registration, and who is answered."""

from __future__ import annotations

import pytest
from extract_support import names, run

from mailbot.extract.sender import read_signature
from mailbot.models import Contact, Extraction, Kind, Person

FORWARD = ("Dzień dobry,\n{own}\n\nPozdrawiam\n{signer}\n\n"
           "---------- Wiadomość przekazana dalej ----------\n"
           "Od: {original}\nData: 3 marca 2014 09:41\nTemat: Konferencja 7 marca\n"
           "Do: {signer} <{forwarder}>\n\n{body}\n")
SELF_REGISTRATION = ("Dzień dobry, zgłaszam swój udział w konferencji 7 marca jako prezes "
                     "Towarzystwa Przyjaciół Olszy.\nLeszek Mróz tel. 608 251 730")
LESZEK = Person("Leszek Mróz", "prezes", "l.mroz@przyjacieleolszy.pl", "+48608251730")


def _forward(body: str, *, forwarder: str, signer: str = "Monika Bąk",
             original: str = "Leszek Mróz <l.mroz@przyjacieleolszy.pl>",
             own: str = "przesyłam zgłoszenie, które przyszło na mój adres.") -> Extraction:
    text = FORWARD.format(own=own, signer=signer, original=original, forwarder=forwarder,
                          body=body)
    return run(text, subject="Fwd: Konferencja 7 marca", from_name=signer, from_addr=forwarder)


def test_a_clerk_forwards_a_self_registration_and_the_registrant_is_answered() -> None:
    result = _forward(SELF_REGISTRATION, forwarder="monika.bak@um.krakow.pl")
    assert result.kind is Kind.REGISTRATION
    assert result.attendees == (LESZEK,)
    assert result.organisation.name == "Towarzystwo Przyjaciół Olszy"
    # The office's own address is never the contact: the registrant gets the confirmation.
    assert result.contact == Contact("Leszek Mróz", "l.mroz@przyjacieleolszy.pl", "+48608251730")


def test_a_member_forwarding_stays_the_contact_as_the_contract_says() -> None:
    # Reply-To else From: a forward by someone outside the office is answered to them (devset 022).
    result = _forward(SELF_REGISTRATION, forwarder="monika.bak@przyjacieleolszy.pl")
    assert result.attendees == (LESZEK,)
    assert result.contact.email == "monika.bak@przyjacieleolszy.pl"
    assert result.contact.name == "Monika Bąk"


def test_the_forwarded_writer_wants_to_attend_with_a_separate_signature() -> None:
    body = ("Szanowni Państwo,\nchciałabym wziąć udział w konferencji „Wspólnie dla Krakowa”.\n"
            "Reprezentuję Fundację Pod Wawelem.\n\nZ poważaniem\nAgata Sowa\nskarbnik\n"
            "tel. 697 003 118")
    result = _forward(body, forwarder="monika.bak@um.krakow.pl",
                      original="Agata Sowa <agata.sowa@wp.pl>")
    assert result.attendees == (
        Person("Agata Sowa", "skarbnik", "agata.sowa@wp.pl", "+48697003118"),)
    assert result.contact.email == "agata.sowa@wp.pl"


@pytest.mark.parametrize(("original", "body"), [
    # The office's own notice, forwarded: an invitation, not its writer registering.
    ("Biuro ds. organizacji pozarządowych <ngo@um.krakow.pl>",
     "Zapraszamy na konferencję „Wspólnie dla Krakowa”. Prosimy zapisać się do 5 marca."),
    # A third party's invitation: "zapisać się" addressed to readers.
    ("Ewa Lis <ewa.lis@centrumobywatelskie.pl>",
     "Zapraszamy na konferencję 7 marca. Prosimy zapisać się przez formularz.\nEwa Lis"),
])
def test_a_forwarded_invitation_does_not_make_its_writer_an_attendee(original: str,
                                                                      body: str) -> None:
    result = _forward(body, forwarder="monika.bak@przyjacieleolszy.pl", original=original,
                      own="przesyłam do wiadomości.")
    assert "Ewa Lis" not in names(result)
    assert result.attendees == ()


def test_the_forwarded_writer_is_not_an_attendee_without_saying_so() -> None:
    body = ("Dzień dobry, Fundacja Pod Wawelem zgłasza udział Pana Karola Wrony (wolontariusz).\n"
            "Agata Sowa")
    result = _forward(body, forwarder="monika.bak@um.krakow.pl",
                      original="Agata Sowa <agata.sowa@wp.pl>")
    assert result.attendees == (Person("Karol Wrona", "wolontariusz"),)
    # Still the writer, not the office clerk, is answered.
    assert result.contact.name == "Agata Sowa"


def test_self_registration_with_jako_role_and_a_one_line_signature_in_own_mail() -> None:
    result = run(SELF_REGISTRATION, from_name="Leszek Mróz", from_addr="l.mroz@przyjacieleolszy.pl")
    assert result.attendees == (LESZEK,)
    assert result.contact.phone == "+48608251730"


@pytest.mark.parametrize(("line", "role", "phone"), [
    ("Leszek Mróz tel. 608 251 730", None, "+48608251730"),
    ("Leszek Mróz – prezes, tel. 608 251 730", "prezes", "+48608251730"),
    ("Leszek Mróz 608 251 730", None, "+48608251730"),
    ("Leszek Mróz, skarbnik", "skarbnik", None),
])
def test_a_signature_line_ends_the_name_at_a_dash_a_label_or_a_number(
        line: str, role: str | None, phone: str | None) -> None:
    signature = read_signature(["Dzień dobry, zgłaszam swój udział.", line], None)
    assert (signature.name, signature.role, signature.phone) == ("Leszek Mróz", role, phone)


def test_a_representative_is_not_a_function() -> None:
    result = run("Zgłaszam swój udział jako przedstawiciel Fundacji Pod Wawelem.\nKarol Wrona",
                 from_name="Karol Wrona", from_addr="karol.wrona@wp.pl")
    assert result.attendees == (Person("Karol Wrona", None, "karol.wrona@wp.pl"),)
