"""Review of issue 13 (written consultations, calendar feed): each test states what should hold; a failing
test is a finding (see the review report), a passing one is something that was tried and held."""
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from cabinet.extensions import db
from cabinet.models import Consultation, ConsultationResponse
from cabinet.models.types import utcnow
from cabinet.services import calendar, consultations

from ..documents_helpers import sample
from .test_consultations import SUBJECT, _answers, _create, council  # noqa: F401 — the shared fixture


def _sent(api, council, **extra):
    data = _create(api, council, **extra)
    sent = api.as_(council["staff"]).post(f"/consultations/{data['id']}/send")
    assert sent.status_code == 200, sent.get_json()
    return data


# --- findings -------------------------------------------------------------------------------------------


def test_after_sending_the_deadline_only_moves_later(api, council):
    """update_consultation's docstring (and Decree 30's fairness to those consulted): once sent, the deadline
    moves later, never earlier — members plan their answer by the deadline they were sent."""
    data = _sent(api, council)
    cid, staff = data["id"], api.as_(council["staff"])
    sooner = (utcnow() + timedelta(minutes=2)).isoformat()
    moved = staff.patch(f"/consultations/{cid}", json={"deadline": sooner})
    assert moved.status_code in (409, 422), ("the deadline was pulled from 2 days to 2 minutes after sending",
                                             moved.status_code)


def test_a_passed_deadline_is_not_reopened_by_moving_it(api, council):
    """The deadline passed (the background pass has not drawn the result up yet): answers are closed; moving
    the deadline now must not reopen a consultation that members were told had ended."""
    data = _sent(api, council)
    cid, staff = data["id"], api.as_(council["staff"])
    db.session.get(Consultation, cid).deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    late = api.as_(council["members"][0]).put(f"/consultations/{cid}/answers", json=_answers(data))
    assert late.status_code == 409
    reopened = staff.patch(f"/consultations/{cid}", json={"deadline": (utcnow() + timedelta(days=1)).isoformat()})
    assert reopened.status_code == 409, "a consultation past its deadline was reopened for another day"


def test_a_recorded_answer_resent_after_the_close_is_recognised(api, council):
    """The tablet's PUT reached the server (the answer is recorded, and as the last one it drew up the result)
    but the reply was lost; the outbox resends the same client_id: the server should recognise it (200,
    changed false) rather than tell the member 'closed; answers are no longer taken' in red."""
    data = _create(api, council, member_ids=[council["members"][0].id])
    cid = data["id"]
    api.as_(council["staff"]).post(f"/consultations/{cid}/send")
    api.as_(council["chair"]).put(f"/consultations/{cid}/answers", json={**_answers(data), "client_id": "c-1"})
    member = api.as_(council["members"][0])
    body = {**_answers(data), "client_id": "tablet-7"}
    assert member.put(f"/consultations/{cid}/answers", json=body).status_code == 200
    assert db.session.get(Consultation, cid).meeting.status == "closed", "all answered: drawn up at once"
    retry = member.put(f"/consultations/{cid}/answers", json=body)
    assert retry.status_code == 200 and retry.get_json()["changed"] is False, retry.get_json()


def test_documents_do_not_change_under_answers_already_given(api, council):
    """The page offers uploads only in draft (members answer about the documents as sent), but the REST API
    takes a new version of the consulted document after members have answered."""
    data = _create(api, council)
    cid, staff = data["id"], api.as_(council["staff"])
    up = staff.post(f"/meetings/{cid}/documents", data={"file": (BytesIO(sample("to-trinh-do-thi-thong-minh.pdf")),
                                                                 "du-thao.pdf")}, content_type="multipart/form-data")
    assert up.status_code == 201, up.get_json()
    document_id = up.get_json()["id"]
    staff.post(f"/consultations/{cid}/send")
    assert api.as_(council["members"][0]).put(f"/consultations/{cid}/answers", json=_answers(data)).status_code == 200
    version = staff.post(f"/documents/{document_id}/versions", data={
        "file": (BytesIO(sample("bao-cao-kinh-te-xa-hoi-2026.pdf")), "du-thao-v2.pdf")}, content_type="multipart/form-data")
    assert version.status_code == 409, ("the consulted draft was replaced after a member agreed to it",
                                        version.status_code)


