"""Written consultation over REST: the secretariat prepares and sends it, members answer (once, or again
where the body allows, never after the deadline; an offline retry changes nothing), the secretariat and
the chair follow who answered, reminders reach those who have not (real SMTP server), the result is
drawn up at the deadline (more than half of ALL members must agree), the chair signs its PDF; what only
a session has is refused on a consultation, and the consultation is not in the meeting list."""
from datetime import timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from cabinet.extensions import db
from cabinet.models import Consultation, ConsultationResponse, OutgoingMail
from cabinet.models.types import utcnow
from cabinet.services import certificates, consultations, mail
from cabinet.services.verification import verify_file


SUBJECT = "Dự thảo Nghị quyết về điều chỉnh quy hoạch phân khu đô thị Đông Sơn"


@pytest.fixture()
def council(make):
    staff = make.user("secretariat")
    chair = make.user(full_name="Lê Anh Xuân", email="chutich@thanhhoa.gov.vn")
    members = [make.user(full_name=f"Thành viên {n:02d}", email=f"tv{n}@thanhhoa.gov.vn") for n in range(1, 25)]
    outsider = make.user(full_name="Người ngoài")
    return {"staff": staff, "chair": chair, "members": members, "outsider": outsider}


def _create(api, council, **extra):
    body = {"title": SUBJECT, "deadline": (utcnow() + timedelta(days=2)).isoformat(),
            "chair_id": council["chair"].id, "member_ids": [m.id for m in council["members"]],
            "questions": [{"text": "Đồng ý thông qua dự thảo Nghị quyết?", "kind": "choice"},
                          {"text": "Ý kiến khác về phạm vi điều chỉnh", "kind": "text"}], **extra}
    created = api.as_(council["staff"]).post("/consultations", json=body)
    assert created.status_code == 201, created.get_json()
    return created.get_json()


def _answers(data, choice="agree", text="Thống nhất"):
    first, second = data["questions"]
    return {"answers": [{"question_id": first["id"], "choice": choice, "text": text if choice == "other" else ""},
                        {"question_id": second["id"], "text": text}]}


