"""The test servers themselves: SMTP sink fault modes (plain smtplib), the proxy, the IMAP server."""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP

import pytest
from servers import ImapAccount, ImapServer, imap_append, imap_list_folder, imap_session
from smtp_sink import SmtpSink
from tcp_proxy import TcpProxy


def message(subject: str = "Zgłoszenie", to: str = "ngo@um.krakow.pl") -> bytes:
    msg = EmailMessage()
    msg["From"] = "anna@example.org"
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content("Zgłaszam udział: Anna Nowak, żółć.\n", cte="8bit")
    return msg.as_bytes(policy=SMTP)


def connect(sink: SmtpSink, timeout: float = 5.0) -> smtplib.SMTP:
    return smtplib.SMTP(sink.host, sink.port, timeout=timeout)


def test_sink_records_exact_bytes_and_utf8_envelope(smtp_sink: SmtpSink) -> None:
    raw = message()
    with connect(smtp_sink) as client:
        client.sendmail("bot@um.krakow.pl", ["anna@example.org"], raw)
        client.sendmail("bot@um.krakow.pl", ["użytkownik@example.pl"], raw,
                        mail_options=["SMTPUTF8"])
    assert len(smtp_sink.messages) == 2
    first, second = smtp_sink.messages
    assert (first.mail_from, first.rcpt_tos, first.data) == (
        "bot@um.krakow.pl", ("anna@example.org",), raw)
    assert second.rcpt_tos == ("użytkownik@example.pl",)
    assert "SMTPUTF8" in second.mail_options
    assert smtp_sink.transactions == 2


@pytest.mark.parametrize(("stage", "code"), [("MAIL", 451), ("MAIL", 550), ("RCPT", 451),
                                             ("RCPT", 550), ("DATA", 451), ("DATA", 550)])
def test_sink_answers_the_chosen_code_and_stores_nothing(smtp_sink: SmtpSink, stage: str,
                                                         code: int) -> None:
    smtp_sink.fail(stage, code)
    expected = {"MAIL": smtplib.SMTPSenderRefused, "RCPT": smtplib.SMTPRecipientsRefused,
                "DATA": smtplib.SMTPDataError}[stage]
    with connect(smtp_sink) as client, pytest.raises(expected) as caught:
        client.sendmail("bot@um.krakow.pl", ["anna@example.org"], message())
    error = caught.value
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        assert {c for c, _ in error.recipients.values()} == {code}
    else:
        assert isinstance(error, smtplib.SMTPResponseException)
        assert error.smtp_code == code
    assert smtp_sink.messages == []


@pytest.mark.parametrize("stage", ["MAIL", "RCPT", "DATA"])
def test_sink_421_replies_then_closes_the_connection(smtp_sink: SmtpSink, stage: str) -> None:
    smtp_sink.fail(stage, 421)
    client = connect(smtp_sink)
    try:
        client.ehlo()
        if stage == "MAIL":
            assert client.mail("bot@um.krakow.pl")[0] == 421
        else:
            assert client.mail("bot@um.krakow.pl")[0] == 250
            if stage == "RCPT":
                assert client.rcpt("anna@example.org")[0] == 421
            else:
                assert client.rcpt("anna@example.org")[0] == 250
                assert client.data(message())[0] == 421
        with pytest.raises(smtplib.SMTPServerDisconnected):
            client.noop()
    finally:
        client.close()
    assert smtp_sink.messages == []


def test_sink_fault_for_a_number_of_times_then_accepts(smtp_sink: SmtpSink) -> None:
    smtp_sink.fail("DATA", 451, times=2)
    raw = message()
    outcomes = []
    for _ in range(3):
        with connect(smtp_sink) as client:
            try:
                client.sendmail("bot@um.krakow.pl", ["anna@example.org"], raw)
                outcomes.append(250)
            except smtplib.SMTPDataError as exc:
                outcomes.append(exc.smtp_code)
    assert outcomes == [451, 451, 250]
    assert [m.data for m in smtp_sink.messages] == [raw]
    assert smtp_sink.transactions == 3


