"""The sending client's part of a generated message's header block, one writer per client the
devset shows (Outlook, Exchange, Thunderbird, Gmail, the Polish portals' webmail, phones...)."""

from __future__ import annotations

import base64
import random
from collections.abc import Callable

from mail_headers import (
    ALNUM,
    OFFICE,
    Envelope,
    between,
    delivery,
    hexid,
    mail_date,
    postfix_date,
    pst_date,
    replying,
    submission,
    token,
)

MIXED = ALNUM + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
B64 = MIXED + "+/"
# Free-mail domains: the portal whose webmail writes their mail.
PORTALS = {"gmail.com": "gmail", "wp.pl": "wp", "o2.pl": "o2", "tlen.pl": "o2",
           "poczta.onet.pl": "onet", "op.pl": "onet", "vp.pl": "onet", "interia.pl": "interia",
           "gazeta.pl": "gazeta"}
# The host that hands a free-mail domain's mail to the office's MX, and its network.
_RELAYS = {"gmail": ("mail-{pod}-f{n}.google.com", "74.125.82"), "onet": ("smtpo{n}.poczta.onet.pl",
           "213.180.142"), "o2": ("rekin{n}.go2.pl", "193.17.41"), "wp": ("mx{n}.wp.pl", "212.77.101"),
           "interia": ("smtpo.poczta.interia.pl", "217.74.65"), "gazeta": ("smtp{n}.agora.pl",
                                                                              "193.42.231")}
Writer = Callable[[random.Random, Envelope], list[str]]


def relay(rng: random.Random, env: Envelope) -> tuple[str, str]:
    """(host, address) of the server that handed the message to the office's MX."""
    portal = PORTALS.get(env.domain)
    if portal:
        pattern, net = _RELAYS[portal]
        pod = rng.choice(["we0", "ea0", "wg0", "ee0", "wi0"])
        return pattern.format(pod=pod, n=env.octet), f"{net}.{env.octet}"
    host = rng.choice(["mail", "poczta", "smtp"])
    return f"{host}.{env.domain}", f"{rng.choice(['198.51.100', '203.0.113'])}.{env.octet}"


def to_value(rng: random.Random, env: Envelope) -> str:
    if env.reply:
        return rng.choice([f"Konferencja NGO <{OFFICE}>", f'"Konferencja NGO" <{OFFICE}>'])
    return rng.choice([OFFICE, OFFICE, f"<{OFFICE}>"])


def pc_name(rng: random.Random, env: Envelope) -> str:
    first = env.sender.partition("@")[0].split(".")[0].strip("0123456789") or "user"
    return rng.choice([f"{first.capitalize()}PC", first.upper()[:10], "Komputer", "Biuro",
                       "Sekretariat", f"{first.capitalize()}-Laptop"])


def dkim(rng: random.Random, domain: str, signed: str) -> str:
    sig = base64.b64encode(rng.randbytes(256)).decode()
    rows = [sig[:62]] + [sig[i:i + 70] for i in range(62, len(sig), 70)]
    body = "\n         ".join(rows)
    return (f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\n        d={domain}; s=20120113;\n"
            f"        h={signed};\n        bh={base64.b64encode(rng.randbytes(32)).decode()};\n"
            f"        b={body}")