def test_the_archivists_calendar_holds_no_consultation_deadlines(app, api, council, make):
    """feed_meetings: archivists read closed meetings but do not attend them — not in their calendar; the
    consultation deadlines are those 'they are asked to answer'. An archivist is asked nothing."""
    data = _create(api, council, member_ids=[council["members"][0].id])
    cid = data["id"]
    api.as_(council["staff"]).post(f"/consultations/{cid}/send")
    api.as_(council["staff"]).post(f"/consultations/{cid}/close")
    archivist = make.user("archivist")
    with app.test_request_context():
        body = calendar.feed(archivist, host="cabinet.test", base_url="https://cabinet.test").body
    summaries = [str(e.get("summary")) for e in Calendar.from_ical(body).walk("VEVENT")]
    assert not summaries, summaries


# --- what held ------------------------------------------------------------------------------------------


def test_held_hostile_answers_and_questions(api, council):
    """Huge, NUL, odd types: precise 4xx, nothing stored, no 500."""
    staff = api.as_(council["staff"])
    base = {"title": SUBJECT, "deadline": (utcnow() + timedelta(days=1)).isoformat(), "chair_id": council["chair"].id,
            "member_ids": [council["members"][0].id]}
    for questions, code in (([{"text": "q", "kind": "choice"}] * 10000, "too_many_questions"),
                            ([{"text": "q", "kind": ["choice"]}], "invalid_choice"),
                            ([{"text": {"a": 1}, "kind": "choice"}], "invalid_type"),
                            (["q"], "invalid_type")):
        refused = staff.post("/consultations", json={**base, "questions": questions})
        assert refused.status_code == 422 and refused.get_json()["error"]["code"] == code, refused.get_json()
    for extra, code in (({"chair_id": 2 ** 70}, None), ({"member_ids": [True]}, None), ({"pass_ratio": float("nan")}, None),
                        ({"deadline": "2026-99-99"}, None), ({"member_ids": list(range(1, 2000))}, "no_members")):
        refused = staff.post("/consultations", data=__import__("json").dumps({**base, "questions": [
            {"text": "q", "kind": "choice"}], **extra}, allow_nan=True), content_type="application/json")
        assert 400 <= refused.status_code < 500, (extra, refused.status_code)
    data = _sent(api, council)
    cid, member = data["id"], api.as_(council["members"][1])
    first, second = data["questions"]
    for answers in ([{"question_id": first["id"], "choice": ["agree"]}, {"question_id": second["id"], "text": "x"}],
                    [{"question_id": first["id"], "choice": {"x": 1}}, {"question_id": second["id"], "text": "x"}],
                    [{"question_id": first["id"], "choice": "agree"}, {"question_id": second["id"], "text": "x" * 5_000_001}],
                    [{"question_id": first["id"], "choice": "agree"}, {"question_id": second["id"], "text": "\x00\u200b"}],
                    [{"question_id": 2 ** 64, "choice": "agree"}],
                    [{"question_id": "1", "choice": "agree"}]):
        refused = member.put(f"/consultations/{cid}/answers", json={"answers": answers})
        assert 400 <= refused.status_code < 500, refused.status_code
    assert db.session.scalar(select(func.count()).select_from(ConsultationResponse)) == 0


