"""Answers: Polish text of every template, RFC 3834 headers, the header audit, HTML escaping, .ics."""

from __future__ import annotations

import email
import email.policy
import shutil
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from mailbot.config import EventSettings
from mailbot.errors import RenderError
from mailbot.models import Person
from mailbot.render import KINDS, AnswerRequest, Renderer
from mailbot.render_audit import audit_bytes, serialise_and_audit
from mailbot.render_mime import clean_text

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
WARSAW = ZoneInfo("Europe/Warsaw")
NOW = datetime(2014, 3, 4, 12, 35, tzinfo=WARSAW)
INBOUND_ID = "<CAB7x9=abc.123@mail.gmail.com>"
BASE_HEADERS = {"from", "to", "subject", "date", "message-id", "auto-submitted",
                "x-auto-response-suppress", "x-mailbot-loop", "mime-version", "content-type"}


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(TEMPLATES, EventSettings())


def request(kind: str = "confirmation", **changes: object) -> AnswerRequest:
    values: dict[str, object] = {
        "kind": kind,
        "to_addr": "jan.kowalski@fundacja.org.pl",
        "to_name": "Jan Kowalski",
        "in_reply_to": INBOUND_ID,
        "inbound_subject": "Zgłoszenie na konferencję",
        "organisation": "Fundacja Rozwoju Społeczeństwa Obywatelskiego",
        "attendees": (Person("Jan Kowalski", "prezes zarządu"), Person("Anna Nowak"),
                      Person(None, "skarbnik")),
        "received_at": datetime(2014, 3, 4, 12, 31, tzinfo=WARSAW),
        "key": f"m42-{kind}-1",
    }
    values.update(changes)
    return AnswerRequest(**values)  # type: ignore[arg-type]


def parse(data: bytes) -> EmailMessage:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def bodies(data: bytes) -> tuple[str, str]:
    msg = parse(data)
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None
    assert html is not None
    # Normalise the wire's CRLF so assertions can span lines.
    return (text.get_content().replace("\r\n", "\n"),  # type: ignore[attr-defined]
            html.get_content().replace("\r\n", "\n"))  # type: ignore[attr-defined]


# -- the Polish text -------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_every_answer_is_polite_polish_with_the_event(renderer: Renderer, kind: str) -> None:
    mail = renderer.answer(request(kind), NOW)
    text, html = bodies(mail.data)
    for body in (text, html):
        assert "Szanowni Państwo," in body
        assert "Z poważaniem" in body
        assert "Wspólnie dla Krakowa" in body
        assert "Fundacja Rozwoju Społeczeństwa Obywatelskiego" in body
        assert "ul. Wielopole 17A, pokój 412, 31-072 Kraków" in body
        assert "12 616-78-13" in body
        assert "ngo@um.krakow.pl" in body
    assert "(odpowiedź automatyczna)" in mail.subject
    assert mail.kind == kind
    assert mail.to == "jan.kowalski@fundacja.org.pl"
    # The inbound subject is quoted in the body, never used as our Subject.
    assert "Dotyczy wiadomości „Zgłoszenie na konferencję” otrzymanej 4 marca 2014, godz. 12:31" in text
    assert "Zgłoszenie na konferencję" not in mail.subject


@pytest.mark.parametrize("kind", ["confirmation", "promotion", "waitlist"])
def test_people_are_listed_with_roles_and_plural(renderer: Renderer, kind: str) -> None:
    text, html = bodies(renderer.answer(request(kind), NOW).data)
    assert "(3 osoby):" in text
    assert "1. Jan Kowalski, prezes zarządu" in text
    assert "2. Anna Nowak" in text
    assert "3. (nie podano imienia i nazwiska), skarbnik" in text
    assert "Termin: piątek, 7 marca 2014, godz. 10:00–15:00" in text
    assert "Miejsce: Urząd Miasta Krakowa, ul. Wielopole 17A, Kraków" in text
    assert "prezes zarządu" in html
    assert "(3 osoby)" in html


def test_plural_for_five_people(renderer: Renderer) -> None:
    five = tuple(Person(f"Osoba Numer{i}") for i in "ABCDE")
    text, _ = bodies(renderer.answer(request(attendees=five), NOW).data)
    assert "Zarejestrowane osoby (5 osób):" in text
    one = renderer.answer(request(attendees=(Person("Anna Nowak"),)), NOW)
    assert "Zarejestrowane osoby (1 osoba):" in bodies(one.data)[0]


def test_subjects_say_what_and_that_it_is_automatic(renderer: Renderer) -> None:
    subjects = {kind: renderer.answer(request(kind), NOW).subject for kind in KINDS}
    assert subjects["confirmation"] == (
        "Potwierdzenie rejestracji – Wspólnie dla Krakowa (odpowiedź automatyczna)")
    assert subjects["refusal"].startswith("Zgłoszenie po terminie")
    assert subjects["cancellation"].startswith("Potwierdzenie rezygnacji")
    assert subjects["waitlist"].startswith("Lista rezerwowa")
    assert subjects["promotion"].startswith("Zwolniło się miejsce")
    assert len(set(subjects.values())) == len(KINDS)


