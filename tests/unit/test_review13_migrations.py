"""Review of issue 13: migrations 0013–0016 down to 0012 and up again with data in them, on SQLite and
PostgreSQL (each in a database of its own, not the shared test schema)."""
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from cabinet.extensions import db
from cabinet.models.types import utcnow
from cabinet.services import account_tokens, accounts, consultations

from ..migration_helpers import KINDS, migration_app



@pytest.mark.parametrize("kind", KINDS)
def test_issue13_migrations_go_down_and_up_with_data(kind, tmp_path, worker_id):
    app = migration_app(kind, tmp_path, f"mig13_{worker_id}")
    with app.app_context():
        upgrade()
        staff = accounts.create_user(None, username="vt", full_name="Văn thư", password="Mat-khau-dai-2026!",
                                     roles=["secretariat"])
        chair = accounts.create_user(None, username="ct", full_name="Chủ tịch", password="Mat-khau-dai-2026!",
                                     roles=["member"])
        member = accounts.create_user(None, username="tv", full_name="Thành viên", password="Mat-khau-dai-2026!",
                                      roles=["member"])
        db.session.commit()
        c = consultations.create_consultation(staff, {
            "title": "Xin ý kiến", "deadline": (utcnow() + timedelta(days=1)).isoformat(), "chair_id": chair.id,
            "member_ids": [member.id], "questions": [{"text": "Đồng ý?", "kind": "choice"}]})
        consultations.send(staff, c)
        consultations.answer(member, c, {"answers": [{"question_id": c.questions[0].id, "choice": "agree"}]})
        account_tokens.issue(member, "calendar")
        db.session.commit()
        meeting_id = c.meeting_id
        db.session.remove()

        downgrade(revision="0012_outgoing_mail")
        with db.engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            assert not {"consultations", "account_tokens", "draft_comments"} & tables
            left = conn.execute(sa.text("SELECT status FROM meetings WHERE id = :i"), {"i": meeting_id}).all()
        assert left == [], "a consultation does not come back as a session without an agenda"
        upgrade()
        db.session.remove()
        db.engine.dispose()
