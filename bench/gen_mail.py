"""Seeded generator of realistic registration-mailbox traffic for the benchmarks (like the devset)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

# The generator's parts live in mail_senders (who writes what) and mail_mime (MIME assembly);
# their names stay importable from here, where the benchmarks and tests have always taken them.
from mail_mime import (
    OFFICE,
    BodyBuilder,
    Style,
    attachment,
    encode_text,
    fit,
    headers,
    multipart,
    outlook_html,
    simple_html,
    text_part,
)
from mail_parts import QUESTIONS, contact_lines, docx_form, invitation_quote, pdf_form, postfix_bounce
from mail_senders import (
    Org,
    Person,
    ascii_only,
    make_org,
    make_person,
    nip,
    phone,
    registration_text,
    slug,
)

__all__ = [
    "CET", "DEADLINE", "DEVSET_KINDS", "MIXES", "OFFICE", "START", "BodyBuilder", "Generator", "Mail",
    "Org", "Person", "Style", "ascii_only", "attachment", "encode_text", "fit", "generate", "headers",
    "main", "make_org", "make_person", "multipart", "nip", "outlook_html", "phone", "registration_text",
    "simple_html", "slug", "text_part",
]

CET = timezone(timedelta(hours=1))
DEADLINE = datetime(2014, 3, 5, 23, 59, 59, tzinfo=CET)
START = datetime(2014, 2, 24, 7, 0, tzinfo=CET)


@dataclass(frozen=True)
class Mail:
    """One generated message: its exact bytes and when the office's server received it."""

    raw: bytes
    internaldate: datetime
    kind: str


