"""Who may read what: confidential documents reach only their named readers, by every route;
participants-only and confidential copies are stamped with the reader's name."""
import io

import pypdf
import pytest

from cabinet.extensions import db, socketio
from cabinet.services import accounts

from .. import factories
from ..documents_helpers import sample, upload

PDF = "to-trinh-do-thi-thong-minh.pdf"


@pytest.fixture()
def scene(api, make):
    staff, reader, member, guest, stranger = (make.user("secretariat"), make.user(full_name="Lê Văn Đọc"),
                                              make.user(full_name="Trần Thị Mai"), make.user(), make.user())
    meeting = make.meeting(staff, status="published",
                           participants_={reader: "member", member: "member", guest: "guest"})
    s = api.as_(staff)
    docs = {
        "public": upload(s, meeting.id, sample(PDF), access="public").get_json(),
        "participants": upload(s, meeting.id, sample(PDF), access="participants").get_json(),
        "confidential": upload(s, meeting.id, sample(PDF), access="confidential", readers=reader.id).get_json(),
    }
    return {"staff": staff, "reader": reader, "member": member, "guest": guest, "stranger": stranger,
            "meeting": meeting, "docs": docs}


def _text(data: bytes, page: int = 0) -> str:
    return pypdf.PdfReader(io.BytesIO(data)).pages[page].extract_text()


ROUTES = ["/documents/{id}", "/documents/{id}/file", "/documents/{id}/versions", "/documents/{id}/annotations",
          "/documents/{id}/annotated.pdf", "/documents/{id}/file?version=1"]


def test_confidential_document_is_invisible_to_non_readers_by_every_route(api, scene):
    doc = scene["docs"]["confidential"]
    for who in ("member", "guest", "stranger"):
        caller = api.as_(scene[who])
        for route in ROUTES:
            response = caller.get(route.format(id=doc["id"]))
            assert response.status_code == 404, (who, route, response.status_code)
            assert doc["title"] not in response.get_data(as_text=True)
        assert caller.post(f"/documents/{doc['id']}/annotations", json={
            "page": 1, "kind": "note", "rect": [1, 1, 2, 2]}).status_code == 404
    reader = api.as_(scene["reader"])
    for route in ROUTES:
        assert reader.get(route.format(id=doc["id"])).status_code == 200, route
    assert reader.get(f"/documents/{doc['id']}/reads").status_code == 403


def test_meeting_list_shows_only_what_each_may_read(api, scene):
    ids = {level: d["id"] for level, d in scene["docs"].items()}
    def listed(who):
        return {d["id"] for d in api.as_(scene[who]).get(f"/meetings/{scene['meeting'].id}/documents")
                .get_json()["items"]}
    assert listed("reader") == set(ids.values())
    assert listed("member") == {ids["public"], ids["participants"]}
    assert api.as_(scene["stranger"]).get(f"/meetings/{scene['meeting'].id}/documents").status_code == 404


def test_guessed_annotation_ids_reveal_nothing(api, scene):
    doc = scene["docs"]["confidential"]
    created = api.as_(scene["reader"]).post(f"/documents/{doc['id']}/annotations", json={
        "page": 1, "kind": "note", "rect": [10, 10, 30, 30], "text": "Nội dung mật", "shared": True}).get_json()
    for who in ("member", "stranger"):
        caller = api.as_(scene[who])
        assert caller.patch(f"/annotations/{created['id']}", json={"text": "x"}).status_code == 404
        assert caller.delete(f"/annotations/{created['id']}").status_code == 404


def test_public_copies_are_the_stored_bytes_and_others_are_stamped(api, scene):
    reader = api.as_(scene["reader"])
    public = reader.get(f"/documents/{scene['docs']['public']['id']}/file").data
    assert public == sample(PDF)
    for level in ("participants", "confidential"):
        stamped = reader.get(f"/documents/{scene['docs'][level]['id']}/file").data
        pages = pypdf.PdfReader(io.BytesIO(stamped)).pages
        assert len(pages) == 6
        for page in pages:
            assert "Lê Văn Đọc" in page.extract_text(), level
    member_copy = api.as_(scene["member"]).get(f"/documents/{scene['docs']['participants']['id']}/file").data
    assert "Trần Thị Mai" in _text(member_copy) and "Lê Văn Đọc" not in _text(member_copy)


def test_range_requests_and_etags(api, scene):
    reader = api.as_(scene["reader"])
    url = f"/documents/{scene['docs']['participants']['id']}/file"
    full = reader.get(url)
    assert full.status_code == 200 and full.headers["Accept-Ranges"] == "bytes"
    etag = full.headers["ETag"]
    part = reader.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == full.data[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(full.data)}"
    assert reader.get(url).headers["ETag"] == etag, "a reader's copy is stable"
    assert reader.get(url, headers={"If-None-Match": etag}).status_code == 304
    other = api.as_(scene["member"]).get(url)
    assert other.headers["ETag"] != etag
    assert full.headers["Content-Type"] == "application/pdf"
    assert full.headers["X-Content-Type-Options"] == "nosniff"


