"""Factories for test data, written through the same services the app uses."""
from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta, timezone

from cabinet.extensions import db
from cabinet.models import User
from cabinet.services import accounts, agenda, meetings, participants

PASSWORD = "correct-horse-42"
_counter = itertools.count(1)


def user(*roles: str, username: str | None = None, full_name: str | None = None, **extra) -> User:
    n = next(_counter)
    created = accounts.create_user(None, username=username or f"user{n}", full_name=full_name or f"Nguyễn Văn {n}",
                                   password=PASSWORD, roles=list(roles) or ["member"], **extra)
    db.session.commit()
    return created


def meeting(actor: User | None = None, *, status: str = "draft", items: int = 1, title: str | None = None,
            participants_: dict[User, str] | None = None, starts_in: timedelta = timedelta(days=3)):
    """A meeting moved to `status`, with `items` agenda items and the given {user: role} participants."""
    actor = actor or user("secretariat")
    starts = datetime.now(timezone.utc) + starts_in
    created = meetings.create_meeting(actor, {"title": title or "Phiên họp thường kỳ tháng 12",
                                              "starts_at": starts, "ends_at": starts + timedelta(hours=3)})
    for i in range(items):
        agenda.add_item(actor, created, {"title": f"Nội dung {i + 1}"})
    for person, role in (participants_ or {}).items():
        participants.add_participant(actor, created, person.id, role)
    path = {"draft": [], "published": ["publish"], "live": ["publish", "start"],
            "adjourned": ["publish", "start", "adjourn"], "closed": ["publish", "start", "close"]}[status]
    if "start" in path and not any(p.role == "chair" for p in created.participants):
        participants.add_participant(actor, created, user("member").id, "chair")
    for move in path:
        meetings.move_status(actor, created, move)
    db.session.commit()
    return created


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf[-_]token"[^>]*(?:value|content)="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, person: User, password: str = PASSWORD):
    token = csrf_token(client)
    return client.post("/login", data={"username": person.username, "password": password, "csrf_token": token})


class ApiClient:
    """Calls /api/v1 with a Bearer token per user, the way a tablet app does."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.tokens: dict[int, str] = {}
        self.user: User | None = None

    def as_(self, person: User | None) -> "ApiClient":
        clone = ApiClient.__new__(ApiClient)
        clone.app, clone.client, clone.tokens, clone.user = self.app, self.client, self.tokens, person
        if person is not None and person.id not in self.tokens:
            self.tokens[person.id] = accounts.issue_token(person, days=1)
            db.session.commit()
        return clone

    def _headers(self):
        return {"Authorization": f"Bearer {self.tokens[self.user.id]}"} if self.user else {}

    def __getattr__(self, method):
        if method not in ("get", "post", "patch", "put", "delete"):
            raise AttributeError(method)

        def call(path, **kwargs):
            headers = {**self._headers(), **kwargs.pop("headers", {})}
            return getattr(self.client, method)("/api/v1" + path, headers=headers, **kwargs)
        return call
