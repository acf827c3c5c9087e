"""Word lists, attachment builders (.docx form, .pdf form) and Postfix's bounce report for the
benchmark mail generator."""

from __future__ import annotations

import html
import io
import quopri
import random
import unicodedata
import zipfile
import zlib
from datetime import datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

from mail_headers import mail_date, postfix_date
from mail_word import thumbnail, word_package

FEMALE = ["Anna", "Barbara", "Katarzyna", "Małgorzata", "Agnieszka", "Joanna", "Ewa", "Magdalena",
          "Halina", "Marta", "Zofia", "Aleksandra", "Beata", "Dorota", "Elżbieta", "Grażyna",
          "Jadwiga", "Krystyna", "Monika", "Renata", "Urszula", "Weronika", "Żaneta", "Iwona"]
MALE = ["Piotr", "Krzysztof", "Tomasz", "Paweł", "Michał", "Marcin", "Jerzy", "Robert",
        "Mirosław", "Damian", "Łukasz", "Grzegorz", "Andrzej", "Wojciech", "Zbigniew", "Jacek",
        "Stanisław", "Adam", "Kamil", "Rafał", "Sławomir", "Jan", "Józef", "Bartosz"]
SURNAMES = ["Kowalski", "Nowak", "Wiśniewski", "Wójcik", "Kaczmarczyk", "Dudek", "Zieliński",
            "Szymański", "Woźniak", "Kozłowski", "Jankowski", "Mazur", "Krawczyk", "Piotrowski",
            "Grabowski", "Pawłowski", "Michalski", "Król", "Wieczorek", "Jabłoński", "Wróbel",
            "Stępień", "Górski", "Sobczyk", "Kania", "Hajduk", "Kalinowski", "Gawlik", "Olszewski",
            "Nowicki", "Sikora", "Baran", "Duda", "Szewczyk", "Tomaszewski", "Pietrzak", "Marciniak",
            "Wróblewski", "Zając", "Jaworski", "Malinowski", "Adamczyk", "Dąbrowski", "Lewandowski",
            "Czarnecki", "Sawicki", "Sokołowski", "Urbański", "Kubiak", "Maciejewski", "Szczepański",
            "Kucharski", "Wilk", "Kalinowski", "Mazurek", "Wysocki", "Ostrowski", "Kołodziej",
            "Kaczmarek", "Cieślak", "Zawadzki", "Chmielewski", "Borkowski", "Czerwiński", "Sadowski"]
ROLES = ["prezes zarządu", "koordynatorka projektów", "członek zarządu", "wiceprezes",
         "wolontariusz", "trener", "sekretarz stowarzyszenia", "specjalista ds. projektów",
         "dyrektor", "księgowa", "animator kultury", "skarbnik"]
ORG_TYPES = ["Fundacja", "Stowarzyszenie", "Towarzystwo", "Uczniowski Klub Sportowy",
             "Spółdzielnia Socjalna", "Stowarzyszenie Przyjaciół", "Fundacja Rozwoju"]
# (noun, grammatical gender) so the adjective before it agrees.
ORG_NOUNS = [("Zakątek", "m"), ("Most", "m"), ("Dom", "m"), ("Ogród", "m"), ("Horyzont", "m"),
             ("Krąg", "m"), ("Azyl", "m"), ("Start", "m"), ("Klub", "m"), ("Warsztat", "m"),
             ("Teatr", "m"), ("Chór", "m"), ("Szlak", "m"), ("Port", "m"), ("Ruch", "m"),
             ("Przystań", "f"), ("Iskra", "f"), ("Droga", "f"), ("Szansa", "f"),
             ("Przestrzeń", "f"), ("Scena", "f"), ("Pracownia", "f"), ("Akademia", "f"),
             ("Świetlica", "f"), ("Galeria", "f"), ("Inicjatywa", "f"), ("Wspólnota", "f"),
             ("Forum", "n"), ("Centrum", "n"), ("Źródło", "n"), ("Gniazdo", "n"), ("Okno", "n"),
             ("Podwórko", "n"), ("Schronisko", "n"), ("Koło", "n"), ("Studio", "n")]
