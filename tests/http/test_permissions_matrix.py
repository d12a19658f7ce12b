"""Roles × routes: every answer as designed, and invisible meetings answer 404 exactly like missing ones."""
import pytest

from cabinet.extensions import db
from cabinet.services import participants

ROLES = ["anonymous", "admin", "secretariat", "archivist", "chair", "member", "guest", "stranger"]


def _expected(table: str) -> dict:
    """'anonymous=401 admin=200 …' → {role: status}; a bare number applies to the roles not named."""
    result, default = {}, None
    for part in table.split():
        if "=" in part:
            role, status = part.split("=")
            result[role] = int(status)
        else:
            default = int(part)
    return {role: result.get(role, default) for role in ROLES}


PUBLISHED = "published"
# (meeting status, method, path, json body, expected statuses)
CASES = [
    ("-", "get", "/me", None, "200 anonymous=401"),
    ("-", "get", "/users", None, "403 anonymous=401 admin=200 secretariat=200"),
    ("-", "post", "/users", {"username": "moi", "full_name": "Người Mới", "password": "mat-khau-dai"},
     "403 anonymous=401 admin=201"),
    ("-", "get", "/bodies", None, "200 anonymous=401"),
    ("-", "post", "/bodies", {"name": "Ban Kinh tế - Ngân sách"}, "403 anonymous=401 admin=201"),
    ("-", "get", "/meetings", None, "200 anonymous=401"),
    ("-", "post", "/meetings", {"title": "Họp", "starts_at": "2026-12-20T08:00:00+07:00"},
     "403 anonymous=401 admin=201 secretariat=201"),
    (PUBLISHED, "get", "/meetings/{m}", None, "200 anonymous=401 archivist=404 stranger=404"),
    ("draft", "get", "/meetings/{m}", None, "404 anonymous=401 admin=200 secretariat=200"),
    ("closed", "get", "/meetings/{m}", None, "200 anonymous=401 stranger=404"),
    (PUBLISHED, "patch", "/meetings/{m}", {"location": "Hội trường B"},
     "403 anonymous=401 admin=200 secretariat=200 archivist=404 stranger=404"),
    ("draft", "patch", "/meetings/{m}", {"location": "Hội trường B"}, "404 anonymous=401 admin=200 secretariat=200"),
    ("draft", "delete", "/meetings/{m}", None, "404 anonymous=401 admin=204 secretariat=204"),
    ("draft", "post", "/meetings/{m}/publish", None, "404 anonymous=401 admin=200 secretariat=200"),
    (PUBLISHED, "post", "/meetings/{m}/start", None,
     "403 anonymous=401 admin=200 secretariat=200 chair=200 archivist=404 stranger=404"),
    ("live", "post", "/meetings/{m}/adjourn", None,
     "403 anonymous=401 admin=200 secretariat=200 chair=200 archivist=404 stranger=404"),
    ("live", "post", "/meetings/{m}/close", None,
     "403 anonymous=401 admin=200 secretariat=200 chair=200 archivist=404 stranger=404"),
    (PUBLISHED, "get", "/meetings/{m}/state", None, "200 anonymous=401 archivist=404 stranger=404"),
    (PUBLISHED, "get", "/meetings/{m}/calendar.ics", None, "200 anonymous=401 archivist=404 stranger=404"),
    (PUBLISHED, "get", "/meetings/{m}/agenda", None, "200 anonymous=401 archivist=404 stranger=404"),
    (PUBLISHED, "post", "/meetings/{m}/agenda", {"title": "Bổ sung"},
     "403 anonymous=401 admin=201 secretariat=201 archivist=404 stranger=404"),
    (PUBLISHED, "patch", "/agenda/{item}", {"title": "Sửa"},
     "403 anonymous=401 admin=200 secretariat=200 archivist=404 stranger=404"),
    (PUBLISHED, "delete", "/agenda/{item}", None,
     "403 anonymous=401 admin=204 secretariat=204 archivist=404 stranger=404"),
    (PUBLISHED, "get", "/meetings/{m}/participants", None, "200 anonymous=401 archivist=404 stranger=404"),
    (PUBLISHED, "post", "/meetings/{m}/participants", {"user_id": "{newcomer}", "role": "guest"},
     "403 anonymous=401 admin=201 secretariat=201 archivist=404 stranger=404"),
    (PUBLISHED, "patch", "/participants/{p}", {"role": "guest"},
     "403 anonymous=401 admin=200 secretariat=200 archivist=404 stranger=404"),
    (PUBLISHED, "delete", "/participants/{p}", None,
     "403 anonymous=401 admin=204 secretariat=204 archivist=404 stranger=404"),
    (PUBLISHED, "post", "/meetings/{m}/rsvp", {"attending": True},
     "403 anonymous=401 chair=200 member=200 guest=200 archivist=404 stranger=404"),
    ("draft", "post", "/meetings/{m}/rsvp", {"attending": True}, "404 anonymous=401 admin=403 secretariat=403"),
]


@pytest.fixture()
def people(make):
    return {role: None if role == "anonymous" else make.user(
        *{"admin": ["admin"], "secretariat": ["secretariat"], "archivist": ["archivist"]}.get(role, ["member"]))
        for role in ROLES} | {"newcomer": make.user()}


def _fresh_meeting(make, people, status):
    meeting = make.meeting(people["secretariat"], status=status, items=1, participants_={
        people["chair"]: "chair", people["member"]: "member", people["guest"]: "guest"})
    return meeting


def test_roles_by_routes(make, api, people):
    failures = []
    for status, method, path, body, table in CASES:
        for role, expected in _expected(table).items():
            meeting = _fresh_meeting(make, people, status) if status != "-" else None
            values = {"newcomer": people["newcomer"].id}
            if meeting:
                values.update(m=meeting.id, item=meeting.items[0].id,
                              p=next(p.id for p in meeting.participants if p.role == "member"))
            url = path.format(**values)
            payload = {k: (values["newcomer"] if v == "{newcomer}" else v) for k, v in (body or {}).items()}
            if method == "post" and "/users" == path:
                payload["username"] = f"moi{len(failures)}{role}"
            if method == "post" and path == "/bodies":
                payload["name"] = f"Ban {role}"
            kwargs = {"json": payload} if body is not None or method in ("post", "patch") else {}
            response = getattr(api.as_(people[role]), method)(url, **kwargs)
            if response.status_code != expected:
                failures.append(f"{role:12} {method.upper():6} {url:40} [{status}] → {response.status_code}, "
                                f"expected {expected}: {response.get_data(as_text=True)[:120]}")
            db.session.rollback()
    assert not failures, "\n" + "\n".join(failures)


def test_invisible_meeting_answers_like_a_missing_one(make, api, people):
    """A stranger cannot tell a confidential draft from an id that was never used."""
    meeting = _fresh_meeting(make, people, "draft")
    stranger = api.as_(people["member"])
    hidden = stranger.get(f"/meetings/{meeting.id}")
    missing = stranger.get("/meetings/987654")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json() == missing.get_json()
    assert meeting.title not in hidden.get_data(as_text=True)


def test_removed_participant_loses_sight_at_once(make, api, people):
    meeting = _fresh_meeting(make, people, PUBLISHED)
    member = api.as_(people["member"])
    assert member.get(f"/meetings/{meeting.id}").status_code == 200
    participants.remove_participant(people["secretariat"], meeting.participant_for(people["member"]))
    db.session.commit()
    assert member.get(f"/meetings/{meeting.id}").status_code == 404