def test_refusal_names_the_deadline_and_the_office(renderer: Renderer) -> None:
    late = datetime(2014, 3, 6, 8, 15, tzinfo=WARSAW)
    text, html = bodies(renderer.answer(request("refusal", received_at=late), NOW).data)
    assert "zgłoszeń upłynął\n5 marca 2014 (środa) o godz. 23:59." in text
    assert "dotarła do nas 6 marca 2014, godz. 08:15, czyli po tym terminie" in text
    assert "nie możemy potwierdzić rejestracji" in text
    assert "prosimy o kontakt z biurem" in text
    assert "<strong>5 marca 2014</strong> (środa)" in html


def test_waitlist_promotion_and_cancellation_wording(renderer: Renderer) -> None:
    waitlist, _ = bodies(renderer.answer(request("waitlist"), NOW).data)
    assert "wpisane na listę rezerwową" in waitlist
    assert "nie jest to jeszcze potwierdzenie udziału" in waitlist
    promotion, _ = bodies(renderer.answer(request("promotion"), NOW).data)
    assert "zwolniło się miejsce" in promotion
    assert "Potwierdzamy rejestrację." in promotion
    cancel, _ = bodies(renderer.answer(request("cancellation"), NOW).data)
    assert "potwierdzamy otrzymanie rezygnacji" in cancel
    assert "Rezygnacja dotyczy (3 osoby):" in cancel


def test_missing_optional_values_still_read_well(renderer: Renderer) -> None:
    bare = request(organisation=None, attendees=(), received_at=None, inbound_subject="",
                   in_reply_to=None, to_name=None)
    text, _ = bodies(renderer.answer(bare, NOW).data)
    assert "Organizacja:" not in text
    assert "nie znaleźliśmy imion i nazwisk" in text
    assert "Dotyczy wiadomości" not in text
    assert "None" not in text


# -- headers ---------------------------------------------------------------------------------

def test_rfc3834_headers(renderer: Renderer) -> None:
    mail = renderer.answer(request(), NOW)
    msg = parse(mail.data)
    names = [k.lower() for k in msg]
    assert sorted(names) == sorted(BASE_HEADERS | {"in-reply-to", "references"})
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["In-Reply-To"] == INBOUND_ID
    assert msg["References"] == INBOUND_ID
    assert msg["Message-ID"] == mail.message_id == "<mailbot.m42-confirmation-1@um.krakow.pl>"
    assert msg["Date"].datetime == NOW
    assert [a.addr_spec for a in msg["To"].addresses] == ["jan.kowalski@fundacja.org.pl"]
    assert msg["To"].addresses[0].display_name == "Jan Kowalski"
    assert msg["From"].addresses[0].addr_spec == "ngo@um.krakow.pl"
    assert msg["Subject"] == mail.subject
    assert mail.data.isascii()


def test_message_id_is_deterministic(renderer: Renderer) -> None:
    first = renderer.answer(request(), NOW)
    again = renderer.answer(request(), datetime(2014, 3, 4, 18, 0, tzinfo=WARSAW))
    other = renderer.answer(request(key="m43-confirmation-1"), NOW)
    assert first.message_id == again.message_id
    assert other.message_id != first.message_id


@pytest.mark.parametrize("bad_id", [
    "<a@b.pl>\r\nBcc: victim@example.net", "no-brackets@example.org", "<a b@c.pl>",
    "<x@y><z@w>", "<" + "a" * 300 + "@b.pl>", "", None,
])
def test_unsafe_inbound_ids_are_dropped(renderer: Renderer, bad_id: str | None) -> None:
    msg = parse(renderer.answer(request(in_reply_to=bad_id), NOW).data)
    assert msg["In-Reply-To"] is None
    assert msg["References"] is None
    assert {k.lower() for k in msg} == BASE_HEADERS


@pytest.mark.parametrize("name", [
    "Eve\r\nBcc: x@y.pl", "Eve\nBcc: x@y.pl", "Eve, Mallory <m@evil.example>",
    "=?utf-8?q?Eve=0D=0ABcc=3A_x=40y?=", "Eve (comment) \u202eevil", "\x00\x07", "a" * 200,
])
def test_hostile_display_names_never_add_recipients(renderer: Renderer, name: str) -> None:
    mail = renderer.answer(request(to_name=name), NOW)
    msg = parse(mail.data)
    assert msg["Bcc"] is None
    assert msg["Cc"] is None
    assert [a.addr_spec for a in msg["To"].addresses] == ["jan.kowalski@fundacja.org.pl"]
    assert b"Bcc" not in mail.data.split(b"\r\n\r\n", 1)[0]


