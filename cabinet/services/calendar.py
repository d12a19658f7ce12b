"""iCalendar (.ics): the invitation for one meeting (attached to the e-mail), and each member's private
feed of their meetings that phone and desktop calendars subscribe to (GET /calendar/<token>.ics)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..config import DEFAULT_TIMEZONE
from ..extensions import db
from ..models import Meeting, Participant, User
from ..models.types import utcnow
from . import account_tokens, audit
from .agenda import agenda_tree
from .permissions import is_secretariat, may, require, under_confidential

DEFAULT_LENGTH = timedelta(hours=2)
ICS_MIMETYPE = "text/calendar"
# The feed: meetings that are out (never drafts), from this far back on, at most this many.
FEED_STATUSES = ("published", "live", "adjourned", "closed")
FEED_PAST = timedelta(days=90)
FEED_LIMIT = 500
FEED_REFRESH = timedelta(hours=1)  # how often a calendar is asked to fetch again (a hint; most obey)


def ics_filename(meeting: Meeting) -> str:
    return f"cabinet-meeting-{meeting.id}.ics"


def _calendar() -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Cabinet//Paperless meetings//VI")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    return calendar


def meeting_event(actor: User, meeting: Meeting, *, host: str, url: str, for_mail: bool, stamp: datetime) -> Event:
    """One meeting as `actor` may read it (confidential items stay out of a guest's calendar, and out of
    everything that leaves the system: mail, feeds). The UID is the same in the invitation and the feed,
    and SEQUENCE grows with each change, so a calendar updates the one entry in place."""
    agenda_lines = [f"{node.number}. {node.item.title}" for top in agenda_tree(actor, meeting)
                    for node in (top, *top.children) if not (for_mail and under_confidential(meeting, node.item.id))]
    event = Event()
    event.add("uid", f"meeting-{meeting.id}@{host}")
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at or meeting.starts_at + DEFAULT_LENGTH)
    event.add("summary", meeting.title)
    if meeting.location:
        event.add("location", meeting.location)
    event.add("description", "\n".join(filter(None, [meeting.description, *agenda_lines, url])))
    event.add("url", url)
    # A meeting is never cancelled once published (the model has no such status; only drafts are deleted);
    # a draft here is an invitation taken back.
    event.add("status", "CANCELLED" if meeting.status == "draft" else "CONFIRMED")
    event.add("sequence", revision(meeting))
    return event


SEQUENCE_EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)


def revision(meeting: Meeting) -> int:
    """SEQUENCE: seconds from 2026 to the meeting's last change. It grows with every change of the row (a
    new time or place included, which moves no live event counter), so a calendar takes the newer copy."""
    return max(0, int(((meeting.updated_at or utcnow()) - SEQUENCE_EPOCH).total_seconds()))


def uid_host() -> str:
    """The host in every event's UID: the configured address's, never the request's — a meeting downloaded
    from the page, mailed as an invitation and listed in the feed is one event in the member's calendar,
    not three (a calendar tells events apart by UID)."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


def meeting_ics(actor: User, meeting: Meeting, *, host: str, url: str, for_mail: bool = False) -> bytes:
    """The invitation as `actor` may read it, for one meeting."""
    calendar = _calendar()
    calendar.add_component(meeting_event(actor, meeting, host=host, url=url, for_mail=for_mail, stamp=utcnow()))
    return calendar.to_ical()


def feed_meetings(user: User) -> list[Meeting]:
    """The meetings in `user`'s feed: those they are invited to (all of them for the secretariat, who
    prepares them), published or later, from FEED_PAST ago on. Archivists read closed meetings but do not
    attend them: not in their calendar."""
    query = select(Meeting).where(Meeting.form == "session", Meeting.status.in_(FEED_STATUSES),
                                  Meeting.starts_at >= utcnow() - FEED_PAST)
    if not is_secretariat(user):
        query = query.where(Meeting.id.in_(select(Participant.meeting_id).where(Participant.user_id == user.id)))
    found = db.session.scalars(query.options(selectinload(Meeting.items), selectinload(Meeting.participants))
                               .order_by(Meeting.starts_at, Meeting.id).limit(FEED_LIMIT)).all()
    return [meeting for meeting in found if may(user, "meeting.view", meeting)]


