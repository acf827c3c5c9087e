"""Loops and backscatter through the real pipeline (Maildir in, .eml files out, a settable clock):
a robot answering every answer without any auto-reply header meets the per-address daily cap; a
flood trips the hourly circuit breaker, which holds answers and tells staff; bounces of our own
answers (mailbot.bounces) mark the answer and are never answered."""

from __future__ import annotations

import email.policy
from collections.abc import Iterator
from datetime import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest
from e2e_support import make_settings, staff_cli
from invariants import Clock, Sent, check_invariants, file_ledger, registration, tuned

from mailbot.bounces import looks_like_bounce, read_bounce, undelivered
from mailbot.config import Settings
from mailbot.digest import build_digest
from mailbot.inbox import seed_maildir
from mailbot.pipeline import Pipeline
from mailbot.store import Store

ROBOT = "info@sklep-internetowy.pl"


class Loop:
    """The pipeline and the world it answers into."""

    def __init__(self, tmp: Path, **limits: object) -> None:
        settings = tuned(make_settings(tmp, {}), "schedule", digest_time=time(23, 59, 59))
        self.settings: Settings = tuned(tuned(settings, "limits", **limits), "inbox",
                                        answer_backlog=True)
        self.tmp = tmp
        self.clock = Clock()
        self.store = Store(self.settings.database)
        self.pipeline = Pipeline(self.settings, self.store, self.clock)

    def deliver(self, *messages: bytes) -> None:
        seed_maildir(self.tmp / "inbox", [(raw, self.clock.now) for raw in messages])

    def answers(self) -> list[Sent]:
        return [s for s in file_ledger(self.tmp / "outbox") if not s.is_digest]

    def staff(self, *args: str) -> str:
        return staff_cli(self.settings, self.tmp, f"file:{self.tmp / 'outbox'}", *args)

    def close(self) -> None:
        self.pipeline.close()
        self.store.close()


@pytest.fixture
def loop(tmp_path: Path) -> Iterator[Loop]:
    made = Loop(tmp_path)
    yield made
    made.close()


def robot_answer(to_answer: Sent, original: bytes, echo: bool) -> bytes:
    """A helpdesk robot's reply: same address, no Auto-Submitted, no Precedence, no List-*;
    "Thank you for your message", and (echo) the ticket text it received first, unquoted."""
    answer = to_answer.message
    msg = EmailMessage()
    msg["From"] = f"Sklep Internetowy <{ROBOT}>"
    msg["To"] = str(answer["From"])
    msg["Subject"] = f"Re: {answer['Subject']}"
    msg["In-Reply-To"] = str(answer["Message-ID"])
    msg["Message-ID"] = make_msgid("ticket", domain="sklep-internetowy.pl")
    text = "Thank you for your message. Our team will answer within 2 working days.\n"
    if echo:
        first = email.message_from_bytes(original, policy=email.policy.default)
        body = first.get_body(("plain",))
        assert body is not None
        text += "\nTicket text:\n" + body.get_content()
    msg.set_content(text)
    return msg.as_bytes(policy=email.policy.SMTP)


@pytest.mark.parametrize("echo", [True, False], ids=["echoes-registration", "thanks-only"])
def test_robot_answering_every_answer_gets_at_most_the_daily_cap(loop: Loop, echo: bool) -> None:
    original = registration(1, sender=ROBOT)
    loop.deliver(original)
    seen: set[bytes] = set()
    per_round = []
    for _ in range(8):
        loop.pipeline.cycle()
        new = [s for s in loop.answers() if s.data not in seen]
        seen.update(s.data for s in new)
        per_round.append(len(new))
        loop.deliver(*(robot_answer(s, original, echo) for s in new if s.rcpts == (ROBOT,)))
        loop.clock.advance(minutes=7)
    to_robot = [s for s in loop.answers() if s.rcpts == (ROBOT,)]
    cap = loop.settings.limits.answers_per_address_per_day
    # Echoing its ticket text the robot looks like a registrant: the cap ends the loop. Saying
    # only "thank you" it is not answered at all.
    assert len(to_robot) == (cap if echo else 1)
    assert per_round[-4:] == [0, 0, 0, 0]  # silence
    assert len({str(s.message["Message-ID"]) for s in to_robot}) == len(to_robot)
    check_invariants(loop.settings.database, [], loop.answers())
    if echo:
        held = loop.store.query("select reasons from messages where from_addr = ? and answer = 0 "
                                "and action = 'refuse_late'", [ROBOT])
        assert held
        assert all("daily cap" in str(r["reasons"]) for r in held)


