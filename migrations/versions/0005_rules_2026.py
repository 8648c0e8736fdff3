"""the 2026 rules (issue 10: organisation kinds, member discipline)

Revision ID: 0005
Revises: 0004
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approval_type', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True))
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('discipline_until', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_column('discipline_until')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('approval_type')
