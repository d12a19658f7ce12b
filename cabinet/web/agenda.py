"""The agenda editor (secretariat): add, edit, remove and reorder items.

Reordering works twice over: drag and drop (static/js/agenda-editor.js → PATCH /api/v1/agenda/<id>)
and plain "move up" / "move down" forms that need no JavaScript and work from the keyboard.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..services import agenda, meetings
from ..services.errors import NotFound
from ..services.permissions import require
from .helpers import actor, attempt, error_context, form_optional, form_text
from .meetings import meetings_bp

ITEM_FIELDS = ("title", "presenter", "duration_minutes", "description")


def _item_form_data() -> dict:
    data = {name: form_text(name) for name in ITEM_FIELDS}
    data["duration_minutes"] = form_optional("duration_minutes")
    data["confidential"] = "confidential" in request.form
    return data


def _item_values(item) -> dict:
    return {"title": item.title, "presenter": item.presenter, "description": item.description,
            "duration_minutes": str(item.duration_minutes or ""), "confidential": item.confidential,
            "parent_id": str(item.parent_id or "")}


def _editor_url(meeting, item=None) -> str:
    url = url_for("meetings.agenda_editor", meeting_id=meeting.id)
    return f"{url}#item-{item.id}" if item is not None else url


def _render_editor(meeting, status: int = 200, values: dict | None = None, **extra):
    tree = agenda.agenda_tree(actor(), meeting)
    return render_template("meetings/agenda.html", meeting=meeting, tree=tree,
                           parents=[node.item for node in tree], values=values or {}, **extra), status


def _editable_meeting(meeting_id):
    """The meeting, if this user may edit its agenda (404 if invisible, 403 if not theirs to edit)."""
    user = actor()
    meeting = meetings.get_meeting(user, meeting_id)
    require(user, "agenda.edit", meeting)
    return meeting


@meetings_bp.get("/<int:meeting_id>/agenda")
def agenda_editor(meeting_id):
    return _render_editor(_editable_meeting(meeting_id))


@meetings_bp.post("/<int:meeting_id>/agenda")
def add_agenda_item(meeting_id):
    meeting = _editable_meeting(meeting_id)
    data = _item_form_data()
    data["parent_id"] = form_optional("parent_id")
    outcome = attempt(agenda.add_item, actor(), meeting, data)
    if not outcome.ok:
        values = dict(request.form, confidential="confidential" in request.form)
        return _render_editor(meeting, outcome.error.status, values=values, **error_context(outcome))
    flash(_("Item “%(title)s” was added to the agenda.", title=outcome.result.title), "success")
    return redirect(_editor_url(meeting, outcome.result))


def _item_of(meeting_id, item_id):
    meeting = _editable_meeting(meeting_id)
    item = agenda.get_item(actor(), item_id)
    if item.meeting_id != meeting.id:
        raise NotFound(_l("Agenda item not found."), code="agenda_item_not_found")
    return meeting, item


@meetings_bp.route("/<int:meeting_id>/agenda/<int:item_id>/edit", methods=["GET", "POST"])
def edit_agenda_item(meeting_id, item_id):
    meeting, item = _item_of(meeting_id, item_id)
    parents = [node.item for node in agenda.agenda_tree(actor(), meeting) if node.item.id != item.id]
    if request.method == "GET":
        return render_template("meetings/agenda_item.html", meeting=meeting, item=item, parents=parents,
                               values=_item_values(item))
    data = _item_form_data()
    parent_id = form_optional("parent_id")
    if parent_id != (str(item.parent_id) if item.parent_id else None):
        data["parent_id"] = parent_id  # only a real change of parent moves the item (to the end)
    outcome = attempt(agenda.update_item, actor(), item, data)
    if not outcome.ok:
        values = dict(request.form, confidential="confidential" in request.form)
        return render_template("meetings/agenda_item.html", meeting=meeting, item=item, parents=parents,
                               values=values, **error_context(outcome)), outcome.error.status
    flash(_("The agenda item was saved."), "success")
    return redirect(_editor_url(meeting, item))


@meetings_bp.post("/<int:meeting_id>/agenda/<int:item_id>/move")
def move_agenda_item(meeting_id, item_id):
    """Keyboard and no-JavaScript reordering: the form carries the item's new position among its siblings."""
    meeting, item = _item_of(meeting_id, item_id)
    outcome = attempt(agenda.update_item, actor(), item, {"position": form_text("position")})
    if not outcome.ok:
        return _render_editor(meeting, outcome.error.status, error=outcome.error.message)
    flash(_("Item “%(title)s” was moved.", title=item.title), "success")
    return redirect(_editor_url(meeting, item))


@meetings_bp.post("/<int:meeting_id>/agenda/<int:item_id>/delete")
def delete_agenda_item(meeting_id, item_id):
    meeting, item = _item_of(meeting_id, item_id)
    title = item.title
    outcome = attempt(agenda.delete_item, actor(), item)
    if not outcome.ok:
        return _render_editor(meeting, outcome.error.status, error=outcome.error.message)
    flash(_("Item “%(title)s” was removed from the agenda.", title=title), "success")
    return redirect(_editor_url(meeting))
