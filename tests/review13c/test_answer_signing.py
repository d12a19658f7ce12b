"""Review 13c: members signing their consultation answers, tried as an attacker and as the last member."""
from datetime import timedelta

import sqlalchemy as sa

from cabinet.extensions import db
from cabinet.models import ConsultationResponse
from cabinet.models.types import utcnow
from cabinet.services import certificates

from ..http.test_consultation_signatures import PASS, _answer, _sent, council  # noqa: F401  (fixture)


def _sign(api, person, cid, passphrase=PASS):
    return api.as_(person).post(f"/consultations/{cid}/answer/sign", json={"passphrase": passphrase})


def test_the_last_member_of_a_default_consultation_can_never_sign(api, council):  # noqa: F811
    """Answers unchangeable (the default): the last answer closes at once, so answer-then-sign is impossible
    for the last member — the feature is silently denied to one member in every such consultation."""
    data = _sent(api, council)
    cid = data["id"]
    everyone = [council["chair"], *council["members"]]
    for person in everyone:
        certificates.issue_demo_certificate(person, PASS)
    db.session.commit()
    for person in everyone[:-1]:
        _answer(api, person, data)
        assert _sign(api, person, cid).status_code == 200
    last = everyone[-1]
    _answer(api, last, data)  # closes the consultation at once
    after = _sign(api, last, cid)
    # What should hold: the last member may sign like the others (e.g. sign with the answer, or the close waits)
    assert after.status_code == 200, after.get_json()


def test_wrong_passphrases_are_rate_limited(api, council):  # noqa: F811
    data = _sent(api, council)
    cid, member = data["id"], council["members"][0]
    certificates.issue_demo_certificate(member, PASS)
    db.session.commit()
    _answer(api, member, data)
    codes = [_sign(api, member, cid, "sai-%d" % i).status_code for i in range(7)]
    assert codes[:5] == [403] * 5 and 429 in codes[5:], codes
    assert _sign(api, member, cid).status_code == 429  # even the right one waits: guessing is slow


def test_a_member_cannot_sign_for_another_or_read_theirs(api, council):  # noqa: F811
    data = _sent(api, council)
    cid = data["id"]
    first, second, _third = council["members"]
    certificates.issue_demo_certificate(first, PASS)
    certificates.issue_demo_certificate(second, PASS)
    db.session.commit()
    _answer(api, second, data)
    assert _sign(api, second, cid).status_code == 200
    # first has not answered: no user_id parameter lets her sign second's answer
    r = api.as_(first).post(f"/consultations/{cid}/answer/sign", json={"passphrase": PASS, "user_id": second.id})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "not_answered"
    assert api.as_(first).get(f"/consultations/{cid}/responses/{second.id}/answer.pdf").status_code == 403
    assert api.as_(council["chair"]).get(f"/consultations/{cid}/responses/{second.id}/answer.pdf").status_code == 403
    assert api.as_(council["outsider"]).get(f"/consultations/{cid}/responses/{second.id}/answer.pdf").status_code == 404


def test_signing_after_the_deadline_before_the_close_pass_is_refused(api, council):  # noqa: F811
    data = _sent(api, council)
    cid, member = data["id"], council["members"][0]
    certificates.issue_demo_certificate(member, PASS)
    db.session.commit()
    _answer(api, member, data)
    from cabinet.models import Consultation
    consultation = db.session.get(Consultation, cid)
    consultation.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    r = _sign(api, member, cid)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "deadline_passed"
    db.session.expire_all()
    assert db.session.scalar(sa.select(ConsultationResponse.signed_sha256).filter_by(meeting_id=cid)) is None
