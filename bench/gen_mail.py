"""Seeded generator of realistic registration-mailbox traffic for the benchmarks (like the devset)."""

from __future__ import annotations

import argparse
import base64
import html
import quopri
import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.header import Header
from email.utils import format_datetime
from pathlib import Path

from mail_clients import header_block
from mail_headers import Envelope, bounce_block
from mail_parts import (
    AREAS,
    DISTRICTS,
    DOMAINS,
    FEMALE,
    MALE,
    ORG_NOUNS,
    ORG_STEMS,
    ORG_TYPES,
    QUESTIONS,
    ROLES,
    SURNAMES,
    contact_lines,
    docx_form,
    invitation_quote,
    mailing_html,
    pdf_form,
    postfix_bounce,
)
from mail_word import word_html

CET = timezone(timedelta(hours=1))
DEADLINE = datetime(2014, 3, 5, 23, 59, 59, tzinfo=CET)
START = datetime(2014, 2, 24, 7, 0, tzinfo=CET)
OFFICE = "ngo@um.krakow.pl"


@dataclass(frozen=True)
class Mail:
    """One generated message: its exact bytes and when the office's server received it."""

    raw: bytes
    internaldate: datetime
    kind: str


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    role: str
    phone: str
    email: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass(frozen=True)
class Org:
    name: str
    krs: str | None
    nip: str | None
    domain: str
    area: str


def ascii_only(text: str) -> str:
    """What a sender without Polish keyboard settings types ("Wspolnie dla Krakowa")."""
    text = text.replace("ł", "l").replace("Ł", "L").replace("„", '"').replace("”", '"')
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def nip(rng: random.Random) -> str:
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(8)]
        check = sum(d * w for d, w in zip(digits, (6, 5, 7, 2, 3, 4, 5, 6, 7), strict=True)) % 11
        if check < 10:
            text = "".join(map(str, [*digits, check]))
            return rng.choice([text, f"{text[:3]}-{text[3:6]}-{text[6:8]}-{text[8:]}",
                               f"{text[:3]}-{text[3:5]}-{text[5:7]}-{text[7:]}"])


def phone(rng: random.Random) -> str:
    mobile = f"{rng.choice('5678')}{rng.randint(0, 99):02d}{rng.randint(0, 999999):06d}"
    land = f"{rng.randint(200, 699)}{rng.randint(0, 9999):04d}"
    return rng.choice([f"{mobile[:3]} {mobile[3:6]} {mobile[6:]}", f"+48 {mobile}", mobile,
                       f"(12) {land[:3]} {land[3:5]} {land[5:]}", f"12 {land[:3]}-{land[3:5]}-{land[5:]}",
                       f"0 {mobile[:3]} {mobile[3:6]} {mobile[6:]}"])


def slug(text: str) -> str:
    return "".join(c for c in ascii_only(text).lower() if c.isalnum())


def make_person(rng: random.Random, domain: str | None) -> Person:
    female = rng.random() < 0.6
    first = rng.choice(FEMALE if female else MALE)
    last = rng.choice(SURNAMES)
    if female and last.endswith("ki"):
        last = last[:-1] + "a"
    user = rng.choice([f"{slug(first)}.{slug(last)}", f"{slug(first)[0]}.{slug(last)}",
                       f"{slug(last)}{rng.randint(1, 99)}"])
    host = domain or rng.choice(DOMAINS)
    return Person(first, last, rng.choice(ROLES), phone(rng), f"{user}@{host}")


def make_org(rng: random.Random) -> Org:
    kind = rng.choice(ORG_TYPES)
    noun, gender = rng.choice(ORG_NOUNS)
    stem = rng.choice(ORG_STEMS)
    soft = stem.endswith(("sk", "ck"))
    ending = {"m": "i" if soft else "y", "f": "a", "n": "ie" if soft else "e"}[gender]
    name = f"{kind} {stem}{ending} {noun}"
    if rng.random() < 0.6:
        name += " " + rng.choice(DISTRICTS)
    krs = f"0000{rng.randint(100000, 999999)}" if rng.random() < 0.4 else None
    domain = f"{slug(stem + ending + noun)[:18]}.org.pl" if rng.random() < 0.5 else ""
    return Org(name, krs, nip(rng) if rng.random() < 0.3 else None, domain, rng.choice(AREAS))


def fit(text: str, charset: str) -> str:
    """What a mail client writes in this charset: „ ” – are not in iso-8859-2 (nor ASCII)."""
    if charset == "windows-1250" or charset == "utf-8":
        return text
    text = text.replace("„", '"').replace("”", '"').replace("–", "-")
    return ascii_only(text) if charset == "us-ascii" else text


