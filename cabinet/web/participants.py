"""The participant list of a meeting (secretariat): invite, change meeting role, remove."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..models import MEETING_ROLES
from ..services import accounts, meetings, participants
from ..services.errors import NotFound
from ..services.permissions import require
from .helpers import actor, attempt, form_optional, form_text
from .meetings import meetings_bp


def _managed_meeting(meeting_id):
    """The meeting, if this user may manage its participants (404 if invisible, 403 otherwise)."""
    user = actor()
    meeting = meetings.get_meeting(user, meeting_id)
    require(user, "participants.manage", meeting)
    return meeting


def _participant_of(meeting, participant_id):
    participant = participants.get_participant(actor(), participant_id)
    if participant.meeting_id != meeting.id:
        raise NotFound(_l("Participant not found."), code="participant_not_found")
    return participant


def _render_list(meeting, status: int = 200, **extra):
    return render_template(
        "meetings/participants.html", meeting=meeting,
        users=accounts.list_users(actor(), include_inactive=False),
        roles=MEETING_ROLES, role_labels=participants.ROLE_LABELS, rsvp_labels=participants.RSVP_LABELS,
        values=extra.pop("values", None) or {"role": "member"}, **extra), status


@meetings_bp.get("/<int:meeting_id>/participants")
def participant_list(meeting_id):
    return _render_list(_managed_meeting(meeting_id))


@meetings_bp.post("/<int:meeting_id>/participants")
def add_participant(meeting_id):
    meeting = _managed_meeting(meeting_id)
    outcome = attempt(participants.add_participant, actor(), meeting, form_optional("user_id"),
                      form_text("role"))
    if not outcome.ok:
        return _render_list(meeting, outcome.error.status, error=outcome.error.message,
                            error_field=outcome.error.field, values=request.form)
    flash(_("%(name)s was invited as %(role)s.", name=outcome.result.user.full_name,
            role=participants.ROLE_LABELS[outcome.result.role]), "success")
    return redirect(url_for("meetings.participant_list", meeting_id=meeting.id))


@meetings_bp.post("/<int:meeting_id>/participants/<int:participant_id>/role")
def change_participant_role(meeting_id, participant_id):
    meeting = _managed_meeting(meeting_id)
    participant = _participant_of(meeting, participant_id)
    outcome = attempt(participants.change_role, actor(), participant, form_text("role"))
    if not outcome.ok:
        return _render_list(meeting, outcome.error.status, error=outcome.error.message)
    flash(_("%(name)s is now %(role)s.", name=participant.user.full_name,
            role=participants.ROLE_LABELS[participant.role]), "success")
    return redirect(url_for("meetings.participant_list", meeting_id=meeting.id))


@meetings_bp.post("/<int:meeting_id>/participants/<int:participant_id>/delete")
def remove_participant(meeting_id, participant_id):
    meeting = _managed_meeting(meeting_id)
    participant = _participant_of(meeting, participant_id)
    name = participant.user.full_name
    outcome = attempt(participants.remove_participant, actor(), participant)
    if not outcome.ok:
        return _render_list(meeting, outcome.error.status, error=outcome.error.message)
    flash(_("%(name)s was removed from the participants.", name=name), "success")
    return redirect(url_for("meetings.participant_list", meeting_id=meeting.id))
