"""Attendees from free text, lists, tables and forms; roles; changes of person; the sender."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from extract_support import RECEIVED, names, run

from mailbot.decide import decide
from mailbot.extract.roles import normalise_role
from mailbot.models import Action, Extraction, Kind, Person

DEADLINE = datetime(2014, 3, 5, 23, 59, 59, tzinfo=ZoneInfo("Europe/Warsaw"))


def test_inline_declined_names_with_roles_in_parentheses() -> None:
    result = run("Dzień dobry,\nw imieniu Fundacji Srebrny Wiek zgłaszam udział Pani Ewy Mazur "
                 "(koordynatorka wolontariatu, e-mail: e.mazur@srebrnywiek.org.pl) w konferencji.\n"
                 "\nPozdrawiam\nKrzysztof Bielecki\nPrezes Fundacji Srebrny Wiek\n"
                 "tel. kom. +48 698 201 334",
                 from_name="Krzysztof Bielecki", from_addr="k.bielecki@srebrnywiek.org.pl")
    # The sender does not attend: only the person the text registers.
    assert result.attendees == (Person("Ewa Mazur", "koordynatorka wolontariatu",
                                       "e.mazur@srebrnywiek.org.pl", None),)
    assert result.contact.name == "Krzysztof Bielecki"
    assert result.contact.phone == "+48698201334"


def test_wraz_z_names_in_the_instrumental() -> None:
    result = run("Zgłaszam Pana Jacka Placka (skarbnik) wraz z Panią Agnieszką Nowak-Kowalską "
                 "(członkini zarządu). Fundacja Dobre Serce")
    assert names(result) == {"Jacek Placek", "Agnieszka Nowak-Kowalska"}
    roles = {p.name: p.role for p in result.attendees}
    assert roles["Agnieszka Nowak-Kowalska"] == "członkini zarządu"


def test_change_of_person_lists_only_the_newcomer() -> None:
    result = run("Dzień dobry, uprzejmie informuję o zmianie osoby. Pani Ewa Mazur z powodu "
                 "choroby nie będzie mogła uczestniczyć – w jej miejsce zgłaszam Panią Joannę "
                 "Sikorę (wolontariuszka, tel. 512 090 877).\nPozdrawiam\nJan Kowalski\n"
                 "Fundacja Srebrny Wiek")
    assert result.kind is Kind.REGISTRATION
    assert result.attendees == (Person("Joanna Sikora", "wolontariuszka", None, "+48512090877"),)


def test_zamiast_pana_x_przyjdzie_pani_y() -> None:
    result = run("Witam, zamiast Pana Jana Nowaka przyjdzie Pani Ewa Zielińska (wiceprezes).\n"
                 "Fundacja Dobre Serce")
    assert result.kind is Kind.REGISTRATION
    assert names(result) == {"Ewa Zielińska"}


def test_w_zastepstwie_excludes_the_replaced_person() -> None:
    result = run("W zastępstwie Pani Anny Nowak zgłaszam Pana Piotra Zielińskiego. "
                 "Stowarzyszenie Razem dla Nowej Huty")
    assert names(result) == {"Piotr Zieliński"}


def replaced(result: Extraction) -> list[str]:
    return [s.split(":", 1)[1] for s in result.signals if s.startswith("replaces:")]


def test_zamiast_signals_the_replaced_person_in_the_nominative() -> None:
    result = run("Dzień dobry, zamiast Pana Tadeusza Wróbla na konferencję przyjdzie "
                 "Pani Halina Kos.\nStowarzyszenie Sąsiedzi z Podgórza",
                 from_name="Beata Sowa", from_addr="beata@sasiedzi.org.pl")
    assert names(result) == {"Halina Kos"}
    assert replaced(result) == ["Tadeusz Wróbel"]


def test_w_miejsce_without_a_title() -> None:
    result = run("Uprzejmie informujemy, że w miejsce Katarzyny Dudy zgłaszamy Pawła Sadowskiego "
                 "(wolontariusz).\nFundacja Kolorowy Dom",
                 from_name="Beata Sowa", from_addr="beata@kolorowydom.pl")
    assert names(result) == {"Paweł Sadowski"}
    assert replaced(result) == ["Katarzyna Duda"]


def test_negative_clause_then_w_zastepstwie_keeps_the_newcomer() -> None:
    result = run("Dzień dobry, Pani Zofia Baran nie może przyjść, w zastępstwie będzie "
                 "Pan Michał Górski.\nKlub Seniora Pogodna Jesień",
                 from_name="Beata Sowa", from_addr="klub@pogodnajesien.pl")
    assert names(result) == {"Michał Górski"}
    assert replaced(result) == ["Zofia Baran"]


def test_withdrawal_and_replacement_in_separate_sentences() -> None:
    result = run("Dzień dobry,\nPan Robert Mazurek z powodu choroby nie weźmie udziału. "
                 "W jego miejsce zgłaszam Panią Irenę Wilk oraz, zamiast Pani Moniki Żak, "
                 "Pana Adama Kołodzieja.\nPozdrawiam\nBeata Sowa\nFundacja Kolorowy Dom",
                 from_name="Beata Sowa", from_addr="beata@kolorowydom.pl")
    assert names(result) == {"Irena Wilk", "Adam Kołodziej"}
    assert sorted(replaced(result)) == ["Monika Żak", "Robert Mazurek"]


def test_writer_replaced_by_someone_else() -> None:
    result = run("Dzień dobry, niestety nie mogę przyjść, zamiast mnie przyjdzie Pani Lidia Gil."
                 "\nPozdrawiam\nBeata Sowa\nFundacja Kolorowy Dom",
                 from_name="Beata Sowa", from_addr="beata@kolorowydom.pl")
    assert names(result) == {"Lidia Gil"}
    assert replaced(result) == ["Beata Sowa"]


def test_no_replaces_signal_without_change_of_person_wording() -> None:
    # Registering one and withdrawing another with no replacement wording is left to staff.
    withdrawing = run("Zgłaszam Pana Jana Kowalskiego. Pani Anna Nowak nie weźmie udziału. "
                      "Fundacja Dobre Serce")
    plain = run("Zgłaszam Pana Jana Kowalskiego i Panią Annę Nowak. Kontakt: Pan Adam Bąk. "
                "Fundacja Dobre Serce")
    assert replaced(withdrawing) == []
    assert replaced(plain) == []


def test_contact_person_in_a_change_of_person_mail_is_not_replaced() -> None:
    result = run("Zamiast Pani Ewy Mazur przyjdzie Pan Jan Wiśniewski. W razie pytań proszę o "
                 "kontakt z Panem Adamem Bąkiem.\nFundacja Dobre Serce",
                 from_name="Adam Bąk", from_addr="adam@dobreserce.pl")
    assert names(result) == {"Jan Wiśniewski"}
    assert replaced(result) == ["Ewa Mazur"]


def test_person_named_only_by_role_goes_to_review() -> None:
    result = run("Dzień dobry, na konferencję przyjdzie nasz skarbnik, nazwisko podamy jutro.\n"
                 "Klub Sportowy Wisełka", from_name=None, from_addr="klub@wiselka.pl")
    assert result.kind is Kind.REGISTRATION
    assert result.attendees == (Person(None, "skarbnik"),)
    assert any(n.field == "attendees" for n in result.low_confidence)


def test_sender_attends_with_oraz_siebie() -> None:
    result = run("Stowarzyszenie Bliżej Siebie zgłasza udział. Na konferencję zgłaszam Pana "
                 "Grzegorza Pietrzyka (prezes zarządu) oraz siebie.\n\nPozdrawiam serdecznie\n\n"
                 "Monika Jurek\nSekretarz Zarządu\ntel. 012 633 48 90",
                 from_name="Monika Jurek", from_addr="monika.jurek@blizejsiebie.org.pl")
    people = {p.name: p for p in result.attendees}
    assert set(people) == {"Grzegorz Pietrzyk", "Monika Jurek"}
    # The sender's own details go to the sender as attendee.
    assert people["Monika Jurek"] == Person("Monika Jurek", "sekretarz zarządu",
                                            "monika.jurek@blizejsiebie.org.pl", "+48126334890")
    assert people["Grzegorz Pietrzyk"].email is None


def test_sender_is_not_an_attendee_unless_the_text_says_so() -> None:
    result = run("Fundacja Most Sztuki zgłasza udział Pana Adama Kota.\nPozdrawiam\nJan Kowalski")
    assert names(result) == {"Adam Kot"}


def test_generic_shared_address_is_not_given_to_the_sender() -> None:
    result = run("Zgłaszam swój udział w konferencji.\nPozdrawiam\nAnna Lis\nFundacja Zielona",
                 from_name="Fundacja Zielona", from_addr="biuro@zielona.org.pl")
    assert result.attendees == (Person("Anna Lis", None, None, None),)


def test_list_items_after_a_registration_sentence() -> None:
    result = run("Fundacja Most Sztuki zglasza udzial nastepujacych osob:\n"
                 "- Marta Sobczyk - prezes fundacji, tel. 660 482 913\n"
                 "- Adam Kot - sekretarz, tel. 884 205 317\n\nPozdrawiam\nMarta Sobczyk",
                 from_name="marta.sobczyk", from_addr="marta.sobczyk@op.pl")
    assert set(result.attendees) == {
        Person("Marta Sobczyk", "prezes fundacji", "marta.sobczyk@op.pl", "+48660482913"),
        Person("Adam Kot", "sekretarz", None, "+48884205317"),
    }
    assert result.contact.name == "Marta Sobczyk"


def test_list_item_continuation_line_and_wrapped_email() -> None:
    result = run("Do udziału zgłaszamy następujące osoby:\n"
                 "1. dr hab. Andrzej Górecki – przewodniczący Zarządu, tel. 606 782 130,\n"
                 "a.gorecki@tmz.krakow.pl\n2. mgr Elżbieta Wróbel-Kos – sekretarz Zarządu\n\n"
                 "Towarzystwo Miłośników Zabłocia")
    people = {p.name: p for p in result.attendees}
    assert people["Andrzej Górecki"] == Person("Andrzej Górecki", "przewodniczący zarządu",
                                               "a.gorecki@tmz.krakow.pl", "+48606782130")
    assert people["Elżbieta Wróbel-Kos"].role == "sekretarz zarządu"


def test_several_people_on_one_line_and_role_first() -> None:
    result = run("Zgłaszamy następujące osoby:\nJan Nowak (prezes), Anna Lis (skarbnik)\n"
                 "- prezes zarządu: Piotr Zieliński\n\nFundacja Dobre Serce")
    roles = {p.name: p.role for p in result.attendees}
    assert roles == {"Jan Nowak": "prezes", "Anna Lis": "skarbnik",
                     "Piotr Zieliński": "prezes zarządu"}


def test_aligned_table_from_html() -> None:
    result = run("Fundacja Teatralna zgłasza udział następujących osób:\n"
                 "Lp.  Imię i nazwisko     Funkcja            Telefon         E-mail\n"
                 "1.   Jolanta Brzezińska  Prezes Fundacji    601 455 090     j.b@scena.pl\n"
                 "2.   Paweł Kurek         kierownik biura    0 12 656 44 10  p.kurek@scena.pl\n")
    assert set(result.attendees) == {
        Person("Jolanta Brzezińska", "prezes fundacji", "j.b@scena.pl", "+48601455090"),
        Person("Paweł Kurek", "kierownik biura", "p.kurek@scena.pl", "+48126564410"),
    }


def test_table_in_an_attachment_with_separate_name_columns() -> None:
    form = ("Nazwa organizacji | Fundacja Spinacz\nImię | Nazwisko | Funkcja | Telefon\n"
            "Anna | Hajduk | Prezes Zarządu | 12 307 44 90\n")
    result = run("W załączeniu przesyłam formularz zgłoszeniowy.", attachment=form)
    assert result.attendees == (Person("Anna Hajduk", "prezes zarządu", None, "+48123074490"),)
    assert result.organisation.name == "Fundacja Spinacz"


def test_pseudo_form_with_several_participants() -> None:
    result = run("Nazwa organizacji: Małopolski Oddział Stowarzyszenia Trenerów Pływania\n\n"
                 "Uczestnik 1\nImię i nazwisko: Łukasz Grabowski\nFunkcja: Prezes Oddziału\n"
                 "Telefon: 0048 601 302 447\n\nUczestnik 2\nImię i nazwisko: DOROTA MICHALAK-ŻAK\n"
                 "Funkcja: Skarbnik\nTelefon: (0-12) 429 17 05\n"
                 "E-mail: dorota.michalak@trenerzyplywania.org.pl\n")
    assert set(result.attendees) == {
        Person("Łukasz Grabowski", "prezes oddziału", None, "+48601302447"),
        Person("Dorota Michalak-Żak", "skarbnik", "dorota.michalak@trenerzyplywania.org.pl",
               "+48124291705"),
    }


def test_forwarded_registration_is_read_inside_the_forward() -> None:
    text = ("Dzień dobry,\nprzesyłam dalej zgłoszenie od Pani Prezes naszej fundacji.\n\n"
            "Pozdrawiam\nJacek Wrona\ntel. 697 304 221\n\n"
            "---------- Wiadomość przekazana dalej ----------\n"
            "Od: Renata Czech <renata.czech@pracowniamlodych.pl>\nData: 4 marca 2014 10:58\n"
            "Temat: Zgłoszenie\nDo: Jacek Wrona <jacek.wrona@gmail.com>\n\n"
            "Fundacja Pracownia Młodych zgłasza udział w konferencji:\n"
            "- Renata Czech – prezes zarządu, tel. 501 667 092\n- Jacek Wrona – wolontariusz\n\n"
            "Renata Czech\nPrezes Zarządu Fundacji Pracownia Młodych\n")
    result = run(text, subject="Fwd: Zgłoszenie", from_name="Jacek Wrona",
                 from_addr="jacek.wrona@gmail.com")
    people = {p.name: p for p in result.attendees}
    assert set(people) == {"Renata Czech", "Jacek Wrona"}
    assert people["Jacek Wrona"] == Person("Jacek Wrona", "wolontariusz", "jacek.wrona@gmail.com",
                                           "+48697304221")
    assert result.contact.name == "Jacek Wrona"
    assert result.organisation.name == "Fundacja Pracownia Młodych"


def test_names_inside_an_organisation_name_are_not_people() -> None:
    result = run("Fundacja im. Jana Pawła II zgłasza Pana Prezesa Adama Nowaka.")
    assert result.attendees == (Person("Adam Nowak", "prezes", None, None),)


def test_withdrawn_people_are_not_attendees_of_a_cancellation() -> None:
    result = run("Niestety Fundacja Most Sztuki nie weźmie udziału w konferencji. Prosimy o "
                 "wykreślenie z listy uczestników Pani Marty Sobczyk i Pana Adama Kota.")
    assert result.kind is Kind.CANCELLATION
    assert result.attendees == ()


def test_sender_registers_self_and_a_colleague() -> None:
    result = run("Dzień dobry,\nchciałabym zgłosić siebie oraz koleżankę, Panią Annę Wiśniewską.\n"
                 "Reprezentujemy Fundację Kobiety Przedsiębiorcze.\nAnna Lewandowska\n"
                 "koordynatorka programu\n604 555 666",
                 from_name="Anna Lewandowska", from_addr="anna.lewandowska@fkp.org.pl")
    assert set(result.attendees) == {
        Person("Anna Wiśniewska", None, None, None),
        Person("Anna Lewandowska", "koordynatorka programu", "anna.lewandowska@fkp.org.pl",
               "+48604555666"),
    }


def test_named_person_and_one_named_only_by_role() -> None:
    result = run("Dzień dobry, potwierdzam naszą obecność – będę ja (Piotr Lis, prezes) oraz "
                 "nasza księgowa. Pozdrawiam, Piotr Lis, Fundacja Dom Otwarty",
                 from_name="Piotr Lis", from_addr="piotr@domotwarty.pl")
    assert set(result.attendees) == {Person("Piotr Lis", "prezes", "piotr@domotwarty.pl", None),
                                     Person(None, "księgowa")}
    assert any(n.field == "attendees" for n in result.low_confidence)
    assert result.organisation.name == "Fundacja Dom Otwarty"


def test_role_of_a_named_person_is_not_a_second_person() -> None:
    result = run("Dzień dobry, w konferencji weźmie udział nasza prezes Pani Joanna Kaczmarek. "
                 "Fundacja Pomocy Dzieciom", from_name="Marek Nowicki", from_addr="m@fpd.pl")
    assert result.attendees == (Person("Joanna Kaczmarek", "prezes"),)


@pytest.mark.parametrize(("text", "person"), [
    ("Dzień dobry, w imieniu Stowarzyszenia Zielony Zakątek zgłaszam udział Pani Marty "
     "Sowińskiej, naszej księgowej, w konferencji 7 marca.", Person("Marta Sowińska", "księgowa")),
    ("Na konferencję Stowarzyszenie Zielony Zakątek deleguje Pana Tomasza Zająca, naszego "
     "wiceprezesa.", Person("Tomasz Zając", "wiceprezes")),
    ("Stowarzyszenie Zielony Zakątek zgłasza Beatę Kruk – naszą wolontariuszkę.",
     Person("Beata Kruk", "wolontariuszka")),
    # An apposition left in the nominative after a declined name.
    ("Stowarzyszenie Zielony Zakątek zgłasza udział Pana Michała Wilka, nasz trener, "
     "w konferencji.", Person("Michał Wilk", "trener")),
])
def test_apposition_role_belongs_to_the_name_before_it(text: str, person: Person) -> None:
    result = run(text, from_name="Ewa Lis", from_addr="ewa@zakatek.example.pl")
    assert result.attendees == (person,)
    assert result.low_confidence == ()
    decision = decide(result, RECEIVED, "received", DEADLINE)
    assert decision.action is Action.CONFIRM


def test_apposition_role_does_not_leak_to_the_next_person() -> None:
    result = run("Zgłaszamy Pana Tomasza Zająca, naszego wiceprezesa, oraz Panią Beatę Kruk.\n"
                 "Stowarzyszenie Zielony Zakątek")
    assert result.attendees == (Person("Tomasz Zając", "wiceprezes"), Person("Beata Kruk"))


def test_a_womans_function_after_a_mans_name_is_another_person() -> None:
    result = run("Zgłaszamy Pana Tomasza Zająca, naszą księgową.\nStowarzyszenie Zielony Zakątek")
    assert result.attendees == (Person("Tomasz Zając"), Person(None, "księgowa"))
    assert any(n.field == "attendees" for n in result.low_confidence)


@pytest.mark.parametrize(("text", "role"), [
    ("Zgłaszamy Panią Beatę Kruk oraz skarbnika (nazwisko prześlemy później).", "skarbnik"),
    ("Zgłaszamy Panią Beatę Kruk (prezes) i koordynatora wolontariuszy.",
     "koordynator wolontariuszy"),
    ("Zgłaszamy Panią Beatę Kruk wraz z naszym trenerem.", "trener"),
])
def test_a_role_joined_to_named_people_is_a_role_only_person(text: str, role: str) -> None:
    result = run(text + "\nStowarzyszenie Zielony Zakątek")
    assert [p.name for p in result.attendees] == ["Beata Kruk", None]
    assert result.attendees[1].role == role
    assert any(n.field == "attendees" for n in result.low_confidence)


def test_two_functions_of_one_person_are_not_two_people() -> None:
    result = run("Zgłaszam Pana Tomasza Zająca, prezesa i założyciela stowarzyszenia.\n"
                 "Stowarzyszenie Zielony Zakątek")
    assert result.attendees == (Person("Tomasz Zając", "prezes"),)


@pytest.mark.parametrize(("raw", "role"), [
    ("naszej koordynatorki", "koordynatorka"),
    ("naszym skarbnikiem", "skarbnik"),
    ("prezesa naszego stowarzyszenia", "prezes"),
    ("mojego zastępcy", "zastępca"),
    ("naszego stowarzyszenia", None),
])
def test_role_drops_the_possessive_pronoun(raw: str, role: str | None) -> None:
    assert normalise_role(raw) == role


def test_colleague_title_and_one_line_signature_with_role() -> None:
    result = run("W odpowiedzi na zaproszenie informuję, że ze strony Polskiego Towarzystwa "
                 "Turystyczno-Krajoznawczego Oddział Kraków w konferencji weźmie udział kol. "
                 "Zbigniew Sowa, członek zarządu.\nZ poważaniem\nMaria Dąbrowska, sekretarz",
                 from_name="PTTK Kraków", from_addr="pttk@pttk.example.pl")
    assert result.attendees == (Person("Zbigniew Sowa", "członek zarządu"),)
    assert result.contact.name == "Maria Dąbrowska"
    assert result.organisation.name == \
        "Polskie Towarzystwo Turystyczno-Krajoznawcze Oddział Kraków"


def test_writer_attends_as_the_representative() -> None:
    result = run("Szanowni Państwo,\nzgłaszam udział w konferencji jako przedstawiciel Związku "
                 "Harcerstwa Polskiego.\nhm. Tomasz Jabłoński\ndrużynowy",
                 from_name="Tomasz Jabłoński", from_addr="t.jablonski@zhp.pl")
    assert result.attendees == (Person("Tomasz Jabłoński", "drużynowy", "t.jablonski@zhp.pl"),)


def test_signature_phone_on_the_name_line() -> None:
    result = run("Na konferencję zgłaszamy Jana Kowalskiego i Annę Nowak z Fundacji Dobry Start.\n"
                 "--\nEwa Kot | GSM: 600 700 800", from_name="Ewa Kot", from_addr="e@ds.pl")
    assert names(result) == {"Jan Kowalski", "Anna Nowak"}
    assert (result.contact.name, result.contact.phone) == ("Ewa Kot", "+48600700800")


def test_table_rows_read_as_plain_text_from_a_pdf() -> None:
    pdf = ("Nazwa organizacji: Fundacja Spinacz\nOsoby zgłaszane do udziału w konferencji:\n"
           "Lp. Imię i nazwisko Funkcja w organizacji Telefon E-mail\n"
           "1. Anna Hajduk Prezes Zarządu 12 307 44 90 a.hajduk@spinacz.org.pl\n"
           "2. Michał Wójtowicz Specjalista ds. projektów 535 880 146\n")
    result = run("W załączeniu przesyłam formularz zgłoszeniowy.", attachment=pdf)
    assert set(result.attendees) == {
        Person("Anna Hajduk", "prezes zarządu", "a.hajduk@spinacz.org.pl", "+48123074490"),
        Person("Michał Wójtowicz", "specjalista ds. projektów", None, "+48535880146"),
    }


def test_docx_table_row_with_empty_cells_dropped() -> None:
    docx = ("Lp.  Imię i nazwisko  Funkcja w organizacji  Telefon  E-mail\n"
            "1.  Anna Hajduk  Prezes Zarządu  12 307 44 90  a.hajduk@spinacz.org.pl\n"
            "2.  Michał Wójtowicz  m.wojtowicz@spinacz.org.pl\n"
            "3.  Jan Nowak  600 100 200\n")
    result = run("W załączeniu formularz zgłoszeniowy Fundacji Spinacz.", attachment=docx)
    assert set(result.attendees) == {
        Person("Anna Hajduk", "prezes zarządu", "a.hajduk@spinacz.org.pl", "+48123074490"),
        Person("Michał Wójtowicz", None, "m.wojtowicz@spinacz.org.pl", None),
        Person("Jan Nowak", None, None, "+48600100200"),
    }
