"""Bodies that meet (people's committee, people's council …) and their standing members."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import Body, BodyMember, User
from . import validation as v
from .accounts import get_user
from .errors import Conflict, NotFound
from .permissions import require


def list_bodies() -> list[Body]:
    return list(db.session.scalars(select(Body).order_by(Body.name)))


def get_body(body_id) -> Body:
    body = db.session.get(Body, body_id) if v.is_id(body_id) else None
    if body is None:
        raise NotFound(_l("Body not found."), code="body_not_found")
    return body


def create_body(actor: User | None, *, name, short_name="") -> Body:
    if actor is not None:
        require(actor, "body.manage")
    body = Body(name=v.text(name, "name", max_length=200),
                short_name=v.text(short_name, "short_name", max_length=50, required=False))
    if db.session.scalar(select(Body).where(Body.name == body.name)):
        raise Conflict(_l("A body with this name already exists."), code="body_exists", field="name")
    db.session.add(body)
    db.session.flush()
    return body


def update_body(actor: User, body: Body, changes: dict) -> Body:
    require(actor, "body.manage")
    if "name" in changes:
        name = v.text(changes["name"], "name", max_length=200)
        clash = db.session.scalar(select(Body).where(Body.name == name, Body.id != body.id))
        if clash:
            raise Conflict(_l("A body with this name already exists."), code="body_exists", field="name")
        body.name = name
    if "short_name" in changes:
        body.short_name = v.text(changes["short_name"], "short_name", max_length=50, required=False)
    db.session.flush()
    return body


def add_member(actor: User | None, body: Body, user_id, title="") -> BodyMember:
    if actor is not None:
        require(actor, "body.manage")
    user = get_user(v.integer(user_id, "user_id"))
    if any(m.user_id == user.id for m in body.members):
        raise Conflict(_l("%(name)s is already a member of this body.", name=user.full_name),
                       code="already_member", field="user_id")
    member = BodyMember(user=user, title=v.text(title, "title", max_length=200, required=False))
    body.members.append(member)
    db.session.flush()
    return member


def remove_member(actor: User, body: Body, user_id: int) -> None:
    require(actor, "body.manage")
    member = next((m for m in body.members if m.user_id == user_id), None)
    if member is None:
        raise NotFound(_l("This person is not a member of the body."), code="member_not_found")
    body.members.remove(member)
    db.session.flush()