def test_held_who_sees_what(api, council, make):
    """Members see counts, not names, before the result; strangers, guests and archivists (before the close)
    see nothing; the result PDF only for those who read it; signing before the close is refused."""
    data = _sent(api, council)
    cid = data["id"]
    member, outsider = api.as_(council["members"][0]), api.as_(council["outsider"])
    archivist = api.as_(make.user("archivist"))
    member.put(f"/consultations/{cid}/answers", json=_answers(data, "disagree"))
    assert member.get(f"/consultations/{cid}/progress").status_code == 403
    other = api.as_(council["members"][1]).get(f"/consultations/{cid}").get_json()
    assert other["my_answers"] is None and "result" not in other
    for client in (outsider, archivist):
        assert client.get(f"/consultations/{cid}").status_code == 404
        assert client.get(f"/consultations/{cid}/result.pdf").status_code == 404
        assert client.get(f"/meetings/{cid}").status_code == 404
    assert member.get(f"/consultations/{cid}/result.pdf").status_code == 409
    chair = api.as_(council["chair"])
    early = chair.post(f"/consultations/{cid}/result/sign", json={"passphrase": "x"})
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "result_not_ready"
    for path, body in ((f"/meetings/{cid}/start", {}), (f"/meetings/{cid}/close", {}),
                       (f"/meetings/{cid}/agenda", {"title": "x"}),
                       (f"/meetings/{cid}/participants", {"user_id": council["outsider"].id, "role": "guest"}),
                       (f"/meetings/{cid}/rsvp", {"attending": True})):
        assert api.as_(council["staff"]).post(path, json=body).status_code == 403, path
    assert api.as_(council["staff"]).delete(f"/meetings/{cid}").status_code == 409
    assert consultations.progress(db.session.get(Consultation, cid)) == {"answered": 1, "signed": 0, "total": 25}


# --- races ----------------------------------------------------------------------------------------------


def _at_once(app, calls):
    """Run each call (a function of nothing) in its own thread and app context at the same moment."""
    import threading
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(i, call):
        with app.app_context():
            barrier.wait()
            try:
                results[i] = call()
            except Exception as error:  # noqa: BLE001 — reported by the test
                results[i] = error
            finally:
                db.session.remove()
    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_different_answers_at_once_take_one_and_refuse_the_other(app, api, council, backend):
    data = _sent(api, council)
    cid, member = data["id"], api.as_(council["members"][0])
    token = api.tokens[council["members"][0].id]
    client = app.test_client()

    def put(choice, client_id):
        return lambda: client.put(f"/api/v1/consultations/{cid}/answers", headers={"Authorization": f"Bearer {token}"},
                                  json={**_answers(data, choice), "client_id": client_id}).status_code
    codes = _at_once(app, [put("agree", "a"), put("disagree", "b"), put("agree", "c"), put("disagree", "d")])
    shown = sorted(c if isinstance(c, int) else f"500 {type(c).__name__}" for c in codes) if all(
        isinstance(c, int) for c in codes) else [c if isinstance(c, int) else f"500 {type(c).__name__}" for c in codes]
    assert shown == [200, 409, 409, 409], f"the same member's answers at once (two tablets): {shown}"
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ConsultationResponse)) == 1
    assert member.get(f"/consultations/{cid}").status_code == 200


def test_two_background_passes_draw_the_result_up_once(app, api, council, smtp, backend):
    data = _sent(api, council)
    cid = data["id"]
    api.as_(council["members"][0]).put(f"/consultations/{cid}/answers", json=_answers(data))
    db.session.get(Consultation, cid).deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()
    done = _at_once(app, [consultations.close_due, consultations.close_due, consultations.close_due])
    assert sorted(d for d in done if isinstance(d, int)) == [0, 0, 1], f"result drawn up by {done} passes at once"
    from cabinet.models import OutgoingMail
    db.session.expire_all()
    keys = db.session.scalars(select(OutgoingMail.key).where(OutgoingMail.key.like("consultation-result:%"))).all()
    assert keys == [f"consultation-result:{cid}"]


def test_the_last_answer_and_the_close_at_once_draw_the_result_up_once(app, api, council):
    data = _create(api, council, member_ids=[council["members"][0].id])
    cid, staff_token = data["id"], api.tokens[council["staff"].id]
    api.as_(council["staff"]).post(f"/consultations/{cid}/send")
    api.as_(council["chair"]).put(f"/consultations/{cid}/answers", json=_answers(data))
    member_token = api.as_(council["members"][0]).tokens[council["members"][0].id]
    client = app.test_client()
    codes = _at_once(app, [
        lambda: client.put(f"/api/v1/consultations/{cid}/answers", headers={"Authorization": f"Bearer {member_token}"},
                           json=_answers(data, "disagree")).status_code,
        lambda: client.post(f"/api/v1/consultations/{cid}/close",
                            headers={"Authorization": f"Bearer {staff_token}"}).status_code])
    assert all(c in (200, 409) for c in codes), codes
    db.session.expire_all()
    c = db.session.get(Consultation, cid)
    answered = db.session.scalar(select(func.count()).select_from(ConsultationResponse))
    assert c.meeting.status == "closed" and c.result["answered"] == answered, (codes, c.result["answered"], answered)


