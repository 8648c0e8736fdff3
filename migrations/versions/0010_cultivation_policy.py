"""cultivation (issue 12): 推优 policy from overlays, member role tags for pairing schemes

Revision ID: 0010
Revises: 0009
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the rules a 推优 record was judged by (the overlay's [league] over the common practice), in words
    with op.batch_alter_table('league_nomination', schema=None) as batch_op:
        batch_op.add_column(sa.Column('policy_words', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
    # role tags of a registered member (teacher, student, …: checklists/data/member_roles.toml), for the
    # one-teacher-per-activist pairing scheme (seed 003)
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('roles', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_column('roles')
    with op.batch_alter_table('league_nomination', schema=None) as batch_op:
        batch_op.drop_column('policy_words')
