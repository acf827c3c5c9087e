"""Polish names to the nominative: declension, agreement, titles, unknown surnames, spelling."""

from __future__ import annotations

import pytest

from mailbot.extract.names import INLINE, NOMINATIVE, nominative, person_display_name
from mailbot.extract.personscan import person_mentions
from mailbot.extract.roles import normalise_role


@pytest.mark.parametrize(("words", "title", "expected"), [
    # male first names and surnames, genitive/accusative/instrumental
    (["Jana", "Kowalskiego"], None, "Jan Kowalski"),
    (["Mirosława", "Dudka"], "Pana", "Mirosław Dudek"),
    (["Stanisława", "Kozieła"], "Pana", "Stanisław Kozieł"),
    (["Piotrem", "Zielińskim"], None, "Piotr Zieliński"),
    (["Grzegorza", "Pietrzyka"], "Pana", "Grzegorz Pietrzyk"),
    # female: -ska/-cka surnames decline like adjectives
    (["Marii", "Wiśniewskiej"], "Pani", "Maria Wiśniewska"),
    (["Katarzynie", "Lewandowskiej"], None, "Katarzyna Lewandowska"),
    (["Agnieszkę", "Zawadzką"], None, "Agnieszka Zawadzka"),
    (["Joannę", "Sikorę"], "Panią", "Joanna Sikora"),
    (["Karoliny", "Sowy"], "dr", "Karolina Sowa"),
    # indeclinable feminine surnames keep their form
    (["Ewy", "Mazur"], "Pani", "Ewa Mazur"),
    (["Annę", "Nowak"], None, "Anna Nowak"),
    (["Zofii", "Maj"], "Pani", "Zofia Maj"),
    (["Barbary", "Kaczmarczyk"], "Pani", "Barbara Kaczmarczyk"),
    # hyphenated surnames decline part by part
    (["Anny", "Nowak-Kowalskiej"], "Pani", "Anna Nowak-Kowalska"),
    (["Elżbieta", "Wróbel-Kos"], None, "Elżbieta Wróbel-Kos"),
    # the common Polish first name wins (Roberta -> Robert, not Roberto; Jacka -> Jacek)
    (["Roberta", "Kani"], "p.", "Robert Kania"),
    (["Jacka", "Placka"], None, "Jacek Placek"),
    # a declining surname beats an indeclinable homograph
    (["Krystyny", "Jandy"], None, "Krystyna Janda"),
    # ALL CAPS and lower case
    (["JANA", "KOWALSKIEGO"], None, "Jan Kowalski"),
    (["jan", "kowalski"], None, "Jan Kowalski"),
])
def test_declined_names_become_nominative(words: list[str], title: str | None,
                                          expected: str) -> None:
    reading = nominative(words, title=title, prefer=INLINE)
    assert reading is not None
    assert reading.name == expected
    assert reading.confidence >= 0.5


def test_title_decides_between_readings() -> None:
    # "Mirosława Dudka" is a woman in the nominative or a man in the genitive.
    assert nominative(["Mirosława", "Dudka"], prefer=NOMINATIVE).name == "Mirosława Dudka"
    assert nominative(["Mirosława", "Dudka"], title="Pana", prefer=NOMINATIVE).name \
        == "Mirosław Dudek"


def test_text_without_diacritics_keeps_its_spelling() -> None:
    assert nominative(["Stanislawa", "Koziela"], title="Pana", prefer=INLINE).name \
        == "Stanislaw Koziel"
    assert nominative(["Damiana", "Nowickiego"], prefer=INLINE).name == "Damian Nowicki"


def test_unknown_surname_follows_suffix_rules() -> None:
    reading = nominative(["Tomasza", "Zbyrkowskiego"], prefer=INLINE)
    assert reading is not None
    assert reading.name == "Tomasz Zbyrkowski"
    assert 0.5 <= reading.confidence < 0.9


def test_unknown_surname_without_a_rule_is_low_confidence() -> None:
    # Brzęczyszczykiewicz is not in the dictionary: the -a is stripped but a person should look.
    reading = nominative(["Jana", "Brzęczyszczykiewicza"], prefer=INLINE)
    assert reading is not None
    assert reading.name == "Jan Brzęczyszczykiewicz"
    assert reading.confidence < 0.5


def test_unknown_feminine_surname_ending_in_consonant_is_indeclinable() -> None:
    reading = nominative(["Ewy", "Zbyrkowiak"], title="Pani", prefer=INLINE)
    assert reading is not None
    assert reading.name == "Ewa Zbyrkowiak"


def test_nominative_surname_is_kept_as_written() -> None:
    reading = nominative(["Agnieszka", "Lasota"], prefer=NOMINATIVE)
    assert reading is not None
    assert (reading.name, reading.case) == ("Agnieszka Lasota", "nom")


def test_not_a_first_name_is_not_a_person() -> None:
    assert nominative(["Fundacja", "Zielony"], prefer=NOMINATIVE) is None
    assert nominative(["Prezes", "Zarządu"], prefer=NOMINATIVE) is None


@pytest.mark.parametrize(("display", "expected"), [
    ("Katarzyna Wilk", "Katarzyna Wilk"),
    ("dr Karolina Sowa", "Karolina Sowa"),
    ("Kowalski Jan", "Jan Kowalski"),
    ("marta.sobczyk", None),
    ("Fundacja Teatralna Scena Podgórze", None),
    ("Mail Delivery System", None),
    ("Sekretariat Stowarzyszenia Wiklina", None),
])
def test_display_name_is_a_person_or_not(display: str, expected: str | None) -> None:
    assert person_display_name(display) == expected


def test_mentions_in_a_sentence_with_titles() -> None:
    line = ("zglaszam udzial w konferencji p. Roberta Kani (prezes klubu) oraz "
            "p. Damiana Nowickiego (trener).")
    assert [m.name for m in person_mentions(line, prefer=INLINE)] == \
        ["Robert Kania", "Damian Nowicki"]


def test_lower_case_name_after_a_title() -> None:
    found = person_mentions("zglaszam udzial pana stanislawa koziela", prefer=INLINE)
    assert [m.name for m in found] == ["Stanislaw Koziel"]


@pytest.mark.parametrize(("raw", "expected"), [
    ("Prezes Zarządu", "prezes zarządu"),
    ("Prezes Fundacji", "prezes fundacji"),
    ("Prezes Zarządu Fundacji Pracownia Młodych", "prezes zarządu"),
    ("prezes Stowarzyszenia Rękodzieła Ludowego Wiklina", "prezes"),
    ("prezesa klubu", "prezes"),
    ("prezes klubu", "prezes klubu"),
    ("koordynatorkę wolontariatu", "koordynatorka wolontariatu"),
    ("członka zarządu", "członek zarządu"),
    ("przewodniczącej zarządu", "przewodnicząca zarządu"),
    ("główną księgową", "główna księgowa"),
    ("Specjalista ds. projektów", "specjalista ds. projektów"),
    ("tel. 600 123 456", None),
    ("Fundacja Pomocy", None),
])
def test_roles_are_lower_case_nominative_without_organisation(raw: str,
                                                              expected: str | None) -> None:
    assert normalise_role(raw) == expected