# --- hostile text in mail, page and PDF ------------------------------------------------------------------

HOSTILE = "Dự thảo <script>alert(1)</script>"


def test_a_line_break_in_a_title_does_not_stop_the_mail_sender(api, council, smtp):
    """A title sent through the API with CR/LF (v.text keeps line breaks): the Subject header refuses it in
    as_email, a ValueError that deliver()'s (OSError, SMTPException) does not catch — send_due ends, the
    row stays 'sending' (retried every CLAIM_EXPIRES, never 'failed'), the rest of the batch waits."""
    from cabinet.models import OutgoingMail
    from cabinet.services import mail
    data = _create(api, council, title=HOSTILE + "\r\nBcc: ke-gian@example.com", member_ids=[council["members"][0].id])
    api.as_(council["staff"]).post(f"/consultations/{data['id']}/send")
    try:
        sent = mail.send_due(limit=10)
    except ValueError as error:
        db.session.rollback()
        states = sorted(db.session.scalars(select(OutgoingMail.status)).all())
        pytest.fail(f"a CR/LF in the title stops the mail sender: {error}; outbox {states}, "
                    f"{len(smtp.messages())} delivered")
    assert sent == 2 and all(m["Bcc"] is None for m in smtp.messages())


def test_held_hostile_title_in_mail_page_and_pdf(app, api, council, smtp):
    """A title with a script: delivered as text, escaped on the page, printed as text in the result PDF."""
    from pypdf import PdfReader
    from cabinet.services import mail
    from ..factories import login
    data = _create(api, council, title=HOSTILE, member_ids=[council["members"][0].id])
    cid = data["id"]
    api.as_(council["staff"]).post(f"/consultations/{cid}/send")
    assert mail.send_due(limit=10) == 2
    messages = smtp.messages()
    assert {m["To"] for m in messages} == {"chutich@thanhhoa.gov.vn", "tv1@thanhhoa.gov.vn"}
    assert all(m["Subject"] == f"Xin ý kiến bằng văn bản: {HOSTILE}" for m in messages)
    html = messages[0].get_body(("html",))
    assert html is None or "<script>alert(1)" not in html.get_content()
    browser = app.test_client()
    login(browser, council["members"][0])
    page = browser.get(f"/consultations/{cid}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    api.as_(council["staff"]).post(f"/consultations/{cid}/close")
    pdf = api.as_(council["members"][0]).get(f"/consultations/{cid}/result.pdf")
    assert pdf.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.data)).pages)
    (Path("/work/shots/review13") / "result-draft.pdf").parent.mkdir(parents=True, exist_ok=True)
    (Path("/work/shots/review13") / "result-draft.pdf").write_bytes(pdf.data)
    assert "<script>alert(1)</script>" in "".join(text.split()), text


def test_held_a_consultations_confidential_document_reaches_only_its_readers(api, council):
    data = _create(api, council)
    cid, staff = data["id"], api.as_(council["staff"])
    up = staff.post(f"/meetings/{cid}/documents", data={
        "file": (BytesIO(sample("to-trinh-do-thi-thong-minh.pdf")), "mat.pdf"), "access": "confidential",
        "readers": str(council["chair"].id)}, content_type="multipart/form-data")
    assert up.status_code == 201, up.get_json()
    doc = up.get_json()["id"]
    staff.post(f"/consultations/{cid}/send")
    member, chair = api.as_(council["members"][0]), api.as_(council["chair"])
    assert doc not in [d["id"] for d in member.get(f"/meetings/{cid}/documents").get_json()["items"]]
    for path in (f"/documents/{doc}", f"/documents/{doc}/file", f"/documents/{doc}/versions"):
        assert member.get(path).status_code == 404, path
        assert api.as_(council["outsider"]).get(path).status_code == 404, path
    assert chair.get(f"/documents/{doc}").status_code == 200
    assert member.post(f"/documents/{doc}/comments", json={"page": 1, "text": "x"}).status_code == 404