def test_polish_display_name_is_kept(renderer: Renderer) -> None:
    msg = parse(renderer.answer(request(to_name="Łukasz Żółkiewski-Nowak"), NOW).data)
    assert msg["To"].addresses[0].display_name == "Łukasz Żółkiewski-Nowak"


@pytest.mark.parametrize("address", [
    "jan@fundacja.pl\r\nBcc: x@y.pl", "jan@fundacja.pl, eve@evil.example",
    "Jan <jan@fundacja.pl>", "jan", "jan@@fundacja.pl", " jan@fundacja.pl", "jąn@fundacja.pl",
])
def test_bad_recipient_is_refused(renderer: Renderer, address: str) -> None:
    with pytest.raises(RenderError):
        renderer.answer(request(to_addr=address), NOW)


def test_idn_domain_is_punycoded(renderer: Renderer) -> None:
    mail = renderer.answer(request(to_addr="biuro@żółw.pl"), NOW)
    assert mail.to == "biuro@xn--w-uga1v8h.pl"


def test_hostile_inbound_subject_stays_in_the_body(renderer: Renderer) -> None:
    hostile = "Zgłoszenie\r\nBcc: victim@example.net\x00\u2028=?utf-8?q?x=0D=0A?="
    mail = renderer.answer(request(inbound_subject=hostile), NOW)
    msg = parse(mail.data)
    assert {k.lower() for k in msg} == BASE_HEADERS | {"in-reply-to", "references"}
    text, _ = bodies(mail.data)
    assert "„Zgłoszenie Bcc: victim@example.net =?utf-8?q?x=0D=0A?=”" in text


def test_refuses_bad_calls(renderer: Renderer) -> None:
    with pytest.raises(RenderError, match="unknown answer kind"):
        renderer.answer(request("hello"), NOW)
    with pytest.raises(RenderError, match="unsafe answer key"):
        renderer.answer(request(key="m42>\r\nBcc: x"), NOW)
    with pytest.raises(RenderError, match="timezone-aware"):
        renderer.answer(request(), datetime(2014, 3, 4, 12, 0))  # noqa: DTZ001


def test_strict_templates_fail_loudly(tmp_path: Path) -> None:
    shutil.copytree(TEMPLATES, tmp_path / "t")
    broken = tmp_path / "t" / "confirmation.txt.j2"
    broken.write_text(broken.read_text(encoding="utf-8").replace("{{ event.name }}",
                                                                 "{{ event.nazwa }}"))
    with pytest.raises(RenderError, match="UndefinedError"):
        Renderer(tmp_path / "t", EventSettings()).answer(request(), NOW)


# -- HTML escaping ---------------------------------------------------------------------------

def test_html_is_autoescaped(renderer: Renderer) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    mail = renderer.answer(request(organisation=evil, attendees=(Person(evil, evil),)), NOW)
    text, html = bodies(mail.data)
    assert "<script>" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert evil in text  # plain text needs no escaping


# -- the audit -------------------------------------------------------------------------------

def _msg(**headers: str) -> EmailMessage:
    msg = EmailMessage(policy=email.policy.SMTP)
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("Treść", cte="quoted-printable")
    return msg


EXPECTED = {"From": None, "To": None, "Subject": "Test", "MIME-Version": "1.0",
            "Content-Type": None, "Content-Transfer-Encoding": None}


def test_audit_accepts_a_clean_message() -> None:
    msg = _msg(From="ngo@um.krakow.pl", To="jan@fundacja.pl", Subject="Test")
    data = serialise_and_audit(msg, EXPECTED, ["jan@fundacja.pl"])
    assert data.startswith(b"From: ngo@um.krakow.pl\r\n")


def test_audit_catches_a_copied_inbound_header_object() -> None:
    # CVE-2024-6923 / CVE-2026-1299: a header object from a parsed inbound message can refold
    # into a live "Bcc:" line on this Python; the audit must stop such bytes either way.
    inbound = email.message_from_bytes(
        b"Subject: =?utf-8?q?Hello=0D=0ABcc=3A_victim2=40example=2Enet?=\r\n\r\nx\r\n",
        policy=email.policy.default)
    msg = _msg(From="ngo@um.krakow.pl", To="jan@fundacja.pl")
    msg["Subject"] = inbound["Subject"]
    with pytest.raises(RenderError):
        serialise_and_audit(msg, {**EXPECTED, "Subject": None}, ["jan@fundacja.pl"])


