"""classify(): bounces, auto-replies, and the reasons a robot must not answer a sender."""

from __future__ import annotations

import pytest
from reader_support import DEVSET, crlf, message, multipart, text_part

from mailbot.classify import Verdict, classify
from mailbot.models import Kind
from mailbot.parse import parse

OWN = frozenset({"ngo@um.krakow.pl"})
REGISTRATION = ("Dzień dobry,\nzgłaszam udział Jana Kowalskiego (prezes) z Fundacji Przykład.\n"
                "Pozdrawiam\nAnna Nowak")


def verdict(raw: bytes) -> Verdict:
    return classify(parse(raw), OWN)


def devset(number: str) -> bytes:
    path = DEVSET / f"{number}.eml"
    if not path.exists():
        pytest.skip("../shared/devset is absent")
    return path.read_bytes()


# --- bounces ------------------------------------------------------------------------------------

def _dsn(action: str = "failed", status: str = "5.1.1") -> bytes:
    status_part = crlf("Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.pl\n\n"
                       f"Final-Recipient: rfc822; jan@example.pl\nAction: {action}\n"
                       f"Status: {status}\n").encode()
    returned = crlf("Content-Type: message/rfc822\n\nFrom: ngo@um.krakow.pl\nTo: jan@example.pl\n"
                    "Subject: Potwierdzenie\n\nZarejestrowane osoby: Jan Kowalski.\n").encode()
    raw = multipart([text_part("This is the mail system at host mx.example.pl.\n\n"
                               "I'm sorry to have to inform you that your message could not\n"
                               "be delivered to one or more recipients."), status_part, returned],
                    subtype="report", params="; report-type=delivery-status",
                    subject="Undelivered Mail Returned to Sender")
    return raw.replace(b"From: Jan Kowalski <jan@example.pl>",
                       b"From: MAILER-DAEMON@mx.example.pl (Mail Delivery System)")


def test_postfix_dsn_is_a_bounce() -> None:
    result = verdict(_dsn())
    assert result.kind is Kind.BOUNCE
    assert "mime:multipart/report;delivery-status" in result.signals
    assert "mime:message/delivery-status;action=failed" in result.signals
    assert "robot sender" in result.no_answer_reasons


def test_delayed_dsn_is_still_a_robot_message() -> None:
    assert verdict(_dsn("delayed", "4.4.1")).kind is Kind.BOUNCE


def test_exim_bounce_without_x_failed_recipients() -> None:
    body = ("This message was created automatically by mail delivery software.\n\n"
            "A message that you sent could not be delivered to one or more of its\n"
            "recipients. This is a permanent error. The following address(es) failed:\n\n"
            "  jan@example.pl\n    retry timeout exceeded\n\n"
            "------ This is a copy of the message, including all the headers. ------\n\n"
            "From: Konferencja NGO <ngo@um.krakow.pl>\nSubject: Potwierdzenie\n\nJan Kowalski\n")
    raw = message(body, subject="Mail delivery failed: returning message to sender",
                  sender="Mail Delivery System <Mailer-Daemon@mail.example.pl>")
    result = verdict(raw)
    assert result.kind is Kind.BOUNCE
    assert {"subject:bounce", "text:bounce", "sender:robot"} <= set(result.signals)


def test_exim_bounce_with_x_failed_recipients_and_auto_submitted() -> None:
    raw = message("A message that you sent could not be delivered.",
                  subject="Mail delivery failed",
                  headers="X-Failed-Recipients: jan@example.pl\nAuto-Submitted: auto-replied\n",
                  sender="Mail Delivery System <Mailer-Daemon@mail.example.pl>")
    result = verdict(raw)
    assert result.kind is Kind.BOUNCE  # bounce wins over the auto-reply header
    assert "header:x-failed-recipients" in result.signals


