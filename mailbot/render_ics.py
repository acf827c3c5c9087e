"""PURE .ics invitation (icalendar): one VEVENT in the event's zone, with its VTIMEZONE."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from mailbot.config import EventSettings
from mailbot.render_mime import clean_text

PRODID = "-//Urzad Miasta Krakowa//mailbot//PL"


def invitation(event: EventSettings, *, uid: str, now: datetime, description: str) -> str:
    """The iCalendar text (CRLF lines, METHOD:PUBLISH) for the conference.

    `uid` must be stable for one registration so a re-sent invitation updates the same entry.
    """
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