def test_hourly_circuit_breaker_holds_answers_and_tells_staff(tmp_path: Path) -> None:
    flood = Loop(tmp_path, answers_per_hour=5)
    try:
        inbound = [registration(n) for n in range(8)]
        flood.deliver(*inbound)
        flood.pipeline.cycle()
        assert len(flood.answers()) == 5
        held = flood.store.query("select id, state, reasons from messages where answer = 0 "
                                 "and action = 'refuse_late' order by id")
        assert len(held) == 3
        # Held answers wait for a person: in the review queue and in the digest's inputs.
        assert {h["state"] for h in held} == {"review"}
        review = flood.staff("review")
        assert all(f" {h['id']} " in review for h in held)
        inputs = flood.store.digest_inputs()
        breaker = [r for r in inputs.review if "bezpiecznik" in r.reason]
        assert sorted(r.message_id for r in breaker) == [h["id"] for h in held]
        data = build_digest(flood.clock.now.date(), flood.clock.now, inputs.since,
                            inputs.registrations, inputs.refusals, inputs.review,
                            inputs.problems, inputs.health, flood.settings.zone)
        assert sum("bezpiecznik" in line.reason for line in data.review) == 3
        # The digest's health section says so in words.
        assert inputs.health.held == 3
        assert any("Bezpiecznik" in w and "3" in w for w in data.health.warnings)
        # An hour later the breaker has closed: new mail is answered again.
        flood.clock.advance(minutes=61)
        flood.deliver(registration(50))
        flood.pipeline.cycle()
        assert len(flood.answers()) == 6
        # A person releases one held answer; it goes out once.
        flood.staff("approve", str(held[0]["id"]))
        flood.clock.advance(seconds=5)
        flood.pipeline.cycle()
        assert len(flood.answers()) == 7
        check_invariants(flood.settings.database, [], flood.answers())
    finally:
        flood.close()


def test_answers_are_threaded_and_flagged_so_robots_can_tell(loop: Loop) -> None:
    loop.deliver(registration(3))
    loop.pipeline.cycle()
    [answer] = loop.answers()
    msg = answer.message
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["In-Reply-To"]


# -- bounces of our own answers ---------------------------------------------------------------

OURS = "<mailbot.m7-confirmation@um.krakow.pl>"


def our_headers(message_id: str = OURS, to: str = "prezes@fundacja.org.pl") -> str:
    return ("From: Biuro ds. organizacji pozarzadowych UMK <ngo@um.krakow.pl>\r\n"
            f"To: {to}\r\nSubject: Potwierdzenie zgloszenia\r\n"
            "Date: Mon, 03 Mar 2014 10:00:00 +0100\r\n"
            f"Message-ID: {message_id}\r\nAuto-Submitted: auto-replied\r\n")


def dsn(headers_part: str, *, action: str = "failed", status: str = "5.1.1",
        to: str = "prezes@fundacja.org.pl") -> bytes:
    return (
        "From: MAILER-DAEMON@mx.fundacja.org.pl (Mail Delivery System)\r\n"
        "To: ngo@um.krakow.pl\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Auto-Submitted: auto-replied\r\nMessage-ID: <bounce1@mx.fundacja.org.pl>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your "
        "message could not be delivered.\r\n\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.fundacja.org.pl\r\n\r\n"
        f"Final-Recipient: rfc822; {to}\r\nAction: {action}\r\nStatus: {status}\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
        f"{headers_part}--B--\r\n").encode()


