"""Property tests: id and phone normalisation, and the extractor never raising on any text."""

from __future__ import annotations

import random

from extract_support import mail
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.pl import nip as stdnip
from stdnum.pl import regon as stdregon

from mailbot.extract import extract
from mailbot.extract.ids import find_ids, normalise_nip, normalise_regon
from mailbot.extract.phones import normalise_phone

_WEIGHTS_NIP = (6, 5, 7, 2, 3, 4, 5, 6, 7)


def _valid_nip(body: str) -> str | None:
    check = sum(int(d) * w for d, w in zip(body, _WEIGHTS_NIP, strict=True)) % 11
    return body + str(check) if check != 10 else None


nip_bodies = st.text(alphabet="0123456789", min_size=9, max_size=9).map(_valid_nip).filter(
    lambda v: v is not None)


def _formats(number: str, rnd: random.Random) -> str:
    """The number written with random spaces/dashes, maybe a PL prefix."""
    out = []
    for i, digit in enumerate(number):
        if i and rnd.random() < 0.3:
            out.append(rnd.choice([" ", "-"]))
        out.append(digit)
    return ("PL" if rnd.random() < 0.3 else "") + "".join(out)


@given(nip_bodies, st.integers(0, 10_000))
def test_any_formatting_of_a_valid_nip_gives_the_same_compact_value(nip: str | None,
                                                                    seed: int) -> None:
    assert nip is not None
    written = _formats(nip, random.Random(seed))
    assert normalise_nip(written) == nip
    assert find_ids(f"NIP: {written}").nip == nip


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_an_invalid_nip_never_yields_a_value(digits: str) -> None:
    if stdnip.is_valid(digits):
        return
    assert normalise_nip(digits) is None
    found = find_ids(f"NIP {digits}")
    assert found.nip is None
    assert any(n.field == "nip" and n.confidence < 0.5 for n in found.notes)


@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.integers(0, 10_000))
def test_regon_nine_digits_round_trip(body: str, seed: int) -> None:
    regon = body + stdregon.calc_check_digit(body)
    written = _formats(regon, random.Random(seed)).removeprefix("PL")
    assert normalise_regon(written) == regon


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_invalid_regon_never_yields_a_value(digits: str) -> None:
    if stdregon.is_valid(digits):
        return
    assert normalise_regon(digits) is None


mobile = st.builds(lambda first, rest: first + rest, st.sampled_from("5678"),
                   st.text(alphabet="0123456789", min_size=8, max_size=8))


@given(mobile)
def test_a_polish_mobile_written_several_ways_gives_one_e164(number: str) -> None:
    expected = normalise_phone(number)
    if expected is None:
        return  # not an allocated mobile range
    groups = f"{number[:3]} {number[3:6]} {number[6:]}"
    writings = [groups, groups.replace(" ", "-"), f"+48 {groups}", f"0048 {groups}",
                f"0 {groups}", f"+48{number}", f"(+48) {number}"]
    assert {normalise_phone(w) for w in writings} == {expected}
    assert expected == "+48" + number


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(max_size=600), st.text(max_size=80))
def test_extract_never_raises_on_arbitrary_text(text: str, subject: str) -> None:
    result = extract(mail(text, subject=subject))
    assert result.kind is not None


_PIECES = ["Zgłaszam", "Pana", "Panią", "Jana", "Kowalskiego", "Fundacji", "„", "”", "(", ")",
           "prezes", "tel.", "600 123 456", "NIP", "KRS", "–", "-", ":", "\n", "oraz", "wraz z",
           "Imię i nazwisko:", "|", "Stowarzyszenia", "Turystycznego", "ą", "?", "rezygnujemy",
           "w jej miejsce", "zamiast", "p.", "dr", "  ", "\t", "1.", "@", "x@y.pl"]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=60))
def test_extract_never_raises_on_registration_like_fragments(pieces: list[str]) -> None:
    result = extract(mail(" ".join(pieces)))
    assert all(p.name is None or p.name.strip() for p in result.attendees)


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=40)), st.one_of(st.none(), st.emails()),
       st.one_of(st.none(), st.emails()), st.text(max_size=300))
def test_extract_never_raises_on_odd_senders(name: str | None, address: str | None,
                                             reply_to: str | None, text: str) -> None:
    result = extract(mail("Zgłaszam Pana Jana Kowalskiego.\n" + text, from_name=name,
                          from_addr=address, reply_to=reply_to))
    expected = reply_to or address
    assert result.contact.email is None or expected is not None
