"""An iCalendar (.ics) invitation for a meeting, so members see it in their phone's calendar."""
from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar, Event

from ..models import Meeting
from ..models.types import utcnow

DEFAULT_LENGTH = timedelta(hours=2)


def meeting_ics(meeting: Meeting, *, host: str, agenda_lines: list[str], url: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Cabinet//Paperless meetings//VI")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"meeting-{meeting.id}@{host}")
    event.add("dtstamp", utcnow())
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at or meeting.starts_at + DEFAULT_LENGTH)
    event.add("summary", meeting.title)
    if meeting.location:
        event.add("location", meeting.location)
    event.add("description", "\n".join(filter(None, [meeting.description, *agenda_lines, url])))
    event.add("url", url)
    event.add("status", "CANCELLED" if meeting.status == "draft" else "CONFIRMED")
    event.add("sequence", meeting.seq or 0)
    calendar.add_component(event)
    return calendar.to_ical()