def test_reads_are_tracked_and_new_versions_flagged(api, scene):
    doc = scene["docs"]["participants"]
    member = api.as_(scene["member"])
    member.get(f"/documents/{doc['id']}/file")
    member.get(f"/documents/{doc['id']}/file", headers={"Range": "bytes=500-600"})  # same opening
    member.get(f"/documents/{doc['id']}/file", headers={"X-Cabinet-Prefetch": "offline"})  # saved, not read
    reads = api.as_(scene["staff"]).get(f"/documents/{doc['id']}/reads").get_json()["items"]
    assert [(r["full_name"], r["version"], r["opens"]) for r in reads] == [("Trần Thị Mai", 1, 1)]
    new = api.as_(scene["staff"]).post(f"/documents/{doc['id']}/versions", content_type="multipart/form-data",
                                       data={"file": (io.BytesIO(sample("bao-cao-kinh-te-xa-hoi-2026.pdf")),
                                                      "bao-cao.pdf")})
    assert new.status_code == 201 and new.get_json()["version"]["number"] == 2
    seen = member.get(f"/documents/{doc['id']}").get_json()
    assert seen["my_last_read_version"] == 1 and seen["updated_since_my_read"] is True
    assert seen["version"]["page_count"] == 14
    old = member.get(f"/documents/{doc['id']}/file?version=1")
    assert len(pypdf.PdfReader(io.BytesIO(old.data)).pages) == 6
    assert [v["number"] for v in member.get(f"/documents/{doc['id']}/versions").get_json()["items"]] == [2, 1]


def test_guests_do_not_read_documents_of_confidential_items(api, make, scene):
    from cabinet.services import agenda
    item = agenda.add_item(scene["staff"], scene["meeting"], {"title": "Nhân sự", "confidential": True})
    db.session.commit()
    staff = api.as_(scene["staff"])
    assert upload(staff, scene["meeting"].id, sample(PDF), access="public",
                  agenda_item_id=item.id).status_code == 422
    doc = upload(staff, scene["meeting"].id, sample(PDF), access="participants", agenda_item_id=item.id).get_json()
    assert api.as_(scene["guest"]).get(f"/documents/{doc['id']}").status_code == 404
    assert api.as_(scene["member"]).get(f"/documents/{doc['id']}").status_code == 200


def test_archivist_reads_the_record_of_closed_meetings_only(api, make, scene):
    archivist = make.user("archivist")
    doc = scene["docs"]["participants"]
    assert api.as_(archivist).get(f"/documents/{doc['id']}").status_code == 404
    from cabinet.services import meetings, participants
    participants.add_participant(scene["staff"], scene["meeting"], make.user().id, "chair")
    for move in ("start", "close"):
        meetings.move_status(scene["staff"], scene["meeting"], move)
    db.session.commit()
    assert api.as_(archivist).get(f"/documents/{doc['id']}").status_code == 200
    assert api.as_(archivist).get(f"/documents/{scene['docs']['confidential']['id']}").status_code == 404


def test_document_events_reach_only_those_who_may_read(app, api, scene):
    def tablet(user):
        client = socketio.test_client(app, auth={"token": accounts.issue_token(user, days=1)})
        db.session.commit()
        client.emit("join", {"meeting_id": scene["meeting"].id}, callback=True)
        client.get_received()
        return client
    reader, member = tablet(scene["reader"]), tablet(scene["member"])
    staff = api.as_(scene["staff"])
    confidential = upload(staff, scene["meeting"].id, sample(PDF), access="confidential",
                          readers=scene["reader"].id).get_json()
    assert [e["args"][0]["document_id"] for e in reader.get_received() if e["name"] == "document.published"] \
        == [confidential["id"]]
    assert member.get_received() == []
    public = upload(staff, scene["meeting"].id, sample(PDF), access="public").get_json()
    events = [e for e in member.get_received() if e["name"] == "document.published"]
    assert [e["args"][0]["document_id"] for e in events] == [public["id"]]
    assert set(events[0]["args"][0]) == {"meeting_id", "seq", "document_id"}


def test_the_viewer_page_needs_read_access(app, make, scene):
    client = app.test_client()
    factories.login(client, scene["member"])
    assert client.get(f"/documents/{scene['docs']['confidential']['id']}").status_code == 404
    assert client.get(f"/documents/{scene['docs']['participants']['id']}").status_code == 200
    reader = app.test_client()
    factories.login(reader, scene["reader"])
    page = reader.get(f"/documents/{scene['docs']['confidential']['id']}")
    assert page.status_code == 200 and scene["docs"]["confidential"]["title"] in page.get_data(as_text=True)
    outsider = app.test_client()
    factories.login(outsider, scene["stranger"])
    assert outsider.get(f"/documents/{scene['docs']['public']['id']}").status_code == 404
