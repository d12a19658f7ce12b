"""comments on draft documents: a document opened for comments, the drafting unit's recipients, comments

Revision ID: 0013_draft_comments
Revises: 0012_outgoing_mail
"""
from alembic import op
import sqlalchemy as sa

import cabinet.models.types  # noqa: F401  (UTCDateTime)

revision = '0013_draft_comments'
down_revision = '0012_outgoing_mail'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'draft_consultations',
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('is_open', sa.Boolean(), nullable=False),
        sa.Column('deadline', cabinet.models.types.UTCDateTime(), nullable=True),
        sa.Column('drafting_unit', sa.String(length=300), nullable=False),
        sa.Column('opened_by_id', sa.Integer(), nullable=True),
        sa.Column('opened_at', cabinet.models.types.UTCDateTime(), nullable=False),
        sa.Column('forwarded_at', cabinet.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('document_id'))
    op.create_table(
        'draft_recipients',
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['draft_consultations.document_id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('document_id', 'user_id'))
    op.create_table(
        'draft_comments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('page', sa.Integer(), nullable=False),
        sa.Column('rect', sa.JSON(), nullable=False),
        sa.Column('quads', sa.JSON(), nullable=False),
        sa.Column('quote', sa.Text(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', cabinet.models.types.UTCDateTime(), nullable=False),
        sa.Column('updated_at', cabinet.models.types.UTCDateTime(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('response', sa.Text(), nullable=False),
        sa.Column('responded_by_id', sa.Integer(), nullable=True),
        sa.Column('responded_at', cabinet.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['version_id'], ['document_versions.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['responded_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'))
    op.create_index(op.f('ix_draft_comments_document_id'), 'draft_comments', ['document_id'], unique=False)
    op.create_index(op.f('ix_draft_comments_user_id'), 'draft_comments', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_draft_comments_user_id'), table_name='draft_comments')
    op.drop_index(op.f('ix_draft_comments_document_id'), table_name='draft_comments')
    op.drop_table('draft_comments')
    op.drop_table('draft_recipients')
    op.drop_table('draft_consultations')
