"""session events: when a session was started, adjourned, resumed and closed (the minutes' real times)

Revision ID: 0010_session_events
Revises: 0009_archive_text_pending
"""
from alembic import op
import sqlalchemy as sa

from cabinet.models.types import UTCDateTime

revision = '0010_session_events'
down_revision = '0009_archive_text_pending'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'session_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('at', UTCDateTime(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'))
    op.create_index(op.f('ix_session_events_meeting_id'), 'session_events', ['meeting_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_session_events_meeting_id'), table_name='session_events')
    op.drop_table('session_events')
