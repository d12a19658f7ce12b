"""The minutes API's refusals: each a precise status and code, nothing stored."""
import io

import pytest

from cabinet.extensions import db
from cabinet.models import MinutesRevision, MinutesSignature
from cabinet.services import certificates, minutes

from ..documents_helpers import sample
from ..minutes_helpers import held_session


@pytest.fixture()
def held(make):
    held = held_session(make)
    certificates.issue_demo_certificate(held["secretary"], "thu-ky-ky-so")
    held["minutes"] = minutes.generate_minutes(held["secretary"], held["meeting"])
    db.session.commit()
    return held


def test_who_may_do_what(held, api, make):
    mid, record = held["meeting"].id, held["minutes"]
    stranger = make.user("member")
    assert api.as_(stranger).get(f"/minutes/{record.id}").status_code == 404
    assert api.as_(held["members"][0]).get(f"/minutes/{record.id}").status_code == 200
    refused = api.as_(held["members"][0]).put(f"/minutes/{record.id}", json={"location": "Phòng 2"})
    assert refused.status_code == 403
    assert api.as_(held["members"][0]).post(f"/meetings/{mid}/minutes").status_code == 403
    again = api.as_(held["secretary"]).post(f"/meetings/{mid}/minutes")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "minutes_exist"
    assert api.as_(held["secretary"]).get("/minutes/999999").status_code == 404
    assert db.session.query(MinutesRevision).count() == 1


def test_bad_edits(held, api):
    record, secretary = held["minutes"], api.as_(held["secretary"])
    for body, code in [({"date": "20/12/2026"}, "invalid_date"), ({"conclusions": ["x"]}, "invalid_conclusions"),
                       ({}, "nothing_changed"), ({"opening": "x" * 100_001}, "invalid_text")]:
        answer = secretary.put(f"/minutes/{record.id}", json=body)
        assert answer.status_code == 422 and answer.get_json()["error"]["code"] == code, body
    assert db.session.query(MinutesRevision).count() == 1


def test_preview_is_a_pdf_and_stores_nothing(held, api):
    record = held["minutes"]
    answer = api.as_(held["secretary"]).post(f"/minutes/{record.id}/preview", json={"location": "Phòng họp số 2"})
    assert answer.status_code == 200 and answer.data.startswith(b"%PDF-")
    assert db.session.query(MinutesRevision).count() == 1


def test_passphrase_guessing_is_slowed_down(held, api):
    record, secretary = held["minutes"], api.as_(held["secretary"])
    assert secretary.post(f"/minutes/{record.id}/sign", json={}).status_code == 400
    codes = [secretary.post(f"/minutes/{record.id}/sign",
                            json={"passphrase": f"doan-{n}", "confirm_empty": True}).status_code for n in range(7)]
    assert codes[0] == 403 and codes[-1] == 429
    assert db.session.query(MinutesSignature).count() == 0


def test_verify_refuses_what_is_not_a_signed_pdf(held, api):
    member = api.as_(held["members"][1])
    def send(data, name="x.pdf"):
        return member.post("/verify", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    assert send(sample("not-a-pdf.pdf")).status_code == 415
    assert send(b"").status_code == 400
    assert member.post("/verify", data={}, content_type="multipart/form-data").status_code == 400
    unsigned = send(sample("to-trinh-do-thi-thong-minh.pdf"))
    assert unsigned.status_code == 200 and unsigned.get_json() == {
        "signed": False, "signatures": [],
        "verdict": {"kind": "info", "text": "Tệp PDF này không có chữ ký số."}}
    assert api.as_(None).post("/verify").status_code == 401


def test_guests_do_not_read_the_minutes(held, api, make):
    from cabinet.models import Participant
    guest = make.user("member")
    db.session.add(Participant(meeting_id=held["meeting"].id, user_id=guest.id, role="guest"))  # invited earlier
    db.session.commit()
    assert api.as_(guest).get(f"/meetings/{held['meeting'].id}").status_code == 200
    assert api.as_(guest).get(f"/minutes/{held['minutes'].id}").status_code == 403
    assert api.as_(guest).get(f"/minutes/{held['minutes'].id}/pdf").status_code == 403
