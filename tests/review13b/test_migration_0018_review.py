"""Review 13b: migration 0018 (draft_recipients.opened_at) down to 0016 and up again with rows in it, on
SQLite (batch mode copies the table) and PostgreSQL."""

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from cabinet.extensions import db

from ..migration_helpers import KINDS, migration_app



@pytest.mark.parametrize("kind", KINDS)
def test_0018_down_and_up_keeps_the_recipients(kind, tmp_path, worker_id):
    app = migration_app(kind, tmp_path, f"mig18_{worker_id}")
    with app.app_context():
        upgrade()
        import io
        from cabinet.services import documents, draft_comments
        from cabinet.models import DraftRecipient
        from .. import factories
        from ..documents_helpers import sample
        staff = factories.user("secretariat")
        drafters = [factories.user(), factories.user()]
        meeting = factories.meeting(staff, status="published")
        doc = documents.upload_document(staff, meeting, io.BytesIO(sample("to-trinh-do-thi-thong-minh.pdf")),
                                        filename="a.pdf", title="Dự thảo", access="participants")
        db.session.commit()
        draft_comments.set_consultation(staff, doc, {"recipients": [d.id for d in drafters]})
        db.session.commit()
        draft_comments.forward_table(staff, doc)
        db.session.commit()
        draft_comments.table_opened(drafters[0], draft_comments.consultation_of(doc))
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DraftRecipient)) == 2
        drafter_ids = sorted(d.id for d in drafters)
        cols = {c["name"]: c for c in sa.inspect(db.engine).get_columns("draft_recipients")}
        assert "opened_at" in cols
        heads_before = {c["name"] for c in sa.inspect(db.engine).get_foreign_keys("draft_recipients")
                        for c in [c]} if False else sa.inspect(db.engine).get_foreign_keys("draft_recipients")
        db.session.remove()
        downgrade(revision="0016_consultations")
        assert "opened_at" not in {c["name"] for c in sa.inspect(db.engine).get_columns("draft_recipients")}
        fks_down = sa.inspect(db.engine).get_foreign_keys("draft_recipients")
        upgrade()
        fks_up = sa.inspect(db.engine).get_foreign_keys("draft_recipients")
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT user_id, opened_at FROM draft_recipients ORDER BY user_id")).all()
        assert [r[0] for r in rows] == drafter_ids and all(r[1] is None for r in rows)
        key = lambda fks: sorted((f["referred_table"], tuple(f["constrained_columns"]),  # noqa: E731
                                  (f.get("options") or {}).get("ondelete")) for f in fks)
        assert key(fks_down) == key(heads_before) == key(fks_up), (heads_before, fks_down, fks_up)
        db.session.remove()
        db.engine.dispose()