def gmail(rng: random.Random, env: Envelope) -> list[str]:
    host, ip = relay(rng, env) if env.domain == "gmail.com" else (
        f"mail-{rng.choice(['we0', 'ea0'])}-f{env.octet}.google.com", f"209.85.215.{env.octet}")
    sent = between(rng, env, 0.7)
    signed = ("mime-version:in-reply-to:references:date:message-id:subject:from:to\n         "
              ":content-type" if env.reply else "mime-version:date:message-id:subject:from:to:content-type")
    inner = f"10.{rng.randint(2, 200)}.{rng.randint(1, 254)}.{rng.randint(1, 254)}"
    return [*delivery(rng, env, host, ip, tls=True),
            f"Received: by {host} with SMTP id {token(rng, 3)}{rng.randint(10**6, 10**7)}"
            f"{token(rng, 3)}.{rng.randint(1, 60)}\n        for <{OFFICE}>; {pst_date(sent)}",
            dkim(rng, env.domain, signed), "MIME-Version: 1.0",
            f"X-Received: by 10.{rng.randint(2, 60)}.{rng.randint(1, 254)}.{rng.randint(1, 254)} with SMTP "
            f"id {token(rng, 5)}mr{rng.randint(10**7, 10**8)}{token(rng, 3)}.{rng.randint(1, 60)}."
            f"{int(sent.timestamp()) * 1000 + rng.randint(0, 999)};\n        {pst_date(sent)}",
            f"Received: by {inner} with HTTP; {pst_date(env.date, pad=False)}",
            *env.extra, *replying(rng, env), f"Date: {mail_date(env.date, pad=rng.random() < 0.5)}",
            f"Message-ID: <CA{token(rng, 42, MIXED + '-_=+')}@mail.gmail.com>",
            f"Subject: {env.subject}", f"From: {env.from_value}", f"To: {to_value(rng, env)}"]


def onet(rng: random.Random, env: Envelope) -> list[str]:
    host, ip = relay(rng, env)
    pmq, client = f"pmq{rng.randint(1, 9)}v.m5r2.onet", f"192.0.2.{rng.randint(2, 250)}"
    return [*delivery(rng, env, host, ip, tls=True),
            f"Received: from {pmq} ({pmq} [10.174.35.{rng.randint(2, 250)}])\n"
            f"\tby smtp.poczta.onet.pl (Onet) with ESMTP id {token(rng, 10, MIXED)}\n"
            f"\tfor <{OFFICE}>; {mail_date(between(rng, env, 0.6))}",
            f"Received: from [{client}] by {pmq} via HTTP id {rng.randrange(10**12):012d}; "
            f"{mail_date(env.date)}",
            f"From: {env.from_value}", f"To: {to_value(rng, env)}", f"Date: {mail_date(env.date)}",
            f"Subject: {env.subject}", *replying(rng, env), *env.extra, "X-Mailer: onet.poczta",
            f"X-Onet-PMQ: <{env.sender}>;{client};PL;2",
            f"Message-Id: <{rng.randrange(10**8):08d}.{token(rng, 10)}@{env.domain}>"]


def o2(rng: random.Random, env: Envelope) -> list[str]:
    host, ip = relay(rng, env)
    return [*delivery(rng, env, host, ip, tls=False),
            f"Received: from {host} (unknown [127.0.0.1])\n\tby {host} (Postfix) with ESMTP id "
            f"{hexid(rng, 10)}\n\tfor <{OFFICE}>; {postfix_date(between(rng, env, 0.6))}",
            f"Received: from o2.pl (unknown [10.245.208.{rng.randint(2, 250)}])\n\tby {host} (Postfix) "
            f"with SMTP\n\tfor <{OFFICE}>; {postfix_date(env.date)}",
            f"Subject: {env.subject}", f"From: {env.from_value}", f"To: {to_value(rng, env)}",
            f"Date: {mail_date(env.date)}", *replying(rng, env), *env.extra,
            f"Message-Id: <{rng.randrange(10**10):010d}.{token(rng, 8)}@go2.pl>",
            "X-Mailer: o2.pl-webmail"]


def wp(rng: random.Random, env: Envelope) -> list[str]:
    host, ip = relay(rng, env)
    client = f"192.0.2.{rng.randint(2, 250)}"
    return [*delivery(rng, env, host, ip, tls=True),
            f"Received: (wp-smtpd smtp.wp.pl {rng.randint(1000, 30000)} invoked from network); "
            f"{mail_date(between(rng, env, 0.6))}",
            f"Received: from [{client}] (envelope-sender <{env.sender}>)\n          by smtp.wp.pl "
            f"(WP-SMTPD) with SMTP\n          for <{OFFICE}>; {mail_date(env.date)}",
            "X-WP-AV: skaner antywirusowy poczty Wirtualnej Polski S. A.",
            f"X-WP-SPAM: NO 0000000 [{token(rng, 4, MIXED)}]", f"Date: {mail_date(env.date)}",
            f"From: {env.from_value}", f"To: {to_value(rng, env)}", f"Subject: {env.subject}",
            *replying(rng, env), *env.extra,
            f"Message-ID: <{token(rng, 24, 'abcdef0123456789')}@poczta.wp.pl>",
            "X-Mailer: Poczta WP", f"X-WP-MailID: {token(rng, 32, 'abcdef0123456789')}",
            f"X-WP-IP: {client}"]


