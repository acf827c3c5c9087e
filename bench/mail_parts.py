"""Word lists and attachment builders (.docx form, .pdf form) for the benchmark mail generator."""

from __future__ import annotations

import io
import random
import unicodedata
import zipfile
import zlib
from typing import Any
from xml.sax.saxutils import escape

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


def _lines(org: Any, people: list[Any]) -> list[str]:
    lines = ["FORMULARZ ZGŁOSZENIOWY", "Konferencja „Wspólnie dla Krakowa”, 7 marca 2014 r.",
             f"Nazwa organizacji: {org.name}"]
    if org.krs:
        lines.append(f"KRS: {org.krs}")
    for i, p in enumerate(people, 1):
        lines += [f"Uczestnik {i}: {p.name}", f"Funkcja: {p.role}", f"Telefon: {p.phone}",
                  f"E-mail: {p.email}"]
    lines.append(f"Obszar działalności: {org.area}")
    return lines


def docx_form(org: Any, people: list[Any]) -> bytes:
    """A minimal but valid .docx whose paragraphs are the filled-in form."""
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
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            # A fixed time stamp: the same seed gives the same bytes (writestr stamps "now").
            entry = zipfile.ZipInfo(name, date_time=(2014, 2, 24, 9, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, text)
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
