"""PURE .ics invitation (icalendar): one VEVENT in the event's zone, with its VTIMEZONE."""

from __future__ import annotations

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
    # Embeds a VTIMEZONE for Europe/Warsaw so clients without zone data place it right.
    cal.add_missing_timezones()
    return bytes(cal.to_ical()).decode("utf-8")