def encode_text(text: str, charset: str, cte: str) -> tuple[bytes, str]:
    text = fit(text, charset)
    data = text.replace("\n", "\r\n").encode(charset, errors="replace")
    if cte == "quoted-printable":
        return quopri.encodestring(data).replace(b"\r\n", b"\n").replace(b"=0D\n", b"\n"), cte
    if cte == "base64":
        return base64.encodebytes(data), cte
    return data.replace(b"\r\n", b"\n"), "8bit"


def text_part(text: str, subtype: str, charset: str, cte: str) -> bytes:
    body, cte = encode_text(text, charset, cte)
    return (f'Content-Type: text/{subtype}; charset="{charset}"\nContent-Transfer-Encoding: {cte}\n\n'
            .encode() + body)


def outlook_html(text: str) -> str:
    paras = "".join(f"<p class=MsoNormal>{line or '<o:p>&nbsp;</o:p>'}<o:p></o:p></p>\n"
                    for line in text.split("\n"))
    return ("<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><head><meta "
            "http-equiv=Content-Type content=\"text/html; charset=windows-1250\"><style><!--\n"
            "p.MsoNormal {margin:0cm; font-size:11.0pt; font-family:\"Calibri\",\"sans-serif\";}\n"
            "--></style></head><body lang=PL link=blue vlink=purple><div class=WordSection1>\n"
            f"{paras}</div></body></html>\n")


def simple_html(text: str) -> str:
    """The HTML alternative webmail and Gmail-style clients write: a div a line, <br> when blank."""
    lines = "".join(f"<div>{html.escape(line) if line else '<br>'}</div>" for line in text.split("\n"))
    return f'<div dir="ltr">{lines}</div>\n'


@dataclass(frozen=True)
class Style:
    """How the devset mix dresses a message: its own random source (the content's source stays
    the first generator's), the body's markup ("word", "divs", "plain" or "bounce"), whether it
    answers one of the office's mailings, and the remote host of a bounce ("" for our MX)."""

    rng: random.Random
    markup: str
    reply: bool = False
    remote: str = ""


def headers(rng: random.Random, sender: Person, subject: str, when: datetime, charset: str,
            extra: str = "", style: Style | None = None) -> bytes:
    hop = when - timedelta(seconds=rng.randint(1, 40))
    domain = sender.email.split("@")[1]
    name = sender.name if sender.name.isascii() else Header(fit(sender.name, charset), charset).encode()
    subj = subject if subject.isascii() else Header(fit(subject, charset), charset).encode()
    if name == sender.name:
        name = f'"{name}"'
    # Drawn in the first generator's order whether used or not: the content stays the same.
    octet, mx_id = rng.randint(2, 250), f"{rng.randrange(16**10):010X}"
    message_id = f"<{rng.randrange(16**16):016x}.{rng.randrange(10**6)}@{domain}>"
    if style is not None:
        env = Envelope(sender.email, f"{name} <{sender.email}>", subj, hop, when, mx_id, octet,
                       style.reply, tuple(extra.splitlines()))
        if style.markup == "bounce":
            return ("\n".join(bounce_block(style.rng, env, style.remote, f"198.51.100.{octet}"))
                    + "\n").encode("ascii")
        return header_block(style.rng, env, style.markup).encode("ascii")
    lines = [
        f"Return-Path: <{sender.email}>",
        f"Received: from mail.{domain} (mail.{domain} [198.51.100.{octet}])\n"
        f"\tby mx.um.krakow.pl (Postfix) with ESMTP id {mx_id}\n"
        f"\tfor <{OFFICE}>; {format_datetime(when)}",
        f"From: {name} <{sender.email}>",
        f"To: <{OFFICE}>",
        f"Subject: {subj}",
        f"Date: {format_datetime(hop)}",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
    ]
    if extra:
        lines.append(extra.rstrip("\n"))
    return ("\n".join(lines) + "\n").encode("ascii")


def multipart(subtype: str, parts: list[bytes], rng: random.Random) -> bytes:
    boundary = f"----=_NextPart_{rng.randrange(16**12):012X}"
    out = [f'Content-Type: multipart/{subtype};\n\tboundary="{boundary}"\n\n'
           "This is a multi-part message in MIME format.\n".encode()]
    for part in parts:
        out.append(f"\n--{boundary}\n".encode() + part)
    out.append(f"\n--{boundary}--\n".encode())
    return b"".join(out)


def attachment(name: str, ctype: str, data: bytes) -> bytes:
    encoded = Header(name, "utf-8").encode()
    return (f'Content-Type: {ctype}; name="{encoded}"\nContent-Transfer-Encoding: base64\n'
            f'Content-Disposition: attachment; filename="{encoded}"\n\n').encode() + \
        base64.encodebytes(data)


