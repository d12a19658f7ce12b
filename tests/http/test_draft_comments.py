"""Comments on draft documents through the API: who may comment and see what (author and secretariat, the
drafting unit once forwarded), the call's close and deadline, hostile input, answers heard live, the
consolidated table as CSV and PDF read back, and the audit trail."""
import csv
import io
import json
import re
from datetime import datetime, timedelta, timezone

import pypdf
import pytest
import sqlalchemy as sa

from cabinet.extensions import db, socketio
from cabinet.models import AuditEntry, DraftComment
from cabinet.services import accounts

from ..documents_helpers import sample, upload

TEXT = "Đề nghị bổ sung lộ trình triển khai và nguồn kinh phí cụ thể."


@pytest.fixture()
def scene(api, make):
    staff = make.user("secretariat")
    alice, bob, guest = make.user(full_name="Lê Thị Ánh"), make.user(full_name="Trần Văn Bình"), make.user()
    chair, drafter, outsider = make.user(), make.user(full_name="Phạm Quốc Dũng"), make.user()
    meeting = make.meeting(staff, status="published", participants_={alice: "member", bob: "member",
                                                                      guest: "guest", chair: "chair"})
    s = api.as_(staff)
    doc = upload(s, meeting.id, sample("to-trinh-do-thi-thong-minh.pdf"), access="participants").get_json()
    opened = s.put(f"/documents/{doc['id']}/consultation",
                   json={"drafting_unit": "Phòng Tư pháp", "recipients": [drafter.id]})
    assert opened.status_code == 200 and opened.get_json()["consultation"]["accepting"] is True
    return {"meeting": meeting, "doc": doc["id"], "staff": s, "alice": api.as_(alice), "bob": api.as_(bob),
            "guest": api.as_(guest), "chair": api.as_(chair), "drafter": api.as_(drafter),
            "outsider": api.as_(outsider), "users": {"alice": alice, "drafter": drafter, "staff": staff}}


def comment(**extra):
    return {"page": 3, "rect": [72, 500, 520, 540], "quads": [[72, 500, 520, 540]],
            "quote": "xây dựng đô thị thông minh", "text": TEXT, **extra}


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(DraftComment))


def _actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_a_member_sees_only_their_own_comments_and_others_get_404(scene):
    doc, alice, bob = scene["doc"], scene["alice"], scene["bob"]
    mine = alice.post(f"/documents/{doc}/comments", json=comment())
    assert mine.status_code == 201
    body = mine.get_json()
    assert body["page"] == 3 and body["status"] == "none" and body["mine"] and body["text"] == TEXT
    bob.post(f"/documents/{doc}/comments", json=comment(text="Ý kiến của Bình"))
    assert [c["text"] for c in bob.get(f"/documents/{doc}/comments").get_json()["items"]] == ["Ý kiến của Bình"]
    assert [c["text"] for c in alice.get(f"/documents/{doc}/comments").get_json()["items"]] == [TEXT]
    assert bob.patch(f"/comments/{body['id']}", json={"text": "sửa"}).status_code == 404
    assert bob.delete(f"/comments/{body['id']}").status_code == 404
    assert bob.put(f"/comments/{body['id']}/response", json={"status": "accepted"}).status_code == 404
    everyone = scene["staff"].get(f"/documents/{doc}/comments").get_json()["items"]
    assert [c["author"]["full_name"] for c in everyone] == ["Lê Thị Ánh", "Trần Văn Bình"]
    # A member may not read the table, nor learn it exists.
    assert alice.get(f"/documents/{doc}/comments.csv").status_code == 404
    assert alice.get(f"/documents/{doc}/comments.pdf").status_code == 404


def test_guests_are_refused_and_outsiders_do_not_see_the_document(scene):
    doc = scene["doc"]
    assert scene["guest"].post(f"/documents/{doc}/comments", json=comment()).status_code == 403
    assert scene["outsider"].post(f"/documents/{doc}/comments", json=comment()).status_code == 404
    assert scene["outsider"].get(f"/documents/{doc}/comments").status_code == 404
    assert scene["alice"].put(f"/documents/{doc}/consultation", json={"open": False}).status_code == 403
    assert _count() == 0