class Generator(BodyBuilder):
    """Builds the mix message by message; remembers organisations for follow-ups and cancels."""

    def __init__(self, seed: int, mix: str = "devset") -> None:
        if mix not in MIXES:
            raise ValueError(f"unknown mix {mix!r}; one of {', '.join(MIXES)}")
        super().__init__(seed, mix)
        self.orgs: list[tuple[Org, list[Person]]] = []

    def form(self, org: Org, people: list[Person]) -> tuple[str, bytes, str]:
        """The filled-in form as an attachment: (file name, bytes, content type)."""
        if self.rng.random() < 0.5:
            full = self.dress if self.mix == "devset" else None
            return "formularz_zgloszeniowy.docx", docx_form(org, people, full), \
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        return "zgłoszenie.pdf", pdf_form(org, people, self.rng), "application/pdf"

    def when(self, late: bool) -> datetime:
        if late:
            return DEADLINE + timedelta(seconds=self.rng.randint(60, 36 * 3600))
        return START + timedelta(seconds=self.rng.randint(0, int((DEADLINE - START).total_seconds())))

    def registration(self, late: bool) -> Mail:
        rng = self.rng
        devset = self.mix == "devset"
        # The devset: 1 registration in 22 carries its form as a file (about 1 in 20 here).
        with_file = rng.random() < (0.05 if devset else 0.1)
        if self.orgs and rng.random() < 0.05:
            # A second mail from a known organisation: adds a person (the merge path).
            org, _ = rng.choice(self.orgs)
            people = [make_person(rng, org.domain or None)]
        else:
            org = make_org(rng)
            size = rng.choices([1, 2, 3], [6, 3, 1])[0]
            people = [make_person(rng, org.domain or None) for _ in range(size)]
            self.orgs.append((org, people))
        if devset:
            style = rng.choices(["letter", "form", "ascii", "reply"], [45, 15, 20, 20])[0]
            # The devset's 22 registrations: 11 multipart/alternative, 1 HTML only, 10 plain
            # (one of them with the attached form).
            layout = rng.choices(["plain", "alternative", "html"], [45, 50, 5])[0]
        else:
            style = rng.choices(["letter", "form", "ascii", "outlook", "reply"], [40, 15, 15, 20, 10])[0]
            layout = "outlook" if style == "outlook" else "plain"
        subject = rng.choice(["Zgłoszenie na konferencję 7 marca", "Zgłoszenie udziału w konferencji "
                              "„Wspólnie dla Krakowa”", "zgloszenie konferencja 7.03",
                              f"Zgłoszenie - {org.name}", "Konferencja 7.03.2014 - zgłoszenie uczestników"])
        text = registration_text(rng, org, people, "form" if style == "form" else "letter")
        if with_file:
            filename, data, ctype = self.form(org, people)
            text = (f"Dzień dobry,\n\nw załączeniu przesyłam wypełniony formularz zgłoszeniowy "
                    f"na konferencję „Wspólnie dla Krakowa”.\n\nPozdrawiam\n{people[0].name}\n"
                    f"{org.name}\ntel. {people[0].phone}\n")
        if style == "ascii":
            text, subject = ascii_only(text), ascii_only(subject)
        if style == "reply":
            subject = "ODP: Zaproszenie na konferencję \"Wspólnie dla Krakowa\" - 7 marca 2014 r."
            text += invitation_quote()
        when = self.when(late)
        charset, cte = self.charset()
        self.markup = "plain"
        if layout == "outlook":
            charset = "windows-1250"
            body = multipart("alternative", [text_part(text, "plain", charset, "quoted-printable"),
                                             text_part(outlook_html(text), "html", charset,
                                                       "quoted-printable")], rng)
        elif layout in ("alternative", "html"):
            body, charset = self.html_body(text, charset, cte, alternative=layout == "alternative")
        else:
            body = text_part(text, "plain", charset, cte)
        if with_file:
            body = multipart("mixed", [body, attachment(filename, ctype, data)], rng)
        head = headers(rng, people[0], subject, when, charset, style=self.style(style == "reply"))
        return Mail(head + body, when, "registration")

    def auto_reply(self) -> Mail:
        rng = self.rng
        person = make_person(rng, None)
        subject = rng.choice(["Urlop – odpowiedź automatyczna", "Automatyczna odpowiedź: Zaproszenie "
                              "na konferencję", "Out of Office: Zaproszenie", "Nieobecność w biurze"])
        back = (START + timedelta(days=rng.randint(3, 14))).strftime("%d.%m.%Y")
        text = (f"Dzień dobry,\n\ndziękuję za wiadomość. Do {back} przebywam na urlopie z ograniczonym "
                f"dostępem do poczty.\nW sprawach pilnych proszę dzwonić pod numer {person.phone}.\n\n"
                f"{person.name}\n")
        charset, cte = self.charset()
        extra = rng.choice(["Auto-Submitted: auto-replied\nX-Autoreply: yes", "X-Auto-Response-Suppress: All",
                            "Precedence: auto_reply"])
        when = self.when(False)
        body, charset = self.text_body(text, charset, cte)
        head = headers(rng, person, subject, when, charset, extra, self.style(reply=True))
        return Mail(head + body, when, "auto_reply")

    def bounce(self) -> Mail:
        rng = self.rng
        lost = make_person(rng, None)
        daemon = Person("Mail", "Delivery System", "", "", "MAILER-DAEMON@mx.um.krakow.pl")
        when = self.when(rng.random() < 0.1)
        ours = f"<mailbot.m{rng.randint(1, 9999)}-confirmation@um.krakow.pl>"
        report = (f"This is the mail system at host mx.um.krakow.pl.\n\nI'm sorry to have to inform "
                  f"you that your message could not\nbe delivered to one or more recipients.\n\n"
                  f"<{lost.email}>: host mail.{lost.email.split('@')[1]} said: 550 5.1.1 "
                  f"<{lost.email}>: Recipient address rejected: User unknown\n")
        status = (f"Reporting-MTA: dns; mx.um.krakow.pl\n\nFinal-Recipient: rfc822; {lost.email}\n"
                  f"Action: failed\nStatus: 5.1.1\n")
        original = (f"From: {OFFICE}\nTo: {lost.email}\nSubject: Potwierdzenie zgłoszenia\n"
                    f"Message-ID: {ours}\n")
        parts = [text_part(report, "plain", "us-ascii", "8bit"),
                 b"Content-Type: message/delivery-status\n\n" + status.encode(),
                 b"Content-Type: text/rfc822-headers\n\n" + original.encode()]
        remote = ""
        if self.mix == "devset":
            parts, remote = postfix_bounce(self.dress, lost, ours, when, report)
        body = multipart('report; report-type="delivery-status"', parts, rng)
        head = headers(rng, daemon, "Undelivered Mail Returned to Sender", when, "us-ascii",
                       "Auto-Submitted: auto-replied", self.style(remote=remote, markup="bounce"))
        head = head.replace(b'From: "Mail Delivery System" <', b"From: Mail Delivery System <")
        return Mail(head + body, when, "bounce")

    def letter(self, kind: str) -> Mail:
        rng = self.rng
        org, people = rng.choice(self.orgs) if self.orgs else (make_org(rng), [make_person(rng, None)])
        sender = people[0]
        if kind == "cancellation":
            subject = f"Rezygnacja z udziału – {org.name}"
            text = (f"Dzień dobry,\n\nniestety z przyczyn od nas niezależnych {org.name} nie weźmie "
                    f"udziału w konferencji 7 marca. Prosimy o wykreślenie z listy uczestników "
                    f"{sender.name}.\n\nPrzepraszamy za kłopot.\n\n{sender.name}\n{sender.role}\n")
        elif kind == "question":
            sender = make_person(rng, None)
            subject = rng.choice(["Pytanie o konferencję", "konferencja 7 marca - pytanie"])
            text = (f"Dzień dobry,\n\nczy na konferencję można zgłosić więcej niż dwie osoby z jednej "
                    f"organizacji? Czy przewidziany jest parking dla uczestników?\n\n"
                    f"Pozdrawiam\n{sender.name}\n")
            if self.mix == "devset":
                # What else people ask in the same letter (the devset's questions run longer).
                more = self.dress.choice(QUESTIONS)
                if more:
                    text = text.replace("\n\nPozdrawiam\n", f"\n\n{more}\n\nPozdrawiam\n")
                text += contact_lines(self.dress, sender)
        else:
            sender = make_person(rng, None)
            subject = rng.choice(["Newsletter – marzec 2014", "Zaproszenie na wernisaż"])
            text = (f"Szanowni Państwo,\n\nzapraszamy na nasze wydarzenia w marcu. Szczegóły na "
                    f"stronie.\n\n{sender.name}\n")
        charset, cte = self.charset()
        when = self.when(False)
        body, charset = self.text_body(text, charset, cte, mailing=kind == "other")
        return Mail(headers(rng, sender, subject, when, charset, style=self.style()) + body, when, kind)

    def one(self) -> Mail:
        roll = self.rng.random()
        if self.mix == "devset":
            return self.devset_one(roll)
        if roll < 0.66:
            return self.registration(late=False)
        if roll < 0.72:
            return self.registration(late=True)
        if roll < 0.80:
            return self.auto_reply()
        if roll < 0.85:
            return self.bounce()
        if roll < 0.89:
            return self.letter("cancellation")
        if roll < 0.96:
            return self.letter("question")
        return self.letter("other")

    def devset_one(self, roll: float) -> Mail:
        """The devset's proportions (36 messages): 20 registrations in time and 2 late, 3
        auto-replies, 3 bounces, 2 cancellations, 3 questions, 3 others."""
        for bound, make in DEVSET_KINDS:
            if roll < bound:
                return make(self)
        return self.letter("other")


