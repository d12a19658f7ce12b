"""The audit log through the doors: who may see it, what requests and sockets record (actor, address),
logins, confidential reads, the admin page and the API with a tampered chain."""
import json

import pytest
import sqlalchemy as sa

from cabinet.extensions import db, socketio
from cabinet.models import AuditEntry
from cabinet.services import accounts, live, polls

from .. import factories
from ..audit_helpers import append_only_lifted
from ..documents_helpers import sample, upload


def _entries(**where) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEntry).filter_by(**where).order_by(AuditEntry.id)))


@pytest.fixture()
def people(make):
    return {"admin": make.user("admin"), "archivist": make.user("archivist"),
            "secretariat": make.user("secretariat"), "member": make.user()}


@pytest.mark.parametrize("path", ["/admin/audit", "/admin/audit?verify=1", "/api/v1/audit", "/api/v1/audit/verify"])
def test_only_administrators_and_archivists_see_the_log(app, people, path):
    expected = {"admin": 200, "archivist": 200, "secretariat": 403, "member": 403}
    answers = {}
    for role, person in people.items():
        browser = app.test_client()
        factories.login(browser, person)
        answers[role] = browser.get(path).status_code
    assert answers == expected
    assert app.test_client().get(path).status_code in (302, 401)


def test_an_api_change_names_its_actor_and_address(api, make):
    staff = make.user("secretariat")
    meeting = make.meeting(staff, title="Trước")
    answer = api.as_(staff).patch(f"/meetings/{meeting.id}", json={"title": "Sau"},
                                  environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert answer.status_code == 200
    [entry] = _entries(action="meeting.update")
    assert (entry.actor_id, entry.remote_addr, entry.meeting_id) == (staff.id, "10.1.2.3", meeting.id)
    assert json.loads(entry.details)["changed"]["title"] == ["Trước", "Sau"]


def test_logins_and_logouts_are_recorded_without_passwords(app, api, make):
    person = make.user(username="dangnhap")
    browser = app.test_client()
    assert factories.login(browser, person, password="sai-mat-khau").status_code == 401
    assert factories.login(browser, person).status_code == 302
    token = browser.get("/meetings/").get_data(as_text=True)
    browser.post("/logout", data={"csrf_token": factories.csrf_token(browser, "/meetings/")})
    refused = api.client.post("/api/v1/auth/token", json={"username": "dangnhap", "password": "nhầm"})
    assert refused.status_code == 401
    issued = api.client.post("/api/v1/auth/token", json={"username": "dangnhap", "password": factories.PASSWORD})
    assert issued.status_code == 201 and token
    actions = [(e.action, e.actor_id, json.loads(e.details).get("via"), json.loads(e.details).get("reason"))
               for e in _entries() if e.action.startswith("user.")][1:]  # after user.create
    assert actions == [("user.login_failed", None, None, "invalid_credentials"),
                       ("user.login", person.id, "password", None),
                       ("user.logout", person.id, "password", None),
                       ("user.login_failed", None, None, "invalid_credentials"),
                       ("user.login", person.id, "token", None)]
    failed = _entries(action="user.login_failed")[0]
    assert json.loads(failed.details)["username"] == "dangnhap" and failed.remote_addr == "127.0.0.1"
    text = " ".join(e.details for e in _entries())
    assert "sai-mat-khau" not in text and "nhầm" not in text and factories.PASSWORD not in text
    token_entry = next(e for e in _entries(action="api_token.create") if e.actor_id == person.id)
    assert token_entry.remote_addr == "127.0.0.1"


def test_every_confidential_file_served_is_recorded(api, make):
    staff, reader = make.user("secretariat"), make.user(full_name="Lê Văn Đọc")
    meeting = make.meeting(staff, status="published", participants_={reader: "member"})
    s = api.as_(staff)
    secret = upload(s, meeting.id, sample("to-trinh-do-thi-thong-minh.pdf"), name="nhan-su-mat.pdf",
                    title="Phương án nhân sự", access="confidential", readers=reader.id).get_json()
    public = upload(s, meeting.id, sample("to-trinh-do-thi-thong-minh.pdf"), access="public").get_json()
    r = api.as_(reader)
    assert r.get(f"/documents/{secret['id']}/file").status_code == 200
    assert r.get(f"/documents/{secret['id']}/file", headers={"Range": "bytes=1000-1999"}).status_code == 206
    assert r.get(f"/documents/{secret['id']}/file", headers={"X-Cabinet-Prefetch": "offline"}).status_code == 200
    assert r.get(f"/documents/{public['id']}/file").status_code == 200
    reads = _entries(action="document.read_confidential")
    assert [(e.actor_id, e.object_id, e.meeting_id, json.loads(e.details)) for e in reads] == [
        (reader.id, str(secret["id"]), meeting.id, {"version": 1, "how": "read"}),
        (reader.id, str(secret["id"]), meeting.id, {"version": 1, "how": "offline"})]
    # The log names no confidential title or file name (archivists and dossiers read it).
    text = " ".join(e.details for e in _entries())
    assert "Phương án nhân sự" not in text and "nhan-su-mat" not in text
    assert '"filename":"to-trinh.pdf"' in text  # the public one is named


def test_a_ballot_over_the_socket_names_its_voter(app, make):
    staff, chair, member = make.user("secretariat"), make.user(), make.user()
    meeting = make.meeting(staff, status="live", participants_={chair: "chair", member: "member"})
    live.check_in(member, meeting)
    live.check_in(chair, meeting)  # the quorum
    poll = polls.create_poll(chair, meeting, {"question": "Kín", "secret": True})
    polls.open_poll(chair, poll)
    token = accounts.issue_token(member, days=1)
    db.session.commit()
    tablet = socketio.test_client(app, auth={"token": token})
    ack = tablet.emit("ballot.cast", {"poll_id": poll.id, "option": "Không tán thành"}, callback=True)
    assert ack["ok"] is True
    [vote] = _entries(action="poll.vote")
    assert vote.actor_id == member.id and json.loads(vote.details) == {"secret": True}


def _tamper_with(entry_id: int) -> None:
    db.session.rollback()
    with db.engine.begin() as conn, append_only_lifted(conn):
        conn.execute(sa.text("UPDATE audit_log SET actor_name = 'ai đó' WHERE id = :id"), {"id": entry_id})


def test_the_page_and_the_api_point_to_the_first_broken_link(app, api, people, make):
    make.meeting(people["secretariat"], status="closed")  # archivists read the entries of closed meetings
    admin = api.as_(people["admin"])
    assert admin.get("/audit/verify").get_json()["ok"] is True
    browser = app.test_client()
    factories.login(browser, people["archivist"])
    page = browser.get("/admin/audit?verify=1").get_data(as_text=True)
    assert 'data-test="audit-intact"' in page and 'data-test="audit-entries"' in page
    victim = _entries(action="meeting.create")[0].id
    _tamper_with(victim)
    report = admin.get("/audit/verify").get_json()
    assert report["ok"] is False and report["first_broken"] == {"id": victim, "reason": "hash mismatch"}
    page = browser.get("/admin/audit?verify=1").get_data(as_text=True)
    assert 'data-test="audit-broken"' in page and f"#{victim}" in page


def test_the_api_pages_newest_first_and_filters(api, people, make):
    first = make.meeting(people["secretariat"])
    make.meeting(people["secretariat"])
    admin = api.as_(people["admin"])
    everything = admin.get("/audit?limit=500").get_json()["items"]
    ids = [e["id"] for e in everything]
    assert ids == sorted(ids, reverse=True) and len(ids) == len(_entries())
    page = admin.get("/audit?limit=3").get_json()
    assert [e["id"] for e in page["items"]] == ids[:3] and page["next_before_id"] == ids[2]
    following = admin.get(f"/audit?limit=3&before_id={page['next_before_id']}").get_json()
    assert [e["id"] for e in following["items"]] == ids[3:6]
    mine = admin.get(f"/audit?meeting_id={first.id}&limit=500").get_json()["items"]
    assert mine and {e["meeting_id"] for e in mine} == {first.id}
    assert {e["action"] for e in admin.get("/audit?action=agenda_item").get_json()["items"]} == {"agenda_item.create"}
    assert isinstance(mine[0]["details"], dict) and len(mine[0]["hash"]) == 64
    assert admin.get("/audit?limit=0").status_code == 422
    assert admin.get("/audit?from=hôm-qua").status_code == 422
    today = admin.get("/audit?from=2000-01-01&to=2200-01-01").get_json()["items"]
    assert len(today) == min(len(ids), 50)


def test_the_admin_page_filters(app, people, make):
    first = make.meeting(people["secretariat"], title="Họp giao ban đầu tuần")
    browser = app.test_client()
    factories.login(browser, people["admin"])
    page = browser.get(f"/admin/audit?meeting_id={first.id}&action=meeting").get_data(as_text=True)
    assert "meeting.create" in page and "agenda_item.create" not in page
    assert browser.get("/admin/audit?from=31-12-2026").status_code == 422
