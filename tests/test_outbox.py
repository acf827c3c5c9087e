"""The outbox against a faulty SMTP server (aiosmtpd on loopback): 4xx retry with backoff, 5xx
failure shown to staff, stalls and drops in the RFC 1047 window become in_doubt and are never
resent by themselves; and bounces of our own answers (mailbot.bounces) marking the answer."""

from __future__ import annotations

import email.policy
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from e2e_support import make_settings
from invariants import Clock, Sent, check_invariants, registration, tuned
from smtp_sink import SmtpSink
from tcp_proxy import TcpProxy

from mailbot.bounces import looks_like_bounce, read_bounce, undelivered
from mailbot.cli import cli
from mailbot.config import Settings
from mailbot.errors import StoreError
from mailbot.inbox import seed_maildir
from mailbot.pipeline import CycleReport, Pipeline
from mailbot.store import Store

# The daily digest is moved to the last second of the day, so only answers go out.
LATE_DIGEST = time(23, 59, 59)


class Desk:
    """An in-process pipeline: Maildir inbox, SMTP outbox, a settable clock."""

    def __init__(self, tmp: Path, port: int, **outbox: object) -> None:
        settings = make_settings(tmp, {"MAILBOT_OUTBOX": f"smtp://127.0.0.1:{port}"})
        settings = tuned(settings, "schedule", digest_time=LATE_DIGEST)
        self.settings: Settings = tuned(tuned(settings, "outbox", **outbox), "inbox",
                                        answer_backlog=True)
        self.clock = Clock()
        self.store = Store(self.settings.database)
        self.pipeline = Pipeline(self.settings, self.store, self.clock)
        self.inbox = tmp / "inbox"

    def deliver(self, *messages: bytes) -> None:
        seed_maildir(self.inbox, [(raw, datetime.now(UTC)) for raw in messages])

    def cycle(self) -> CycleReport:
        return self.pipeline.cycle()

    def rows(self) -> list[dict[str, object]]:
        return self.store.query("select * from outbox where kind != 'digest' order by id")

    def staff(self, *args: str) -> str:
        env = {"MAILBOT_DATABASE": str(self.settings.database),
               "MAILBOT_INBOX": f"maildir:{self.inbox}",
               "MAILBOT_OUTBOX": f"smtp://127.0.0.1:{self.settings.outbox.port}"}
        config = self.inbox.parent / "staff.toml"
        config.write_text(f'[paths]\ntemplates = "{self.settings.templates}"\n'
                          f'digests = "{self.inbox.parent / "digests"}"\n'
                          f'[schedule]\ndigest_time = {LATE_DIGEST.isoformat()}\n')
        result = CliRunner().invoke(cli, ["--config", str(config), *args], env=env,
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    def close(self) -> None:
        self.pipeline.close()
        self.store.close()


@pytest.fixture
def desk_factory(tmp_path: Path) -> Iterator[Callable[..., Desk]]:
    made: list[Desk] = []

    def make(port: int, **outbox: object) -> Desk:
        desk = Desk(tmp_path, port, **outbox)
        made.append(desk)
        return desk

    yield make
    for desk in made:
        desk.close()


def ledger(sink: SmtpSink) -> list[Sent]:
    return [Sent(tuple(m.rcpt_tos), m.data) for m in sink.messages]


@pytest.mark.parametrize(("stage", "code"), [("MAIL", 421), ("MAIL", 451), ("RCPT", 451),
                                             ("DATA", 451), ("DATA", 421)])
def test_temporary_failure_retries_with_backoff(desk_factory: Callable[..., Desk],
                                                smtp_sink: SmtpSink, stage: str,
                                                code: int) -> None:
    desk = desk_factory(smtp_sink.port)
    smtp_sink.fail(stage, code, times=1)
    desk.deliver(registration(1))
    first = desk.cycle()
    assert (first.sent, first.retry, first.in_doubt) == (0, 1, 0)
    [row] = desk.rows()
    assert row["state"] == "retry"
    assert datetime.fromisoformat(str(row["next_attempt_at"])) > desk.clock.now
    assert smtp_sink.messages == []  # a 4xx at end of DATA means the server keeps nothing
    # Not due yet: nothing is sent; after the first backoff step it goes, once.
    assert desk.cycle().sent == 0
    desk.clock.advance(minutes=1, seconds=1)
    assert desk.cycle().sent == 1
    assert [r["state"] for r in desk.rows()] == ["sent"]
    check_invariants(desk.settings.database, [], ledger(smtp_sink))
    assert len(smtp_sink.messages) == 1


def test_retries_run_out_then_failed(desk_factory: Callable[..., Desk], smtp_sink: SmtpSink) -> None:
    desk = desk_factory(smtp_sink.port, retry_minutes=(1, 2))
    smtp_sink.fail("MAIL", 451)
    desk.deliver(registration(1))
    states = []
    for _ in range(3):
        desk.cycle()
        states.append(desk.rows()[0]["state"])
        desk.clock.advance(minutes=3)
    assert states == ["retry", "retry", "failed"]
    assert smtp_sink.transactions == 3
    assert desk.cycle().sent == 0
    assert smtp_sink.transactions == 3


def test_permanent_failure_is_shown_to_staff(desk_factory: Callable[..., Desk],
                                             smtp_sink: SmtpSink) -> None:
    desk = desk_factory(smtp_sink.port)
    smtp_sink.fail("RCPT", 550)
    desk.deliver(registration(1))
    report = desk.cycle()
    assert (report.sent, report.send_failed) == (0, 1)
    [row] = desk.rows()
    assert row["state"] == "failed"
    assert "550" in str(row["last_error"])
    desk.clock.advance(hours=6)
    assert desk.cycle().sent == 0  # never retried
    assert smtp_sink.transactions == 1
    assert "refusal:failed" in desk.staff("review")
    problems = desk.store.digest_inputs().problems
    assert [(p.id, p.status) for p in problems] == [(row["id"], "failed")]
    assert desk.store.digest_inputs().health.failed == 1


@pytest.mark.parametrize("fault", ["stall", "drop"])
def test_lost_reply_after_data_is_in_doubt_and_never_resent(
        desk_factory: Callable[..., Desk], smtp_sink: SmtpSink, fault: str) -> None:
    desk = desk_factory(smtp_sink.port, timeout_seconds=1.0)
    if fault == "stall":
        smtp_sink.stall(3.0, times=1)  # longer than the client's timeout
    else:
        smtp_sink.drop_after_data(times=1)
    desk.deliver(registration(1))
    report = desk.cycle()
    assert (report.sent, report.in_doubt) == (0, 1)
    [row] = desk.rows()
    assert row["state"] == "in_doubt"
    assert len(smtp_sink.messages) == 1  # the server did take it: resending would duplicate
    for _ in range(3):
        desk.clock.advance(hours=5)
        assert desk.cycle().sent == 0
    assert len(smtp_sink.messages) == 1
    assert "refusal:in_doubt" in desk.staff("review")
    assert desk.store.digest_inputs().health.in_doubt == 1
    if fault == "stall":
        desk.staff("outbox", "mark-sent", str(row["id"]))
        assert desk.cycle().sent == 0
    else:
        # Staff decided it never arrived: it goes once more, by their hand only.
        desk.staff("outbox", "resend", str(row["id"]))
        assert desk.cycle().sent == 1
    assert [r["state"] for r in desk.rows()] == ["sent"]
    check_invariants(desk.settings.database, [], ledger(smtp_sink),
                     resent=[str(row["header_message_id"])])


def test_refused_connection_and_silent_server_retry(desk_factory: Callable[..., Desk],
                                                   smtp_sink: SmtpSink,
                                                   tcp_proxy: Callable[[str, int], TcpProxy]) -> None:
    proxy = tcp_proxy(smtp_sink.host, smtp_sink.port)
    desk = desk_factory(proxy.port, timeout_seconds=1.0)
    desk.deliver(registration(1))
    proxy.refuse = True
    assert desk.cycle().retry == 1
    # The server accepts the connection but never greets: a timeout before DATA, safe to retry.
    proxy.refuse = False
    proxy.stall()
    desk.clock.advance(minutes=2)
    stalled = desk.cycle()
    assert (stalled.retry, stalled.in_doubt) == (1, 0)
    proxy.resume()
    proxy.cut()
    desk.clock.advance(minutes=6)
    assert desk.cycle().sent == 1
    assert len(smtp_sink.messages) == 1


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


def test_bounce_of_our_confirmation_marks_it_and_is_never_answered(
        desk_factory: Callable[..., Desk], smtp_sink: SmtpSink) -> None:
    desk = desk_factory(smtp_sink.port)

    def add(org: str, address: str) -> None:
        desk.staff("add", "--org", org, "--person", "Anna Nowak;prezes", "--source", "desk",
                   "--received", "2014-03-04 10:15", "--contact-email", address)
        desk.clock.advance(seconds=5)  # desk entries are queued on the wall clock

    add("Fundacja Sąsiedzka", "prezes@fundacja.org.pl")
    assert desk.cycle().sent == 1
    sent = email.message_from_bytes(smtp_sink.messages[0].data, policy=email.policy.default)
    ours = str(sent["Message-ID"])
    # A second confirmation waits in the queue; its Message-ID is predictable, so a forged
    # "bounce" naming it arrives first. Only answers that went out can bounce: it must still go.
    add("Stowarzyszenie Drugie", "biuro@drugie.org.pl")
    [_, queued] = desk.rows()
    assert queued["state"] == "queued"
    desk.deliver(exchange_ndr(str(queued["header_message_id"]), "biuro@drugie.org.pl"))
    desk.deliver(exchange_ndr(ours))
    report = desk.cycle()
    assert report.sent == 1
    first, second = desk.rows()
    assert (first["kind"], first["state"]) == ("confirmation", "bounced")
    assert second["state"] == "sent"
    assert "prezes@fundacja.org.pl" in str(first["last_error"])
    assert "confirmation:bounced" in desk.staff("review")
    problems = desk.store.digest_inputs().problems
    assert [(p.id, p.status) for p in problems] == [(first["id"], "bounced")]
    assert len(smtp_sink.messages) == 2  # the two confirmations; the bounces got no answer
    bounces = desk.store.query("select answer from messages where mailbox != 'desk'")
    assert [b["answer"] for b in bounces] == [0, 0]
    check_invariants(desk.settings.database, [], ledger(smtp_sink))


def test_a_database_error_mid_send_leaves_nothing_stuck_for_the_next_cycle(
        desk_factory: Callable[..., Desk], smtp_sink: SmtpSink,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The long-running worker recovers rows its own failed cycle left in `sending`."""
    desk = desk_factory(smtp_sink.port)
    desk.deliver(registration(1), registration(2))
    store = desk.store
    real = store.set_outbox_state
    failures = []

    def flaky(outbox_id: int, state: str, *args: Any, **kwargs: Any) -> None:
        if state == "data_in_flight" and not failures:
            failures.append(outbox_id)
            raise StoreError("database is locked (test fault)")
        real(outbox_id, state, *args, **kwargs)

    monkeypatch.setattr(store, "set_outbox_state", flaky)
    with pytest.raises(StoreError):
        desk.cycle()
    assert smtp_sink.messages == []  # DATA was never completed: the server keeps nothing
    assert {r["state"] for r in desk.rows()} == {"sending"}
    # The same process runs its next cycle (no restart): both answers go, once each.
    desk.clock.advance(minutes=1)
    desk.cycle()
    assert [r["state"] for r in desk.rows()] == ["sent", "sent"]
    assert len(smtp_sink.messages) == 2
    check_invariants(desk.settings.database, [], ledger(smtp_sink))
