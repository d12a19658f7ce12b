"""Việc cần làm over HTTP: GET /api/v1/inbox (entries + count) and /inbox/count, the /inbox page (grouped,
each entry a link to where it is done), the top bar's badge on every page; no confidential title leaks."""
import pytest

from cabinet.extensions import db
from cabinet.services import documents

from ..documents_helpers import sample, upload

PDF = sample("to-trinh-do-thi-thong-minh.pdf")
SECRET = "Phương án nhân sự (mật)"


@pytest.fixture()
def scene(api, make):
    staff, reader, member = make.user("secretariat"), make.user(), make.user(full_name="Trần Thị Mai")
    meeting = make.meeting(staff, status="published", title="Kỳ họp thứ 12 HĐND thành phố",
                           participants_={reader: "member", member: "member"})
    s = api.as_(staff)
    public = upload(s, meeting.id, PDF, title="Tờ trình đô thị thông minh").get_json()
    secret = upload(s, meeting.id, PDF, title=SECRET, access="confidential", readers=reader.id).get_json()
    return {"staff": staff, "reader": reader, "member": member, "meeting": meeting, "public": public,
            "secret": secret}


def test_the_api_lists_what_waits_with_links_and_the_count(api, scene):
    answer = api.as_(scene["member"]).get("/inbox")
    assert answer.status_code == 200
    body = answer.get_json()
    meeting = scene["meeting"]
    assert body["count"] == 2 == len(body["entries"])
    invitation, document = body["entries"]
    assert invitation["source"] == "invitations" and invitation["url"].endswith(f"/meetings/{meeting.id}#rsvp")
    assert invitation["meeting"]["title"] == "Kỳ họp thứ 12 HĐND thành phố"
    assert document == {**document, "source": "documents", "ref_id": scene["public"]["id"], "state": "new",
                        "title": "Tờ trình đô thị thông minh", "version": 1}
    assert document["url"].endswith(f"/documents/{scene['public']['id']}")
    assert SECRET not in answer.get_data(as_text=True)  # not a named reader: not even a hint
    reader_titles = [e["title"] for e in api.as_(scene["reader"]).get("/inbox").get_json()["entries"]]
    assert SECRET in reader_titles
    assert api.as_(scene["member"]).get("/inbox/count").get_json() == {"count": 2}


def test_without_a_login_the_inbox_is_401(api):
    assert api.as_(None).get("/inbox").status_code == 401
    assert api.as_(None).get("/inbox/count").status_code == 401
    assert api.as_(None).get("/inbox", headers={"Authorization": "Bearer forged"}).status_code == 401


def test_reading_a_document_takes_it_off_the_list(api, scene):
    member = api.as_(scene["member"])
    assert member.get(f"/documents/{scene['public']['id']}/file").status_code == 200
    assert [e["source"] for e in member.get("/inbox").get_json()["entries"]] == ["invitations"]


def test_the_page_groups_entries_and_every_page_shows_the_badge(client, make, scene):
    make.login(client, scene["member"])
    page = client.get("/inbox")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Việc cần làm" in html and "Lời mời họp cần trả lời" in html and "Tài liệu mới/cập nhật" in html
    assert "Biên bản chờ ký" in html and "Không có việc nào." in html  # the empty group says so
    assert f'href="/meetings/{scene["meeting"].id}#rsvp"' in html
    assert f'href="/documents/{scene["public"]["id"]}"' in html
    assert SECRET not in html
    meetings_page = client.get("/meetings/").get_data(as_text=True)
    assert 'data-inbox-count data-test="inbox-count"' in meetings_page
    assert '2 việc đang chờ' in meetings_page and 'js/inbox-badge.js' in meetings_page


def test_nothing_waiting_shows_no_badge(client, make):
    lonely = make.user()
    make.login(client, lonely)
    html = client.get("/meetings/").get_data(as_text=True)
    assert 'data-test="inbox-count" hidden' in html


def test_the_inbox_page_needs_a_login(client):
    answer = client.get("/inbox")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_a_withdrawn_document_leaves_the_inbox(api, scene):
    document = documents.get_document(scene["staff"], scene["public"]["id"])
    documents.withdraw_document(scene["staff"], document)
    db.session.commit()
    assert [e["source"] for e in api.as_(scene["member"]).get("/inbox").get_json()["entries"]] == ["invitations"]
