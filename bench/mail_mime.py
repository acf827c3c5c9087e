"""MIME assembly of the generated mail: charsets and encodings, HTML twins, headers, multiparts."""

from __future__ import annotations

import base64
import html
import quopri
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.header import Header
from email.utils import format_datetime

from mail_clients import header_block
from mail_headers import Envelope, bounce_block
from mail_parts import mailing_html
from mail_senders import Person, ascii_only
from mail_word import word_html

OFFICE = "ngo@um.krakow.pl"


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


class BodyBuilder:
    """The generator's MIME half: its two random sources, the mix, a body's charset and HTML
    twin, and the markup of the body built last (the devset mix's header block follows it)."""

    def __init__(self, seed: int, mix: str) -> None:
        self.rng = random.Random(seed)
        self.mix = mix
        # The devset mix's headers and extra body weight come from a second source, so the
        # messages' content (and what mailbot decides on it) is the first generator's.
        self.dress = random.Random(f"gen_mail dress {seed}")
        self.markup = "plain"

    def style(self, reply: bool = False, remote: str = "", markup: str = "") -> Style | None:
        """How to dress the message just built (None in the registrations mix: bare headers)."""
        if self.mix != "devset":
            return None
        return Style(self.dress, markup or self.markup, reply, remote)

    def charset(self) -> tuple[str, str]:
        charset = self.rng.choices(["utf-8", "iso-8859-2", "windows-1250"], [55, 30, 15])[0]
        return charset, self.rng.choice(["8bit", "quoted-printable", "base64"])

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