def test_audit_finds_each_kind_of_damage() -> None:
    good = serialise_and_audit(_msg(From="ngo@um.krakow.pl", To="jan@fundacja.pl",
                                    Subject="Test"), EXPECTED, ["jan@fundacja.pl"])
    head, body = good.split(b"\r\n\r\n", 1)
    cases = {
        "extra Bcc": head + b"\r\nBcc: eve@evil.example\r\n\r\n" + body,
        "bare LF": head + b"\r\nX-A: 1\nBcc: eve@evil.example\r\n\r\n" + body,
        "long line": head + b"\r\n\r\n" + b"x" * 1200 + b"\r\n" + body,
        "second To": head.replace(b"To: jan@fundacja.pl", b"To: jan@fundacja.pl, eve@e.pl")
        + b"\r\n\r\n" + body,
        "duplicate Subject": head + b"\r\nSubject: Test\r\n\r\n" + body,
        "8-bit": head + b"\r\n\r\n" + "żółw".encode() + b"\r\n" + body,
    }
    assert audit_bytes(good, EXPECTED, ["jan@fundacja.pl"]) == []
    for name, data in cases.items():
        assert audit_bytes(data, EXPECTED, ["jan@fundacja.pl"]), name


_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=300) | st.sampled_from([
    "Eve\r\nBcc: x@y.pl", "=?utf-8?q?a=0D=0AB?=", "\u202e\u2066x", "a\x00b", "x" * 5000,
])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=_text, subject=_text, org=_text, person=_text, parent=_text)
def test_any_hostile_text_yields_exactly_the_intended_headers(
        name: str, subject: str, org: str, person: str, parent: str) -> None:
    renderer = Renderer(TEMPLATES, EventSettings())
    mail = renderer.answer(request(to_name=name, inbound_subject=subject, organisation=org,
                                   attendees=(Person(person, person),), in_reply_to=parent),
                           NOW)
    msg = parse(mail.data)
    names = {k.lower() for k in msg}
    assert names in (BASE_HEADERS, BASE_HEADERS | {"in-reply-to", "references"})
    assert [a.addr_spec for a in msg["To"].addresses] == ["jan.kowalski@fundacja.org.pl"]
    text, _ = bodies(mail.data)
    assert clean_text(org, 300) in text


# -- the invitation --------------------------------------------------------------------------

def _calendar_part(data: bytes) -> EmailMessage | None:
    for part in parse(data).walk():
        if part.get_content_type() == "text/calendar":
            assert isinstance(part, EmailMessage)
            return part
    return None


@pytest.mark.parametrize("kind", ["confirmation", "promotion"])
def test_ics_round_trip(renderer: Renderer, kind: str) -> None:
    mail = renderer.answer(request(kind), NOW)
    part = _calendar_part(mail.data)
    assert part is not None
    assert part.get_filename() == "zaproszenie.ics"
    assert part.get_param("method") == "PUBLISH"
    assert parse(mail.data).get_content_type() == "multipart/mixed"
    cal = Calendar.from_ical(part.get_content())
    assert str(cal["METHOD"]) == "PUBLISH"
    assert [c["TZID"] for c in cal.walk("VTIMEZONE")] == ["Europe/Warsaw"]
    (vevent,) = cal.walk("VEVENT")
    start, end = vevent.decoded("DTSTART"), vevent.decoded("DTEND")
    assert start == datetime(2014, 3, 7, 10, 0, tzinfo=WARSAW)
    assert end == datetime(2014, 3, 7, 15, 0, tzinfo=WARSAW)
    assert str(vevent["DTSTART"].params["TZID"]) == "Europe/Warsaw"
    assert str(vevent["UID"]) == f"mailbot.m42-{kind}-1@um.krakow.pl"
    assert str(vevent["SUMMARY"]) == "Wspólnie dla Krakowa"
    assert str(vevent["LOCATION"]) == "Urząd Miasta Krakowa, ul. Wielopole 17A, Kraków"
    assert str(vevent["ORGANIZER"]) == "mailto:ngo@um.krakow.pl"
    assert "Jan Kowalski, Anna Nowak" in str(vevent["DESCRIPTION"])


@pytest.mark.parametrize("kind", ["refusal", "cancellation", "waitlist"])
def test_no_invitation_without_a_place(renderer: Renderer, kind: str) -> None:
    mail = renderer.answer(request(kind), NOW)
    assert _calendar_part(mail.data) is None
    assert parse(mail.data).get_content_type() == "multipart/alternative"


def test_a_long_inbound_message_id_is_threaded(renderer: Renderer) -> None:
    # Gmail ids near the line limit are folded onto a continuation line; still one valid id.
    long_id = "<CAyRyCIoM4FCx783hoMYf1Mr0yEr-2fJZmITZExLYVIOscKQgR@mail.gmail.com>"
    mail = renderer.answer(request(in_reply_to=long_id), NOW)
    msg = parse(mail.data)
    assert str(msg["In-Reply-To"]).strip() == long_id
    assert str(msg["References"]).strip() == long_id
