"""Exports read back: CSV (csv module), XLSX (openpyxl), JSON, and the printable attendance list."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from chromium_shot import ARTIFACTS, png_dimensions, requires_chromium, screenshot
from openpyxl import load_workbook

from mailbot.config import EventSettings
from mailbot.export import (
    COLUMNS,
    FORMULA_TRIGGERS,
    ExportRow,
    attendance_html,
    export_csv,
    export_json,
    export_xlsx,
    neutralise,
)

WARSAW = ZoneInfo("Europe/Warsaw")
FORMULA_ORG = '=HYPERLINK("http://x")'


def row(registration_id: int, organisation: str | None, person: str | None, *,
        status: str = "confirmed", role: str | None = None, **changes: object) -> ExportRow:
    values: dict[str, object] = {
        "registration_id": registration_id, "organisation": organisation, "krs": "0000123456",
        "nip": "6761013717", "regon": "351554353", "status": status, "source": "email",
        "person": person, "role": role, "email": None, "phone": None,
        "contact_email": "biuro@fundacja.org.pl", "contact_phone": "+48126167800",
        "areas": ("culture", "education"),
        "registered_at": datetime(2014, 2, 26, 10, 5, tzinfo=WARSAW),
    }
    values.update(changes)
    return ExportRow(**values)  # type: ignore[arg-type]


ROWS = (
    row(1, "Fundacja Rozwoju Społeczeństwa Obywatelskiego", "Jan Kowalski", role="prezes zarządu",
        email="jan.kowalski@fundacja.org.pl", phone="+48600123456"),
    row(1, "Fundacja Rozwoju Społeczeństwa Obywatelskiego", "Anna Nowak"),
    row(2, FORMULA_ORG, "Łucja Ćwik", role="-skarbnik", source="fax", krs=None, nip=None,
        regon=None, areas=(), registered_at=datetime(2014, 3, 5, 22, 59, tzinfo=ZoneInfo("UTC"))),
    row(3, "Ąbecadło Kultury", "Zenon Ów", status="waitlist", source="desk"),
    row(4, "Stowarzyszenie <script>alert(1)</script>", "Ewa Mazur", status="cancelled"),
    row(5, "Łódzkie Towarzystwo", None, role="skarbnik", source="phone"),
)
PAYLOADS = [FORMULA_ORG, "+1", "-2", "@SUM(1)", "\tfoo", "\rfoo", " =1+1", "=cmd|' /C calc'!A0"]


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_csv_reads_back() -> None:
    data = export_csv(ROWS)
    assert b"\r\n" in data
    table = read_csv(data)
    assert table[0] == [title for _, title in COLUMNS]
    assert len(table) == len(ROWS) + 1
    first = dict(zip(table[0], table[1], strict=True))
    assert first["Organizacja"] == "Fundacja Rozwoju Społeczeństwa Obywatelskiego"
    assert first["KRS"] == "0000123456"
    assert first["Status"] == "potwierdzone"
    assert first["Źródło"] == "e-mail"
    assert first["Obszary działalności"] == "kultura, edukacja"
    assert first["Data zgłoszenia"] == "2014-02-26 10:05"
    assert first["Telefon uczestnika"] == "'+48600123456"
    formula = dict(zip(table[0], table[3], strict=True))
    assert formula["Organizacja"] == "'" + FORMULA_ORG
    assert formula["Funkcja"] == "'-skarbnik"
    assert formula["Data zgłoszenia"] == "2014-03-05 23:59"  # UTC shown in Warsaw time
    assert all(cell[:1] not in FORMULA_TRIGGERS for line in table for cell in line)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_formula_payload_is_neutralised(payload: str) -> None:
    hostile = row(9, payload, payload, role=payload)
    csv_cells = read_csv(export_csv([hostile]))[1]
    ws = load_workbook(io.BytesIO(export_xlsx([hostile]))).active
    xlsx_cells = [c.value for c in ws[2]]
    for cells in (csv_cells, xlsx_cells):
        assert cells[1] == neutralise(payload)
        assert cells[1].startswith("'")
        assert all(str(c)[:1] not in FORMULA_TRIGGERS for c in cells)
    assert ws["B2"].data_type == "s"  # a string, not a formula


def test_neutralise_keeps_plain_text_and_prefixes_the_raw_value() -> None:
    assert neutralise("Fundacja Żółw") == "Fundacja Żółw"
    assert neutralise(FORMULA_ORG) == "'" + FORMULA_ORG
    assert neutralise("@SUM(1)") == "'@SUM(1)"
    assert neutralise(None) == ""


def test_xlsx_reads_back() -> None:
    data = export_xlsx(ROWS)
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    assert ws.title == "Zgłoszenia"
    assert [c.value for c in ws[1]] == [title for _, title in COLUMNS]
    assert all(c.font.bold for c in ws[1])
    assert ws.auto_filter.ref == f"A1:O{len(ROWS) + 1}"
    assert ws.freeze_panes == "A2"
    assert ws["A2"].value == 1
    assert ws["B2"].value == "Fundacja Rozwoju Społeczeństwa Obywatelskiego"
    assert ws["C2"].value == "0000123456"
    assert ws["O2"].value == datetime(2014, 2, 26, 10, 5)  # noqa: DTZ001 - Excel has no zones
    assert ws["O2"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["O4"].value == datetime(2014, 3, 5, 23, 59)  # noqa: DTZ001
    assert ws["B4"].value == "'" + FORMULA_ORG
    assert ws["F5"].value == "lista rezerwowa"
    assert ws["H7"].value in ("", None)
    assert data == export_xlsx(ROWS)  # no clock inside: same rows, same bytes


def test_json_keeps_codes() -> None:
    items = json.loads(export_json(ROWS))
    assert len(items) == len(ROWS)
    assert items[0]["status"] == "confirmed"
    assert items[0]["areas"] == ["culture", "education"]
    assert items[0]["registered_at"] == "2014-02-26T10:05:00+01:00"
    assert items[2]["organisation"] == FORMULA_ORG
    assert items[5]["person"] is None
    assert set(items[0]) == {name for name, _ in COLUMNS}


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.tags: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def test_attendance_list() -> None:
    html = attendance_html(ROWS, EventSettings())
    page = _Cells()
    page.feed(html)
    header, *body = page.rows
    assert header == ["Lp.", "Organizacja", "Imię i nazwisko", "Funkcja", "Podpis"]
    named = [r for r in body if r[1]]
    # Confirmed only, in Polish alphabetical order (Ł after L, formula-like names last).
    assert [r[1] for r in named] == [
        "Fundacja Rozwoju Społeczeństwa Obywatelskiego",
        "Fundacja Rozwoju Społeczeństwa Obywatelskiego",
        "Łódzkie Towarzystwo",
        FORMULA_ORG,
    ]
    assert [r[2] for r in named] == ["Jan Kowalski", "Anna Nowak", "", "Łucja Ćwik"]
    assert [r[0] for r in body] == [f"{n}." for n in range(1, len(body) + 1)]
    assert all(r[4] == "" for r in body)  # room to sign
    assert "script" not in page.tags
    assert "piątek, 7 marca 2014, godz. 10:00–15:00" in html
    assert "@page" in html
    assert "Na liście: 3 organizacje, 3 osoby." in html


@requires_chromium
def test_attendance_list_in_headless_chromium(tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = ARTIFACTS / "attendance.html"
    page.write_text(attendance_html(ROWS, EventSettings()), encoding="utf-8")
    shot = ARTIFACTS / "attendance.png"
    screenshot(page, shot, tmp_path / "profile", size=(1000, 1000))
    assert png_dimensions(shot) == (1000, 1000)
    assert shot.stat().st_size > 15_000
