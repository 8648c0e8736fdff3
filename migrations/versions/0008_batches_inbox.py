"""the web workspace (issue 11): shared branch meetings with a vote per candidate, the inbox and its e-mail digest

Revision ID: 0008
Revises: 0007
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('branch_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('step', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('expected', sa.Integer(), nullable=False),
    sa.Column('present', sa.Integer(), nullable=False),
    sa.Column('recorded_by_user_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('branch_meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_branch_meeting_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('inbox_mail',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('last_sent_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('branch_meeting_candidate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('event_seq', sa.Integer(), nullable=False),
    sa.Column('step_index', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['branch_meeting.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dossier_id', 'event_seq', name='uq_meeting_candidate_event'),
    sa.UniqueConstraint('meeting_id', 'dossier_id', name='uq_meeting_candidate')
    )
    with op.batch_alter_table('branch_meeting_candidate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_branch_meeting_candidate_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_branch_meeting_candidate_meeting_id'), ['meeting_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('branch_meeting_candidate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_branch_meeting_candidate_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_branch_meeting_candidate_dossier_id'))

    op.drop_table('branch_meeting_candidate')
    op.drop_table('inbox_mail')
    with op.batch_alter_table('branch_meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_branch_meeting_organisation_id'))

    op.drop_table('branch_meeting')
