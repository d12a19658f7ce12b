"""The signing flow over REST and on the pages: 409 empty_sections (listed) unless confirmed, the chair's
send-back with a comment (403 for anyone else, 409 once signed by both, 422 without a comment), the note
the secretary sees, and "awaiting your signature" on the meeting list and the meeting page."""
import pytest

from cabinet.extensions import db
from cabinet.models import MinutesRevision, MinutesSignature
from cabinet.services import certificates, minutes, minutes_signing

from .. import factories
from ..minutes_helpers import held_session

PASS = {"secretary": "thu-ky-ky-so", "chair": "chu-toa-ky-so"}
AWAITING = 'data-test="awaiting-signature"'


@pytest.fixture()
def held(make):
    held = held_session(make)
    for role in ("secretary", "chair"):
        certificates.issue_demo_certificate(held[role], PASS[role])
    held["minutes"] = minutes.generate_minutes(held["secretary"], held["meeting"])
    db.session.commit()
    return held


def _page(app, person, path) -> str:
    client = app.test_client()
    factories.login(client, person)
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_signing_empty_parts_is_refused_with_the_list_until_confirmed(held, api):
    record, secretary = held["minutes"], api.as_(held["secretary"])
    item_ids = [i["item_id"] for i in record.current.content["items"]]
    refused = secretary.post(f"/minutes/{record.id}/sign", json={"passphrase": PASS["secretary"]})
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "empty_sections"
    assert [(e["section"], e.get("item_id"), e.get("number")) for e in error["details"]["empty_sections"]] == [
        ("opening", None, None), ("conclusion", item_ids[0], "1"), ("conclusion", item_ids[1], "2"),
        ("closing", None, None)]
    assert "Khai mạc" in error["message"] and "Kết luận nội dung 2" in error["message"], error["message"]
    assert secretary.get(f"/minutes/{record.id}").get_json()["empty_sections"] == error["details"]["empty_sections"]
    not_a_flag = secretary.post(f"/minutes/{record.id}/sign", json={"passphrase": "x", "confirm_empty": "maybe"})
    assert not_a_flag.status_code == 422 and not_a_flag.get_json()["error"]["field"] == "confirm_empty"
    assert db.session.query(MinutesSignature).count() == 0

    signed = secretary.post(f"/minutes/{record.id}/sign",
                            json={"passphrase": PASS["secretary"], "confirm_empty": True})
    assert signed.status_code == 200 and signed.get_json()["status"] == "signing"


def test_the_chair_returns_the_minutes_with_a_comment(held, api, app):
    record, chair, secretary = held["minutes"], api.as_(held["chair"]), api.as_(held["secretary"])
    assert secretary.post(f"/minutes/{record.id}/sign",
                          json={"passphrase": PASS["secretary"], "confirm_empty": True}).status_code == 200
    comment = "Đề nghị ghi rõ kết luận của chủ tọa ở nội dung 2."
    for person in ("secretary", "secretariat"):
        refused = api.as_(held[person]).post(f"/minutes/{record.id}/return", json={"comment": comment})
        assert refused.status_code == 403, person
    assert api.as_(held["members"][0]).post(f"/minutes/{record.id}/return",
                                             json={"comment": comment}).status_code == 403
    missing = chair.post(f"/minutes/{record.id}/return", json={})
    assert missing.status_code == 422 and missing.get_json()["error"]["field"] == "comment"
    assert db.session.query(MinutesRevision).count() == 1

    returned = chair.post(f"/minutes/{record.id}/return", json={"comment": comment})
    assert returned.status_code == 200, returned.get_data(as_text=True)
    body = returned.get_json()
    assert body["status"] == "draft" and body["revision"] == 2 and body["signatures"] == []
    assert body["next_signer"] == "secretary" and body["returned"]["comment"] == comment
    assert body["revisions"][0]["signed_by"] == ["secretary"], "the old signature stays on revision 1"
    assert body["revisions"][1]["change"] == f"Returned: {comment}"

    # The secretary sees the comment at the top of the page and in the history, until the next save.
    url = f"/meetings/{held['meeting'].id}/minutes"
    page = _page(app, held["secretary"], url)
    assert 'data-test="returned-note"' in page and comment in page
    assert f"Đã trả lại thư ký: {comment}" in page, "the history names the send-back"
    assert 'data-test="minutes-editor"' in page, "back to draft: the secretary edits again"
    secretary.put(f"/minutes/{record.id}", json={"base_revision": 2, "closing": "<p>Bế mạc.</p>"})
    page = _page(app, held["secretary"], url)
    assert 'data-test="returned-note"' not in page and f"Đã trả lại thư ký: {comment}" in page
    assert secretary.get(f"/minutes/{record.id}").get_json()["returned"] is None


