"""The agenda: ordered items with one level of sub-items; add, edit, move, remove."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import AgendaItem, Meeting, User
from ..outbox import publish
from . import validation as v
from .errors import Invalid, NotFound
from .meetings import ensure_editable
from .permissions import may, require, sees_confidential


@dataclass
class AgendaNode:
    """An item with its number ("2", "2.1") and its sub-items, in order."""

    item: AgendaItem
    number: str
    children: list["AgendaNode"] = field(default_factory=list)


def _siblings(meeting: Meeting, parent_id: int | None, exclude: AgendaItem | None = None) -> list[AgendaItem]:
    items = [i for i in meeting.items if i.parent_id == parent_id and i is not exclude]
    return sorted(items, key=lambda i: (i.position, i.id or 0))


def _renumber(items: list[AgendaItem]) -> None:
    for index, item in enumerate(items):
        item.position = index


def numbered(meeting: Meeting) -> list[AgendaNode]:
    """The whole agenda numbered 1, 1.1, 1.2, 2 … — the one place numbers are decided. Every page, the
    minutes (editor, PDF, their JSON record) and the dossier take their numbers from here, so "item 3"
    means the same item to everyone in the room and in every record of the meeting."""
    nodes = []
    for top in _siblings(meeting, None):
        node = AgendaNode(top, str(len(nodes) + 1))
        node.children = [AgendaNode(child, f"{node.number}.{index}")
                         for index, child in enumerate(_siblings(meeting, top.id), start=1)]
        nodes.append(node)
    return nodes


def in_order(nodes: list[AgendaNode]) -> list[AgendaNode]:
    """Items and sub-items as they are read: 1, 2, 2.1, 2.2, 3."""
    return [node for top in nodes for node in (top, *top.children)]


def agenda_tree(actor: User, meeting: Meeting) -> list[AgendaNode]:
    """The agenda as the actor may see it. Items the actor may not see are left out, and the others keep
    their numbers (a guest sees 1, 3 where item 2 is confidential): numbers never depend on the reader."""
    if sees_confidential(actor, meeting):
        return numbered(meeting)
    visible = []
    for top in numbered(meeting):
        if not top.item.confidential:
            top.children = [child for child in top.children if not child.item.confidential]
            visible.append(top)
    return visible


def get_item(actor: User, item_id) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id) if v.is_id(item_id) else None
    if item is None or not may(actor, "item.view", item):
        raise NotFound(_l("Agenda item not found."), code="agenda_item_not_found")
    return item


def _parent_for(meeting: Meeting, parent_id, moving: AgendaItem | None = None) -> AgendaItem | None:
    parent_id = v.integer(parent_id, "parent_id", required=False)
    if parent_id is None:
        return None
    if moving is not None and parent_id == moving.id:
        raise Invalid(_l("An item cannot be moved into itself."), code="move_into_itself", field="parent_id")
    parent = next((i for i in meeting.items if i.id == parent_id), None)
    if parent is None:
        raise Invalid(_l("The parent item is not on this meeting's agenda."), code="unknown_parent",
                      field="parent_id")
    if parent.parent_id is not None:
        raise Invalid(_l("Sub-items cannot have sub-items of their own."), code="too_deep", field="parent_id")
    if moving is not None and any(i.parent_id == moving.id for i in meeting.items):
        raise Invalid(_l("An item that has sub-items cannot become a sub-item."), code="too_deep",
                      field="parent_id")
    return parent


def _apply_fields(item: AgendaItem, data: dict, creating: bool) -> None:
    if creating or "title" in data:
        item.title = v.text(data.get("title"), "title", max_length=500)
    if creating or "description" in data:
        item.description = v.text(data.get("description"), "description", max_length=20000, required=False)
    if creating or "presenter" in data:
        item.presenter = v.text(data.get("presenter"), "presenter", max_length=200, required=False)
    if creating or "duration_minutes" in data:
        item.duration_minutes = v.integer(data.get("duration_minutes"), "duration_minutes",
                                          minimum=1, maximum=24 * 60, required=False)
    if creating or "confidential" in data:
        item.confidential = v.boolean(data.get("confidential", False), "confidential")


def add_item(actor: User, meeting: Meeting, data: dict) -> AgendaItem:
    """Add an item (at the end, or at `position` among its siblings)."""
    require(actor, "agenda.edit", meeting)
    ensure_editable(meeting)
    item = AgendaItem(meeting_id=meeting.id)
    with db.session.no_autoflush:
        _apply_fields(item, data, creating=True)
        parent = _parent_for(meeting, data.get("parent_id"))
        item.parent_id = parent.id if parent else None
        siblings = _siblings(meeting, item.parent_id)
        position = v.integer(data.get("position"), "position", minimum=0, required=False)
        siblings.insert(len(siblings) if position is None else min(position, len(siblings)), item)
        meeting.items.append(item)
        _renumber(siblings)
    db.session.flush()
    _announce(meeting)
    return item


def update_item(actor: User, item: AgendaItem, data: dict) -> AgendaItem:
    """Edit an item's fields and/or move it (`parent_id`, `position` among the new siblings)."""
    meeting = item.meeting
    require(actor, "agenda.edit", meeting)
    ensure_editable(meeting)
    with db.session.no_autoflush:
        _apply_fields(item, data, creating=False)
        if "parent_id" in data or "position" in data:
            _move(meeting, item, data)
    db.session.flush()
    _announce(meeting)
    return item


def _move(meeting: Meeting, item: AgendaItem, data: dict) -> None:
    if "parent_id" in data:
        parent = _parent_for(meeting, data["parent_id"], moving=item)
        new_parent_id = parent.id if parent else None
    else:
        new_parent_id = item.parent_id
    old_parent_id = item.parent_id
    position = v.integer(data.get("position"), "position", minimum=0, required=False)
    targets = _siblings(meeting, new_parent_id, exclude=item)
    targets.insert(len(targets) if position is None else min(position, len(targets)), item)
    item.parent_id = new_parent_id
    _renumber(targets)
    if old_parent_id != new_parent_id:
        _renumber(_siblings(meeting, old_parent_id, exclude=item))


def delete_item(actor: User, item: AgendaItem) -> None:
    """Remove an item and its sub-items; the siblings close the gap."""
    meeting = item.meeting
    require(actor, "agenda.edit", meeting)
    ensure_editable(meeting)
    for child in [i for i in meeting.items if i.parent_id == item.id]:
        meeting.items.remove(child)
    db.session.flush()  # sub-items first: the database would cascade them away under the ORM's feet
    meeting.items.remove(item)
    _renumber(_siblings(meeting, item.parent_id))
    db.session.flush()
    _announce(meeting)


def _announce(meeting: Meeting) -> None:
    """Tell joined tablets the agenda changed; they fetch it by REST (confidentiality is per reader)."""
    publish(db.session, meeting, "agenda.updated", {})
