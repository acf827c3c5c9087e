"""PURE .ics invitation (icalendar): one VEVENT in the event's zone, with its VTIMEZONE."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vDDDTypes, vText
from icalendar.parser import Contentline, Parameters

from mailbot.config import EventSettings
from mailbot.render_mime import clean_text

PRODID = "-//Urzad Miasta Krakowa//mailbot//PL"
# Stand-ins for the three values that differ between answers (see `invitation`).
_UID = "mailbot-uid-sentinel"
_DTSTAMP = datetime(2000, 1, 1, tzinfo=UTC)
_DESCRIPTION = "mailbot-description-sentinel"
# icalendar's content-line folding limit in octets (a line of fewer is never folded).
_FOLD_AT = 75


def invitation(event: EventSettings, *, uid: str, now: datetime, description: str) -> str:
    """The iCalendar text (CRLF lines, METHOD:PUBLISH) for the conference.

    `uid` must be stable for one registration so a re-sent invitation updates the same entry.
    """
    # Everything but UID, DTSTAMP and DESCRIPTION is the same for every answer: the calendar is
    # built once by `full_invitation` with stand-ins, and only those three lines are rendered
    # here, by the same icalendar property types (0.55 ms -> 0.08 ms; the output is the same,
    # tests/test_render_speed.py compares both).
    lines = {"UID": _line("UID", vText(uid)),
             "DTSTAMP": _dtstamp(now.astimezone(UTC)),
             "DESCRIPTION": _line("DESCRIPTION", vText(description))}
    pieces, names = _template(event)
    text = pieces[0] + b"".join(lines[name] + piece for name, piece in zip(names, pieces[1:],
                                                                            strict=True))
    return text.decode("utf-8")


def full_invitation(event: EventSettings, *, uid: str, now: datetime, description: str) -> str:
    """The invitation built whole by icalendar (what `invitation` returns, ~7x slower)."""
    zone = ZoneInfo(event.timezone)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    cal.add("calscale", "GREGORIAN")
    vevent = Event()
    vevent.add("uid", uid)
    vevent.add("dtstamp", now.astimezone(UTC))
    vevent.add("dtstart", datetime.combine(event.date, event.starts, tzinfo=zone))
    vevent.add("dtend", datetime.combine(event.date, event.ends, tzinfo=zone))
    vevent.add("summary", vText(clean_text(event.name, 200)))
    vevent.add("location", vText(clean_text(event.place, 300)))
    vevent.add("description", vText(description))
    organizer = vCalAddress(f"mailto:{event.reply_from}")
    organizer.params["cn"] = vText(clean_text(event.reply_from_name, 120))
    vevent.add("organizer", organizer)
    vevent.add("status", "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    cal.add_component(vevent)
    text = bytes(cal.to_ical())
    # Embeds a VTIMEZONE for the zone so clients without zone data place the event right.
    # It is the same for every answer: built once, spliced in before the VEVENT.
    marker = b"BEGIN:VEVENT\r\n"
    at = text.index(marker)
    return (text[:at] + _vtimezone_ical(event.timezone, event.date.year) + text[at:]).decode("utf-8")


def _line(name: str, value: vText | vDDDTypes) -> bytes:
    """One folded content line with its CRLF, as Calendar.to_ical writes a plain property."""
    line = Contentline.from_parts(name, Parameters(), value)
    # icalendar folds before the 75th octet, char by char in Python; a shorter ASCII line (UID,
    # DTSTAMP) comes out as it is, so it skips that loop (tests compare with the whole build).
    if len(line) < _FOLD_AT and line.isascii() and "\n" not in line and "\r" not in line:
        return str(line).encode("ascii") + b"\r\n"
    return bytes(line.to_ical()) + b"\r\n"


# A run renders its answers with one `now` (or a few): the stamp line is made once for each.
@functools.lru_cache(maxsize=8)
def _dtstamp(moment: datetime) -> bytes:
    return _line("DTSTAMP", vDDDTypes(moment))


@functools.lru_cache(maxsize=8)
def _template(event: EventSettings) -> tuple[tuple[bytes, ...], tuple[str, ...]]:
    """The invitation cut around its UID, DTSTAMP and DESCRIPTION lines: the text between
    them, and which line goes in each cut (keyed by the frozen, hashable settings)."""
    text = full_invitation(event, uid=_UID, now=_DTSTAMP, description=_DESCRIPTION).encode()
    stand_ins = {"UID": _line("UID", vText(_UID)),
                 "DTSTAMP": _line("DTSTAMP", vDDDTypes(_DTSTAMP)),
                 "DESCRIPTION": _line("DESCRIPTION", vText(_DESCRIPTION))}
    cuts = []
    for name, line in stand_ins.items():
        # Each stand-in must be there once, at a line start, written as `_line` writes it.
        at = text.find(line)
        if text.count(line) != 1 or not text[:at].endswith(b"\r\n"):
            raise ValueError(f"the invitation template does not hold {line!r} once")
        cuts.append((at, name, len(line)))
    cuts.sort()
    pieces, names, start = [], [], 0
    for at, name, length in cuts:
        pieces.append(text[start:at])
        names.append(name)
        start = at + length
    pieces.append(text[start:])
    return tuple(pieces), tuple(names)


@functools.lru_cache(maxsize=8)
def _vtimezone_ical(zone_name: str, year: int) -> bytes:
    """The VTIMEZONE text for a zone around the event's year (costly to build: built once)."""
    probe = Calendar()
    probe_event = Event()
    zone = ZoneInfo(zone_name)
    probe_event.add("dtstart", datetime(year, 1, 1, 12, tzinfo=zone))
    probe_event.add("dtend", datetime(year, 12, 31, 12, tzinfo=zone))
    probe.add_component(probe_event)
    probe.add_missing_timezones()
    for component in probe.walk("VTIMEZONE"):
        return bytes(component.to_ical())
    raise ValueError(f"no VTIMEZONE for {zone_name}")