def test_exchange_ndr_in_polish() -> None:
    body = ("Dostarczanie do tych adresatów lub grup nie powiodło się:\n\n"
            "jan@example.pl\nSkrzynka pocztowa adresata jest pełna i nie może w tej chwili "
            "przyjąć wiadomości.")
    raw = message(body, subject="Niedostarczalne: Potwierdzenie rejestracji",
                  sender="Microsoft Outlook <postmaster@example.pl>")
    assert verdict(raw).kind is Kind.BOUNCE


def test_polish_plain_bounce_from_mailer_daemon() -> None:
    raw = message("Wiadomość nie została dostarczona do adresata: adres nie istnieje.",
                  subject="Niedostarczona wiadomość", sender="MAILER-DAEMON <>")
    result = verdict(raw)
    assert result.kind is Kind.BOUNCE
    assert "no valid sender address" in result.no_answer_reasons


@pytest.mark.parametrize("number", ["007", "019", "030"])
def test_devset_bounces(number: str) -> None:
    result = verdict(devset(number))
    assert result.kind is Kind.BOUNCE
    assert any(s.startswith("flufl:") for s in result.signals)


def test_a_person_writing_about_a_failed_delivery_is_not_a_bounce() -> None:
    raw = message("Dzień dobry, mój poprzedni mail nie został dostarczony (undeliverable), "
                  "więc zgłaszam się ponownie: Jan Kowalski.", subject="Zgłoszenie ponownie")
    assert verdict(raw).kind is None


# --- auto-replies --------------------------------------------------------------------------------

@pytest.mark.parametrize(("headers", "signal"), [
    ("Auto-Submitted: auto-replied\n", "header:auto-submitted=auto-replied"),
    ("Auto-Submitted: auto-generated\n", "header:auto-submitted=auto-generated"),
    ("Auto-Submitted: auto-replied (vacation)\n", "header:auto-submitted=auto-replied (vacation)"),
    ("X-Autoreply: yes\n", "header:x-autoreply"),
    ("X-Autorespond: Urlop\n", "header:x-autorespond"),
    ("Precedence: auto_reply\n", "header:precedence=auto_reply"),
    ("X-Auto-Response-Suppress: All\nX-MS-Exchange-Inbox-Rules-Loop: jan@example.pl\n",
     "header:x-ms-exchange-inbox-rules-loop"),
    ("X-Apple-Action: vacation\n", "header:x-apple-action=vacation"),
])
def test_auto_reply_headers(headers: str, signal: str) -> None:
    result = verdict(message("Dziękuję za wiadomość.", subject="Re: Potwierdzenie",
                             headers=headers))
    assert result.kind is Kind.AUTO_REPLY
    assert signal in result.signals


def test_read_receipt_is_an_auto_reply() -> None:
    mdn = crlf("Content-Type: message/disposition-notification\n\n"
               "Final-Recipient: rfc822; jan@example.pl\n"
               "Disposition: manual-action/MDN-sent-manually; displayed\n").encode()
    raw = multipart([text_part("Wiadomość została wyświetlona."), mdn], subtype="report",
                    params="; report-type=disposition-notification", subject="Przeczytano: X")
    result = verdict(raw)
    assert result.kind is Kind.AUTO_REPLY
    assert "mime:disposition-notification" in result.signals


def test_auto_submitted_no_is_a_person() -> None:
    assert verdict(message(REGISTRATION, headers="Auto-Submitted: no\n")).kind is None


@pytest.mark.parametrize("subject", [
    "Automatyczna odpowiedź: Potwierdzenie rejestracji",
    "Odpowiedź automatyczna: \"Re: Zaproszenie\"",
    "Out of Office: Registration",
    "Automatic reply: Registration",
    "Auto reply: Zaproszenie",
    "AutoReply: Zaproszenie",
    "Abwesenheitsnotiz: Einladung",
])
def test_auto_reply_subjects(subject: str) -> None:
    result = verdict(message("Dziękuję za wiadomość.", subject=subject))
    assert result.kind is Kind.AUTO_REPLY
    assert "subject:auto-reply" in result.signals