ORG_STEMS = ["Zielon", "Kolorow", "Otwart", "Wspóln", "Dobr", "Krakowsk", "Nowohuck", "Podgórsk",
             "Jasn", "Now", "Sąsiedzk", "Miejsk", "Młodzieżow", "Seniorsk", "Słoneczn", "Rodzinn",
             "Artystyczn", "Sportow", "Ekologiczn", "Społeczn", "Kulturaln", "Twórcz", "Aktywn",
             "Bezpieczn", "Przyjazn", "Radosn", "Mał", "Wielk", "Srebrn", "Złot"]
DISTRICTS = ["Podgórza", "Nowej Huty", "Kazimierza", "Krowodrzy", "Bronowic", "Prokocimia",
             "Zabłocia", "Dębnik", "Łagiewnik", "Bieżanowa", "Czyżyn", "Mistrzejowic", "Ruczaju",
             "Salwatora", "Grzegórzek", "Olszy", "Woli Justowskiej", "Swoszowic"]
AREAS = ["edukacja dzieci i młodzieży", "kultura i sztuka", "sport i rekreacja",
         "pomoc społeczna", "ochrona zdrowia", "przedsiębiorczość społeczna", "ekologia",
         "pomoc osobom bezdomnym", "aktywizacja seniorów", "integracja osób niepełnosprawnych"]
DOMAINS = ["gmail.com", "wp.pl", "o2.pl", "poczta.onet.pl", "interia.pl", "op.pl", "tlen.pl",
           "gazeta.pl", "vp.pl"]

INVITATION = """
-----Wiadomość oryginalna-----
Od: Konferencja NGO [mailto:ngo@um.krakow.pl]
Wysłano: 27 lutego 2014 11:47
Do: Konferencja NGO
Temat: Zaproszenie na konferencję "Wspólnie dla Krakowa" - 7 marca 2014 r.

Szanowni Państwo,

serdecznie zapraszamy przedstawicieli krakowskich organizacji pozarządowych - fundacji
i stowarzyszeń działających w obszarze kultury, pomocy społecznej, edukacji, sportu,
przedsiębiorczości i zdrowia - do udziału w konferencji "Wspólnie dla Krakowa", która odbędzie
się 7 marca 2014 r. w Urzędzie Miasta Krakowa, ul. Wielopole 17A.

Zgłoszenia udziału przyjmujemy do 5 marca (środa):
- pocztą elektroniczną na adres ngo@um.krakow.pl,
- faksem pod numerem 12 616-78-13.

Prosimy o podanie nazwy organizacji, imion i nazwisk uczestników oraz danych kontaktowych.

Z poważaniem
Biuro ds. organizacji pozarządowych
Wydział Polityki Społecznej i Zdrowia UMK
"""


def invitation_quote() -> str:
    return INVITATION


def attendee_form_lines(people: list[Any]) -> list[str]:
    """The attendee rows of a registration form, as typed in a letter or filled in a file."""
    lines: list[str] = []
    for i, p in enumerate(people, 1):
        lines += [f"Uczestnik {i}: {p.name}", f"Funkcja: {p.role}", f"Telefon: {p.phone}",
                  f"E-mail: {p.email}"]
    return lines


def _lines(org: Any, people: list[Any]) -> list[str]:
    lines = ["FORMULARZ ZGŁOSZENIOWY", "Konferencja „Wspólnie dla Krakowa”, 7 marca 2014 r.",
             f"Nazwa organizacji: {org.name}"]
    if org.krs:
        lines.append(f"KRS: {org.krs}")
    lines += attendee_form_lines(people)
    lines.append(f"Obszar działalności: {org.area}")
    return lines


