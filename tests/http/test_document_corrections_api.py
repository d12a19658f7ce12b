"""PATCH /documents/{id} (rename, reorder, move), POST /documents/{id}/withdraw and /restore: who may,
what bad input gets (and that it changes nothing), what tablets hear, and what leaves their offline list."""
import json

import pytest

from cabinet.extensions import db, socketio
from cabinet.models import Document
from cabinet.services import accounts

from .. import factories
from ..documents_helpers import sample, upload

PDF = "to-trinh-do-thi-thong-minh.pdf"
TITLE = "Tờ trình về việc phê duyệt Đề án đô thị thông minh"


@pytest.fixture()
def scene(api, make):
    staff, member, guest, stranger = make.user("secretariat"), make.user(), make.user(), make.user()
    meeting = make.meeting(staff, status="published", items=2, participants_={member: "member", guest: "guest"})
    s = api.as_(staff)
    first, second = meeting.items
    docs = [upload(s, meeting.id, sample(PDF), name=f"tai-lieu-{n}.pdf", title=f"Tài liệu {n}",
                   agenda_item_id=first.id).get_json() for n in (1, 2)]
    return {"staff": staff, "member": member, "guest": guest, "stranger": stranger, "meeting": meeting,
            "first": first, "second": second, "docs": docs}


def _row(document_id) -> tuple:
    db.session.rollback()
    d = db.session.get(Document, document_id)
    return d.title, d.agenda_item_id, d.position, d.withdrawn_at


def test_an_upload_without_a_title_is_titled_from_the_pdf_metadata(api, scene):
    answer = upload(api.as_(scene["staff"]), scene["meeting"].id, sample(PDF), name="to-trinh-do-thi-thong-minh.pdf")
    assert answer.status_code == 201
    # The sample's /Title is "TỜ TRÌNH<br>Về việc …" (WeasyPrint wrote the HTML title): not "to trinh do thi …"
    assert answer.get_json()["title"].startswith("TỜ TRÌNH Về việc phê duyệt Đề án")


