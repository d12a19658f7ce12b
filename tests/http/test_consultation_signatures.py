"""A member signs their own answer in a written consultation (issue 13, "may sign it"): the form verifies
(our verifier and pyHanko's) and holds the answer in full Vietnamese; every refusal leaves the data as it
was; a changed answer loses its signature (and a change during the signing wins); the result and its
report name who signed; others read a member's signed form only after the close, and only the secretariat
and the chair."""
import threading
from datetime import timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from cabinet.extensions import db
from cabinet.models import AuditEntry, Consultation, ConsultationResponse, Participant
from cabinet.models.types import utcnow
from cabinet.services import certificates, consultation_signatures, consultations
from cabinet.services.verification import verify_file

from ..pyhanko_helpers import validate_all

SUBJECT = "Dự thảo Nghị quyết về điều chỉnh quy hoạch phân khu đô thị Đông Sơn"
OPINION = "Đề nghị bổ sung đánh giá tác động môi trường của khu dân cư phía Bắc"
PASS = "thanh-vien-ky-so"


@pytest.fixture()
def council(make):
    return {"staff": make.user("secretariat"), "chair": make.user(full_name="Lê Anh Xuân"),
            "members": [make.user(full_name=name) for name in ("Nguyễn Thị Hằng", "Trần Văn Đức", "Phạm Thu Hà")],
            "outsider": make.user(full_name="Người ngoài")}


def _sent(api, council, **extra) -> dict:
    body = {"title": SUBJECT, "deadline": (utcnow() + timedelta(days=2)).isoformat(),
            "chair_id": council["chair"].id, "member_ids": [m.id for m in council["members"]],
            "questions": [{"text": "Đồng ý thông qua dự thảo Nghị quyết?", "kind": "choice"},
                          {"text": "Ý kiến về phạm vi điều chỉnh", "kind": "text"}], **extra}
    staff = api.as_(council["staff"])
    created = staff.post("/consultations", json=body)
    assert created.status_code == 201, created.get_json()
    assert staff.post(f"/consultations/{created.get_json()['id']}/send").status_code == 200
    return created.get_json()


def _answers(data, choice="other", text=OPINION):
    first, second = data["questions"]
    return {"answers": [{"question_id": first["id"], "choice": choice, "text": text if choice == "other" else ""},
                        {"question_id": second["id"], "text": text}]}


def _answer(api, person, data, **kw):
    answered = api.as_(person).put(f"/consultations/{data['id']}/answers", json=_answers(data, **kw))
    assert answered.status_code == 200, answered.get_json()


def _certify(*people):
    for person in people:
        certificates.issue_demo_certificate(person, PASS)
    db.session.commit()


def _sign(api, person, cid, passphrase=PASS):
    return api.as_(person).post(f"/consultations/{cid}/answer/sign", json={"passphrase": passphrase})


def _response(cid, person) -> ConsultationResponse | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(ConsultationResponse).filter_by(meeting_id=cid, user_id=person.id))


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages).split())