def test_prepared_sent_answered_and_drawn_up_with_named_counts(api, council, smtp, tmp_path):
    data = _create(api, council)
    cid, staff = data["id"], api.as_(council["staff"])
    assert data["status"] == "draft" and len(data["members"]) == 25
    assert api.as_(council["members"][0]).get(f"/consultations/{cid}").status_code == 404, "a draft is not shown"
    assert staff.post(f"/consultations/{cid}/send").status_code == 200
    assert mail.send_due(limit=100) == 25
    letter = next(m for m in smtp.messages() if m["To"] == "tv1@thanhhoa.gov.vn")
    assert letter["Subject"] == f"Xin ý kiến bằng văn bản: {SUBJECT}"
    assert f"/consultations/{cid}" in letter.get_body(("plain",)).get_content()

    # 13 agree, 5 disagree, 2 other, 5 do not answer (the chair among them)
    plan = ["agree"] * 13 + ["disagree"] * 5 + ["other"] * 2
    for member, choice in zip(council["members"], plan):
        answered = api.as_(member).put(f"/consultations/{cid}/answers",
                                       json={**_answers(data, choice, f"Ý kiến của {member.full_name}"),
                                             "client_id": f"c-{member.id}"})
        assert answered.status_code == 200, answered.get_json()
    seen = api.as_(council["members"][0]).get(f"/consultations/{cid}").get_json()
    assert seen["progress"] == {"answered": 20, "signed": 0, "total": 25} and seen["my_answers"][0]["choice"] == "agree"
    progress = staff.get(f"/consultations/{cid}/progress").get_json()
    assert len(progress["answered_by"]) == 20
    assert sorted(p["name"] for p in progress["waiting"]) == sorted(
        ["Lê Anh Xuân"] + [f"Thành viên {n:02d}" for n in range(21, 25)])
    assert api.as_(council["members"][0]).get(f"/consultations/{cid}/progress").status_code == 403
    chair_view = api.as_(council["chair"]).get(f"/consultations/{cid}/progress")
    assert chair_view.status_code == 200, chair_view.get_json()

    # the deadline passes: the background pass draws the result up
    consultation = db.session.get(Consultation, cid)
    consultation.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert consultations.close_due() == 1 and consultations.close_due() == 0
    late = api.as_(council["members"][22]).put(f"/consultations/{cid}/answers", json=_answers(data))
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "consultation_closed"
    result = staff.get(f"/consultations/{cid}").get_json()["result"]
    first = result["questions"][0]
    assert first["counts"] == {"agree": 13, "disagree": 5, "other": 2} and first["passed"] is True
    assert result["needed"] == 13 and result["total"] == 25 and result["answered"] == 20
    assert "Thành viên 19: " not in str(first["opinions"]) and len(result["questions"][1]["opinions"]) == 20

    pdf = staff.get(f"/consultations/{cid}/result.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf.data)).pages)
    flat = " ".join(text.split())
    assert "BÁO CÁO" in flat and "Tổng hợp kết quả lấy ý kiến bằng văn bản" in flat
    assert "Đồng ý 13 52,00%" in flat and "Không đồng ý 5 20,00%" in flat and "Ý kiến khác 2 8,00%" in flat
    assert "Được thông qua (13/25 thành viên đồng ý; cần ít nhất 13)" in flat
    for n in (1, 13, 14, 18, 19):
        assert f"Thành viên {n:02d}" in flat
    assert "Thành viên không trả lời (5)" in flat and "Lê Anh Xuân" in flat

    # the chair is told, then signs
    assert mail.send_due(limit=100) == 1
    (to_sign,) = [m for m in smtp.messages() if m["Subject"] == f"Kết quả xin ý kiến chờ bạn ký: {SUBJECT}"]
    assert to_sign["To"] == "chutich@thanhhoa.gov.vn" and f"/consultations/{cid}/result" in to_sign.get_body(
        ("plain",)).get_content()
    certificates.issue_demo_certificate(council["chair"], "chu-tich-ky-so")
    db.session.commit()
    assert api.as_(council["members"][0]).post(f"/consultations/{cid}/result/sign",
                                               json={"passphrase": "x"}).status_code == 403
    signed = api.as_(council["chair"]).post(f"/consultations/{cid}/result/sign",
                                            json={"passphrase": "chu-tich-ky-so"})
    assert signed.status_code == 200 and signed.get_json()["signature"]["signer"] == "Lê Anh Xuân"
    again = api.as_(council["chair"]).post(f"/consultations/{cid}/result/sign", json={"passphrase": "chu-tich-ky-so"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_signed"
    signed_file = tmp_path / "signed.pdf"
    signed_file.write_bytes(staff.get(f"/consultations/{cid}/result.pdf").data)
    (signature,) = verify_file(signed_file)["signatures"]
    assert signature["intact"] and signature["valid"] and not signature["modified_after"]
    assert "DỰ THẢO" not in PdfReader(signed_file).pages[0].extract_text()


def test_a_rejected_question_needs_more_than_half_of_all_members(api, council):
    data = _create(api, council, member_ids=[m.id for m in council["members"][:3]])  # 4 with the chair
    cid = data["id"]
    api.as_(council["staff"]).post(f"/consultations/{cid}/send")
    for member in council["members"][:2]:  # 2 of 4 agree: half is not more than half
        assert api.as_(member).put(f"/consultations/{cid}/answers", json=_answers(data)).status_code == 200
    api.as_(council["members"][2]).put(f"/consultations/{cid}/answers", json=_answers(data, "disagree"))
    api.as_(council["chair"]).put(f"/consultations/{cid}/answers", json=_answers(data, "other", "Cần làm rõ"))
    result = api.as_(council["staff"]).get(f"/consultations/{cid}").get_json()
    assert result["status"] == "closed", "everyone answered and answers cannot change: drawn up at once"
    assert result["result"]["questions"][0]["passed"] is False and result["result"]["needed"] == 3


def test_answers_are_checked_and_kept_once(api, council):
    data = _create(api, council)
    cid, member = data["id"], api.as_(council["members"][0])
    early = member.put(f"/consultations/{cid}/answers", json=_answers(data))
    assert early.status_code == 404, "a draft is invisible to members"
    api.as_(council["staff"]).post(f"/consultations/{cid}/send")
    first_q, second_q = data["questions"]
    cases = [({"answers": []}, "unanswered"),
             ({"answers": [{"question_id": first_q["id"], "choice": "agree"}]}, "unanswered"),
             ({"answers": [{"question_id": first_q["id"], "choice": "other", "text": " \u200b "},
                           {"question_id": second_q["id"], "text": "x"}]}, "opinion_required"),
             ({"answers": [{"question_id": first_q["id"], "choice": "maybe"},
                           {"question_id": second_q["id"], "text": "x"}]}, "unanswered"),
             ({"answers": [{"question_id": 999999, "choice": "agree"}]}, "unknown_question"),
             ({"answers": "agree"}, "unanswered"),
             ({**_answers(data), "client_id": "x" * 65}, "too_long")]
    for body, code in cases:
        refused = member.put(f"/consultations/{cid}/answers", json=body)
        assert refused.status_code == 422 and refused.get_json()["error"]["code"] == code, (body, refused.get_json())
    assert db.session.scalar(select(func.count()).select_from(ConsultationResponse)) == 0

    body = {**_answers(data), "client_id": "tablet-1"}
    assert member.put(f"/consultations/{cid}/answers", json=body).get_json()["changed"] is True
    retry = member.put(f"/consultations/{cid}/answers", json=body)
    assert retry.status_code == 200 and retry.get_json()["changed"] is False, "an offline retry is the same answer"
    other = member.put(f"/consultations/{cid}/answers", json={**_answers(data, "disagree"), "client_id": "tablet-2"})
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "already_answered"
    assert api.as_(council["outsider"]).put(f"/consultations/{cid}/answers", json=body).status_code == 404
    assert api.as_(council["staff"]).put(f"/consultations/{cid}/answers", json=body).status_code == 403
    mine = member.get(f"/consultations/{cid}").get_json()["my_answers"]
    assert mine[0]["choice"] == "agree"


def test_a_changeable_consultation_takes_a_new_answer_until_the_deadline(api, council):
    data = _create(api, council, answers_changeable=True)
    cid, member = data["id"], api.as_(council["members"][0])
    api.as_(council["staff"]).post(f"/consultations/{cid}/send")
    member.put(f"/consultations/{cid}/answers", json={**_answers(data), "client_id": "a"})
    changed = member.put(f"/consultations/{cid}/answers", json={**_answers(data, "disagree"), "client_id": "b"})
    assert changed.status_code == 200 and changed.get_json()["my_answers"][0]["choice"] == "disagree"
    db.session.get(Consultation, cid).deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()
    late = member.put(f"/consultations/{cid}/answers", json={**_answers(data), "client_id": "c"})
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "deadline_passed"
    assert member.get(f"/consultations/{cid}").get_json()["my_answers"][0]["choice"] == "disagree"


def test_preparing_is_checked(api, council):
    staff = api.as_(council["staff"])
    base = {"title": SUBJECT, "deadline": (utcnow() + timedelta(days=1)).isoformat(), "chair_id": council["chair"].id,
            "member_ids": [council["members"][0].id], "questions": [{"text": "Đồng ý?", "kind": "choice"}]}
    cases = [({**base, "deadline": (utcnow() - timedelta(hours=1)).isoformat()}, "deadline_passed"),
             ({**base, "questions": []}, "no_questions"),
             ({**base, "questions": [{"text": "", "kind": "choice"}]}, "required"),
             ({**base, "questions": [{"text": "x", "kind": "vote"}]}, "invalid_choice"),
             ({**base, "member_ids": []}, "no_members"),
             ({**base, "member_ids": [999999]}, "unknown_user"),
             ({**base, "pass_ratio": 0.3}, "invalid_ratio"),
             ({**base, "title": "\u0000"}, "required")]
    for body, code in cases:
        refused = staff.post("/consultations", json=body)
        assert refused.status_code == 422, (body, refused.get_json())
        assert refused.get_json()["error"]["code"] == code, (code, refused.get_json())
    assert api.as_(council["members"][0]).post("/consultations", json=base).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Consultation)) == 0
    cid = staff.post("/consultations", json=base).get_json()["id"]
    staff.post(f"/consultations/{cid}/send")
    edit = staff.patch(f"/consultations/{cid}", json={"questions": [{"text": "Khác", "kind": "text"}]})
    assert edit.status_code == 409 and edit.get_json()["error"]["code"] == "consultation_sent"
    later = (utcnow() + timedelta(days=3)).isoformat()
    assert staff.patch(f"/consultations/{cid}", json={"deadline": later}).status_code == 200


def test_what_only_a_session_has_is_refused_on_a_consultation(api, council, make):
    data = _create(api, council)
    cid, staff = data["id"], api.as_(council["staff"])
    staff.post(f"/consultations/{cid}/send")
    for path in (f"/meetings/{cid}/start", f"/meetings/{cid}/publish"):
        assert staff.post(path).status_code == 403, path
    assert staff.patch(f"/meetings/{cid}", json={"title": "x"}).status_code == 403
    assert staff.post(f"/meetings/{cid}/minutes").status_code == 403
    assert cid not in [m["id"] for m in staff.get("/meetings").get_json()["items"]]
    session = make.meeting(council["staff"], status="published", participants_={council["chair"]: "chair"})
    refused = api.as_(council["chair"]).put(f"/consultations/{session.id}/answers", json=_answers(data))
    assert refused.status_code == 404, "a session is not a consultation"


def test_reminders_reach_those_who_have_not_answered_once_each(api, council, smtp):
    data = _create(api, council)
    cid = data["id"]
    api.as_(council["staff"]).post(f"/consultations/{cid}/send")
    mail.send_due(limit=100)
    api.as_(council["members"][0]).put(f"/consultations/{cid}/answers", json=_answers(data))
    consultation = db.session.get(Consultation, cid)
    consultation.sent_at = utcnow() - timedelta(days=2)
    consultation.deadline = utcnow() + timedelta(hours=23)
    db.session.commit()
    assert consultations.remind_due() == 24
    assert consultations.remind_due() == 0, "each reminder once"
    consultation.deadline = utcnow() + timedelta(hours=1)
    db.session.commit()
    assert consultations.remind_due() == 24, "the 2-hour reminder is another"
    assert mail.send_due(limit=100) == 48
    reminders = [m for m in smtp.messages() if m["Subject"].startswith("Nhắc")]
    assert len(reminders) == 48
    assert {m["To"] for m in reminders} == {"chutich@thanhhoa.gov.vn"} | {
        f"tv{n}@thanhhoa.gov.vn" for n in range(2, 25)}
    assert all(m["Subject"] == f"Nhắc trả lời xin ý kiến: {SUBJECT}" for m in reminders)
    assert db.session.scalar(select(func.count()).select_from(OutgoingMail).where(
        OutgoingMail.key.like("consultation-reminder:%"))) == 48


def test_the_inbox_lists_a_consultation_to_answer_then_the_result_to_sign(api, council, app):
    from cabinet.services import inbox
    data = _create(api, council, member_ids=[m.id for m in council["members"][:2]])
    cid = data["id"]
    member, chair = council["members"][0], council["chair"]
    assert [e.source for e in inbox.entries_for(member)] == [], "a draft asks nothing"
    api.as_(council["staff"]).post(f"/consultations/{cid}/send")
    assert [(e.source, e.meeting_id) for e in inbox.entries_for(member)] == [("consultations", cid)]
    assert inbox.counts_for([member.id, chair.id, council["outsider"].id]) == {
        member.id: 1, chair.id: 1, council["outsider"].id: 0}
    assert not any(e.source == "invitations" for e in inbox.entries_for(member)), "answered, not attended"
    api.as_(member).put(f"/consultations/{cid}/answers", json=_answers(data))
    assert inbox.count_for(member) == 0
    api.as_(council["staff"]).post(f"/consultations/{cid}/close")
    assert [e.source for e in inbox.entries_for(chair)] == ["consultation_results"]
    assert inbox.count_for(council["members"][1]) == 0, "closed: nothing left to answer"
    page = app.test_client()
    from .. import factories
    factories.login(page, chair)
    html = page.get("/inbox").get_data(as_text=True)
    assert "Ký báo cáo kết quả" in html and f"/consultations/{cid}#result" in html
