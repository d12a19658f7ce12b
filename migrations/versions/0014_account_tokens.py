"""account tokens: the private calendar feed's secret and password-reset links, stored as SHA-256 only

Revision ID: 0014_account_tokens
Revises: 0013_draft_comments
"""
from alembic import op
import sqlalchemy as sa

import cabinet.models.types  # noqa: F401  (UTCDateTime)

revision = '0014_account_tokens'
down_revision = '0013_draft_comments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'account_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=20), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', cabinet.models.types.UTCDateTime(), nullable=False),
        sa.Column('expires_at', cabinet.models.types.UTCDateTime(), nullable=True),
        sa.Column('used_at', cabinet.models.types.UTCDateTime(), nullable=True),
        sa.Column('revoked_at', cabinet.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_tokens_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_account_tokens')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_account_tokens_token_hash')))
    op.create_index(op.f('ix_account_tokens_user_id'), 'account_tokens', ['user_id'], unique=False)
    op.create_index(op.f('ix_account_tokens_created_at'), 'account_tokens', ['created_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_account_tokens_created_at'), table_name='account_tokens')
    op.drop_index(op.f('ix_account_tokens_user_id'), table_name='account_tokens')
    op.drop_table('account_tokens')