def docx_form(org: Any, people: list[Any], rng: random.Random | None = None) -> bytes:
    """A valid .docx whose paragraphs are the filled-in form: minimal, or with `rng` the parts
    Word writes beside the text (its weight)."""
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{escape(line)}</w:t></w:r></w:p>"
                   for line in _lines(org, people))
    files = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas'
        '.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="'
        'application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
        'ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="'
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas'
        '.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="word/document.xml"/></Relationships>',
        "word/document.xml": f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{w}">'
        f"<w:body>{body}</w:body></w:document>",
    }
    if rng is not None:
        files = word_package(files, rng)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            # A fixed time stamp: the same seed gives the same bytes (writestr stamps "now").
            entry = zipfile.ZipInfo(name, date_time=(2014, 2, 24, 9, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, text)
        if rng is not None:
            entry = zipfile.ZipInfo("docProps/thumbnail.jpeg", date_time=(2014, 2, 24, 9, 0, 0))
            archive.writestr(entry, thumbnail(rng))
    return out.getvalue()


def pdf_form(org: Any, people: list[Any], rng: random.Random) -> bytes:
    """A one-page PDF (Helvetica, ASCII text) plus an incompressible image-like stream for size."""
    def ascii_text(text: str) -> str:
        text = text.replace("ł", "l").replace("Ł", "L").replace("„", '"').replace("”", '"')
        text = "".join(c for c in unicodedata.normalize("NFKD", text)
                       if not unicodedata.combining(c))
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 11 Tf", "50 780 Td", "14 TL"]
    ops += [f"({ascii_text(line)}) '" for line in _lines(org, people)]
    ops.append("ET")
    content = zlib.compress("\n".join(ops).encode("latin-1"))
    blob = zlib.compress(rng.randbytes(rng.randint(15_000, 40_000)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(blob) + blob + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


QUESTIONS = ("", "Czy uczestnicy otrzymają materiały z konferencji, np. prezentacje prelegentów? Będę "
             "wdzięczna za informację,\nczy przewidziana jest przerwa obiadowa oraz o której godzinie "
             "planowane jest zakończenie.",
             "Nasza organizacja dopiero się rejestruje w KRS – czy mimo to możemy wziąć udział? I czy "
             "trzeba\nwypełnić jakiś formularz, czy wystarczy e-mail z nazwiskami?",
             "Czy udział w konferencji jest bezpłatny? Nie znalazłam tej informacji w zaproszeniu, a "
             "chcielibyśmy\nzaplanować wydatki na marzec. Czy sala jest dostępna dla osób na wózku?")


def contact_lines(rng: random.Random, person: Any) -> str:
    """The signature's contact lines a person without an organisation adds (or not)."""
    return rng.choice(["", f"tel. {person.phone}\n", f"tel. kom. {person.phone}\ne-mail: {person.email}\n",
                       f"{person.role}\ntel. {person.phone}\n"])


def postfix_report(host: str, failure: str) -> str:
    """Postfix's notification text around the failure lines."""
    return (f"This is the mail system at host {host}.\n\nI'm sorry to have to inform you that your "
            "message could not\nbe delivered to one or more recipients. It's attached below.\n\n"
            "For further assistance, please send mail to postmaster.\n\nIf you do so, please include "
            "this problem report. You can\ndelete your own text from the attached returned message.\n\n"
            f"                   The mail system\n\n{failure}")


_CONFIRMATION = """Dzień dobry,

dziękujemy za zgłoszenie udziału w konferencji „Wspólnie dla Krakowa”, która odbędzie się
7 marca 2014 r. w Urzędzie Miasta Krakowa, ul. Wielopole 17A.

Zarejestrowaliśmy: {name}.

W razie zmian prosimy o odpowiedź na tę wiadomość.

Z poważaniem
Biuro ds. organizacji pozarządowych
Wydział Polityki Społecznej i Zdrowia UMK
"""


def returned_message(rng: random.Random, ours: str, recipient: str, name: str, sent: datetime,
                     *, full: bool) -> str:
    """The office's confirmation as a bounce returns it: its header block (what mailbot writes),
    and with `full` its text too."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    if full:
        text = quopri.encodestring(_CONFIRMATION.format(name=name).encode()).decode()
        head = returned_message(rng, ours, recipient, name, sent, full=False).rsplit("Content-Type", 1)[0]
        return (f'{head}Content-Type: text/plain; charset="utf-8"\n'
                f"Content-Transfer-Encoding: quoted-printable\n\n{text}")
    return (f"Return-Path: <ngo@um.krakow.pl>\nReceived: from mailbot.um.krakow.pl (mailbot.um.krakow.pl "
            f"[10.20.1.{rng.randint(2, 250)}])\n\tby mx.um.krakow.pl (Postfix) with ESMTPS id "
            f"{rng.randrange(16**10):010X}\n\tfor <{recipient}>; {postfix_date(sent)}\n"
            f"From: Konferencja NGO <ngo@um.krakow.pl>\nTo: {plain} <{recipient}>\n"
            "Subject: =?utf-8?q?Potwierdzenie_zg=C5=82oszenia_=E2=80=93_konferencja_?=\n"
            " =?utf-8?q?=E2=80=9EWsp=C3=B3lnie_dla_Krakowa=E2=80=9D?=\n"
            f"Date: {mail_date(sent - timedelta(seconds=rng.randint(1, 3)), pad=True)}\n"
            f"Message-ID: {ours}\nAuto-Submitted: auto-replied\nX-Auto-Response-Suppress: All\n"
            "X-Mailbot-Loop: 1\nMIME-Version: 1.0\nContent-Type: multipart/alternative; "
            f'boundary="==============={rng.randrange(10**19):019d}=="\n')


def mailing_html(text: str, rng: random.Random) -> str:
    """A mailing program's HTML: fixed-width tables, inline styles, a footer, a tracking pixel."""
    lines = [html.escape(line) for line in text.split("\n")]
    paras = "".join(f'<p style="margin:0 0 10px 0">{line}</p>' if line else "" for line in lines)
    tag = f"{rng.randrange(16**20):020x}"
    colour = rng.choice(["#2a6e3f", "#1f4e79", "#8b1e3f", "#5b3a8c"])
    return ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/'
            'DTD/xhtml1-transitional.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml"><head><meta '
            'http-equiv="Content-Type" content="text/html; charset=utf-8" /><title>Zaproszenie</title>'
            '</head>\n<body style="margin:0;padding:0;background:#eeeeee"><table width="100%" '
            'cellpadding="0" cellspacing="0"><tr><td align="center"><table width="600" style="background:'
            '#ffffff;font-family:Arial,sans-serif;font-size:13px">\n'
            f'<tr><td style="background:{colour};color:#fff;padding:16px"><h1 style="margin:0;font-size:'
            f'20px">{lines[0]}</h1></td></tr>\n<tr><td style="padding:16px">{paras}</td></tr>\n'
            '<tr><td style="padding:16px;color:#888;font-size:11px">Otrzymujesz tę wiadomość, ponieważ '
            'Twój adres jest w naszej bazie adresowej. <a href="http://www.example.org/newsletter/'
            f'wypisz?u={tag}">Wypisz się</a>.<img src="http://www.example.org/o/{tag}.gif" width="1" '
            'height="1" alt="" /></td></tr>\n</table></td></tr></table></body></html>\n')


def postfix_bounce(rng: random.Random, lost: Any, ours: str, when: datetime,
                   report: str) -> tuple[list[bytes], str]:
    """The devset mix's bounce parts and its remote host: Postfix's whole report, from our MX
    or (two in three) from the recipient's server; ours returns the message's header block,
    theirs the whole message."""
    domain = lost.email.split("@")[1]
    remote = f"{rng.choice(['mx', 'mail', 'smtp'])}.{domain}" if rng.random() < 2 / 3 else ""
    host = remote or "mx.um.krakow.pl"
    failure = report.split("\n\n", 2)[2]
    queue = f"{rng.randrange(16**10):010X}"
    sent = when - timedelta(seconds=rng.randint(3, 600))
    status = (f"Reporting-MTA: dns; {host}\nX-Postfix-Queue-ID: {queue}\n"
              f"X-Postfix-Sender: rfc822; ngo@um.krakow.pl\nArrival-Date: {postfix_date(sent)}\n\n"
              f"Final-Recipient: rfc822; {lost.email}\nOriginal-Recipient: rfc822;{lost.email}\n"
              f"Action: failed\nStatus: 5.1.1\nRemote-MTA: dns; mail.{domain}\n"
              f"Diagnostic-Code: smtp; 550 5.1.1 <{lost.email}>: Recipient address\n"
              f"    rejected: User unknown in virtual mailbox table\n")
    returned = (b"Content-Description: Undelivered Message\nContent-Type: message/rfc822" if remote else
                b"Content-Description: Undelivered Message Headers\nContent-Type: text/rfc822-headers")
    parts = [b'Content-Description: Notification\nContent-Type: text/plain; charset="us-ascii"\n'
             b"Content-Transfer-Encoding: 8bit\n\n" + postfix_report(host, failure).encode(),
             b"Content-Description: Delivery report\nContent-Type: message/delivery-status\n\n"
             + status.encode(),
             returned + b"\n\n"
             + returned_message(rng, ours, lost.email, lost.name, sent, full=bool(remote)).encode()]
    return parts, remote