def test_sink_stall_stores_then_delays_the_final_reply(smtp_sink: SmtpSink) -> None:
    smtp_sink.stall(3.0)
    client = connect(smtp_sink, timeout=0.5)
    with pytest.raises((smtplib.SMTPServerDisconnected, TimeoutError)):
        client.sendmail("bot@um.krakow.pl", ["anna@example.org"], message())
    client.close()
    # The client gave up, but the server holds the message: the RFC 1047 window.
    assert smtp_sink.wait_for_messages(1)


def test_sink_stall_answers_250_to_a_patient_client(smtp_sink: SmtpSink) -> None:
    smtp_sink.stall(0.3)
    with connect(smtp_sink, timeout=10) as client:
        assert client.sendmail("bot@um.krakow.pl", ["anna@example.org"], message()) == {}
    assert len(smtp_sink.messages) == 1


def test_sink_drop_after_data_stores_then_disconnects(smtp_sink: SmtpSink) -> None:
    smtp_sink.drop_after_data(times=1)
    client = connect(smtp_sink)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        client.sendmail("bot@um.krakow.pl", ["anna@example.org"], message("one"))
    client.close()
    assert smtp_sink.wait_for_messages(1)
    with connect(smtp_sink) as client:
        client.sendmail("bot@um.krakow.pl", ["anna@example.org"], message("two"))
    assert len(smtp_sink.messages) == 2


def test_sink_rejects_unknown_stage(smtp_sink: SmtpSink) -> None:
    with pytest.raises(ValueError, match="stage"):
        smtp_sink.fail("HELO", 550)


def test_proxy_forwards_cuts_refuses_and_cuts_after_bytes(
        smtp_sink: SmtpSink, tcp_proxy: Callable[[str, int], TcpProxy]) -> None:
    proxy = tcp_proxy(smtp_sink.host, smtp_sink.port)
    client = smtplib.SMTP(proxy.host, proxy.port, timeout=5)
    assert client.noop()[0] == 250
    assert proxy.cut() == 1
    with pytest.raises(smtplib.SMTPServerDisconnected):
        client.noop()
    client.close()
    proxy.refuse = True
    with pytest.raises((smtplib.SMTPServerDisconnected, ConnectionError)):
        smtplib.SMTP(proxy.host, proxy.port, timeout=5)
    proxy.refuse = False
    proxy.cut_after_bytes = 10
    with socket.create_connection((proxy.host, proxy.port), timeout=5) as raw:
        received = b""
        while chunk := raw.recv(100):
            received += chunk
    assert received == b"220 " + received[4:10]
    assert len(received) == 10


def test_proxy_stall_holds_bytes_until_resumed(
        smtp_sink: SmtpSink, tcp_proxy: Callable[[str, int], TcpProxy]) -> None:
    proxy = tcp_proxy(smtp_sink.host, smtp_sink.port)
    client = smtplib.SMTP(proxy.host, proxy.port, timeout=5)
    proxy.stall()
    client.sock.settimeout(0.3)  # type: ignore[union-attr]
    with pytest.raises((TimeoutError, smtplib.SMTPServerDisconnected)):
        client.noop()
    proxy.resume()
    client.close()
    with smtplib.SMTP(proxy.host, proxy.port, timeout=5) as fresh:
        assert fresh.noop()[0] == 250


def test_imap_server_is_private_and_accounts_are_isolated(dovecot: ImapServer,
                                                          imap_account: ImapAccount) -> None:
    assert dovecot.port != 143
    assert str(dovecot.root).startswith("/tmp/")
    assert dovecot.root.stat().st_mode & 0o755 == 0o755
    other = dovecot.new_account()
    imap_append(imap_account, b"Subject: mine\r\n\r\nx\r\n", None)
    assert len(imap_list_folder(imap_account, "INBOX")) == 1
    # A user added after the server started logs in at once and sees only its own mail.
    assert imap_list_folder(other, "INBOX") == []
    with imap_session(other) as client:
        assert client.select_folder("INBOX")[b"EXISTS"] == 0
