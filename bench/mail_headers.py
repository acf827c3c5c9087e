"""Header blocks of generated mail: what the office's MX adds on delivery, and the path the mail
took to it (the shapes of shared/devset); the sending clients' own headers are in mail_clients."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

OFFICE = "ngo@um.krakow.pl"
MX = "mx.um.krakow.pl"
PST = timezone(timedelta(hours=-8))
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# The office's amavis verdicts seen in the devset: (score, tests, autolearn). Never "Yes": a
# spam flag makes mailbot withhold the answer, and the generated mail is the office's real mail.
_SPAM = (
    ("-0.999", "tests=[BAYES_20=-0.001, RP_MATCHES_RCVD=-0.998]", "ham"),
    ("-1.001", "tests=[BAYES_00=-1.9, RDNS_NONE=0.793, SPF_PASS=-0.001,\n\tT_RP_MATCHES_RCVD=0.107]",
     "ham"),
    ("1.212", "tests=[BAYES_50=0.8, RDNS_DYNAMIC=0.363, SPF_HELO_PASS=-0.001,\n\tSPF_PASS=-0.001, "
     "T_REMOTE_IMAGE=0.051]", "no"),
    ("-1.9", "tests=[BAYES_00=-1.9]", "ham"),
    ("-2.599", "tests=[BAYES_00=-1.9, RCVD_IN_DNSWL_LOW=-0.7, SPF_PASS=-0.001,\n\tFREEMAIL_FROM=0.001, "
     "T_RP_MATCHES_RCVD=0.001]", "ham"),
    ("-0.1", "tests=[BAYES_50=0.8, RCVD_IN_DNSWL_LOW=-0.7, T_RP_MATCHES_RCVD=-0.2]", "ham"),
    ("0.01", "tests=[BAYES_50=0.8, RP_MATCHES_RCVD=-0.79]", "no"),
)
_TLS = ("(using TLSv1 with cipher ECDHE-RSA-AES256-SHA (256/256 bits))",
        "(using TLSv1 with cipher ECDHE-RSA-RC4-SHA (128/128 bits))")
# The office's earlier mailings a reply or an auto-reply answers (the invitation, a reminder).
OFFICE_IDS = ("<530F17A7.3907966@um.krakow.pl>", "<5314A263.4363960@um.krakow.pl>",
              "<53143978.5797319@um.krakow.pl>")
ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True)
class Envelope:
    """What every header block needs: who sent what when, as the generator decided it."""

    sender: str          # the sender's address
    from_value: str      # the From: value as the generator encoded it
    subject: str         # the Subject: value, already encoded
    date: datetime       # the client's Date
    received: datetime   # when the office's MX received it (the decision's time)
    mx_id: str           # the MX's Postfix queue id
    octet: int           # the last octet of the relay's address as the MX saw it
    reply: bool          # answers one of the office's mailings (In-Reply-To, References)
    extra: tuple[str, ...] = ()  # header lines the kind needs (auto-reply markers)

    @property
    def domain(self) -> str:
        return self.sender.rpartition("@")[2]


def postfix_date(when: datetime) -> str:
    """Postfix's stamp: the day space-padded, the zone's name after the offset."""
    return (f"{_DAYS[when.weekday()]}, {when.day:2d} {_MONTHS[when.month - 1]} {when.year} "
            f"{when:%H:%M:%S} +0100 (CET)")


def mail_date(when: datetime, *, pad: bool = False, zone: str = "+0100") -> str:
    """A client's Date value: "Sat, 1 Mar 2014 11:30:41 +0100" (Outlook) or zero-padded."""
    day = f"{when.day:02d}" if pad else str(when.day)
    return f"{_DAYS[when.weekday()]}, {day} {_MONTHS[when.month - 1]} {when.year} {when:%H:%M:%S} {zone}"


def pst_date(when: datetime, pad: bool = True) -> str:
    """Google's internal stamps are in Pacific time."""
    return mail_date(when.astimezone(PST), pad=pad, zone="-0800") + " (PST)"


def hexid(rng: random.Random, digits: int, upper: bool = True) -> str:
    text = f"{rng.randrange(16 ** digits):0{digits}x}"
    return text.upper() if upper else text


