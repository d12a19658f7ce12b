"""a member's signed answer form in a written consultation: the signed PDF (file store), its certificate

Revision ID: 0017_answer_signatures
Revises: 0016_consultations
"""
from alembic import op
import sqlalchemy as sa

import cabinet.models.types  # noqa: F401  (UTCDateTime)

revision = '0017_answer_signatures'
down_revision = '0016_consultations'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consultation_responses') as batch:
        batch.add_column(sa.Column('signed_sha256', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('signed_size', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('certificate_subject', sa.String(length=500), server_default='',
                                   nullable=False))
        batch.add_column(sa.Column('signed_at', cabinet.models.types.UTCDateTime(), nullable=True))


def downgrade():
    # The signed files stay in the file store (content addressed); only the link to them goes.
    with op.batch_alter_table('consultation_responses') as batch:
        batch.drop_column('signed_at')
        batch.drop_column('certificate_subject')
        batch.drop_column('signed_size')
        batch.drop_column('signed_sha256')
