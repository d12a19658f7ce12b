"""A signing flow people can follow: empty parts are named before anyone signs (and signed only when the
signer confirms them), the chair sends the minutes back with a comment instead of signing (a new draft
revision; the secretary's signature stays on the revision it was made on), and "awaiting your signature"
is whoever's turn it is."""
import json

import pytest
import sqlalchemy as sa

from cabinet.extensions import db
from cabinet.models import AuditEntry, MinutesSignature
from cabinet.services import minutes, minutes_signing
from cabinet.services.errors import Conflict, Invalid, NotAllowed

from ..minutes_helpers import SIGNING_PASSPHRASES, drafted_minutes

PASS = SIGNING_PASSPHRASES


@pytest.fixture()
def drafted(make):
    return drafted_minutes(make)


def _items(drafted):
    return [(str(i["item_id"]), i["title"]) for i in drafted["minutes"].current.content["items"]]


def test_an_untouched_draft_names_its_empty_parts_and_is_signed_only_when_confirmed(drafted):
    record, secretary = drafted["minutes"], drafted["secretary"]
    (first, first_title), (second, second_title) = _items(drafted)
    assert minutes_signing.empty_sections(record) == [
        {"section": "opening"},
        {"section": "conclusion", "item_id": int(first), "number": "1", "title": first_title},
        {"section": "conclusion", "item_id": int(second), "number": "2", "title": second_title},
        {"section": "closing"}]
    with pytest.raises(Conflict) as refused:
        minutes_signing.sign_minutes(secretary, record, PASS["secretary"])
    assert refused.value.code == "empty_sections"
    assert [e["section"] for e in refused.value.details["empty_sections"]] == [
        "opening", "conclusion", "conclusion", "closing"]
    assert "2" in str(refused.value.message) and second_title in str(refused.value.message)
    db.session.rollback()
    assert db.session.query(MinutesSignature).count() == 0 and record.status == "draft"

    # An empty paragraph from the editor is no text; one conclusion written leaves the other named.
    minutes.edit_minutes(secretary, record, {"opening": "<p><br></p>", "closing": "<p>Bế mạc lúc 11 giờ.</p>",
                                             "conclusions": {first: "<p>Thông qua chương trình.</p>"}})
    db.session.commit()
    assert minutes_signing.empty_sections(record) == [
        {"section": "opening"},
        {"section": "conclusion", "item_id": int(second), "number": "2", "title": second_title}]
    with pytest.raises(Conflict):
        minutes_signing.sign_minutes(secretary, record, PASS["secretary"], confirm_empty=False)
    db.session.rollback()
    minutes_signing.sign_minutes(secretary, record, PASS["secretary"], confirm_empty=True)
    db.session.commit()
    assert record.status == "signing"


def test_written_minutes_are_signed_without_a_confirmation(drafted):
    record, secretary = drafted["minutes"], drafted["secretary"]
    minutes.edit_minutes(secretary, record, {"opening": "<p>Khai mạc.</p>", "closing": "<p>Bế mạc.</p>",
                                             "conclusions": {k: "<p>Thống nhất.</p>" for k, _ in _items(drafted)}})
    db.session.commit()
    assert minutes_signing.empty_sections(record) == []
    minutes_signing.sign_minutes(secretary, record, PASS["secretary"])
    minutes_signing.sign_minutes(drafted["chair"], record, PASS["chair"])
    db.session.commit()
    assert record.status == "signed"


