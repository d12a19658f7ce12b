"""The live session pages: the tablet view (member and chair console in one page) and the room screen.

Both pages are shells: everything live comes from the Socket.IO `join` snapshot and the meeting's
numbered events (docs/LIVE.md); actions go through the JSON API or acknowledged socket events. The
server only tells the page who is looking (ids, flags from the permission module) and its labels.
"""
from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from ..models.types import utcnow
from ..services import meetings, participants
from ..services.errors import NotFound
from ..services.permissions import is_secretariat, may
from ..services.polls import options_for
from .helpers import actor

live_bp = Blueprint("live", __name__, url_prefix="/meetings")


@live_bp.before_request
@login_required
def _logged_in():
    """The live pages need a login; the meetings service then decides who may see the meeting."""


def _page_data(user, meeting) -> dict:
    me = meeting.participant_for(user)
    return {
        "meeting_id": meeting.id,
        "user_id": user.id,
        "role": me.role if me else None,
        "can_checkin": me is not None,
        "can_vote": may(user, "poll.vote", meeting),
        "can_request": may(user, "speaker.request", meeting),
        "can_move": may(user, "agenda.set_current", meeting),
        "can_polls": may(user, "poll.manage", meeting),
        "can_speakers": may(user, "speaker.manage", meeting),
        "can_attendance": may(user, "meeting.attendance", meeting),
        "can_present": may(user, "meeting.present", meeting),
        "viewer_url": url_for("documents.viewer", document_id=0).rsplit("/", 1)[0] + "/",
        "meeting_url": url_for("meetings.detail", meeting_id=meeting.id),
        "server_now": utcnow().isoformat(),  # the countdown corrects the tablet's clock by this
    }


@live_bp.get("/<int:meeting_id>/live")
def session_page(meeting_id: int):
    """The tablet: follow the session, check in, ask for the floor, vote; the chair runs it from here."""
    user = actor()
    meeting = meetings.get_meeting(user, meeting_id)  # NotFound (404) for those who may not see it
    if meeting.participant_for(user) is None and not is_secretariat(user):
        raise NotFound(_l("Meeting not found."), code="meeting_not_found")
    data = _page_data(user, meeting)
    chair = data["can_move"] or data["can_polls"] or data["can_speakers"] or data["can_attendance"]
    return render_template("live/session.html", meeting=meeting, data=data, chair=chair,
                           default_options=options_for(meeting),
                           role_labels=participants.ROLE_LABELS)


@live_bp.get("/<int:meeting_id>/screen")
def room_screen(meeting_id: int):
    """The projector in the room: read only, large type, dark background."""
    user = actor()
    meeting = meetings.get_meeting(user, meeting_id)
    return render_template("live/screen.html", meeting=meeting,
                           data={"meeting_id": meeting.id, "user_id": user.id, "server_now": utcnow().isoformat()})
