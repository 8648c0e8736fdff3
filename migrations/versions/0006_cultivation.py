"""cultivation quality (issue 12): score entries and reviewed scores, the annual development plan,
published rankings and the proposals made from them, 推优 records, pairings (结对) and their activities

Revision ID: 0006
Revises: 0005
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cultivation_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('scheme', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('person', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('person_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('entries_digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('total', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('grade', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('computed_by_user_id', sa.Integer(), nullable=False),
    sa.Column('computed_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('computed_on', sa.Date(), nullable=False),
    sa.Column('reviewed_by_user_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('reviewed_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['computed_by_user_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['reviewed_by_user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'scheme', 'period', 'person', 'entries_digest', name='uq_cultivation_score_inputs')
    )
    with op.batch_alter_table('cultivation_score', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cultivation_score_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('cultivation_score_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('scheme', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('person', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('person_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('indicator', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('evidence_material', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('evidence_note', sa.Text(), nullable=True),
    sa.Column('scored_by_user_id', sa.Integer(), nullable=False),
    sa.Column('scored_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('scored_on', sa.Date(), nullable=False),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['replaces_id'], ['cultivation_score_entry.id'], ),
    sa.ForeignKeyConstraint(['scored_by_user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cultivation_score_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cultivation_score_entry_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cultivation_score_entry_person'), ['person'], unique=False)

    op.create_table('development_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('women', sa.Integer(), nullable=True),
    sa.Column('young', sa.Integer(), nullable=True),
    sa.Column('front_line', sa.Integer(), nullable=True),
    sa.Column('higher_education', sa.Integer(), nullable=True),
    sa.Column('set_by_organisation_id', sa.Integer(), nullable=False),
    sa.Column('set_by_user_id', sa.Integer(), nullable=False),
    sa.Column('set_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['set_by_organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['set_by_user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'year', name='uq_development_plan_year')
    )
    with op.batch_alter_table('development_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_development_plan_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('cultivation_ranking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('scheme', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('group_size', sa.Integer(), nullable=False),
    sa.Column('quota_limit', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('document', sa.Text(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('published_by_user_id', sa.Integer(), nullable=False),
    sa.Column('published_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['development_plan.id'], ),
    sa.ForeignKeyConstraint(['published_by_user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'scheme', 'period', name='uq_cultivation_ranking_period')
    )
    with op.batch_alter_table('cultivation_ranking', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cultivation_ranking_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('league_nomination',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('league_branch', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('league_members', sa.Integer(), nullable=False),
    sa.Column('meeting_on', sa.Date(), nullable=False),
    sa.Column('expected', sa.Integer(), nullable=False),
    sa.Column('present', sa.Integer(), nullable=False),
    sa.Column('yes', sa.Integer(), nullable=False),
    sa.Column('no', sa.Integer(), nullable=False),
    sa.Column('abstain', sa.Integer(), nullable=False),
    sa.Column('policy', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('recorded_by_user_id', sa.Integer(), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('league_nomination', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_league_nomination_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_league_nomination_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('cultivation_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ranking_id', sa.Integer(), nullable=False),
    sa.Column('person', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('proposed_by_user_id', sa.Integer(), nullable=False),
    sa.Column('proposed_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('proposed_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['proposed_by_user_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['ranking_id'], ['cultivation_ranking.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ranking_id', 'person', name='uq_cultivation_proposal_person')
    )
    with op.batch_alter_table('cultivation_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cultivation_proposal_ranking_id'), ['ranking_id'], unique=False)

    op.create_table('cultivation_pairing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=True),
    sa.Column('end_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('policy', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('assigned_by_user_id', sa.Integer(), nullable=True),
    sa.Column('assigned_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('ended_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.ForeignKeyConstraint(['assigned_by_user_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], ),
    sa.ForeignKeyConstraint(['ended_by_user_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['replaces_id'], ['cultivation_pairing.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cultivation_pairing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cultivation_pairing_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cultivation_pairing_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cultivation_pairing_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('cultivation_pairing_activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pairing_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('happened_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by_user_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.ForeignKeyConstraint(['pairing_id'], ['cultivation_pairing.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cultivation_pairing_activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cultivation_pairing_activity_pairing_id'), ['pairing_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cultivation_pairing_activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cultivation_pairing_activity_pairing_id'))

    op.drop_table('cultivation_pairing_activity')
    with op.batch_alter_table('cultivation_pairing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cultivation_pairing_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_cultivation_pairing_member_id'))
        batch_op.drop_index(batch_op.f('ix_cultivation_pairing_dossier_id'))

    op.drop_table('cultivation_pairing')
    with op.batch_alter_table('cultivation_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cultivation_proposal_ranking_id'))

    op.drop_table('cultivation_proposal')
    with op.batch_alter_table('league_nomination', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_league_nomination_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_league_nomination_dossier_id'))

    op.drop_table('league_nomination')
    with op.batch_alter_table('cultivation_ranking', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cultivation_ranking_organisation_id'))

    op.drop_table('cultivation_ranking')
    with op.batch_alter_table('development_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_development_plan_organisation_id'))

    op.drop_table('development_plan')
    with op.batch_alter_table('cultivation_score_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cultivation_score_entry_person'))
        batch_op.drop_index(batch_op.f('ix_cultivation_score_entry_organisation_id'))

    op.drop_table('cultivation_score_entry')
    with op.batch_alter_table('cultivation_score', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cultivation_score_organisation_id'))

    op.drop_table('cultivation_score')