def test_a_member_signs_their_answer_and_the_form_verifies(api, council, tmp_path):
    data = _sent(api, council)
    cid, member = data["id"], council["members"][0]
    _answer(api, member, data)
    _certify(member)
    signed = _sign(api, member, cid)
    assert signed.status_code == 200, signed.get_json()
    body = signed.get_json()
    assert body["my_signature"]["certificate"] and "Nguyễn Thị Hằng" in body["my_signature"]["certificate"]
    assert body["my_signature"]["url"] == f"/api/v1/consultations/{cid}/answer.pdf"
    assert body["progress"] == {"answered": 1, "signed": 1, "total": 4}

    form = api.as_(member).get(f"/consultations/{cid}/answer.pdf")
    assert form.status_code == 200 and form.mimetype == "application/pdf"
    path = tmp_path / "phieu.pdf"
    path.write_bytes(form.data)
    (signature,) = verify_file(path)["signatures"]
    assert signature["intact"] and signature["valid"] and not signature["modified_after"]
    (status,) = validate_all(form.data, certificates.trust_roots())
    assert status.intact and status.valid and status.bottom_line
    text = _text(form.data)
    for words in ("PHIẾU LẤY Ý KIẾN", f"Về {SUBJECT}", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Nguyễn Thị Hằng",
                  "Câu 1. Đồng ý thông qua dự thảo Nghị quyết?", "Ý kiến: Ý kiến khác", OPINION, "THÀNH VIÊN"):
        assert words in text, words
    assert len(PdfReader(BytesIO(form.data)).pages) <= 2
    response = _response(cid, member)
    assert response.signed_size == len(form.data) and response.signed_at is not None
    entries = db.session.scalars(sa.select(AuditEntry).filter_by(object_type="consultation_response",
                                                                 object_id=str(response.id))).all()
    assert any("signed_sha256" in e.details and e.actor_id == member.id for e in entries), "the signing is audited"
    staff_progress = api.as_(council["staff"]).get(f"/consultations/{cid}/progress").get_json()
    assert staff_progress["signed"] == 1
    assert [p["signed_at"] is not None for p in staff_progress["answered_by"]] == [True]


def test_every_refusal_is_precise_and_writes_nothing(api, council, make):
    data = _sent(api, council)
    cid = data["id"]
    first, second, third = council["members"]
    db.session.add(Participant(meeting_id=cid, user_id=council["outsider"].id, role="guest", rsvp="pending",
                               rsvp_reason=""))
    db.session.commit()
    _certify(first, council["outsider"], council["staff"])

    def refused(person, status, code, passphrase=PASS):
        answer = _sign(api, person, cid, passphrase)
        assert answer.status_code == status, answer.get_json()
        if code:
            assert answer.get_json()["error"]["code"] == code
    refused(first, 409, "not_answered")
    _answer(api, first, data)
    _answer(api, second, data, choice="agree")
    refused(second, 409, "no_certificate")
    refused(first, 403, "wrong_passphrase", "sai-mat-khau")
    refused(first, 400, None, "")
    refused(council["outsider"], 403, "forbidden")        # a guest is informed, not consulted
    refused(council["staff"], 403, "forbidden")           # the secretariat does not answer
    refused(make.user(full_name="Người lạ"), 404, "consultation_not_found")
    for person in (first, second):
        assert _response(cid, person).signed_sha256 is None
    assert api.as_(first).get(f"/consultations/{cid}/answer.pdf").status_code == 404
    assert api.as_(first).get(f"/consultations/{cid}").get_json()["my_signature"] is None

    assert _sign(api, first, cid).status_code == 200
    digest = _response(cid, first).signed_sha256
    refused(first, 409, "already_signed")
    assert _response(cid, first).signed_sha256 == digest

    _certify(third)
    _answer(api, third, data, choice="disagree")
    consultation = db.session.get(Consultation, cid)
    consultation.deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()
    refused(third, 409, "deadline_passed")
    assert consultations.close_due() == 1
    refused(third, 409, "consultation_closed")
    assert _response(cid, third).signed_sha256 is None


def test_changing_the_answer_drops_its_signature(api, council):
    data = _sent(api, council, answers_changeable=True)
    cid, member = data["id"], council["members"][1]
    _answer(api, member, data, choice="agree")
    _certify(member)
    assert _sign(api, member, cid).status_code == 200
    _answer(api, member, data, choice="disagree")
    seen = api.as_(member).get(f"/consultations/{cid}").get_json()
    assert seen["my_signature"] is None and seen["progress"]["signed"] == 0
    assert api.as_(member).get(f"/consultations/{cid}/answer.pdf").status_code == 404
    again = _sign(api, member, cid)
    assert again.status_code == 200, again.get_json()
    assert "Ý kiến: Không đồng ý" in _text(api.as_(member).get(f"/consultations/{cid}/answer.pdf").data)


