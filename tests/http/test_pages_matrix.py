"""Roles × pages: the HTML side answers like the API (200 / 302 to login / 403 / 404)."""
import pytest

from cabinet.extensions import db

from .. import factories
from ..documents_helpers import SAMPLES
from .test_permissions_matrix import ROLES, _expected

PAGES = [
    ("published", "/meetings/", "200 anonymous=302"),
    ("-", "/meetings/new", "403 anonymous=302 admin=200 secretariat=200"),
    ("published", "/meetings/{m}", "200 anonymous=302 archivist=404 stranger=404"),
    ("draft", "/meetings/{m}", "404 anonymous=302 admin=200 secretariat=200"),
    ("closed", "/meetings/{m}", "200 anonymous=302 stranger=404"),
    ("published", "/meetings/{m}/edit", "403 anonymous=302 admin=200 secretariat=200 archivist=404 stranger=404"),
    ("published", "/meetings/{m}/agenda", "403 anonymous=302 admin=200 secretariat=200 archivist=404 stranger=404"),
    ("published", "/meetings/{m}/agenda/{item}/edit",
     "403 anonymous=302 admin=200 secretariat=200 archivist=404 stranger=404"),
    ("published", "/meetings/{m}/participants",
     "403 anonymous=302 admin=200 secretariat=200 archivist=404 stranger=404"),
    ("published", "/meetings/{m}/calendar.ics", "200 anonymous=302 archivist=404 stranger=404"),
    ("published", "/meetings/{m}/documents/new",
     "403 anonymous=302 admin=200 secretariat=200 archivist=404 stranger=404"),
    ("published", "/documents/{doc}/reads", "403 anonymous=302 admin=200 secretariat=200 archivist=404 stranger=404"),
    ("published", "/documents/{doc}", "200 anonymous=302 archivist=404 stranger=404"),
    ("-", "/offline", "200 anonymous=302"),
    ("-", "/sw.js", "200"),
    ("-", "/admin/users", "403 anonymous=302 admin=200"),
    ("-", "/admin/users/new", "403 anonymous=302 admin=200"),
    ("-", "/admin/bodies", "403 anonymous=302 admin=200"),
]


@pytest.fixture()
def people(make):
    return {role: None if role == "anonymous" else make.user(
        *{"admin": ["admin"], "secretariat": ["secretariat"], "archivist": ["archivist"]}.get(role, ["member"]))
        for role in ROLES}


def test_pages_by_role(app, make, people):
    meetings = {status: make.meeting(people["secretariat"], status=status, participants_={
        people["chair"]: "chair", people["member"]: "member", people["guest"]: "guest"})
        for status in ("draft", "published", "closed")}
    from cabinet.services import documents
    with (SAMPLES / "to-trinh-do-thi-thong-minh.pdf").open("rb") as stream:
        document = documents.upload_document(people["secretariat"], meetings["published"], stream,
                                             filename="to-trinh.pdf", access="participants")
    db.session.commit()
    failures = []
    for role in ROLES:
        client = app.test_client()
        if people[role]:
            factories.login(client, people[role])
        for status, path, table in PAGES:
            meeting = meetings.get(status)
            url = path.format(m=meeting.id, item=meeting.items[0].id, doc=document.id) if meeting else path
            expected = _expected(table)[role]
            response = client.get(url)
            if response.status_code != expected:
                failures.append(f"{role:12} GET {url:40} → {response.status_code}, expected {expected}")
            if expected == 302:
                assert "/login" in response.headers["Location"]
    assert not failures, "\n" + "\n".join(failures)


def test_an_item_of_another_meeting_is_not_reachable_through_this_one(app, make):
    staff = make.user("secretariat")
    mine, other = make.meeting(staff), make.meeting(staff)
    client = app.test_client()
    factories.login(client, staff)
    assert client.get(f"/meetings/{mine.id}/agenda/{other.items[0].id}/edit").status_code == 404


def test_member_cannot_publish_or_edit_through_forms(app, make):
    staff, member = make.user("secretariat"), make.user()
    meeting = make.meeting(staff, status="published", participants_={member: "member"})
    client = app.test_client()
    factories.login(client, member)
    token = factories.csrf_token(client, f"/meetings/{meeting.id}")
    assert client.post(f"/meetings/{meeting.id}/status/start", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/meetings/{meeting.id}/edit", data={"csrf_token": token, "title": "Bị sửa",
                                                             "starts_at": "2026-12-20T08:00"}).status_code == 403
    db.session.expire_all()
    assert meeting.status == "published" and meeting.title != "Bị sửa"