@pytest.mark.parametrize(("subject", "body"), [
    ("Re: Przypomnienie", "Dzień dobry,\ndziękuję za wiadomość. Jestem na urlopie do 12 marca "
     "i nie mam dostępu do poczty. Odpowiem niezwłocznie po powrocie.\nLeszek Bąk"),
    ("Re: Zaproszenie", "Przebywam poza biurem do 4 marca. W sprawach pilnych proszę o kontakt "
     "z Panią Anną Rogalą, tel. 12 430 22 18."),
    ("Re: Zaproszenie", "Ta wiadomość została wygenerowana automatycznie."),
    ("Urlop", "Do 3 marca przebywam na urlopie."),
    ("Re: Invitation", "Thank you for your email. I am currently on annual leave with limited "
     "access to email. I will reply upon my return."),
    ("Re: Invitation", "I am out of the office until Monday."),
])
def test_out_of_office_by_text(subject: str, body: str) -> None:
    result = verdict(message(body, subject=subject))
    assert result.kind is Kind.AUTO_REPLY
    assert any(s.startswith("text:out-of-office") for s in result.signals)


@pytest.mark.parametrize("number", ["004", "014", "029"])
def test_devset_auto_replies(number: str) -> None:
    assert verdict(devset(number)).kind is Kind.AUTO_REPLY


@pytest.mark.parametrize(("subject", "body"), [
    ("Zgłoszenie", REGISTRATION + "\n\nOd 10 marca jestem na urlopie, w sprawach pilnych "
     "proszę dzwonić: 600 123 456. Nie mam dostępu do poczty w tym czasie."),
    ("Urlop a konferencja", "Zgłaszam Jana Kowalskiego. Będę na urlopie do 6 marca, "
     "odpowiem po powrocie."),
    ("Re: Automatyczna odpowiedź: Potwierdzenie", "Dziękuję, zgłaszam jeszcze Annę Nowak."),
    ("Pytanie", "Dziękuję za wiadomość. Czy konferencja jest bezpłatna?"),
    ("Rezygnacja", "Niestety nie weźmiemy udziału, jestem na urlopie do 12 marca."),
])
def test_people_who_mention_being_away_are_not_auto_replies(subject: str, body: str) -> None:
    assert verdict(message(body, subject=subject)).kind is None


@pytest.mark.parametrize("number", [f"{n:03d}" for n in range(1, 37)
                                    if n not in (4, 7, 14, 19, 29, 30)])
def test_devset_people_are_kind_none(number: str) -> None:
    assert verdict(devset(number)).kind is None


# --- reasons not to answer ----------------------------------------------------------------------

@pytest.mark.parametrize("headers", [
    "List-Id: <ngo.lists.example.pl>\n",
    "List-Unsubscribe: <mailto:leave@example.pl>\n",
    "Precedence: bulk\n",
    "Precedence: list\n",
    "Precedence: junk\n",
])
def test_list_mail(headers: str) -> None:
    result = verdict(message(REGISTRATION, headers=headers))
    assert result.kind is None  # a person may still register through a list tool
    assert "list mail" in result.no_answer_reasons


@pytest.mark.parametrize("sender", [
    "MAILER-DAEMON@example.pl", "postmaster@example.pl", "noreply@example.pl",
    "no-reply@example.pl", "donotreply@example.pl", "do-not-reply@example.pl",
    "ngo-list-request@example.pl", "owner-ngo@example.pl", "bounce-123@example.pl",
    "bounces+abc@example.pl", "newsletter-noreply@example.pl",
])
def test_robot_senders(sender: str) -> None:
    assert "robot sender" in verdict(message(REGISTRATION, sender=sender)).no_answer_reasons


@pytest.mark.parametrize("sender", ["jan.kowalski@example.pl", "bouncer.jan@example.pl",
                                    "request@example.pl", "owner@example.pl"])
def test_people_are_not_robot_senders(sender: str) -> None:
    assert verdict(message(REGISTRATION, sender=sender)).no_answer_reasons == ()