def rfc822_headers(encoding: str | None = None) -> str:
    head = our_headers()
    if encoding == "base64":
        import base64

        body = base64.encodebytes(head.encode()).decode().replace("\n", "\r\n")
        return ("--B\r\nContent-Type: text/rfc822-headers\r\n"
                f"Content-Transfer-Encoding: base64\r\n\r\n{body}\r\n")
    if encoding == "quoted-printable":
        # A soft line break right inside our Message-ID.
        head = head.replace("m7-confirmation@", "m7-confir=\r\nmation@")
        return ("--B\r\nContent-Type: text/rfc822-headers\r\n"
                f"Content-Transfer-Encoding: quoted-printable\r\n\r\n{head}\r\n")
    return f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\n{head}\r\n"


def exchange_ndr(message_id: str = OURS, to: str = "prezes@fundacja.org.pl") -> bytes:
    """The Office 365 shape: no delivery-status part; headers quoted in QP text and in HTML."""
    quoted = our_headers(message_id, to).replace("=", "=3D")
    escaped = quoted.replace("<", "&lt;").replace(">", "&gt;")
    return (
        "From: <postmaster@fundacja.onmicrosoft.com>\r\nTo: <ngo@um.krakow.pl>\r\n"
        "Subject: Undeliverable: Potwierdzenie zgloszenia\r\nAuto-Submitted: auto-replied\r\n"
        "X-MS-Exchange-Message-Is-Ndr:\r\nMessage-ID: <ndr-1@prod.outlook.com>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status;\r\n"
        '\tboundary="N"\r\n\r\n--N\r\nContent-Type: multipart/alternative; boundary="A"\r\n\r\n'
        "--A\r\nContent-Type: text/plain; charset=\"Windows-1252\"\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        "Delivery has failed to these recipients or groups:\r\n\r\n"
        f"{to}<mailto:{to}>\r\nThe email address wasn=92t found at the destination domain.\r\n"
        "\r\n\r\n\r\nDiagnostic information for administrators:\r\n\r\n"
        f"Original message headers:\r\n\r\n{quoted}\r\n"
        "--A\r\nContent-Type: text/html; charset=\"us-ascii\"\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        f"<html><body><pre>{escaped}</pre></body></html>\r\n--A--\r\n\r\n--N--\r\n").encode()


def qmail_bounce() -> bytes:
    return ("From: MAILER-DAEMON@mail.fundacja.org.pl\r\nTo: ngo@um.krakow.pl\r\n"
            "Subject: failure notice\r\nMessage-ID: <q1@mail.fundacja.org.pl>\r\n\r\n"
            "Hi. This is the qmail-send program at mail.fundacja.org.pl.\r\n"
            "I'm afraid I wasn't able to deliver your message to the following addresses.\r\n"
            "This is a permanent error; I've given up. Sorry it didn't work out.\r\n\r\n"
            "<prezes@fundacja.org.pl>:\r\nSorry, no mailbox here by that name. (#5.1.1)\r\n\r\n"
            "--- Below this line is a copy of the message.\r\n\r\n"
            f"{our_headers()}\r\nDzien dobry.\r\n").encode()


def mdn() -> bytes:
    return ("From: prezes@fundacja.org.pl\r\nTo: ngo@um.krakow.pl\r\n"
            "Subject: Przeczytano: Potwierdzenie\r\nMessage-ID: <r1@fundacja.org.pl>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/report; "
            'report-type=disposition-notification; boundary="R"\r\n\r\n'
            "--R\r\nContent-Type: text/plain\r\n\r\nPrzeczytano.\r\n"
            "--R\r\nContent-Type: message/disposition-notification\r\n\r\n"
            f"Final-Recipient: rfc822; prezes@fundacja.org.pl\r\nOriginal-Message-ID: {OURS}\r\n"
            "Disposition: manual-action/MDN-sent-manually; displayed\r\n\r\n--R--\r\n").encode()


def person_reply() -> bytes:
    return ("From: prezes@fundacja.org.pl\r\nTo: ngo@um.krakow.pl\r\nSubject: Re: Potwierdzenie\r\n"
            f"In-Reply-To: {OURS}\r\nReferences: {OURS}\r\nMessage-ID: <p1@fundacja.org.pl>\r\n"
            "\r\nDziekuje, do zobaczenia.\r\n").encode()


@pytest.mark.parametrize(("raw", "failed"), [
    (dsn(rfc822_headers()), ["prezes@fundacja.org.pl"]),
    (dsn(rfc822_headers("base64")), ["prezes@fundacja.org.pl"]),
    (dsn(rfc822_headers("quoted-printable")), ["prezes@fundacja.org.pl"]),
    (dsn("--B\r\nContent-Type: message/rfc822\r\n\r\n" + our_headers() + "\r\nTresc.\r\n\r\n"),
     ["prezes@fundacja.org.pl"]),
    (exchange_ndr(), ["prezes@fundacja.org.pl"]),
    (qmail_bounce(), ["prezes@fundacja.org.pl"]),
], ids=["rfc822-headers", "base64-headers", "qp-split-id", "message-rfc822", "office365-ndr",
        "qmail-text"])
def test_bounce_names_our_answer_and_the_failed_recipient(raw: bytes, failed: list[str]) -> None:
    report = read_bounce(raw)
    assert report.message_ids == (OURS,)
    assert list(report.permanent) == failed
    assert undelivered(report, classified_bounce=False) == (OURS,)


@pytest.mark.parametrize("raw", [dsn(rfc822_headers(), action="delayed", status="4.4.1"),
                                 mdn(), person_reply()], ids=["delayed", "read-receipt", "reply"])
def test_delays_receipts_and_replies_are_not_bounces(raw: bytes) -> None:
    report = read_bounce(raw)
    assert report.message_ids == (OURS,)
    assert undelivered(report, classified_bounce=False) == ()
    assert looks_like_bounce(raw) == (b"multipart/report" in raw)


def test_bounce_reader_takes_any_bytes() -> None:
    for raw in (b"", b"\x00\xff" * 100, b"Content-Type: multipart/report\r\n\r\n--x",
                dsn(rfc822_headers())[:300]):
        read_bounce(raw)


def test_bounce_of_our_confirmation_marks_it_and_is_never_answered(loop: Loop) -> None:
    def add(org: str, address: str) -> None:
        loop.staff("add", "--org", org, "--person", "Anna Nowak;prezes", "--source", "desk",
                   "--received", "2014-03-04 10:15", "--contact-email", address)
        loop.clock.advance(seconds=5)  # desk entries are queued on the wall clock

    def rows() -> list[dict[str, Any]]:
        return loop.store.query("select * from outbox where kind != 'digest' order by id")

    add("Fundacja Sąsiedzka", "prezes@fundacja.org.pl")
    loop.pipeline.cycle()
    [sent] = loop.answers()
    ours = str(sent.message["Message-ID"])
    # A second confirmation waits in the queue; its Message-ID is predictable, so a forged
    # "bounce" naming it arrives first. Only answers that went out can bounce: it must still go.
    add("Stowarzyszenie Drugie", "biuro@drugie.org.pl")
    [_, queued] = rows()
    assert queued["state"] == "queued"
    loop.deliver(exchange_ndr(str(queued["header_message_id"]), "biuro@drugie.org.pl"),
                 exchange_ndr(ours))
    loop.pipeline.cycle()
    first, second = rows()
    assert (first["kind"], first["state"]) == ("confirmation", "bounced")
    assert second["state"] == "sent"
    assert "prezes@fundacja.org.pl" in str(first["last_error"])
    assert "confirmation:bounced" in loop.staff("review")
    problems = loop.store.digest_inputs().problems
    assert [(p.id, p.status) for p in problems] == [(first["id"], "bounced")]
    assert len(loop.answers()) == 2  # the two confirmations; the bounces got no answer
    bounces = loop.store.query("select answer from messages where mailbox != 'desk'")
    assert [b["answer"] for b in bounces] == [0, 0]
    check_invariants(loop.settings.database, [], loop.answers())
