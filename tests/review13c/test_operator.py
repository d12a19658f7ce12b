"""Review 13c, as an operator: 0018 → 0016 → head with a signed answer, its answers and archive entries
(SQLite and PostgreSQL); a result frozen before 0017 (no signed_answers key) read by today's report."""
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from cabinet.extensions import db
from cabinet.models import Consultation
from cabinet.models.types import utcnow
from cabinet.services import accounts, consultation_result, consultations

from ..migration_helpers import KINDS, migration_app



@pytest.mark.parametrize("kind", KINDS)
def test_head_to_0016_and_back_keeps_answers_and_archive(kind, tmp_path, worker_id):
    app = migration_app(kind, tmp_path, f"r13c_{worker_id}")
    with app.app_context():
        upgrade()
        staff, chair, member = [accounts.create_user(None, username=n, full_name=n, password="Mat-khau-dai-2026!",
                                                     roles=[r]) for n, r in (("vt", "secretariat"), ("ct", "member"),
                                                                             ("tv", "member"))]
        db.session.commit()
        c = consultations.create_consultation(staff, {
            "title": "Xin ý kiến về quy hoạch Đông Sơn", "deadline": (utcnow() + timedelta(days=1)).isoformat(),
            "chair_id": chair.id, "member_ids": [member.id],
            "questions": [{"text": "Đồng ý?", "kind": "choice"}, {"text": "Góp ý", "kind": "text"}]})
        consultations.send(staff, c)
        q1, q2 = c.questions
        response, _ = consultations.answer(member, c, {"answers": [{"question_id": q1.id, "choice": "agree"},
                                                                   {"question_id": q2.id, "text": "Giải phóng mặt bằng"}]})
        response.signed_sha256, response.signed_size, response.signed_at = "a" * 64, 1234, utcnow()
        response.certificate_subject = "CN=Thành viên"
        db.session.commit()
        consultations.close(staff, c)
        db.session.commit()
        db.session.remove()

        def counts():
            with db.engine.connect() as conn:
                return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar()
                        for t in ("consultation_responses", "consultation_answers", "archive_entries")}
        before = counts()
        assert before["consultation_answers"] == 2 and before["archive_entries"] >= 2
        downgrade(revision="0016_consultations")
        assert counts() == before
        upgrade()
        assert counts() == before
        result = app.test_cli_runner().invoke(args=["archive", "reindex"])
        assert result.exit_code == 0, result.output
        assert counts() == before
        db.session.remove()
        db.engine.dispose()


def test_a_result_frozen_before_0017_does_not_claim_nobody_signed(app, make):
    """A result drawn before answers could be signed has no signed_answers key; the report re-rendered from it
    (the unsigned rendering, the dossier's cover) should not state "0/N signed" — nobody could sign then."""
    staff, chair, member = make.user("secretariat"), make.user(), make.user()
    c = consultations.create_consultation(staff, {
        "title": "Xin ý kiến cũ", "deadline": (utcnow() + timedelta(days=1)).isoformat(), "chair_id": chair.id,
        "member_ids": [member.id], "questions": [{"text": "Đồng ý?", "kind": "choice"}]})
    consultations.send(staff, c)
    consultations.answer(member, c, {"answers": [{"question_id": c.questions[0].id, "choice": "agree"}]})
    consultations.close(staff, c)
    db.session.commit()
    c = db.session.get(Consultation, c.meeting_id)
    old = dict(c.result)
    old.pop("signed_answers")
    c.result = old
    db.session.commit()
    view = consultation_result.report_view(c, draft=True)
    assert "0/1" not in view["signed_line"], view["signed_line"]