def interia(rng: random.Random, env: Envelope) -> list[str]:
    host, ip = relay(rng, env)
    client = f"192.0.2.{rng.randint(2, 250)}"
    front = f"f{rng.randint(1, 20)}.poczta.interia.pl"
    return [*delivery(rng, env, host, ip, tls=True),
            f"Received: from localhost (localhost [127.0.0.1])\n\tby smtp.poczta.interia.pl (INTERIA.PL)"
            f" with ESMTP id {hexid(rng, 12, upper=False)}\n\tfor <{OFFICE}>; "
            f"{mail_date(between(rng, env, 0.7))}",
            f"Received: from {front} ({front} [10.217.2.{rng.randint(2, 250)}])\n\tby smtp.poczta."
            f"interia.pl (INTERIA.PL) with ESMTP id {hexid(rng, 12, upper=False)}\n\tfor <{OFFICE}>; "
            f"{mail_date(between(rng, env, 0.3))}",
            f"Date: {mail_date(env.date, pad=True)}", f"From: {env.from_value}",
            f"Subject: {env.subject}", f"To: {to_value(rng, env)}", *replying(rng, env), *env.extra,
            "X-Mailer: interia.pl/pf09", f"X-Originating-IP: {client}",
            f"Message-Id: <{token(rng, 24)}@interia.pl>"]


def outlook(rng: random.Random, env: Envelope) -> list[str]:
    """Outlook 2007/2010/2013 through the organisation's (or the portal's) SMTP server."""
    host, ip = relay(rng, env)
    mailer = rng.choice(["Microsoft Outlook 14.0", "Microsoft Outlook 14.0", "Microsoft Office Outlook 12.0",
                         "Microsoft Outlook 15.0"])
    index = base64.b64encode(b"\x01\xcf" + rng.randbytes(20)).decode()
    return [*delivery(rng, env, host, ip, tls=rng.random() < 0.6),
            submission(rng, env, host, pc_name(rng, env), postfix=False),
            f"From: {env.from_value}", f"To: {to_value(rng, env)}", *replying(rng, env),
            f"Subject: {env.subject}", f"Date: {mail_date(env.date)}",
            f"Message-ID: <{hexid(rng, 4, upper=False)}01cf{hexid(rng, 4, upper=False)}"
            f"${hexid(rng, 8, upper=False)}${hexid(rng, 8, upper=False)}$@{env.domain}>",
            *env.extra, "MIME-Version: 1.0", f"X-Mailer: {mailer}", f"Thread-Index: {index}",
            "Content-Language: pl"]


def exchange(rng: random.Random, env: Envelope) -> list[str]:
    """Outlook on the organisation's Exchange server (MAPI), as 014 shows."""
    host, ip = relay(rng, env)
    server = f"EXCH0{rng.randint(1, 3)}.{env.domain.split('.')[0][:6]}.local"
    v6 = ":".join(hexid(rng, 4, upper=False) for _ in range(4))
    msgid = f"<{hexid(rng, 32)}@{server}>"
    index = base64.b64encode(b"\x01\xcf" + rng.randbytes(20)).decode()
    return [*delivery(rng, env, host, ip, tls=rng.random() < 0.7),
            f"Received: from {server} ([fe80::{v6}]) by {server}\n ([fe80::{v6}%11]) with mapi id "
            f"14.03.0158.001; {mail_date(env.date)}",
            f"From: {env.from_value}", f"To: {to_value(rng, env)}", f"Subject: {env.subject}",
            f"Thread-Topic: {env.subject}", f"Thread-Index: {index}", f"Date: {mail_date(env.date)}",
            f"Message-ID: {msgid}", *replying(rng, env), "Accept-Language: pl-PL, en-US",
            "Content-Language: pl-PL", "X-MS-Has-Attach: ", "X-MS-Exchange-Organization-AuthAs: Internal",
            "X-MS-Exchange-Organization-AuthMechanism: 04",
            f"X-MS-Exchange-Organization-AuthSource: {server}", "X-MS-TNEF-Correlator: ",
            *env.extra, f"x-originating-ip: [10.0.0.{rng.randint(2, 250)}]", "MIME-Version: 1.0"]


