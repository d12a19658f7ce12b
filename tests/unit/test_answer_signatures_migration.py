"""Migration 0017 (members' signed answer forms) down to 0016 and up again with an answer in it, on SQLite
and PostgreSQL (each in a database of its own): the answer stays, only its signature's columns go."""
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from cabinet.extensions import db
from cabinet.models.types import utcnow
from cabinet.services import accounts, consultations

from ..migration_helpers import KINDS, migration_app

SIGNATURE_COLUMNS = {"signed_sha256", "signed_size", "certificate_subject", "signed_at"}


def _columns(conn) -> set[str]:
    return {c["name"] for c in sa.inspect(conn).get_columns("consultation_responses")}


@pytest.mark.parametrize("kind", KINDS)
def test_0017_goes_down_and_up_with_a_signed_answer(kind, tmp_path, worker_id):
    app = migration_app(kind, tmp_path, f"mig17_{worker_id}")
    with app.app_context():
        upgrade()
        people = [accounts.create_user(None, username=name, full_name=name, password="Mat-khau-dai-2026!",
                                       roles=[role]) for name, role in (("vt", "secretariat"), ("ct", "member"),
                                                                        ("tv", "member"))]
        db.session.commit()
        staff, chair, member = people
        c = consultations.create_consultation(staff, {
            "title": "Xin ý kiến", "deadline": (utcnow() + timedelta(days=1)).isoformat(), "chair_id": chair.id,
            "member_ids": [member.id], "questions": [{"text": "Đồng ý?", "kind": "choice"}]})
        consultations.send(staff, c)
        response, _ = consultations.answer(member, c, {"answers": [{"question_id": c.questions[0].id,
                                                                    "choice": "agree"}]})
        response.signed_sha256, response.signed_size, response.signed_at = "a" * 64, 1234, utcnow()
        response.certificate_subject = "CN=Thành viên"
        db.session.commit()
        db.session.remove()

        downgrade(revision="0016_consultations")
        with db.engine.connect() as conn:
            assert not SIGNATURE_COLUMNS & _columns(conn)
            assert conn.execute(sa.text("SELECT count(*) FROM consultation_responses")).scalar() == 1
        upgrade()
        with db.engine.connect() as conn:
            assert SIGNATURE_COLUMNS <= _columns(conn)
            row = conn.execute(sa.text("SELECT signed_sha256, certificate_subject FROM consultation_responses")).one()
        assert tuple(row) == (None, ""), "the answer comes back unsigned"
        db.session.remove()
        db.engine.dispose()
