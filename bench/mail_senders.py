"""Who writes to the office in the generated mail: people, organisations, their registration letters."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

from mail_parts import (
    AREAS,
    DISTRICTS,
    DOMAINS,
    FEMALE,
    MALE,
    ORG_NOUNS,
    ORG_STEMS,
    ORG_TYPES,
    ROLES,
    SURNAMES,
    attendee_form_lines,
)


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
        lines += attendee_form_lines(people)
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
