"""PURE exports of registrations and attendees: CSV, XLSX, JSON and the printable attendance list.

CSV choice: UTF-8 with a BOM, `;` as the separator and CRLF line ends, because that is what
Excel with Polish regional settings opens correctly by double-click (there `,` is the decimal
separator and a comma-separated file lands in one column). Every text cell that a spreadsheet
could run as a formula (first character = + - @ TAB CR NUL) gets a leading "'" in CSV and XLSX
(OWASP / CWE-1236, reliability.md H-33); JSON keeps values as they are.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from mailbot.config import EventSettings
from mailbot.export_attendance import render_attendance
from mailbot.polish import AREA_LABELS, SOURCE_LABELS, STATUS_LABELS, label, sort_key
from mailbot.render_mime import clean_text

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
DEFAULT_ZONE = ZoneInfo("Europe/Warsaw")
DATE_FORMAT = "yyyy-mm-dd hh:mm"
# Fixed ZIP member time: the same rows always give the same XLSX bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class ExportRow:
    """One attendee of one registration (a registration without named people gives one row)."""

    registration_id: int
    organisation: str | None
    krs: str | None
    nip: str | None
    regon: str | None
    status: str
    source: str
    person: str | None
    role: str | None
    email: str | None
    phone: str | None
    contact_email: str | None
    contact_phone: str | None
    areas: tuple[str, ...]
    registered_at: datetime


COLUMNS: tuple[tuple[str, str], ...] = (
    ("registration_id", "Nr zgłoszenia"),
    ("organisation", "Organizacja"),
    ("krs", "KRS"),
    ("nip", "NIP"),
    ("regon", "REGON"),
    ("status", "Status"),
    ("source", "Źródło"),
    ("person", "Uczestnik"),
    ("role", "Funkcja"),
    ("email", "E-mail uczestnika"),
    ("phone", "Telefon uczestnika"),
    ("contact_email", "E-mail kontaktowy"),
    ("contact_phone", "Telefon kontaktowy"),
    ("areas", "Obszary działalności"),
    ("registered_at", "Data zgłoszenia"),
)
# Identifiers and phone numbers stay text in XLSX (leading zeros of KRS, "+48").
_TEXT_COLUMNS = frozenset({"krs", "nip", "regon", "phone", "contact_phone"})


def neutralise(raw: object) -> str:
    """A cleaned cell text that no spreadsheet will evaluate as a formula."""
    text = "" if raw is None else str(raw)
    cleaned = clean_text(text, 1000)
    if text[:1] in FORMULA_TRIGGERS or cleaned[:1] in FORMULA_TRIGGERS:
        return "'" + cleaned
    return cleaned


def _local(moment: datetime, zone: tzinfo) -> datetime:
    return moment.astimezone(zone) if moment.tzinfo is not None else moment


def _display(row: ExportRow, name: str, zone: tzinfo) -> Any:
    """The staff-facing value of one column: Polish labels, local naive datetime, int id."""
    if name == "registration_id":
        return row.registration_id
    if name == "registered_at":
        return _local(row.registered_at, zone).replace(tzinfo=None, second=0, microsecond=0)
    if name == "status":
        return label(STATUS_LABELS, row.status)
    if name == "source":
        return label(SOURCE_LABELS, row.source)
    if name == "areas":
        return ", ".join(label(AREA_LABELS, a) for a in row.areas)
    return getattr(row, name)


def export_csv(rows: Iterable[ExportRow], *, zone: tzinfo = DEFAULT_ZONE) -> bytes:
    """Semicolon-separated UTF-8 (with BOM) CSV, one line per attendee, header in Polish."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([title for _, title in COLUMNS])
    for row in rows:
        cells = []
        for name, _ in COLUMNS:
            value = _display(row, name, zone)
            if isinstance(value, datetime):
                cells.append(value.strftime("%Y-%m-%d %H:%M"))
            elif isinstance(value, int):
                cells.append(str(value))
            else:
                cells.append(neutralise(value))
        writer.writerow(cells)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(rows: Iterable[ExportRow], *, zone: tzinfo = DEFAULT_ZONE,
                created: datetime | None = None) -> bytes:
    """An XLSX workbook: bold header, autofilter, frozen header row, real dates, text ids.

    `created` (aware) goes into the document properties; the default is a fixed date so the
    same rows always give the same bytes.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = "Zgłoszenia"
    ws.append([title for _, title in COLUMNS])
    widths = [len(title) for _, title in COLUMNS]
    count = 0
    for count, row in enumerate(rows, start=1):  # noqa: B007 - count is read after the loop
        values: list[Any] = []
        for index, (name, _) in enumerate(COLUMNS):
            value = _display(row, name, zone)
            if not isinstance(value, datetime | int):
                value = neutralise(value)
            values.append(value)
            widths[index] = max(widths[index], len(str(value)) if value != "" else 0)
        ws.append(values)
    header_fill = PatternFill("solid", fgColor="DDE7F3")
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center")
    for index, (name, _) in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = min(max(widths[index - 1], 8) + 2, 60)
        for (cell,) in ws.iter_rows(min_row=2, max_row=count + 1, min_col=index, max_col=index):
            if name == "registered_at":
                cell.number_format = DATE_FORMAT
            elif name in _TEXT_COLUMNS:
                cell.number_format = "@"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"
    ws.freeze_panes = "A2"
    stamp = (created.astimezone(ZoneInfo("UTC")).replace(tzinfo=None) if created
             else datetime(2000, 1, 1))  # noqa: DTZ001 - openpyxl stores naive UTC
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.creator = wb.properties.lastModifiedBy = "mailbot"
    buffer = io.BytesIO()
    # ExcelWriter instead of wb.save(): save() stamps the current time into the file.
    archive = _FixedTimeZip(buffer, "w", ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()
    return buffer.getvalue()


def export_json(rows: Iterable[ExportRow], *, zone: tzinfo = DEFAULT_ZONE) -> bytes:
    """A UTF-8 JSON array, one object per attendee, codes as stored, times in ISO 8601."""
    items = []
    for row in rows:
        item: dict[str, Any] = {}
        for name, _ in COLUMNS:
            value = getattr(row, name)
            if name == "registered_at":
                value = _local(value, zone).isoformat()
            elif name == "areas":
                value = [clean_text(a, 40) for a in value]
            elif isinstance(value, str):
                value = clean_text(value, 1000)
            item[name] = value
        items.append(item)
    return (json.dumps(items, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


class _FixedTimeZip(ZipFile):
    """A ZipFile whose members carry a fixed time instead of the clock's."""

    def writestr(self, zinfo_or_arcname: str | ZipInfo, data: Any,
                 compress_type: int | None = None, compresslevel: int | None = None) -> None:
        if isinstance(zinfo_or_arcname, str):
            info = ZipInfo(zinfo_or_arcname, date_time=_ZIP_TIME)
            info.compress_type = ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)


def attendance_rows(rows: Sequence[ExportRow]) -> list[ExportRow]:
    """Confirmed attendees sorted by organisation (Polish order), then registration order."""
    confirmed = [r for r in rows if r.status == "confirmed"]
    return sorted(confirmed, key=lambda r: (sort_key(clean_text(r.organisation, 300)),
                                            r.registration_id))


def attendance_html(rows: Sequence[ExportRow], event: EventSettings) -> str:
    """The printable attendance list for the conference day (HTML with print CSS)."""
    return render_attendance(attendance_rows(rows), event)