def live_mail(rng: random.Random, env: Envelope) -> list[str]:
    """Windows Live Mail and Outlook Express: the priority trio and X-MimeOLE."""
    host, ip = relay(rng, env)
    pc = pc_name(rng, env)
    mailer, ole = rng.choice([("Microsoft Windows Live Mail 16.4.3528.331", "V16.4.3528.331"),
                              ("Microsoft Outlook Express 6.00.2900.5931", "V6.00.2900.6157")])
    return [*delivery(rng, env, host, ip, tls=rng.random() < 0.5),
            submission(rng, env, host, pc, postfix=True),
            f"Message-ID: <{hexid(rng, 32)}@{pc}>", f"From: {env.from_value}",
            f"To: {to_value(rng, env)}", *replying(rng, env), f"Subject: {env.subject}",
            f"Date: {mail_date(env.date)}", "MIME-Version: 1.0", *env.extra, "X-Priority: 3",
            "X-MSMail-Priority: Normal", "Importance: Normal", f"X-Mailer: {mailer}",
            f"X-MimeOLE: Produced By Microsoft MimeOLE {ole}"]


def thunderbird(rng: random.Random, env: Envelope) -> list[str]:
    host, ip = relay(rng, env)
    agent = rng.choice(["Mozilla/5.0 (Windows NT 6.1; WOW64; rv:24.0) Gecko/20100101 Thunderbird/24.3.0",
                        "Mozilla/5.0 (Windows NT 6.1; rv:24.0) Gecko/20100101 Thunderbird/24.3.0",
                        "Mozilla/5.0 (X11; Linux x86_64; rv:24.0) Gecko/20100101 Thunderbird/24.2.0"])
    return [*delivery(rng, env, host, ip, tls=rng.random() < 0.8),
            submission(rng, env, host, f"[192.168.1.{rng.randint(2, 120)}]", postfix=True),
            f"Message-ID: <{hexid(rng, 8)}.{rng.randrange(10**7):07d}@{env.domain}>",
            f"Date: {mail_date(env.date)}", f"From: {env.from_value}", f"User-Agent: {agent}",
            "MIME-Version: 1.0", f"To: {to_value(rng, env)}", *replying(rng, env),
            f"Subject: {env.subject}", *env.extra]


def roundcube(rng: random.Random, env: Envelope) -> list[str]:
    host, ip = relay(rng, env)
    return [*delivery(rng, env, host, ip, tls=True),
            submission(rng, env, host, "localhost", postfix=True, seen_as="localhost [127.0.0.1]"),
            "MIME-Version: 1.0", f"Date: {mail_date(env.date)}", f"From: {env.from_value}",
            f"To: {to_value(rng, env)}", f"Subject: {env.subject}", *replying(rng, env), *env.extra,
            f"Message-ID: <{hexid(rng, 32, upper=False)}@{env.domain}>", f"X-Sender: {env.sender}",
            "User-Agent: Roundcube Webmail/0.9.5"]


def phone(rng: random.Random, env: Envelope) -> list[str]:
    """iPhone Mail or K-9 on Android, through the sender's SMTP server."""
    host, ip = relay(rng, env)
    lines = [*delivery(rng, env, host, ip, tls=True),
             submission(rng, env, host, f"[10.{rng.randint(1, 250)}.{rng.randint(1, 250)}.7]", postfix=True)]
    uuid = "-".join(hexid(rng, n) for n in (8, 4, 4, 4, 12))
    if rng.random() < 0.5:
        return [*lines, f"From: {env.from_value}", "X-Mailer: iPhone Mail (11B554a)",
                f"Message-Id: <{uuid}@{env.domain}>", f"Date: {mail_date(env.date)}",
                f"To: {to_value(rng, env)}", *replying(rng, env), *env.extra, "Mime-Version: 1.0 (1.0)",
                f"Subject: {env.subject}"]
    return [*lines, "User-Agent: K-9 Mail for Android", "MIME-Version: 1.0", f"Subject: {env.subject}",
            f"From: {env.from_value}", f"Date: {mail_date(env.date)}", f"To: {to_value(rng, env)}",
            *replying(rng, env), *env.extra, f"Message-ID: <{token(rng, 8)}-{token(rng, 4)}-"
            f"{token(rng, 4)}-{token(rng, 4)}-{token(rng, 12)}@email.android.com>"]


