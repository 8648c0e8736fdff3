"""speed (issue 13): the cache version that server processes compare before trusting their caches

One row, `cache_version.version`, moved by triggers on every change to what a server process caches:
organisations (the tree, pins, moves), role grants, users (deactivation, password, name), API tokens
(revocation; a new token needs no invalidation) and the working calendar. The triggers are in the
database, so a change made by any code path, the command line or plain SQL counts at once.

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
import sqlmodel  # noqa: F401
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# table → the changes that move the version (written out here: a migration does not follow later code)
WATCHED = {
    "organisation": ("INSERT", "UPDATE", "DELETE"),
    "rolegrant": ("INSERT", "UPDATE", "DELETE"),
    "app_user": ("UPDATE", "DELETE"),
    "apitoken": ("UPDATE", "DELETE"),
    "calendarchange": ("INSERT", "UPDATE", "DELETE"),
    "calendaroverride": ("INSERT", "UPDATE", "DELETE"),
}
BUMP = "UPDATE cache_version SET version = version + 1 WHERE id = 1"


def upgrade() -> None:
    op.create_table(
        'cache_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.execute("INSERT INTO cache_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION cache_version_bump() RETURNS trigger LANGUAGE plpgsql AS "
                   f"$$ BEGIN {BUMP}; RETURN NULL; END $$")
        for table, changes in WATCHED.items():
            op.execute(f"CREATE TRIGGER cache_version_{table} AFTER {' OR '.join(changes)} ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION cache_version_bump()")
    else:  # SQLite: row triggers only
        for table, changes in WATCHED.items():
            for change in changes:
                op.execute(f"CREATE TRIGGER cache_version_{table}_{change.lower()} AFTER {change} ON {table} "
                           f"BEGIN {BUMP}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS cache_version_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS cache_version_bump()")
    else:
        for table, changes in WATCHED.items():
            for change in changes:
                op.execute(f"DROP TRIGGER IF EXISTS cache_version_{table}_{change.lower()}")
    op.drop_table('cache_version')
