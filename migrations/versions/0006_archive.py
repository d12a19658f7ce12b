"""archive: the search index (SQLite FTS5 / PostgreSQL full-text over folded text)

Revision ID: 0006_archive
Revises: 0005_minutes
"""
from alembic import op
import sqlalchemy as sa

import cabinet.models.types  # noqa: F401  (UTCDateTime)

revision = '0006_archive'
down_revision = '0005_minutes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('archive_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('ref_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('folded', sa.Text(), nullable=False),
    sa.Column('indexed_at', cabinet.models.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_archive_entries_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_entries')),
    sa.UniqueConstraint('kind', 'ref_id', name=op.f('uq_archive_entries_kind_ref_id'))
    )
    with op.batch_alter_table('archive_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_archive_entries_meeting_id'), ['meeting_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_archive_entries_fts ON archive_entries "
                   "USING gin (to_tsvector('simple', folded))")
    else:  # SQLite: an FTS5 index kept in step with the table by triggers
        op.execute("CREATE VIRTUAL TABLE archive_fts USING fts5(folded, content='archive_entries', "
                   "content_rowid='id', tokenize='unicode61')")
        op.execute("CREATE TRIGGER archive_fts_insert AFTER INSERT ON archive_entries BEGIN "
                   "INSERT INTO archive_fts(rowid, folded) VALUES (new.id, new.folded); END")
        op.execute("CREATE TRIGGER archive_fts_delete AFTER DELETE ON archive_entries BEGIN "
                   "INSERT INTO archive_fts(archive_fts, rowid, folded) VALUES ('delete', old.id, old.folded); END")
        op.execute("CREATE TRIGGER archive_fts_update AFTER UPDATE ON archive_entries BEGIN "
                   "INSERT INTO archive_fts(archive_fts, rowid, folded) VALUES ('delete', old.id, old.folded); "
                   "INSERT INTO archive_fts(rowid, folded) VALUES (new.id, new.folded); END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_archive_entries_fts")
    else:
        for trigger in ("archive_fts_insert", "archive_fts_delete", "archive_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS archive_fts")
    op.drop_table('archive_entries')