def test_an_answer_changed_while_it_is_signed_is_not_signed(api, council, app, monkeypatch):
    """The member's other tablet changes the answer while the form is in the PDF child: the signature of
    the old answers is refused, the new answer stands unsigned."""
    data = _sent(api, council, answers_changeable=True)
    cid, member = data["id"], council["members"][2]
    _answer(api, member, data, choice="agree")
    _certify(member)
    real_render = consultation_signatures.render_form

    def render_then_change(consultation, response):
        rendered = real_render(consultation, response)

        def other_tablet():
            with app.app_context():
                _answer(api, member, data, choice="disagree")
        thread = threading.Thread(target=other_tablet)
        thread.start()
        thread.join()
        return rendered
    monkeypatch.setattr(consultation_signatures, "render_form", render_then_change)
    late = _sign(api, member, cid)
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "changed_while_signing"
    response = _response(cid, member)
    assert response.signed_sha256 is None and response.changes == 1
    assert [a.choice for a in response.answers if a.choice] == ["disagree"]


def test_the_result_and_its_report_name_who_signed(api, council):
    data = _sent(api, council)
    cid = data["id"]
    first, second, third = council["members"]
    for person in (first, second, third):
        _answer(api, person, data, choice="agree")
    _certify(first, third)
    assert _sign(api, first, cid).status_code == 200
    assert _sign(api, third, cid).status_code == 200
    assert api.as_(council["staff"]).post(f"/consultations/{cid}/close").status_code == 200
    result = api.as_(council["staff"]).get(f"/consultations/{cid}").get_json()["result"]
    assert [s["name"] for s in result["signed_answers"]] == ["Phạm Thu Hà", "Nguyễn Thị Hằng"]
    assert all(s["certificate"] and s["signed_at"] for s in result["signed_answers"])
    report = _text(api.as_(council["staff"]).get(f"/consultations/{cid}/result.pdf").data)
    assert "Phiếu trả lời có chữ ký số: 2/3 (Phạm Thu Hà, Nguyễn Thị Hằng)." in report

    # a result frozen before answers could be signed (no key) does not claim that nobody signed
    consultation = db.session.get(Consultation, cid)
    consultation.result = {k: v for k, v in consultation.result.items() if k != "signed_answers"}
    consultation.result_drawn_at = utcnow()  # another frozen result: not the cached report
    db.session.commit()
    old = _text(api.as_(council["staff"]).get(f"/consultations/{cid}/result.pdf").data)
    assert "Phiếu trả lời có chữ ký số" not in old


def test_others_read_a_signed_form_only_after_the_close(api, council, make):
    data = _sent(api, council)
    cid = data["id"]
    first, second, _third = council["members"]
    _answer(api, first, data)
    _answer(api, second, data, choice="agree")
    _certify(first)
    assert _sign(api, first, cid).status_code == 200
    path = f"/consultations/{cid}/responses/{first.id}/answer.pdf"
    archivist = make.user("archivist")
    before = {"staff": 403, "chair": 403, "second": 403, "first": 200, "outsider": 404, "archivist": 404}
    people = {"staff": council["staff"], "chair": council["chair"], "second": second, "first": first,
              "outsider": council["outsider"], "archivist": archivist}
    assert {k: api.as_(p).get(path).status_code for k, p in people.items()} == before
    assert api.as_(council["staff"]).post(f"/consultations/{cid}/close").status_code == 200
    after = {"staff": 200, "chair": 200, "second": 403, "first": 200, "outsider": 404, "archivist": 403}
    assert {k: api.as_(p).get(path).status_code for k, p in people.items()} == after
    unsigned = api.as_(council["staff"]).get(f"/consultations/{cid}/responses/{second.id}/answer.pdf")
    assert unsigned.status_code == 404 and unsigned.get_json()["error"]["code"] == "answer_not_signed"
    assert OPINION in _text(api.as_(council["chair"]).get(path).data)


