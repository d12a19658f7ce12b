"""Domain objects to the JSON shapes of API.md (shared by REST and Socket.IO)."""
from __future__ import annotations

from ..models import AgendaItem, Body, Meeting, Participant, User
from ..services.agenda import AgendaNode, agenda_tree


def iso(value):
    return value.isoformat() if value else None


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
    """The live snapshot tablets load on join and after a seq gap; later issues fill the live parts."""
    return {"seq": meeting.seq, "status": meeting.status, "current_item_id": None,
            "agenda": agenda_json(actor, meeting), "attendance": None, "open_polls": [],
            "speakers": None, "presenting": None}
