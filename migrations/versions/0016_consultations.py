"""written consultation: a meeting of form "written", its questions, members' answers and the signed result

Revision ID: 0016_consultations
Revises: 0014_account_tokens
"""
from alembic import op
import sqlalchemy as sa

import cabinet.models.types  # noqa: F401  (UTCDateTime)

revision = '0016_consultations'
down_revision = '0014_account_tokens'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meetings') as batch:
        batch.add_column(sa.Column('form', sa.String(length=20), server_default='session', nullable=False))
    op.create_table(
        'consultations',
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('deadline', cabinet.models.types.UTCDateTime(), nullable=False),
        sa.Column('answers_changeable', sa.Boolean(), nullable=False),
        sa.Column('pass_ratio', sa.Float(), nullable=False),
        sa.Column('sent_at', cabinet.models.types.UTCDateTime(), nullable=True),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('result_drawn_at', cabinet.models.types.UTCDateTime(), nullable=True),
        sa.Column('signed_sha256', sa.String(length=64), nullable=True),
        sa.Column('signed_size', sa.Integer(), nullable=True),
        sa.Column('signed_by_id', sa.Integer(), nullable=True),
        sa.Column('signer_name', sa.String(length=200), nullable=False),
        sa.Column('certificate_subject', sa.String(length=500), nullable=False),
        sa.Column('signed_at', cabinet.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('meeting_id'))
    op.create_index(op.f('ix_consultations_deadline'), 'consultations', ['deadline'], unique=False)
    op.create_table(
        'consultation_questions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['consultations.meeting_id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'))
    op.create_index(op.f('ix_consultation_questions_meeting_id'), 'consultation_questions', ['meeting_id'],
                    unique=False)
    op.create_table(
        'consultation_responses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.String(length=64), nullable=False),
        sa.Column('answered_at', cabinet.models.types.UTCDateTime(), nullable=False),
        sa.Column('changes', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['consultations.meeting_id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('meeting_id', 'user_id'))
    op.create_index(op.f('ix_consultation_responses_meeting_id'), 'consultation_responses', ['meeting_id'],
                    unique=False)
    op.create_index(op.f('ix_consultation_responses_user_id'), 'consultation_responses', ['user_id'], unique=False)
    op.create_table(
        'consultation_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('response_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('choice', sa.String(length=20), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['consultation_questions.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['response_id'], ['consultation_responses.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('response_id', 'question_id'))
    op.create_index(op.f('ix_consultation_answers_response_id'), 'consultation_answers', ['response_id'],
                    unique=False)


def downgrade():
    # Without its form a consultation would come back as a session with no agenda, in every meeting list
    # and calendar: it goes with its tables (its documents and audit entries with the meeting, as when a
    # draft meeting is deleted). Downgrading past this revision gives up the consultations.
    op.execute("DELETE FROM meetings WHERE form = 'written'")
    op.drop_table('consultation_answers')
    op.drop_table('consultation_responses')
    op.drop_table('consultation_questions')
    op.drop_table('consultations')
    with op.batch_alter_table('meetings') as batch:
        batch.drop_column('form')
