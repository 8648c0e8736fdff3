"""the web workspace (issue 11): the roster (党员名册) as data, administration, search

The roster keeps a member's standing as dates, so the people rules judge a contact or introducer as
they were on the step's date: when they joined (入党, the probation begins), when they became a full
member (转正), when a discipline was imposed and when its influence period (影响期) ends; and,
when the roster spreadsheet carries it, the member's ID number (never logged, shown masked).
A password an administrator resets is temporary: `must_change_password` holds the user to the
password page until they choose their own.

Revision ID: 0009
Revises: 0008
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('joined_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('full_since', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('discipline_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('id_number', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=True))
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_column('id_number')
        batch_op.drop_column('discipline_from')
        batch_op.drop_column('full_since')
        batch_op.drop_column('joined_on')
