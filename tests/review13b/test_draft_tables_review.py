"""Review 13b: the drafting unit's inbox entry and mail — documents that change after recipients are named,
withdrawn documents, documents under a confidential agenda item."""
from cabinet.extensions import db
from cabinet.services import agenda, mail

from ..documents_helpers import sample, upload
from ..http.test_draft_comments import comment, scene  # noqa: F401  (the fixture)


def _drafter_with_mail(scene):
    drafter = scene["users"]["drafter"]
    drafter.email = "phongtuphap@thanhhoa.gov.vn"
    db.session.commit()
    return drafter


def _draft_entries(client):
    return [e for e in client.get("/inbox").get_json()["entries"] if e["source"] == "draft_tables"]


def test_a_draft_made_confidential_after_its_recipients_were_named_is_not_mailed_to_non_readers(scene, smtp):
    """Recipients are checked against the named readers only when they are set; the document may become
    confidential afterwards (PATCH access), and forwarding then mails and pushes to someone who may not read
    it (the inbox rightly hides it)."""
    doc, staff = scene["doc"], scene["staff"]
    _drafter_with_mail(scene)
    alice = scene["users"]["alice"]
    changed = staff.patch(f"/documents/{doc}", json={"access": "confidential", "readers": [alice.id]})
    assert changed.status_code == 200, changed.get_json()
    forwarded = staff.post(f"/documents/{doc}/consultation/forward")
    assert _draft_entries(scene["drafter"]) == []  # the inbox holds
    assert scene["drafter"].get(f"/documents/{doc}/comments").status_code == 404  # and so does the page
    sent = mail.send_due()
    assert (forwarded.status_code, sent) != (200, 1), "forwarded, and mailed to someone who may not read it"


def test_a_withdrawn_draft_is_not_forwarded_by_mail(scene, smtp):
    doc, staff = scene["doc"], scene["staff"]
    _drafter_with_mail(scene)
    assert staff.post(f"/documents/{doc}/withdraw").status_code in (200, 204)
    forwarded = staff.post(f"/documents/{doc}/consultation/forward")
    assert _draft_entries(scene["drafter"]) == []
    sent = mail.send_due()
    assert (forwarded.status_code, sent) != (200, 1), "a withdrawn draft's table mailed to the drafting unit"


def test_a_draft_under_a_confidential_item_is_not_named_in_the_mail(scene, smtp):
    """Mail leaves the system: invitations leave out confidential agenda items; the draft-table mail names the
    document unless its access is `confidential`, whatever item it hangs under."""
    staff_user = scene["users"]["staff"]
    meeting = scene["meeting"]
    _drafter_with_mail(scene)
    secret_item = agenda.add_item(staff_user, meeting, {"title": "Kỷ luật cán bộ (mật)", "confidential": True})
    db.session.commit()
    staff = scene["staff"]
    doc = upload(staff, meeting.id, sample("to-trinh-do-thi-thong-minh.pdf"), access="participants",
                 title="Đề xuất kỷ luật ông Nguyễn Văn A", agenda_item_id=str(secret_item.id)).get_json()
    assert "id" in doc, doc
    assert staff.put(f"/documents/{doc['id']}/consultation",
                     json={"drafting_unit": "Phòng Nội vụ", "recipients": [scene["users"]["drafter"].id]}
                     ).status_code == 200
    assert staff.post(f"/documents/{doc['id']}/consultation/forward").status_code == 200
    assert mail.send_due() == 1
    (letter,) = smtp.messages()
    everything = letter["Subject"] + letter.get_body(("plain",)).get_content()
    assert "kỷ luật" not in everything.lower(), letter["Subject"]