def extra_feed_events(user: User, *, host: str, base_url: str) -> list[Event]:
    """Other areas' dates in a member's feed: the deadlines of the written consultations they are asked to
    answer (the secretariat: all sent ones), as half an hour ending at the deadline. Stable UIDs
    ("consultation-<id>@host"), a DTSTAMP that changes only when they do (the feed's ETag is its content's
    hash), the subject only — the feed leaves the system, like mail."""
    from .consultations import list_for
    events = []
    for consultation in list_for(user):
        meeting = consultation.meeting
        if meeting.status == "draft" or consultation.deadline < utcnow() - FEED_PAST:
            continue
        if not (is_secretariat(user) or meeting.participant_for(user)):
            continue  # an archivist reads closed ones, is asked nothing
        event = Event()
        event.add("uid", f"consultation-{meeting.id}@{host}")
        event.add("dtstamp", meeting.updated_at)
        event.add("dtstart", consultation.deadline - timedelta(minutes=30))
        event.add("dtend", consultation.deadline)
        event.add("summary", f"Hạn trả lời xin ý kiến: {meeting.title}")
        event.add("description", f"{base_url}/consultations/{meeting.id}")
        event.add("url", f"{base_url}/consultations/{meeting.id}")
        event.add("status", "CONFIRMED")
        event.add("sequence", revision(meeting))
        events.append(event)
    return events


@dataclass
class Feed:
    body: bytes
    etag: str
    last_modified: datetime | None  # None: no meeting in it


def feed(user: User, *, host: str, base_url: str) -> Feed:
    """The user's whole feed, byte-identical while nothing in it changes (DTSTAMP is the meeting's last
    change, not now), so its hash is an ETag a calendar can send back for a 304."""
    calendar = _calendar()
    calendar.add("x-wr-calname", f"Cabinet — {user.full_name}")
    calendar.add("x-wr-timezone", DEFAULT_TIMEZONE)
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", FEED_REFRESH)
    meetings = feed_meetings(user)
    for meeting in meetings:
        calendar.add_component(meeting_event(user, meeting, host=host, url=f"{base_url}/meetings/{meeting.id}",
                                             for_mail=True, stamp=meeting.updated_at))
    for event in extra_feed_events(user, host=host, base_url=base_url):
        calendar.add_component(event)
    body = calendar.to_ical()
    return Feed(body=body, etag=hashlib.sha256(body).hexdigest()[:32],
                last_modified=max((m.updated_at for m in meetings), default=None))


# --- the feed's secret address --------------------------------------------------------------------

FEED_PURPOSE = "calendar"


def feed_subscription(user: User):
    """The user's live feed token (its row: when it was made), or None."""
    return account_tokens.current(user, FEED_PURPOSE)


def start_feed(actor: User) -> str:
    """A new private address for the actor's feed; the old one (if any) stops at once. The raw token is
    returned once, to be shown once: only its hash is kept."""
    require(actor, "calendar.subscribe")
    token, raw = account_tokens.issue(actor, FEED_PURPOSE)
    audit.record(db.session, "user.calendar_feed_new", actor=actor, obj=actor, details={"token": token.id})
    return raw


def stop_feed(actor: User) -> None:
    """Turn the feed off: its address answers 404 from the commit on."""
    require(actor, "calendar.subscribe")
    if account_tokens.revoke_all(actor, FEED_PURPOSE):
        audit.record(db.session, "user.calendar_feed_off", actor=actor, obj=actor)


def feed_owner(raw) -> User | None:
    """Whose feed this address is, while it holds (the account active, the token not revoked); None for
    anything else, after the same one query."""
    token = account_tokens.live(raw, FEED_PURPOSE)
    return token.user if token is not None and may(token.user, "calendar.subscribe") else None