def test_robot_reply_to_is_a_robot_sender() -> None:
    result = verdict(message(REGISTRATION, headers="Reply-To: noreply@example.pl\n"))
    assert "robot sender" in result.no_answer_reasons


def test_null_sender() -> None:
    raw = b"Return-Path: <>\r\n" + message("Dziękuję za wiadomość.", subject="Re: X")
    result = verdict(raw)
    assert "null sender" in result.no_answer_reasons
    assert "header:return-path=<>" in result.signals
    assert result.kind is Kind.AUTO_REPLY


def test_own_mail() -> None:
    result = verdict(message(REGISTRATION, sender="Konferencja NGO <NGO@um.krakow.pl>"))
    assert "our own mail" in result.no_answer_reasons
    looped = verdict(message(REGISTRATION, headers="X-Mailbot-Loop: 1\n"))
    assert "our own mail" in looped.no_answer_reasons
    assert "header:x-mailbot-loop" in looped.signals


@pytest.mark.parametrize(("results", "failed"), [
    ("mx.um.krakow.pl; dmarc=fail (p=reject) header.from=example.pl", True),
    ("mx.um.krakow.pl; spf=fail smtp.mailfrom=example.pl; dkim=none", True),
    ("mx.um.krakow.pl; spf=fail smtp.mailfrom=example.pl; dkim=pass header.d=example.pl", False),
    ("mx.um.krakow.pl; spf=softfail smtp.mailfrom=example.pl", False),
    ("mx.um.krakow.pl; spf=pass; dkim=pass; dmarc=pass", False),
])
def test_failed_sender_authentication(results: str, failed: bool) -> None:
    raw = f"Authentication-Results: {results}\r\n".encode() + message(REGISTRATION)
    reasons = verdict(raw).no_answer_reasons
    assert ("failed sender authentication" in reasons) is failed


def test_authentication_results_below_our_server_are_ignored() -> None:
    raw = message(REGISTRATION).replace(
        b"MIME-Version", b"Received: from relay by mail.example.pl; Tue, 4 Mar 2014 09:00 +0100\r\n"
        b"Authentication-Results: forged; dmarc=fail\r\nMIME-Version")
    assert "failed sender authentication" not in verdict(raw).no_answer_reasons


def test_received_spf_fail_counts() -> None:
    raw = b"Received-SPF: Fail (mx.um.krakow.pl: domain does not designate)\r\n" + \
        message(REGISTRATION)
    assert "failed sender authentication" in verdict(raw).no_answer_reasons


def test_no_valid_sender_address() -> None:
    raw = message(REGISTRATION, sender="alice@example.org(<bob@example.com>")
    assert "no valid sender address" in verdict(raw).no_answer_reasons


def test_suppress_header_is_a_signal_not_a_reason() -> None:
    result = verdict(message(REGISTRATION, headers="X-Auto-Response-Suppress: All\n"))
    assert result.kind is None
    assert "header:x-auto-response-suppress=all" in result.signals
    assert result.no_answer_reasons == ()


def test_spam_flag_is_a_reason() -> None:
    result = verdict(devset("036"))
    assert result.kind is None
    assert "marked as spam" in result.no_answer_reasons


def test_devset_newsletter_is_list_mail() -> None:
    result = verdict(devset("012"))
    assert result.kind is None
    assert result.no_answer_reasons == ("list mail",)
    assert "header:precedence=bulk" in result.signals


def test_human_registration_has_no_signals() -> None:
    assert verdict(devset("001")) == Verdict(None, (), ())


def test_look_alike_sender_domain_is_never_answered() -> None:
    from mailbot.classify import mixed_script

    assert mixed_script("ex\u0430mple.org")  # Cyrillic a among Latin letters
    assert mixed_script("xn--exmple-4nf.org") or mixed_script("ex\u0430mple.org")
    assert not mixed_script("example.org")
    assert not mixed_script("zażółć.pl")  # Polish letters are Latin
    assert not mixed_script("пример.рф")  # one script throughout
