"""draft tables: when each user of the drafting unit first opened the table forwarded to them (their inbox
lists it until then; forwarding again asks them to look again)

Revision ID: 0018_draft_table_opened
Revises: 0017_answer_signatures
"""
from alembic import op
import sqlalchemy as sa

import cabinet.models.types  # noqa: F401  (UTCDateTime)

revision = '0018_draft_table_opened'
down_revision = '0017_answer_signatures'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('draft_recipients') as batch:
        batch.add_column(sa.Column('opened_at', cabinet.models.types.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('draft_recipients') as batch:
        batch.drop_column('opened_at')
