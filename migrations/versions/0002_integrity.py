"""integrity of the record (issue 9 promises: provenance of reviews, keyed chain, ledger, archive lock)

Events gain the id of the key that sealed them (NULL: written before the chain was keyed; run
`fazhan keys rotate` once to seal them); the ledger of dossier heads and its seal row; the review
index says whether a sign-off was made in the system or confirms a paper one.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_id', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))

    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False,
                                      server_default='system'))

    op.create_table('ledger_entry',
    sa.Column('dossier_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('prev_dossier_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('head_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('key_id', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('mac', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('dossier_id'),
    sa.UniqueConstraint('number')
    )
    op.create_table('ledger_seal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('last_dossier_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('key_id', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('mac', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    # the empty ledger: count 0, nothing sealed yet (the first dossier created seals it)
    op.execute("INSERT INTO ledger_seal (id, count, mac) VALUES (1, 0, '')")


def downgrade() -> None:
    op.drop_table('ledger_seal')
    op.drop_table('ledger_entry')
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.drop_column('source')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('key_id')
