"""e-mail outbox: messages written with the change that caused them, sent once by a background sender

Revision ID: 0012_outgoing_mail
Revises: 0011_document_withdrawal
"""
from alembic import op
import sqlalchemy as sa

import cabinet.models.types  # noqa: F401  (UTCDateTime)

revision = '0012_outgoing_mail'
down_revision = '0011_document_withdrawal'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'outgoing_mail',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('to_address', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('html', sa.Text(), nullable=False),
        sa.Column('attachments', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', cabinet.models.types.UTCDateTime(), nullable=False),
        sa.Column('claimed_at', cabinet.models.types.UTCDateTime(), nullable=True),
        sa.Column('last_error', sa.String(length=1000), nullable=False),
        sa.Column('created_at', cabinet.models.types.UTCDateTime(), nullable=False),
        sa.Column('sent_at', cabinet.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'))
    op.create_index(op.f('ix_outgoing_mail_status'), 'outgoing_mail', ['status'], unique=False)
    op.create_index(op.f('ix_outgoing_mail_next_attempt_at'), 'outgoing_mail', ['next_attempt_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_outgoing_mail_next_attempt_at'), table_name='outgoing_mail')
    op.drop_index(op.f('ix_outgoing_mail_status'), table_name='outgoing_mail')
    op.drop_table('outgoing_mail')
