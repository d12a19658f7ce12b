"""An iCalendar (.ics) invitation for a meeting, so members see it in their phone's calendar."""
from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar, Event

from ..models import Meeting, User
from ..models.types import utcnow
from .agenda import agenda_tree
from .permissions import under_confidential

DEFAULT_LENGTH = timedelta(hours=2)
ICS_MIMETYPE = "text/calendar"


def ics_filename(meeting: Meeting) -> str:
    return f"cabinet-meeting-{meeting.id}.ics"


def meeting_ics(actor: User, meeting: Meeting, *, host: str, url: str, for_mail: bool = False) -> bytes:
    """The invitation as `actor` may read it (confidential items stay out of a guest's calendar, and out of
    every e-mailed one: mail leaves the system)."""
    agenda_lines = [f"{node.number}. {node.item.title}" for top in agenda_tree(actor, meeting)
                    for node in (top, *top.children) if not (for_mail and under_confidential(meeting, node.item.id))]
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