def test_the_page_offers_the_signature_and_shows_it(app, api, council):
    """Without the script: no certificate → a line saying whom to ask; with one → the passphrase form;
    a wrong passphrase → 403 on the page; signed → when, the certificate and the link to the form; the
    secretariat sees who signed."""
    from .. import factories

    def client(person):
        browser = app.test_client()
        factories.login(browser, person)
        return browser

    data = _sent(api, council)
    cid = data["id"]
    first, second, _third = council["members"]
    _answer(api, first, data)
    _answer(api, second, data, choice="agree")
    _certify(first)
    member, other = client(first), client(second)
    unanswered = client(_third).get(f"/consultations/{cid}").get_data(as_text=True)
    assert "Ký số phiếu trả lời" not in unanswered, "signing comes after answering"
    lacking = other.get(f"/consultations/{cid}").get_data(as_text=True)
    assert "hãy đề nghị quản trị viên cấp chứng thư số" in lacking and 'data-test="sign-answer"' not in lacking
    page = member.get(f"/consultations/{cid}").get_data(as_text=True)
    assert 'data-test="sign-answer"' in page and "Ký số phiếu trả lời" in page
    token = factories.csrf_token(member, f"/consultations/{cid}")
    wrong = member.post(f"/consultations/{cid}/answer/sign", data={"passphrase": "sai", "csrf_token": token})
    assert wrong.status_code == 403 and "Mật khẩu không mở được chứng thư số này." in wrong.get_data(as_text=True)
    assert _response(cid, first).signed_sha256 is None
    done = member.post(f"/consultations/{cid}/answer/sign", data={"passphrase": PASS, "csrf_token": token})
    assert done.status_code == 302
    signed = member.get(f"/consultations/{cid}").get_data(as_text=True)
    assert "Đã ký số lúc" in signed and "chứng thư:" in signed and f"/consultations/{cid}/answer.pdf" in signed
    assert member.get(f"/consultations/{cid}/answer.pdf").mimetype == "application/pdf"
    assert other.get(f"/consultations/{cid}/answer.pdf").status_code == 404
    office = client(council["staff"]).get(f"/consultations/{cid}").get_data(as_text=True)
    assert "1 đã ký số" in office and office.count('data-test="signed-mark"') == 1


def test_the_last_member_to_answer_may_still_sign_until_the_chair_signs(api, council):
    """Answers that cannot change: the last answer draws the result up at once. Signing closed with it, so
    whoever answered last could never sign. Now the answers may be signed until the deadline, as long as
    the chair has not signed the report; the result's list of signers follows, and the chair's signature
    is refused if a member signed while the chair was signing (the report would not name them)."""
    data = _sent(api, council)
    cid = data["id"]
    chair, (first, second, third) = council["chair"], council["members"]
    _certify(chair, third)
    for person in (first, second, chair, third):  # the third, last, closes it
        _answer(api, person, data, choice="agree")
    staff = api.as_(council["staff"])
    assert staff.get(f"/consultations/{cid}").get_json()["status"] == "closed"
    assert _sign(api, third, cid).status_code == 200
    assert [s["name"] for s in staff.get(f"/consultations/{cid}").get_json()["result"]["signed_answers"]] \
        == ["Phạm Thu Hà"]
    assert "Phiếu trả lời có chữ ký số: 1/4 (Phạm Thu Hà)." in _text(staff.get(f"/consultations/{cid}/result.pdf").data)

    signed = api.as_(chair).post(f"/consultations/{cid}/result/sign", json={"passphrase": PASS})
    assert signed.status_code == 200, signed.get_json()
    assert "Phạm Thu Hà" in _text(staff.get(f"/consultations/{cid}/result.pdf").data)
    late = _sign(api, chair, cid)
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "consultation_closed"
    assert _response(cid, chair).signed_sha256 is None
