"""The migrations build the schema the models describe, on every backend."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from cabinet.extensions import db
from cabinet.models.archive import include_name


def test_upgrade_to_head_leaves_no_autogenerate_diff(app, backend):
    upgrade()  # running it again on an upgraded database is a no-op (init-db is safe to run twice)
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": include_name})
        diff = compare_metadata(context, db.metadata)
        current = context.get_current_revision()
    assert diff == [], f"models and migrations disagree on {backend}: {diff}"
    head = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config()).get_current_head()
    assert current == head


def test_constraint_names_follow_the_convention(app):
    names = {c.name for table in db.metadata.sorted_tables for c in table.constraints}
    assert "uq_participants_meeting_id_user_id" in names
    assert "fk_agenda_items_meeting_id_meetings" in names
    assert all(name for name in names), "every constraint is named"
