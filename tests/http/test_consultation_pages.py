"""The consultation pages without their script: the secretariat prepares one through the form (a body's
members when none are ticked), sends it; a member answers through the form; the secretariat sees who has
not answered; the chair signs the result on the page. Vietnamese throughout."""
from datetime import timedelta

from cabinet.extensions import db
from cabinet.models import Consultation
from cabinet.models.types import utcnow
from cabinet.services import bodies, certificates, consultations

from .. import factories


def _client(app, person):
    client = app.test_client()
    factories.login(client, person)
    return client


def _post(client, path, data):
    return client.post(path, data={**data, "csrf_token": factories.csrf_token(client, "/consultations/")})


def test_prepare_send_answer_follow_and_sign_on_the_pages(app, make):
    staff = make.user("secretariat")
    chair = make.user(full_name="Lê Anh Xuân")
    members = [make.user(full_name=f"Đại biểu {n}") for n in range(1, 4)]
    admin = make.user("admin")
    body = bodies.create_body(admin, name="Ủy ban nhân dân thành phố Thanh Hóa", short_name="UBND")
    for person in [chair, *members]:
        bodies.add_member(admin, body, person.id)
    db.session.commit()

    office = _client(app, staff)
    listing = office.get("/consultations/").get_data(as_text=True)
    assert "Lấy ý kiến bằng văn bản" in listing or "Xin ý kiến" in listing, listing[:3000]
    deadline = (utcnow() + timedelta(days=2)).astimezone().strftime("%Y-%m-%dT%H:%M")
    form = {"title": "Dự thảo Kế hoạch chỉnh trang đô thị năm 2027", "deadline": deadline, "body_id": body.id,
            "chair_id": chair.id, "question": ["Đồng ý thông qua Kế hoạch?", "Góp ý khác", ""],
            "kind": ["choice", "text", "choice"]}
    refused = _post(office, "/consultations/new", {**form, "chair_id": ""})
    assert refused.status_code == 422 and "Dự thảo Kế hoạch" in refused.get_data(as_text=True)
    created = _post(office, "/consultations/new", form)
    assert created.status_code == 302, created.get_data(as_text=True)[:2000]
    consultation = db.session.query(Consultation).one()
    cid = consultation.meeting_id
    assert len(consultations.consulted(consultation)) == 4 and len(consultation.questions) == 2
    assert _post(office, f"/consultations/{cid}/send", {}).status_code == 302

    member = _client(app, members[0])
    page = member.get(f"/consultations/{cid}").get_data(as_text=True)
    assert "Gửi ý kiến của tôi" in page and "Đồng ý thông qua Kế hoạch?" in page
    question_ids = [q.id for q in consultation.questions]
    missing = _post(member, f"/consultations/{cid}/answers", {f"choice-{question_ids[0]}": "agree"})
    assert missing.status_code == 422 and "chưa được trả lời" in missing.get_data(as_text=True)
    answered = _post(member, f"/consultations/{cid}/answers", {
        f"choice-{question_ids[0]}": "agree", f"text-{question_ids[1]}": "Bổ sung tiến độ từng quý"})
    assert answered.status_code == 302
    assert "Bạn đã trả lời" in member.get(f"/consultations/{cid}").get_data(as_text=True)

    followed = office.get(f"/consultations/{cid}").get_data(as_text=True)
    assert "1/4" in followed or "1 / 4" in followed or "1 trên 4" in followed, followed[:4000]
    assert "Đại biểu 2" in followed and "Lê Anh Xuân" in followed

    assert _post(office, f"/consultations/{cid}/close", {}).status_code == 302
    certificates.issue_demo_certificate(chair, "chu-tich-ky-so")
    db.session.commit()
    boss = _client(app, chair)
    wrong = _post(boss, f"/consultations/{cid}/result/sign", {"passphrase": "sai"})
    assert wrong.status_code == 403
    signed = _post(boss, f"/consultations/{cid}/result/sign", {"passphrase": "chu-tich-ky-so"})
    assert signed.status_code == 302
    final = boss.get(f"/consultations/{cid}").get_data(as_text=True)
    assert "Đã ký bởi Lê Anh Xuân" in final or "Lê Anh Xuân đã ký" in final, final[final.find('id="result"'):][:3000]
    assert member.get(f"/meetings/{cid}").status_code == 302, "the meeting page sends to the consultation"