def test_no_comments_once_closed_or_after_the_deadline_nor_on_a_withdrawn_document(scene):
    doc, alice, staff = scene["doc"], scene["alice"], scene["staff"]
    made = alice.post(f"/documents/{doc}/comments", json=comment()).get_json()
    staff.put(f"/documents/{doc}/consultation", json={"open": False})
    refused = alice.post(f"/documents/{doc}/comments", json=comment())
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "comments_closed"
    assert alice.patch(f"/comments/{made['id']}", json={"text": "muộn"}).status_code == 409
    past = (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()
    assert staff.put(f"/documents/{doc}/consultation", json={"open": True, "deadline": past}).status_code == 200
    late = alice.post(f"/documents/{doc}/comments", json=comment())
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "comments_deadline_passed"
    assert alice.get(f"/documents/{doc}/consultation").get_json()["consultation"]["accepting"] is False
    future = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
    staff.put(f"/documents/{doc}/consultation", json={"deadline": future})
    assert alice.post(f"/documents/{doc}/comments", json=comment()).status_code == 201
    staff.post(f"/documents/{doc}/withdraw")
    assert alice.post(f"/documents/{doc}/comments", json=comment()).status_code == 404  # (no longer readable)
    reopened = staff.put(f"/documents/{doc}/consultation", json={"open": True})
    assert reopened.status_code == 409 and reopened.get_json()["error"]["code"] == "document_withdrawn"
    assert _count() == 2


@pytest.mark.parametrize("bad, field", [
    ({"text": ""}, "text"), ({"text": "\x00\u200b\u202e "}, "text"), ({"text": "x" * 5001}, "text"),
    ({"text": 12}, "text"), ({"page": 0}, "page"), ({"page": 7}, "page"), ({"page": "3a"}, "page"),
    ({"rect": [1, 2, 3]}, "rect"), ({"rect": [1, 2, 3, float("1e300")]}, "rect"), ({"quote": "x" * 2001}, "quote"),
    ({"quads": "all"}, "quads"),
])
def test_hostile_comments_are_422_and_store_nothing(scene, bad, field):
    answer = scene["alice"].post(f"/documents/{scene['doc']}/comments", json=comment(**bad))
    assert answer.status_code == 422 and answer.get_json()["error"]["field"] == field
    assert _count() == 0


def test_invisible_characters_are_dropped_and_not_json_is_refused(scene):
    doc, alice = scene["doc"], scene["alice"]
    saved = alice.post(f"/documents/{doc}/comments", json=comment(text="Sửa\x00 điều\u200b 3\u202e", quote="đô\x07 thị"))
    assert saved.status_code == 201
    assert saved.get_json()["text"] == "Sửa điều 3" and saved.get_json()["quote"] == "đô thị"
    assert alice.post(f"/documents/{doc}/comments", data="text", content_type="text/plain").status_code == 415
    bad = scene["staff"].put(f"/comments/{saved.get_json()['id']}/response", json={"status": "approved"})
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "status"
    assert scene["staff"].put(f"/documents/{doc}/consultation", json={"recipients": ["x"]}).status_code == 422


def test_the_author_edits_until_answered_and_hears_the_answer_live(app, scene):
    doc, alice, staff = scene["doc"], scene["alice"], scene["staff"]
    made = alice.post(f"/documents/{doc}/comments", json=comment()).get_json()
    assert alice.patch(f"/comments/{made['id']}", json={"text": "Bổ sung nguồn vốn"}).get_json()["text"] == \
        "Bổ sung nguồn vốn"
    assert alice.put(f"/comments/{made['id']}/response", json={"status": "accepted"}).status_code == 403
    tablet = socketio.test_client(app, auth={"token": accounts.issue_token(scene["users"]["alice"], days=1)})
    db.session.commit()
    tablet.get_received()
    answered = staff.put(f"/comments/{made['id']}/response",
                         json={"status": "accepted", "response": "Tiếp thu, bổ sung vào Điều 5."})
    assert answered.status_code == 200
    events = [(e["name"], e["args"][0]) for e in tablet.get_received()]
    assert ("draft_comment.answered", {"document_id": doc, "comment_id": made["id"]}) in events
    tablet.disconnect()
    seen = alice.get(f"/documents/{doc}/comments").get_json()["items"][0]
    assert seen["status"] == "accepted" and seen["status_label"] == "Đã tiếp thu"
    assert seen["response"] == "Tiếp thu, bổ sung vào Điều 5."
    refused = alice.patch(f"/comments/{made['id']}", json={"text": "đổi ý"})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "comment_answered"
    assert alice.delete(f"/comments/{made['id']}").status_code == 409
    assert "draft_comment.create" in _actions() and "draft_comment.answer" in _actions()


def test_the_table_as_csv_with_bom_and_as_a_landscape_pdf(scene):
    doc, staff = scene["doc"], scene["staff"]
    scene["alice"].post(f"/documents/{doc}/comments", json=comment())
    scene["bob"].post(f"/documents/{doc}/comments", json=comment(page=5, quote="", text="=HYPERLINK(\"x\")"))
    first = staff.get(f"/documents/{doc}/comments").get_json()["items"][0]
    staff.put(f"/comments/{first['id']}/response", json={"status": "partly", "response": "Tiếp thu một phần."})
    answer = staff.get(f"/documents/{doc}/comments.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    raw = answer.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:6] == ["STT", "Người góp ý", "Trang", "Đoạn trích", "Nội dung góp ý", "Tiếp thu/giải trình"]
    assert rows[1][:7] == ["1", "Lê Thị Ánh", "3", "xây dựng đô thị thông minh", TEXT, "Tiếp thu một phần",
                           "Tiếp thu một phần."]
    assert rows[2][1] == "Trần Văn Bình" and rows[2][4] == "'=HYPERLINK(\"x\")"  # never run as a formula
    pdf = staff.get(f"/documents/{doc}/comments.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(pdf.get_data()))
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape A4
    text = " ".join(p.extract_text() for p in reader.pages)
    squashed = " ".join(text.split())
    assert "BẢNG TỔNG HỢP Ý KIẾN GÓP Ý" in squashed
    for words in ("Lê Thị Ánh", "Trần Văn Bình", "Phòng Tư pháp", "Tiếp thu một phần", "Người góp ý",
                  "nguồn kinh phí cụ thể"):
        assert words in squashed, words
    assert [a for a in _actions() if a == "draft_comments.export"] == ["draft_comments.export"] * 2


def test_the_drafting_unit_reads_the_table_once_forwarded(scene):
    doc, drafter, staff = scene["doc"], scene["drafter"], scene["staff"]
    scene["alice"].post(f"/documents/{doc}/comments", json=comment())
    assert drafter.get(f"/documents/{doc}/comments").status_code == 404
    assert drafter.get(f"/documents/{doc}/comments.csv").status_code == 404
    assert staff.post(f"/documents/{doc}/consultation/forward").status_code == 200
    items = drafter.get(f"/documents/{doc}/comments").get_json()["items"]
    assert [c["text"] for c in items] == [TEXT]
    assert drafter.get(f"/documents/{doc}/comments.csv").status_code == 200
    assert drafter.put(f"/comments/{items[0]['id']}/response", json={"status": "accepted"}).status_code == 403
    assert scene["outsider"].get(f"/documents/{doc}/comments.csv").status_code == 404


def test_a_confidential_draft_takes_comments_only_from_its_readers(api, make, scene):
    staff, users = scene["staff"], scene["users"]
    secret = upload(staff, scene["meeting"].id, sample("to-trinh-do-thi-thong-minh.pdf"), access="confidential",
                    readers=str(users["alice"].id)).get_json()["id"]
    refused = staff.put(f"/documents/{secret}/consultation", json={"recipients": [users["drafter"].id]})
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "recipient_not_reader"
    assert staff.put(f"/documents/{secret}/consultation", json={"drafting_unit": "Văn phòng"}).status_code == 200
    assert scene["alice"].post(f"/documents/{secret}/comments", json=comment()).status_code == 201
    assert scene["bob"].post(f"/documents/{secret}/comments", json=comment()).status_code == 404
    assert scene["bob"].get(f"/documents/{secret}/comments.pdf").status_code == 404


def test_the_pages_show_the_comment_box_to_members_and_the_table_to_the_secretariat(app, client, scene):
    from ..factories import login
    doc = scene["doc"]
    scene["alice"].post(f"/documents/{doc}/comments", json=comment())
    login(client, scene["users"]["staff"])
    table = client.get(f"/documents/{doc}/comments")
    assert table.status_code == 200
    page = table.get_data(as_text=True)
    assert "Lê Thị Ánh" in page and TEXT in page and "Bảng tổng hợp ý kiến góp ý" in page
    member = app.test_client()
    login(member, scene["users"]["alice"])
    client = member
    assert client.get(f"/documents/{doc}/comments").status_code == 404
    reader = client.get(f"/documents/{doc}").get_data(as_text=True)
    assert 'data-test="comment-button"' in reader
    block = re.search(r'<script type="application/json" id="comments-data">(.*?)</script>', reader, re.S).group(1)
    assert [c["text"] for c in json.loads(block)["items"]] == [TEXT]  # her own comment, for the panel


def test_the_drafting_unit_finds_a_forwarded_table_in_its_inbox_and_mail_until_it_opens_it(scene, smtp):
    """Forwarding told nobody: the table had no entry anywhere for the drafting unit, and no mail."""
    doc, drafter, staff = scene["doc"], scene["drafter"], scene["staff"]
    scene["users"]["drafter"].email = "phongtuphap@thanhhoa.gov.vn"
    db.session.commit()
    scene["alice"].post(f"/documents/{doc}/comments", json=comment())

    def waiting() -> list[dict]:
        return [e for e in drafter.get("/inbox").get_json()["entries"] if e["source"] == "draft_tables"]

    assert waiting() == []
    assert staff.post(f"/documents/{doc}/consultation/forward").status_code == 200
    (entry,) = waiting()
    assert entry["url"] == f"/documents/{doc}/comments" and entry["ref_id"] == doc
    assert drafter.get("/inbox/count").get_json()["count"] == 1
    assert scene["outsider"].get("/inbox").get_json()["entries"] == []
    from cabinet.services import mail
    assert mail.send_due() == 1
    (letter,) = smtp.messages()
    assert letter["To"] == "phongtuphap@thanhhoa.gov.vn"
    assert letter["Subject"].startswith("Tổng hợp góp ý dự thảo: ")
    assert f"/documents/{doc}/comments" in letter.get_body(("plain",)).get_content()

    assert drafter.get(f"/documents/{doc}/comments").status_code == 200  # opened: done
    assert waiting() == []
    assert staff.post(f"/documents/{doc}/consultation/forward").status_code == 200  # again, with more answers
    assert len(waiting()) == 1 and mail.send_due() == 1


def test_a_confidential_drafts_table_mail_does_not_name_the_document(scene, smtp):
    staff, alice = scene["staff"], scene["users"]["alice"]
    alice.email = "le.thi.anh@thanhhoa.gov.vn"  # a named reader, who also works in the drafting unit
    db.session.commit()
    secret = upload(staff, scene["meeting"].id, sample("to-trinh-do-thi-thong-minh.pdf"), access="confidential",
                    title="Phương án nhân sự mật", readers=str(alice.id)).get_json()["id"]
    assert staff.put(f"/documents/{secret}/consultation", json={"recipients": [alice.id]}).status_code == 200
    assert staff.post(f"/documents/{secret}/consultation/forward").status_code == 200
    from cabinet.services import mail
    assert mail.send_due() == 1
    (letter,) = smtp.messages()
    everything = letter["Subject"] + letter.get_body(("plain",)).get_content() + letter.get_body(("html",)).get_content()
    assert "nhân sự mật" not in everything and scene["meeting"].title in letter["Subject"]
    assert [e["title"] for e in scene["alice"].get("/inbox").get_json()["entries"]
            if e["source"] == "draft_tables"] == ["Phương án nhân sự mật"]  # in her own inbox, she may read it


def test_a_link_on_another_site_does_not_mark_the_table_opened(app, scene):
    """Opening the table is recorded by a GET: a link or an image on another site, followed with the
    drafter's session cookie, would take the entry out of his inbox unseen."""
    from ..factories import login
    doc, staff = scene["doc"], scene["staff"]
    scene["alice"].post(f"/documents/{doc}/comments", json=comment())
    assert staff.post(f"/documents/{doc}/consultation/forward").status_code == 200
    browser = app.test_client()
    login(browser, scene["users"]["drafter"])

    def waiting() -> int:
        return len([e for e in scene["drafter"].get("/inbox").get_json()["entries"] if e["source"] == "draft_tables"])

    for path in (f"/documents/{doc}/comments", f"/api/v1/documents/{doc}/comments"):
        assert browser.get(path, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 200
        assert waiting() == 1
    assert browser.get(f"/documents/{doc}/comments", headers={"Sec-Fetch-Site": "none"}).status_code == 200
    assert waiting() == 0  # a link in his mail: opened
