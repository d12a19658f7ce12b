"""archive entries: a document's words are extracted after the meeting's close commits

Revision ID: 0009_archive_text_pending
Revises: 0008_login_sessions
"""
from alembic import op
import sqlalchemy as sa

revision = '0009_archive_text_pending'
down_revision = '0008_login_sessions'
branch_labels = None
depends_on = None


def upgrade():
    # Not batch mode: on SQLite it would copy the table and drop the full-text triggers of 0006.
    op.add_column('archive_entries', sa.Column('text_pending', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index(op.f('ix_archive_entries_text_pending'), 'archive_entries', ['text_pending'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_archive_entries_text_pending'), table_name='archive_entries')
    with op.batch_alter_table('archive_entries', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('text_pending')
