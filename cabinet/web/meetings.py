"""Meeting pages: my meetings, create and edit, the meeting page, status moves, replies, calendar file.

The agenda editor and the participant list are in agenda.py and participants.py (same blueprint).
"""
from __future__ import annotations

from collections import Counter, defaultdict

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from ..models.types import utcnow
from ..services import agenda, bodies, documents, meetings, minutes_signing, participants, polls
from ..presentation.calendar import calendar_response
from ..presentation.json import document_json
from ..presentation.polls import poll_json
from ..services.meetings import MODE_LABELS
from ..services.permissions import may, require
from .helpers import actor, attempt, error_context, form_optional, form_text, local_input, register_filters
from .offline import meeting_manifest
from ..services.documents import ACCESS_SHORT

meetings_bp = Blueprint("meetings", __name__, url_prefix="/meetings")
register_filters(meetings_bp)


@meetings_bp.before_request
@login_required
def _logged_in():
    """Every meeting page needs a login; the services then decide what this user may see."""


MOVE_LABELS = {"publish": _l("Publish"), "start": _l("Start the session"), "adjourn": _l("Adjourn"),
               "close": _l("Close the meeting")}


@meetings_bp.get("/")
def index():
    user = actor()
    now = utcnow()
    upcoming, past = [], []
    listed = meetings.list_meetings_for(user)
    awaiting = minutes_signing.awaiting_signature(user, listed)
    for meeting in listed:
        card = {"meeting": meeting, "me": meeting.participant_for(user), "awaiting": meeting.id in awaiting}
        (upcoming if meetings.is_upcoming(meeting, now) else past).append(card)
    return render_template("meetings/index.html", upcoming=upcoming, past=past,
                           may_create=may(user, "meeting.create"), **_labels())


def _labels() -> dict:
    return {"status_labels": meetings.STATUS_LABELS, "mode_labels": MODE_LABELS,
            "role_labels": participants.ROLE_LABELS, "rsvp_labels": participants.RSVP_LABELS}


# --- create and edit ------------------------------------------------------------------------------

MEETING_FIELDS = ("title", "body_id", "starts_at", "ends_at", "location", "mode", "description")


def _meeting_form_data() -> dict:
    data = {name: form_text(name) for name in MEETING_FIELDS}
    data["body_id"] = form_optional("body_id")
    data["ends_at"] = form_optional("ends_at")
    return data


def _meeting_form_values(meeting) -> dict:
    return {"title": meeting.title, "body_id": str(meeting.body_id or ""),
            "starts_at": local_input(meeting.starts_at), "ends_at": local_input(meeting.ends_at),
            "location": meeting.location, "mode": meeting.mode, "description": meeting.description}


def _render_meeting_form(meeting, values: dict, status: int = 200, **extra):
    return render_template("meetings/form.html", meeting=meeting, values=values, bodies=bodies.list_bodies(),
                           mode_labels=MODE_LABELS, **extra), status


@meetings_bp.route("/new", methods=["GET", "POST"])
def create():
    user = actor()
    require(user, "meeting.create")
    if request.method == "GET":
        return _render_meeting_form(None, {"mode": "in_person"})
    data = _meeting_form_data()
    outcome = attempt(meetings.create_meeting, user, data)
    if not outcome.ok:
        return _render_meeting_form(None, request.form, outcome.error.status, **error_context(outcome))
    flash(_("The meeting was created as a draft. Now prepare its agenda and invite the participants."),
          "success")
    return redirect(url_for("meetings.detail", meeting_id=outcome.result.id))