def token(rng: random.Random, length: int, alphabet: str = ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


def between(rng: random.Random, env: Envelope, share: float) -> datetime:
    """A moment on the way: `share` of the way from the client's Date to the MX's stamp."""
    span = (env.received - env.date).total_seconds()
    return env.date + timedelta(seconds=int(span * share) + rng.randint(0, 1) * (span > 2))


def spam_block(rng: random.Random) -> list[str]:
    score, tests, autolearn = rng.choice(_SPAM)
    level = "*" * int(float(score)) if float(score) >= 1 else ""
    return ["X-Virus-Scanned: amavisd-new at um.krakow.pl", "X-Spam-Flag: NO",
            f"X-Spam-Score: {score}", f"X-Spam-Level: {level}",
            f"X-Spam-Status: No, score={score} tagged_above=-999 required=6.2\n\t{tests}\n"
            f"\tautolearn={autolearn}"]


def delivery(rng: random.Random, env: Envelope, host: str, ip: str, *, tls: bool,
             null_sender: bool = False) -> list[str]:
    """What the office's MX writes on top of every message from outside: the envelope, the
    virus and spam checks, and its Received line (topmost; its stamp is the decision's time)."""
    lines = [f"Return-Path: <{'' if null_sender else env.sender}>", f"X-Original-To: {OFFICE}",
             f"Delivered-To: {OFFICE}", *spam_block(rng)]
    hop = f"Received: from {host} ({host} [{ip}])\n"
    if tls:
        cipher = _TLS[1] if host.endswith(".google.com") else _TLS[0]
        hop += f"\t{cipher}\n\t(No client certificate requested)\n"
    hop += (f"\tby {MX} (Postfix) with ESMTP{'S' if tls else ''} id {env.mx_id}\n"
            f"\tfor <{OFFICE}>; {postfix_date(env.received)}")
    return [*lines, hop]


def submission(rng: random.Random, env: Envelope, relay: str, client_host: str, *, postfix: bool,
               seen_as: str = "") -> str:
    """The relay's own Received line for mail a client handed it (SMTP AUTH); `seen_as` is how
    the relay names the client ("localhost [127.0.0.1]" for a webmail on the same host)."""
    when = between(rng, env, 0.5)
    if relay.endswith(".google.com"):
        return (f"Received: from {client_host} (host-{rng.randint(2, 250)}.dynamic.example "
                f"[192.0.2.{rng.randint(2, 250)}])\n        by mx.google.com with ESMTPSA id "
                f"{token(rng, 2)}{rng.randint(10**6, 10**7)}{token(rng, 3)}.{rng.randint(1, 60)}.2014."
                f"{rng.randint(1, 9)}\n        for <{OFFICE}>\n        (version=TLSv1 "
                f"cipher=ECDHE-RSA-RC4-SHA bits=128/128);\n        {pst_date(when)}")
    if postfix:
        seen_as = seen_as or f"unknown [192.0.2.{rng.randint(2, 250)}]"
        return (f"Received: from {client_host} ({seen_as})\n"
                f"\t(Authenticated sender: {env.sender})\n"
                f"\tby {relay} (Postfix) with ESMTPSA id {hexid(rng, 10)}\n"
                f"\tfor <{OFFICE}>; {postfix_date(when)}")
    return (f"Received: from {client_host} ([192.168.{rng.randint(0, 10)}.{rng.randint(2, 120)}])\n"
            f"\tby {relay} with ESMTPA id {hexid(rng, 12)}\n"
            f"\tfor <{OFFICE}>; {mail_date(when)}")


def replying(rng: random.Random, env: Envelope) -> list[str]:
    """In-Reply-To and References of a reply (none for a new message)."""
    if not env.reply:
        return []
    ours = rng.choice(OFFICE_IDS)
    return [f"In-Reply-To: {ours}", f"References: {ours}"]


def bounce_block(rng: random.Random, env: Envelope, remote: str, ip: str) -> list[str]:
    """A bounce: the office's own MX (no scan, one Received) or a remote Postfix sending back
    through the MX (scanned, two Received); the null sender either way."""
    if not remote:
        return ["Return-Path: <>", f"X-Original-To: {OFFICE}", f"Delivered-To: {OFFICE}",
                f"Received: by {MX} (Postfix)\n\tid {env.mx_id}; {postfix_date(env.received)}",
                f"Date: {postfix_date(env.date)}",
                f"From: MAILER-DAEMON@{MX} (Mail Delivery System)",
                f"Subject: {env.subject}", f"To: {OFFICE}", *env.extra, "MIME-Version: 1.0",
                f"Message-Id: <{env.received:%Y%m%d%H%M%S}.{env.mx_id}@{MX}>"]
    lines = delivery(rng, env, remote, ip, tls=rng.random() < 0.5, null_sender=True)
    queue = hexid(rng, 10)
    return [*lines,
            f"Received: by {remote} (Postfix)\n\tid {queue}; {postfix_date(between(rng, env, 0.5))}",
            f"Date: {postfix_date(env.date)}",
            f"From: MAILER-DAEMON@{remote} (Mail Delivery System)",
            f"Subject: {env.subject}", f"To: {OFFICE}", *env.extra, "MIME-Version: 1.0",
            f"Message-Id: <{env.date:%Y%m%d%H%M%S}.{queue}@{remote}>"]