def test_nothing_goes_back_once_both_signed(held, api):
    record = held["minutes"]
    for role in ("secretary", "chair"):
        answer = api.as_(held[role]).post(f"/minutes/{record.id}/sign",
                                          json={"passphrase": PASS[role], "confirm_empty": True})
        assert answer.status_code == 200
    late = api.as_(held["chair"]).post(f"/minutes/{record.id}/return", json={"comment": "Muộn"})
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "already_signed"
    assert api.as_(held["chair"]).get(f"/minutes/{record.id}").get_json()["may_return"] is False
    assert db.session.query(MinutesRevision).count() == 1


def test_awaiting_your_signature_on_the_list_and_the_meeting_page(held, api, app):
    meeting_id, record = held["meeting"].id, held["minutes"]
    link = f'href="/meetings/{meeting_id}/minutes#sign"'
    for role, shown in (("secretary", True), ("chair", False), ("secretariat", False)):
        for path in ("/meetings/", f"/meetings/{meeting_id}"):
            page = _page(app, held[role], path)
            assert (AWAITING in page and link in page) is shown, (role, path)
    signed = api.as_(held["secretary"]).post(f"/minutes/{record.id}/sign",
                                             json={"passphrase": PASS["secretary"], "confirm_empty": True})
    assert signed.status_code == 200
    for role, shown in (("secretary", False), ("chair", True), ("members", False)):
        person = held[role][0] if role == "members" else held[role]
        for path in ("/meetings/", f"/meetings/{meeting_id}"):
            page = _page(app, person, path)
            assert (AWAITING in page and link in page) is shown, (role, path)
    assert "Chờ bạn ký" in _page(app, held["chair"], "/meetings/")


def test_the_minutes_page_puts_signing_at_the_top_with_the_empty_parts(held, app):
    url = f"/meetings/{held['meeting'].id}/minutes"
    page = _page(app, held["secretary"], url)
    bar, editor = page.index('id="sign"'), page.index('data-test="minutes-editor"')
    assert bar < editor, "the sign bar comes before the text"
    assert 'data-test="open-sign"' in page and 'data-test="sign-panel"' in page
    assert page.count('data-test="empty-section"') == 4 and 'data-test="confirm-empty"' in page
    assert "Kết luận nội dung 2" in page
    assert 'data-test="open-return"' not in page
    chair = _page(app, held["chair"], url)
    assert 'data-test="open-return"' in chair and 'data-test="return-panel"' in chair
    assert 'data-test="open-sign"' not in chair, "the secretary signs first"
    member = _page(app, held["members"][0], url)
    assert 'id="sign"' not in member and 'data-test="return-panel"' not in member
    # Written in full: no warning, nothing to confirm.
    content = held["minutes"].current.content
    minutes.edit_minutes(held["secretary"], held["minutes"], {
        "opening": "<p>Khai mạc.</p>", "closing": "<p>Bế mạc.</p>",
        "conclusions": {str(i["item_id"]): "<p>Thống nhất.</p>" for i in content["items"]}})
    db.session.commit()
    assert minutes_signing.empty_sections(held["minutes"]) == []
    page = _page(app, held["secretary"], url)
    assert 'data-test="empty-section"' not in page and 'data-test="empty-count"' not in page
