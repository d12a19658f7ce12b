"""votes you can trust: a secret poll's choices sealed under its key (never linkable from the database);
the quorum ratio frozen on the meeting when it starts

Revision ID: 0007_sealed_ballots
Revises: 0006_archive
"""
from alembic import op
import sqlalchemy as sa

revision = '0007_sealed_ballots'
down_revision = '0006_archive'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('polls', sa.Column('seal_key', sa.LargeBinary(), nullable=True))
    op.add_column('meetings', sa.Column('quorum_ratio', sa.Float(), nullable=True))
    # One open poll per meeting (a partial unique index, on both databases). Should an older race have left
    # two open, the later ones go back to draft first.
    op.execute("UPDATE polls SET status = 'draft', opened_at = NULL WHERE status = 'open' AND id NOT IN "
               "(SELECT MIN(id) FROM polls WHERE status = 'open' GROUP BY meeting_id)")
    op.create_index('ix_polls_one_open_per_meeting', 'polls', ['meeting_id'], unique=True,
                    sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
    op.create_table('sealed_ballots',
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_sealed_ballots_poll_id_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('poll_id', 'code', name=op.f('pk_sealed_ballots'))
    )


def downgrade():
    op.drop_index('ix_polls_one_open_per_meeting', table_name='polls')
    op.drop_table('sealed_ballots')
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.drop_column('seal_key')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('quorum_ratio')