def test_the_secretariat_renames_reorders_moves_withdraws_and_restores(api, scene):
    s = api.as_(scene["staff"])
    one, two = scene["docs"]
    renamed = s.patch(f"/documents/{one['id']}", json={"title": TITLE})
    assert renamed.status_code == 200 and renamed.get_json()["title"] == TITLE
    assert s.patch(f"/documents/{two['id']}", json={"position": 0}).get_json()["position"] == 0
    listed = api.as_(scene["member"]).get(f"/meetings/{scene['meeting'].id}/documents").get_json()["items"]
    assert [d["title"] for d in listed] == ["Tài liệu 2", TITLE]
    moved = s.patch(f"/documents/{one['id']}", json={"agenda_item_id": scene["second"].id})
    assert moved.status_code == 200 and moved.get_json()["agenda_item_id"] == scene["second"].id
    withdrawn = s.post(f"/documents/{one['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.get_json()["withdrawn"] is True
    assert api.as_(scene["member"]).get(f"/documents/{one['id']}").status_code == 404
    assert api.as_(scene["member"]).get(f"/documents/{one['id']}/file").status_code == 404
    assert s.get(f"/documents/{one['id']}").get_json()["withdrawn"] is True  # the secretariat still sees it
    restored = s.post(f"/documents/{one['id']}/restore")
    assert restored.status_code == 200 and restored.get_json()["withdrawn"] is False
    assert api.as_(scene["member"]).get(f"/documents/{one['id']}").get_json()["title"] == TITLE


CHANGES = [("patch", "", {"title": "Khác"}), ("patch", "", {"position": 1}),
           ("patch", "", {"agenda_item_id": None}), ("post", "/withdraw", None), ("post", "/restore", None)]


@pytest.mark.parametrize("method, suffix, body", CHANGES)
def test_a_member_gets_403_others_404_and_nothing_changes(api, scene, method, suffix, body):
    doc = scene["docs"][0]
    before = _row(doc["id"])
    for who, status in (("member", 403), ("guest", 403), ("stranger", 404)):
        answer = getattr(api.as_(scene[who]), method)(f"/documents/{doc['id']}{suffix}", json=body)
        assert answer.status_code == status, (who, answer.get_json())
    assert api.as_(None).patch(f"/documents/{doc['id']}", json={"title": "x"}).status_code == 401
    assert _row(doc["id"]) == before


def test_unknown_documents_are_404(api, scene):
    s = api.as_(scene["staff"])
    for path in ("/documents/999999/withdraw", "/documents/999999/restore", "/documents/99999999999999999999/withdraw"):
        assert s.post(path).status_code == 404
    assert s.patch("/documents/999999", json={"title": "x"}).status_code == 404


@pytest.mark.parametrize("body, code", [
    ({"title": ""}, "required"), ({"title": "   "}, "required"), ({"title": "x" * 501}, "too_long"),
    ({"title": 7}, "invalid_type"), ({"title": None}, "required"), ({"title": {"$ne": 1}}, "invalid_type"),
    ({"position": -1}, "out_of_range"), ({"position": 2}, "out_of_range"), ({"position": "đầu"}, "invalid_type"),
    ({"position": 0.5}, "invalid_type"), ({"position": True}, "invalid_type"),
    ({"agenda_item_id": "abc"}, "invalid_type"), ({"agenda_item_id": 999999}, "unknown_item"),
])
def test_hostile_input_is_422_and_changes_nothing(api, scene, body, code):
    doc = scene["docs"][0]
    before = _row(doc["id"])
    answer = api.as_(scene["staff"]).patch(f"/documents/{doc['id']}", json=body)
    assert answer.status_code == 422, answer.get_json()
    assert answer.get_json()["error"]["code"] == code
    assert _row(doc["id"]) == before


def test_an_item_of_another_meeting_is_422(api, make, scene):
    other = make.meeting(scene["staff"], items=1)
    doc = scene["docs"][0]
    answer = api.as_(scene["staff"]).patch(f"/documents/{doc['id']}", json={"agenda_item_id": other.items[0].id})
    assert answer.status_code == 422 and answer.get_json()["error"]["code"] == "unknown_item"


def test_not_json_is_refused(api, scene):
    doc = scene["docs"][0]
    answer = api.as_(scene["staff"]).patch(f"/documents/{doc['id']}", data="title=x",
                                           content_type="application/x-www-form-urlencoded")
    assert answer.status_code in (400, 415)


def test_a_closed_meeting_is_409(api, make, scene):
    s = api.as_(scene["staff"])
    doc = scene["docs"][0]
    factories.participants.add_participant(scene["staff"], scene["meeting"], make.user().id, "chair")
    db.session.commit()
    assert s.post(f"/meetings/{scene['meeting'].id}/start").status_code == 200
    assert s.post(f"/meetings/{scene['meeting'].id}/close").status_code == 200
    before = _row(doc["id"])
    for method, suffix, body in CHANGES:
        answer = getattr(s, method)(f"/documents/{doc['id']}{suffix}", json=body)
        assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "meeting_closed"
    assert _row(doc["id"]) == before


def test_tablets_hear_each_correction_and_a_withdrawal_only_by_id(app, api, scene):
    client = socketio.test_client(app, auth={"token": accounts.issue_token(scene["member"], days=1)})
    db.session.commit()
    assert client.emit("join", {"meeting_id": scene["meeting"].id}, callback=True)["ok"]
    client.get_received()
    s, doc = api.as_(scene["staff"]), scene["docs"][0]
    s.patch(f"/documents/{doc['id']}", json={"title": TITLE})
    s.patch(f"/documents/{doc['id']}", json={"position": 1})
    s.post(f"/documents/{doc['id']}/withdraw")
    s.patch(f"/documents/{doc['id']}", json={"title": "Tên mới của tài liệu đã rút"})  # told to nobody
    s.post(f"/documents/{doc['id']}/restore")
    events = [(e["name"], e["args"][0]) for e in client.get_received()
              if e["name"] != "inbox.count"]  # the member's own inbox count: not a meeting event (test_inbox.py)
    assert [name for name, _ in events] == ["document.updated", "document.updated", "document.withdrawn",
                                            "document.published"]
    assert all(set(payload) == {"meeting_id", "seq", "document_id"} for _, payload in events)
    assert "Tên mới" not in json.dumps(events, ensure_ascii=False)
    seqs = [payload["seq"] for _, payload in events]
    assert seqs[3] == seqs[2] + 2  # the rename of the withdrawn document took a seq: a gap, so a reload


def _offline_plan(app, user, meeting_id) -> dict:
    browser = app.test_client()
    factories.login(browser, user)
    page = browser.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    start = page.index('id="offline-plan">') + len('id="offline-plan">')
    return json.loads(page[start:page.index("</script>", start)])


def test_a_withdrawn_document_leaves_the_offline_list_and_the_meeting_page(app, api, scene):
    doc = scene["docs"][0]
    url = f"/api/v1/documents/{doc['id']}/file"
    assert url in [f["url"] for f in _offline_plan(app, scene["member"], scene["meeting"].id)["files"]]
    api.as_(scene["staff"]).post(f"/documents/{doc['id']}/withdraw")
    plan = _offline_plan(app, scene["member"], scene["meeting"].id)
    assert url not in [f["url"] for f in plan["files"]]
    assert f"/documents/{doc['id']}" not in plan["urls"]
    browser = app.test_client()
    factories.login(browser, scene["member"])
    assert "Tài liệu 1" not in browser.get(f"/meetings/{scene['meeting'].id}").get_data(as_text=True)
    staff = app.test_client()
    factories.login(staff, scene["staff"])
    page = staff.get(f"/meetings/{scene['meeting'].id}").get_data(as_text=True)
    assert 'data-withdrawn="true"' in page and "Tài liệu 1" in page


def test_withdrawing_the_document_the_room_follows_stops_presenting_it(app, api, make, scene):
    """The room was following it (presenter mode): withdrawn, it is no longer the presented document for
    anyone, and the tablets are told as when the chair moves (agenda.current clears the presentation)."""
    from cabinet.models import LiveState
    from cabinet.services import live, meetings, participants
    chair = make.user()
    participants.add_participant(scene["staff"], scene["meeting"], chair.id, "chair")
    meetings.move_status(scene["staff"], scene["meeting"], "start")
    db.session.commit()
    doc = scene["docs"][0]
    live.present_page(scene["staff"], scene["meeting"], doc["id"], 1)
    db.session.commit()
    client = socketio.test_client(app, auth={"token": accounts.issue_token(scene["member"], days=1)})
    db.session.commit()
    assert client.emit("join", {"meeting_id": scene["meeting"].id}, callback=True)["ok"]
    client.get_received()
    assert api.as_(scene["staff"]).post(f"/documents/{doc['id']}/withdraw").status_code == 200
    assert db.session.get(LiveState, scene["meeting"].id).presenting_document_id is None
    assert [e["name"] for e in client.get_received() if e["name"] != "inbox.count"] == ["document.withdrawn",
                                                                                         "agenda.current"]
