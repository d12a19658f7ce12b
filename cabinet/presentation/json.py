"""Domain objects to the JSON shapes of API.md (shared by REST and Socket.IO)."""
from __future__ import annotations

from datetime import timezone

from ..extensions import db
from ..models import AgendaItem, Body, LiveState, Meeting, Participant, Poll, User
from ..services import documents, live, speakers
from ..services.agenda import AgendaNode, agenda_tree
from ..services.documents import last_read_version
from ..services.errors import NotFound
from ..services.permissions import may
from .polls import poll_json


def iso(value):
    """An instant in UTC, as stored (what the caller sent may carry another offset until it is reloaded)."""
    return value.astimezone(timezone.utc).isoformat() if value else None


def user_json(user: User) -> dict:
    return {"id": user.id, "username": user.username, "full_name": user.full_name,
            "position": user.position, "roles": user.roles, "active": user.active}


def body_json(body: Body) -> dict:
    return {"id": body.id, "name": body.name, "short_name": body.short_name,
            "members": [{"user_id": m.user_id, "full_name": m.user.full_name, "title": m.title}
                        for m in body.members]}


def item_json(item: AgendaItem, number: str | None = None) -> dict:
    return {"id": item.id, "meeting_id": item.meeting_id, "parent_id": item.parent_id,
            "position": item.position, "number": number, "title": item.title,
            "description": item.description, "presenter": item.presenter,
            "duration_minutes": item.duration_minutes, "confidential": item.confidential}


def _node_json(node: AgendaNode) -> dict:
    return {**item_json(node.item, node.number), "children": [_node_json(c) for c in node.children]}


def agenda_json(actor: User, meeting: Meeting) -> list[dict]:
    return [_node_json(node) for node in agenda_tree(actor, meeting)]


def participant_json(p: Participant) -> dict:
    return {"id": p.id, "user_id": p.user_id, "full_name": p.user.full_name, "position": p.user.position,
            "role": p.role, "rsvp": p.rsvp, "rsvp_reason": p.rsvp_reason, "rsvp_at": iso(p.rsvp_at)}


def meeting_json(actor: User, meeting: Meeting, *, detail: bool = False) -> dict:
    me = meeting.participant_for(actor)
    data = {"id": meeting.id, "title": meeting.title, "status": meeting.status,
            "starts_at": iso(meeting.starts_at), "ends_at": iso(meeting.ends_at),
            "location": meeting.location, "mode": meeting.mode,
            "body": {"id": meeting.body.id, "name": meeting.body.name} if meeting.body else None,
            "my_role": me.role if me else None}
    if detail:
        data.update(description=meeting.description, seq=meeting.seq,
                    agenda=agenda_json(actor, meeting),
                    participants=[participant_json(p) for p in meeting.participants])
    return data


def state_json(actor: User, meeting: Meeting) -> dict:
    """The live snapshot tablets load on join and after a seq gap (state.seq: the last event included)."""
    state = db.session.get(LiveState, meeting.id)
    presenting = None
    if state is not None and state.presenting_document_id:
        try:  # only to those who may read what is presented
            documents.get_document(actor, state.presenting_document_id)
            presenting = {"document_id": state.presenting_document_id, "page": state.presenting_page}
        except NotFound:
            presenting = None
    open_polls = db.session.scalars(db.select(Poll).where(Poll.meeting_id == meeting.id, Poll.status == "open"))
    return {"seq": meeting.seq, "status": meeting.status,
            "current_item_id": state.current_item_id if state else None,
            "agenda": agenda_json(actor, meeting), "attendance": live.attendance(meeting),
            "open_polls": [poll_json(p, actor) for p in open_polls if may(actor, "poll.view", p)],
            "speakers": speakers.speakers_json(meeting) if meeting.status == "live" else None,
            "presenting": presenting}


def version_json(version) -> dict:
    return {"number": version.number, "filename": version.filename, "size": version.size,
            "page_count": version.page_count, "sha256": version.sha256, "uploaded_at": iso(version.uploaded_at),
            "uploaded_by": version.uploaded_by.full_name if version.uploaded_by else None,
            "removed_active_content": version.removed_active_content or []}


def document_json(actor: User, document) -> dict:
    last_read = last_read_version(actor, document)
    current = document.current_version
    data = {"id": document.id, "meeting_id": document.meeting_id, "agenda_item_id": document.agenda_item_id,
            "title": document.title, "access": document.access, "position": document.position,
            "withdrawn": document.withdrawn, "withdrawn_at": iso(document.withdrawn_at),
            "version": version_json(current),
            "versions_count": len(document.versions), "my_last_read_version": last_read,
            "updated_since_my_read": last_read is not None and last_read < current.number,
            "file_url": f"/api/v1/documents/{document.id}/file"}
    if may(actor, "document.manage", document.meeting):
        data["readers"] = [{"id": row.user_id, "full_name": _name(row.user_id)} for row in document.reader_rows]
    return data


def _name(user_id: int) -> str:
    user = db.session.get(User, user_id)
    return user.full_name if user else ""


def annotation_json(actor: User, annotation) -> dict:
    return {"id": annotation.id, "client_id": annotation.client_id, "document_id": annotation.document_id,
            "version_number": annotation.version.number, "page": annotation.page, "kind": annotation.kind,
            "rect": annotation.rect, "quads": annotation.quads or [], "paths": annotation.paths or [],
            "text": annotation.text, "color": annotation.color, "shared": annotation.shared,
            "mine": annotation.user_id == actor.id,
            "author": {"id": annotation.user_id, "full_name": annotation.user.full_name},
            "created_at": iso(annotation.created_at), "updated_at": iso(annotation.updated_at)}


def read_json(read) -> dict:
    return {"user_id": read.user_id, "full_name": read.user.full_name, "version": read.version.number,
            "first_opened_at": iso(read.first_opened_at), "last_opened_at": iso(read.last_opened_at),
            "opens": read.opens}
