"""subscriptions and broadcasts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 20:28:13.860454
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.models

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('broadcasts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('audience_code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('photo', sa.LargeBinary(), nullable=True),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('send_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('progress_chat_id', sa.BigInteger(), nullable=True),
    sa.Column('progress_message_id', sa.Integer(), nullable=True),
    sa.Column('photo_file_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.CheckConstraint("audience IN ('all', 'province', 'region', 'program')", name='ck_broadcasts_audience'),
    sa.CheckConstraint("state IN ('scheduled', 'sending', 'done', 'cancelled')", name='ck_broadcasts_state'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_broadcasts_state'), ['state'], unique=False)

    op.create_table('broadcast_recipients',
    sa.Column('broadcast_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('resident_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('zone', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', storage.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'sent', 'blocked', 'failed')", name='ck_recipients_status'),
    sa.ForeignKeyConstraint(['broadcast_id'], ['broadcasts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('broadcast_id', 'resident_id')
    )
    with op.batch_alter_table('broadcast_recipients', schema=None) as batch_op:
        batch_op.create_index('ix_recipients_queue', ['broadcast_id', 'status', 'next_attempt_at'], unique=False)

    op.create_table('program_follows',
    sa.Column('resident_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], ),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.telegram_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('resident_id', 'program_id')
    )
    with op.batch_alter_table('program_follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_program_follows_program_id'), ['program_id'], unique=False)

    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subscription_asked', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_column('subscription_asked')

    with op.batch_alter_table('program_follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_program_follows_program_id'))

    op.drop_table('program_follows')
    with op.batch_alter_table('broadcast_recipients', schema=None) as batch_op:
        batch_op.drop_index('ix_recipients_queue')

    op.drop_table('broadcast_recipients')
    with op.batch_alter_table('broadcasts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_broadcasts_state'))

    op.drop_table('broadcasts')
