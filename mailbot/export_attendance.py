"""PURE printable attendance list (HTML + print CSS) for the conference day."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from jinja2 import DictLoader, Environment, StrictUndefined

from mailbot.polish import register_filters
from mailbot.render_mime import clean_text

if TYPE_CHECKING:
    from mailbot.config import EventSettings
    from mailbot.export import ExportRow

# Empty, numbered lines at the end for people who come without being on the list.
BLANK_ROWS = 5

# A static template that ships with the code (never built from data), autoescaped.
_TEMPLATE = """<!DOCTYPE html>
<html lang="pl">
<head>
<meta charset="utf-8">
<title>Lista obecności – {{ event.name }}</title>
<style>
@page { size: A4 portrait; margin: 14mm 12mm 16mm 12mm; }
* { box-sizing: border-box; }
body { font-family: Arial, Helvetica, sans-serif; font-size: 10.5pt; color: #000; margin: 0; }
header { margin-bottom: 5mm; border-bottom: 2px solid #000; padding-bottom: 3mm; }
h1 { font-size: 16pt; margin: 0 0 1mm 0; }
.meta { font-size: 10pt; line-height: 1.4; }
table { width: 100%; border-collapse: collapse; }
thead { display: table-header-group; }
th, td { border: 1px solid #555; padding: 1.5mm 2mm; text-align: left; vertical-align: middle; }
th { background: #e6e6e6; font-size: 9.5pt; -webkit-print-color-adjust: exact;
     print-color-adjust: exact; }
tr { height: 11mm; break-inside: avoid; page-break-inside: avoid; }
tr.group td { border-top: 2px solid #000; }
td.no { width: 10mm; text-align: right; color: #333; }
td.org { width: 30%; }
td.person { width: 24%; }
td.role { width: 16%; color: #333; }
td.sig { width: 26%; }
.summary { margin-top: 4mm; font-size: 9.5pt; }
@media screen { body { max-width: 200mm; margin: 8mm auto; } }
</style>
</head>
<body>
<header>
<h1>Lista obecności</h1>
<div class="meta"><strong>Konferencja „{{ event.name }}”</strong><br>
{{ event.date|weekday_day }}, godz. {{ event.starts|hhmm }}–{{ event.ends|hhmm }}<br>
{{ event.place }}</div>
</header>
<table>
<thead><tr><th>Lp.</th><th>Organizacja</th><th>Imię i nazwisko</th><th>Funkcja</th>
<th>Podpis</th></tr></thead>
<tbody>
{% for r in rows %}
<tr{% if r.group %} class="group"{% endif %}><td class="no">{{ loop.index }}.</td>
<td class="org">{{ r.organisation }}</td><td class="person">{{ r.person }}</td>
<td class="role">{{ r.role }}</td><td class="sig"></td></tr>
{% endfor %}
{% for n in range(blank) %}
<tr{% if loop.first %} class="group"{% endif %}><td class="no">{{ rows|length + n + 1 }}.</td>
<td class="org"></td><td class="person"></td><td class="role"></td><td class="sig"></td></tr>
{% endfor %}
</tbody>
</table>
<p class="summary">Na liście: {{ organisations|organisations }}, {{ people|people }}.</p>
</body>
</html>
"""


def _environment() -> Environment:
    env = Environment(loader=DictLoader({"attendance.html": _TEMPLATE}), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    register_filters(env)
    return env


_ENV = _environment()


def render_attendance(rows: Sequence[ExportRow], event: EventSettings) -> str:
    """The list of `rows` (already filtered and sorted) as one printable HTML page."""
    lines: list[dict[str, Any]] = []
    previous: int | None = None
    for row in rows:
        lines.append({
            "organisation": clean_text(row.organisation, 200) or "(nie podano nazwy)",
            "person": clean_text(row.person, 120),
            "role": clean_text(row.role, 80),
            "group": row.registration_id != previous,
        })
        previous = row.registration_id
    event_ctx = {
        "name": clean_text(event.name, 200),
        "date": event.date,
        "starts": event.starts,
        "ends": event.ends,
        "place": clean_text(event.place, 300),
    }
    return _ENV.get_template("attendance.html").render(
        rows=lines,
        blank=BLANK_ROWS,
        event=event_ctx,
        organisations=len({r.registration_id for r in rows}),
        people=sum(1 for r in rows if r.person),
    )