DEVSET_KINDS: tuple[tuple[float, Callable[[Generator], Mail]], ...] = (
    (20 / 36, lambda g: g.registration(late=False)),
    (22 / 36, lambda g: g.registration(late=True)),
    (25 / 36, Generator.auto_reply),
    (28 / 36, Generator.bounce),
    (30 / 36, lambda g: g.letter("cancellation")),
    (33 / 36, lambda g: g.letter("question")),
)
# "devset": the proportions of kinds and layouts of shared/devset (the issue's "a mix like the
# devset"). "registrations": the first generator's mix (72 % registrations, 20 % of them with
# HTML, 10 % with a file), kept to compare with the figures taken on it.
MIXES = ("devset", "registrations")


def generate(count: int, seed: int = 1, mix: str = "devset") -> list[Mail]:
    """count messages with CRLF line ends, in the order the server received them."""
    gen = Generator(seed, mix)
    mails = [gen.one() for _ in range(count)]
    mails.sort(key=lambda m: m.internaldate)
    return [Mail(m.raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), m.internaldate, m.kind)
            for m in mails]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--mix", choices=MIXES, default="devset")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "data" / "mail")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    mails = generate(args.count, args.seed, args.mix)
    for i, mail in enumerate(mails, 1):
        (args.out / f"{i:05d}.eml").write_bytes(mail.raw)
    kinds: dict[str, int] = {}
    for mail in mails:
        kinds[mail.kind] = kinds.get(mail.kind, 0) + 1
    size = sum(len(m.raw) for m in mails)
    print(f"{len(mails)} messages, {size / 1e6:.1f} MB in {args.out}: {kinds}")


if __name__ == "__main__":
    main()
