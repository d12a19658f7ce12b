"""Who is invited to a meeting, in which meeting role, and their reply to the invitation."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import MEETING_ROLES, Meeting, Participant, User
from ..models.types import utcnow
from ..outbox import after_commit
from ..realtime.rooms import close_meeting_to
from . import validation as v
from .accounts import get_user
from .errors import Conflict, Invalid, NotFound
from .meetings import ensure_editable
from .permissions import may, require

ROLE_LABELS = {"chair": _l("Chair"), "secretary": _l("Secretary"), "member": _l("Member"),
               "guest": _l("Guest")}
RSVP_OPEN_STATUSES = ("published", "live", "adjourned")
RSVP_LABELS = {"pending": _l("No reply yet"), "attending": _l("Attending"), "declined": _l("Not attending")}


def get_participant(actor: User, participant_id) -> Participant:
    participant = db.session.get(Participant, participant_id) if v.is_id(participant_id) else None
    if participant is None:
        raise NotFound(_l("Participant not found."), code="participant_not_found")
    require(actor, "meeting.view", participant.meeting)
    return participant


def add_participant(actor: User, meeting: Meeting, user_id, role) -> Participant:
    """Invite a user with a meeting role; inviting the same person twice is a conflict."""
    require(actor, "participants.manage", meeting)
    ensure_editable(meeting)
    role = v.choice(role, "role", MEETING_ROLES)
    try:
        user = get_user(v.integer(user_id, "user_id"))
    except NotFound:
        raise Invalid(_l("There is no such user."), code="unknown_user", field="user_id")
    if not user.active:
        raise Invalid(_l("This account is disabled and cannot be invited."), code="user_disabled",
                      field="user_id")
    if meeting.participant_for(user):
        raise Conflict(_l("%(name)s is already invited to this meeting.", name=user.full_name),
                       code="already_participant", field="user_id")
    participant = Participant(user=user, role=role, rsvp="pending", rsvp_reason="")
    meeting.participants.append(participant)
    db.session.flush()
    _inbox_changed(users=[user.id])
    return participant


def change_role(actor: User, participant: Participant, role) -> Participant:
    require(actor, "participants.manage", participant.meeting)
    ensure_editable(participant.meeting)
    participant.role = v.choice(role, "role", MEETING_ROLES)
    db.session.flush()
    _inbox_changed(users=[participant.user_id])  # a guest made a member reads what hangs under confidential items
    return participant


def remove_participant(actor: User, participant: Participant) -> None:
    """Uninvite; if that was the person's only sight of the meeting, their live connections leave its
    room once this commits (on every server process), so its events stop reaching them at once."""
    meeting = participant.meeting
    require(actor, "participants.manage", meeting)
    ensure_editable(meeting)
    user = participant.user
    meeting.participants.remove(participant)
    db.session.flush()
    _inbox_changed(users=[user.id])
    if not may(user, "meeting.view", meeting):  # the secretariat, say, still sees every meeting
        meeting_id, user_id = meeting.id, user.id
        after_commit(db.session, lambda: close_meeting_to(meeting_id, user_id))


def reply_to_invitation(actor: User, meeting: Meeting, attending, reason="") -> Participant:
    """The invitee says whether they will attend; declining needs a reason the secretariat can record."""
    require(actor, "meeting.rsvp", meeting)
    if meeting.status not in RSVP_OPEN_STATUSES:
        raise Conflict(_l("Replies are accepted only before and during the meeting."), code="rsvp_closed")
    if not isinstance(attending, bool):
        raise Invalid(_l("“%(field)s” must be true or false.", field=_l("Attending")), code="invalid_type",
                      field="attending")
    reason = v.text(reason, "reason", max_length=1000, required=not attending)
    participant = meeting.participant_for(actor)
    participant.rsvp = "attending" if attending else "declined"
    participant.rsvp_reason = "" if attending else reason
    participant.rsvp_at = utcnow()
    db.session.flush()
    _inbox_changed(users=[actor.id])
    return participant


def _inbox_changed(**which) -> None:
    from .notifications import inbox_changed  # (notifications reads this area's modules)
    inbox_changed(**which)