def apple(rng: random.Random, env: Envelope) -> list[str]:
    host, ip = relay(rng, env)
    uuid = "-".join(hexid(rng, n) for n in (8, 4, 4, 4, 12))
    return [*delivery(rng, env, host, ip, tls=True),
            submission(rng, env, host, f"[192.168.1.{rng.randint(2, 120)}]", postfix=True),
            f"From: {env.from_value}", f"Subject: {env.subject}", f"Date: {mail_date(env.date)}",
            f"Message-Id: <{uuid}@{env.domain}>", *replying(rng, env), f"To: {to_value(rng, env)}",
            *env.extra, "Mime-Version: 1.0 (Mac OS X Mail 7.2 \\(1874\\))", "X-Mailer: Apple Mail (2.1874)"]


def notes(rng: random.Random, env: Envelope) -> list[str]:
    """Lotus Notes hands its mail to the MX itself: one Received."""
    host = f"notes.{env.domain}"
    ids = "-".join(hexid(rng, 8) for _ in range(3))
    return [*delivery(rng, env, host, f"198.51.100.{env.octet}", tls=False),
            f"Subject: {env.subject}",
            f"X-KeepSent: {hexid(rng, 8)}:{hexid(rng, 8)}-{hexid(rng, 8)}:{hexid(rng, 8)}; type=4; "
            "name=$KeepSent", f"To: {to_value(rng, env)}", *replying(rng, env),
            "X-Mailer: Lotus Notes Release 8.5.3 September 15, 2011",
            f"Message-ID: <OF{hexid(rng, 8)}.{ids}.{hexid(rng, 8)}@{env.domain}>",
            f"From: {env.from_value}", f"Date: {mail_date(env.date)}", *env.extra,
            "X-MIMETrack: Serialize by Router on NOTES/SRV(Release 8.5.3FP5|July 31, 2013) at\n "
            f"{between(rng, env, 0.5):%d.%m.%Y %H:%M:%S}", "MIME-Version: 1.0"]


WRITERS: dict[str, Writer] = {
    "gmail": gmail, "onet": onet, "o2": o2, "wp": wp, "interia": interia, "gazeta": roundcube,
    "outlook": outlook, "exchange": exchange, "live_mail": live_mail, "thunderbird": thunderbird,
    "roundcube": roundcube, "phone": phone, "apple": apple, "notes": notes,
}


def pick_client(rng: random.Random, domain: str, markup: str) -> str:
    """The client that wrote a body: Word HTML is Outlook's; the <div> HTML a webmail's (the
    portal's, or Gmail or Roundcube for an organisation's own domain); plain text anyone's."""
    portal = PORTALS.get(domain)
    if markup == "word":
        return rng.choices(["outlook", "exchange", "live_mail"], [70, 12, 18])[0]
    if markup == "divs":
        return portal or rng.choice(["gmail", "roundcube"])
    if portal:
        return rng.choices([portal, "thunderbird", "phone", "outlook"], [65, 12, 13, 10])[0]
    return rng.choices(["thunderbird", "outlook", "live_mail", "roundcube", "phone", "apple", "notes"],
                       [30, 22, 14, 12, 12, 6, 4])[0]


def header_block(rng: random.Random, env: Envelope, markup: str) -> str:
    """The whole header block above the body's own Content-Type, "\\n"-separated."""
    return "\n".join(WRITERS[pick_client(rng, env.domain, markup)](rng, env)) + "\n"