def registration_text(rng: random.Random, org: Org, people: list[Person], style: str) -> str:
    sender = people[0]
    greet = rng.choice(["Dzień dobry,", "Szanowni Państwo,", "Witam,", "Dobry wieczór,"])
    sign = f"{rng.choice(['Pozdrawiam', 'Z poważaniem', 'Pozdrawiam serdecznie'])}\n{sender.name}"
    details = [f"{sender.role}", org.name, f"tel. {sender.phone}"]
    ids = [f"KRS {org.krs}" if org.krs else "", f"NIP {org.nip}" if org.nip else ""]
    footer = "\n".join([*details, " | ".join(i for i in ids if i)]).rstrip()
    if style == "form":
        lines = [greet, "", "Formularz zgłoszeniowy – konferencja „Wspólnie dla Krakowa”", "",
                 f"Nazwa organizacji: {org.name}"]
        if org.krs:
            lines.append(f"Numer KRS: {org.krs}")
        for i, p in enumerate(people, 1):
            lines += [f"Uczestnik {i}: {p.name}", f"Funkcja: {p.role}", f"Telefon: {p.phone}",
                      f"E-mail: {p.email}"]
        lines += [f"Obszar działalności: {org.area}", "", sign]
        return "\n".join(lines) + "\n"
    if len(people) == 1:
        body = (f"zgłaszam swój udział w konferencji „Wspólnie dla Krakowa” 7 marca.\n"
                f"Reprezentuję {org.name} – zajmujemy się głównie: {org.area}.")
    else:
        listed = "\n".join(f"{i}. {p.name} – {p.role}" + (f", tel. {p.phone}" if i > 1 else ",")
                           for i, p in enumerate(people, 1))
        body = (f"w odpowiedzi na zaproszenie uprzejmie zgłaszam udział przedstawicieli "
                f"organizacji {org.name} w konferencji „Wspólnie dla Krakowa” (7 marca 2014 r.):\n"
                f"{listed}\n\nDziałamy w obszarze: {org.area}.")
    return f"{greet}\n\n{body}\n\n{sign}\n{footer}\n"


class Generator:
    """Builds the mix message by message; remembers organisations for follow-ups and cancels."""

    def __init__(self, seed: int, mix: str = "devset") -> None:
        if mix not in MIXES:
            raise ValueError(f"unknown mix {mix!r}; one of {', '.join(MIXES)}")
        self.rng = random.Random(seed)
        self.mix = mix
        self.orgs: list[tuple[Org, list[Person]]] = []
        # The devset mix's headers and extra body weight come from a second source, so the
        # messages' content (and what mailbot decides on it) is the first generator's.
        self.dress = random.Random(f"gen_mail dress {seed}")
        self.markup = "plain"

    def style(self, reply: bool = False, remote: str = "", markup: str = "") -> Style | None:
        """How to dress the message just built (None in the registrations mix: bare headers)."""
        if self.mix != "devset":
            return None
        return Style(self.dress, markup or self.markup, reply, remote)

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

    def charset(self) -> tuple[str, str]:
        charset = self.rng.choices(["utf-8", "iso-8859-2", "windows-1250"], [55, 30, 15])[0]
        return charset, self.rng.choice(["8bit", "quoted-printable", "base64"])

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

    def html_body(self, text: str, charset: str, cte: str, *, alternative: bool,
                  mailing: bool = False) -> tuple[bytes, str]:
        """An HTML body (Outlook's Word HTML or a webmail's divs), with a text/plain twin if
        `alternative`; Outlook writes windows-1250 quoted-printable. In the devset mix a
        `mailing`'s HTML is a mailing template's table layout instead."""
        if self.rng.random() < 0.5:
            self.markup = "word"
            word = word_html if self.mix == "devset" else outlook_html
            charset, cte, markup = "windows-1250", "quoted-printable", word(text)
        else:
            self.markup = "divs"
            markup = simple_html(text)
        if mailing and self.mix == "devset":
            markup = mailing_html(text, self.dress)
        html_part = text_part(markup, "html", charset, cte)
        if not alternative:
            return html_part, charset
        return multipart("alternative", [text_part(text, "plain", charset, cte), html_part],
                         self.rng), charset

    def text_body(self, text: str, charset: str, cte: str, mailing: bool = False) -> tuple[bytes, str]:
        """A non-registration's body: in the devset mix a third are multipart/alternative."""
        if self.mix == "devset" and self.rng.random() < 1 / 3:
            return self.html_body(text, charset, cte, alternative=True, mailing=mailing)
        self.markup = "plain"
        return text_part(text, "plain", charset, cte), charset

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