def test_the_chair_sends_signed_minutes_back_with_a_comment(drafted):
    record, secretary, chair = drafted["minutes"], drafted["secretary"], drafted["chair"]
    minutes_signing.sign_minutes(secretary, record, PASS["secretary"], confirm_empty=True)
    db.session.commit()
    signed_revision = record.current
    comment = "Đề nghị bổ sung kết luận mục 2 về dự toán ngân sách."

    returned = minutes.return_minutes(chair, record, f"  {comment} ")
    db.session.commit()
    assert record.status == "draft" and record.current is returned
    assert returned.number == signed_revision.number + 1 and returned.content == signed_revision.content
    assert returned.author_id == chair.id
    assert returned.signatures == [] and minutes_signing.next_signer_role(record) == "secretary"
    assert [s.role for s in signed_revision.signatures] == ["secretary"], "the old signature stays on its revision"
    assert minutes_signing.signed_pdf(record) is None
    note = minutes.returned_note(record)
    assert note["comment"] == comment and note["by"] == chair.full_name and note["revision"] == returned.number
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "minutes.return"))
    assert entry.actor_id == chair.id and entry.meeting_id == record.meeting_id
    assert json.loads(entry.details) == {"comment": comment, "from_revision": signed_revision.number,
                             "revision": returned.number, "signatures_superseded": ["secretary"]}

    # The chair cannot sign what came back; the secretary edits (the note goes) and signs again.
    with pytest.raises(NotAllowed):
        minutes_signing.sign_minutes(chair, record, PASS["chair"], confirm_empty=True)
    db.session.rollback()
    minutes.edit_minutes(secretary, record, {"conclusions": {_items(drafted)[1][0]: "<p>Thông qua dự toán.</p>"}})
    db.session.commit()
    assert minutes.returned_note(record) is None
    minutes_signing.sign_minutes(secretary, record, PASS["secretary"], confirm_empty=True)
    minutes_signing.sign_minutes(chair, record, PASS["chair"], confirm_empty=True)
    db.session.commit()
    assert record.status == "signed" and len(record.current.signatures) == 2


def test_the_chair_may_send_a_draft_back_before_the_secretary_signs(drafted):
    record = drafted["minutes"]
    minutes.return_minutes(drafted["chair"], record, "Chưa ghi ý kiến của đại biểu.")
    db.session.commit()
    assert record.status == "draft" and record.current.number == 2
    assert record.current.change == "Returned: Chưa ghi ý kiến của đại biểu."
    assert minutes.returned_note(record)["comment"] == "Chưa ghi ý kiến của đại biểu."


def test_only_the_chair_sends_back_and_not_once_both_signed(drafted):
    record = drafted["minutes"]
    for person in (drafted["secretary"], drafted["members"][0], drafted["secretariat"]):
        with pytest.raises(NotAllowed):
            minutes.return_minutes(person, record, "Sửa lại")
        db.session.rollback()
    for comment, code in ((None, "required"), ("   ", "required"), ("x" * 291, "too_long"), (12, "invalid_type")):
        with pytest.raises(Invalid) as refused:
            minutes.return_minutes(drafted["chair"], record, comment)
        assert refused.value.code == code and refused.value.field == "comment"
        db.session.rollback()
    assert len(record.revisions) == 1
    for role in ("secretary", "chair"):
        minutes_signing.sign_minutes(drafted[role], record, PASS[role], confirm_empty=True)
    db.session.commit()
    with pytest.raises(Conflict) as signed:
        minutes.return_minutes(drafted["chair"], record, "Muộn rồi")
    assert signed.value.code == "already_signed"
    db.session.rollback()
    assert record.status == "signed" and len(record.revisions) == 1


def test_awaiting_signature_is_whoever_signs_next(drafted, make):
    record, meeting = drafted["minutes"], drafted["meeting"]
    secretary, chair, member = drafted["secretary"], drafted["chair"], drafted["members"][0]
    other = make.meeting(drafted["secretariat"], status="live", participants_={chair: "chair"})

    def waiting(person):
        return minutes_signing.awaiting_signature(person, [meeting, other])

    assert (waiting(secretary), waiting(chair), waiting(member)) == ({meeting.id}, set(), set())
    minutes_signing.sign_minutes(secretary, record, PASS["secretary"], confirm_empty=True)
    db.session.commit()
    assert (waiting(secretary), waiting(chair)) == (set(), {meeting.id})
    minutes.return_minutes(chair, record, "Bổ sung danh sách vắng mặt.")
    db.session.commit()
    assert (waiting(secretary), waiting(chair)) == ({meeting.id}, set())
    for role in ("secretary", "chair"):
        minutes_signing.sign_minutes(drafted[role], record, PASS[role], confirm_empty=True)
    db.session.commit()
    assert (waiting(secretary), waiting(chair), waiting(drafted["secretariat"])) == (set(), set(), set())


def test_invisible_characters_alone_do_not_make_a_section_written():
    from cabinet.services.minutes_signing import _has_words
    for empty in ("<p>\u200b</p>", "<p>&#8203;</p>", "<p>&zwnj;&nbsp;</p>", "<p>\ufeff<br></p>"):
        assert not _has_words(empty), repr(empty)
    assert _has_words("<p>Đã thống nhất.</p>")