@meetings_bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
def edit(meeting_id):
    user = actor()
    meeting = meetings.get_meeting(user, meeting_id)
    require(user, "meeting.edit", meeting)
    if request.method == "GET":
        return _render_meeting_form(meeting, _meeting_form_values(meeting))
    outcome = attempt(meetings.update_meeting, user, meeting, _meeting_form_data())
    if not outcome.ok:
        return _render_meeting_form(meeting, request.form, outcome.error.status, **error_context(outcome))
    flash(_("The meeting was saved."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


@meetings_bp.post("/<int:meeting_id>/delete")
def delete(meeting_id):
    user = actor()
    meeting = meetings.get_meeting(user, meeting_id)
    outcome = attempt(meetings.delete_meeting, user, meeting)
    if not outcome.ok:
        return _render_detail(meeting, outcome.error.status, error=outcome.error.message)
    flash(_("The draft meeting was deleted."), "success")
    return redirect(url_for("meetings.index"))


# --- the meeting page -----------------------------------------------------------------------------

def _render_detail(meeting, status: int = 200, **extra):
    user = actor()
    me = meeting.participant_for(user)
    moves = [{"action": action, "label": MOVE_LABELS[action]} for action in meetings.available_moves(user, meeting)]
    rsvp_values = extra.pop("rsvp_values", None) or (
        {"attending": {"attending": "yes", "declined": "no"}.get(me.rsvp, ""), "reason": me.rsvp_reason}
        if me else {})
    editable = meeting.status in meetings.EDITABLE_STATUSES
    replies = Counter(p.rsvp for p in meeting.participants)
    rsvp_counts = [(state, replies[state]) for state in ("attending", "declined", "pending")
                   if replies[state]]
    tree = agenda.agenda_tree(user, meeting)
    docs = [document_json(user, d) for d in documents.list_for_meeting(user, meeting)]
    docs_by_item, shown_items = defaultdict(list), _item_ids(tree)
    for doc in docs:  # under its agenda item; the meeting's own documents under None
        docs_by_item[doc["agenda_item_id"] if doc["agenda_item_id"] in shown_items else None].append(doc)
    # An invited member's tablet keeps an upcoming meeting for reading offline.
    offline_plan = meeting_manifest(user, meeting, docs) if me and meetings.is_upcoming(meeting, utcnow()) else None
    manage_documents = may(user, "document.manage", meeting)
    extra.setdefault("record", _session_record(user, meeting))
    extra.setdefault("awaiting_signature", meeting.id in minutes_signing.awaiting_signature(user, [meeting]))
    return render_template(
        "meetings/detail.html", meeting=meeting, me=me, moves=moves, tree=tree,
        docs=docs, docs_by_item=docs_by_item, offline_plan=offline_plan, access_short=ACCESS_SHORT,
        can={"edit": may(user, "meeting.edit", meeting) and editable,
             "delete": may(user, "meeting.delete", meeting) and meeting.status == "draft",
             "agenda": may(user, "agenda.edit", meeting) and editable,
             "participants": may(user, "participants.manage", meeting) and editable,
             "rsvp": may(user, "meeting.rsvp", meeting) and meeting.status in participants.RSVP_OPEN_STATUSES,
             "upload": manage_documents and editable, "reads": manage_documents,
             "arrange": manage_documents and editable},
        live_documents=meeting.status != "closed" and bool(me or manage_documents),
        rsvp_values=rsvp_values, rsvp_counts=rsvp_counts, **_labels(), **extra), status


ATTENDANCE_GROUPS = ("room", "online", "absent", "unknown")


def _session_record(user, meeting) -> dict | None:
    """What a closed meeting's page states of the session: who attended and how (those never recorded
    apart: nobody knows), and the result of every vote taken."""
    if meeting.status != "closed":
        return None
    attendance = {group: [] for group in ATTENDANCE_GROUPS}
    for p in meeting.participants:
        attendance[p.attendance if p.attendance in attendance else "unknown"].append(p)
    taken = [poll_json(p) for p in polls.list_polls(user, meeting) if p.status == "closed"]
    return {"attendance": attendance, "polls": taken}


def _item_ids(tree) -> set[int]:
    return {node.item.id for top in tree for node in (top, *top.children)}


@meetings_bp.get("/<int:meeting_id>")
def detail(meeting_id):
    meeting = meetings.get_meeting(actor(), meeting_id)
    if meeting.form == "written":  # a document's "back to the meeting" link, an old bookmark
        return redirect(url_for("consultations.detail", meeting_id=meeting.id))
    return _render_detail(meeting)


@meetings_bp.post("/<int:meeting_id>/status/<any(publish, start, adjourn, close):action>")
def move(meeting_id, action):
    user = actor()
    meeting = meetings.get_meeting(user, meeting_id)
    outcome = attempt(meetings.move_status, user, meeting, action)
    if not outcome.ok:
        return _render_detail(meeting, outcome.error.status, error=outcome.error.message)
    flash(_("The meeting is now “%(status)s”.", status=meetings.status_label(meeting.status)), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


@meetings_bp.post("/<int:meeting_id>/rsvp")
def rsvp(meeting_id):
    user = actor()
    meeting = meetings.get_meeting(user, meeting_id)
    choice = form_text("attending")
    attending = {"yes": True, "no": False}.get(choice, choice)  # anything else: the service refuses it
    outcome = attempt(participants.reply_to_invitation, user, meeting, attending, form_text("reason"))
    if not outcome.ok:
        return _render_detail(meeting, outcome.error.status, rsvp_error=outcome.error.message,
                              rsvp_values={"attending": choice, "reason": form_text("reason")})
    flash(_("Thank you, your reply was recorded."), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id) + "#rsvp")


@meetings_bp.get("/<int:meeting_id>/calendar.ics")
def calendar_file(meeting_id):
    """The same invitation file as GET /api/v1/meetings/<id>/calendar.ics."""
    return calendar_response(actor(), meetings.get_meeting(actor(), meeting_id))


from . import agenda as _agenda_pages, participants as _participant_pages  # noqa: E402,F401  (routes)
