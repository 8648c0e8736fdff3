"""accounts and sessions (issue 9: lockout, password change, deactivation)

Adds the login throttle, the system-administrator flag and the credentials version of users, the
calendar's change log (whose largest id is the calendar version every process checks), who entered
a calendar year and whether it replaced the package's; and makes the ID number unique within an
organisation tree instead of across all of them (a refusal across trees told one tree about a
person in another).

Revision ID: 0004
Revises: 0003
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# gives 0001's unnamed UNIQUE (id_number) a name SQLite's batch mode can drop
_NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _drop_global_id_number_unique(batch_op) -> None:
    if op.get_bind().dialect.name == "sqlite":
        batch_op.drop_constraint("uq_dossier_id_number", type_="unique")
        return
    inspector = sa.inspect(op.get_bind())
    for constraint in inspector.get_unique_constraints("dossier"):
        if constraint["column_names"] == ["id_number"]:
            batch_op.drop_constraint(constraint["name"], type_="unique")


def _sqlite_foreign_keys(on: bool) -> None:
    """SQLite rebuilds `dossier` to change its constraints, and dropping the old table would trip the
    events' foreign keys (our engines enforce them). The pragma only takes effect outside a
    transaction, so the transaction is committed (every earlier step is complete), the pragma set
    and a new transaction begun; before enforcement returns, every reference is checked."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite" or op.get_context().as_sql:
        return
    if on:
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"0004: foreign keys broken by the rebuild: {broken[:5]}")
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")
    bind.exec_driver_sql("BEGIN IMMEDIATE")


def upgrade() -> None:
    op.create_table(
        'loginthrottle',
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('window_start', sa.Integer(), nullable=False),
        sa.Column('locked_until', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_table(
        'calendarchange',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('notice', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('overrides_package', sa.Boolean(), nullable=False),
        sa.Column('entered_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('entered_at', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('system_admin', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('credentials_version', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('calendaroverride', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overrides_package', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('entered_at', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False,
                                      server_default=''))
    _sqlite_foreign_keys(False)
    with op.batch_alter_table('dossier', schema=None, naming_convention=_NAMING) as batch_op:
        _drop_global_id_number_unique(batch_op)
        batch_op.create_unique_constraint('uq_dossier_id_number_in_tree', ['root_organisation_id', 'id_number'])
    _sqlite_foreign_keys(True)


def downgrade() -> None:
    _sqlite_foreign_keys(False)
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_constraint('uq_dossier_id_number_in_tree', type_='unique')
        batch_op.create_unique_constraint('uq_dossier_id_number', ['id_number'])
    _sqlite_foreign_keys(True)
    with op.batch_alter_table('calendaroverride', schema=None) as batch_op:
        batch_op.drop_column('entered_at')
        batch_op.drop_column('overrides_package')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('credentials_version')
        batch_op.drop_column('system_admin')
    op.drop_table('calendarchange')
    op.drop_table('loginthrottle')
