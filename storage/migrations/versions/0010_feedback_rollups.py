"""roll-ups of feedback per program: UTC day, UTC week and in all, kept by triggers, for the officials' summary

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 10:00:00

The table is filled from the feedback already stored (one grouped pass per span), in the same transaction
that creates the triggers, so no rating is counted twice or missed. See storage/rollups.py.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.rollups import COUNTS, drop_sql, rebuild_sql, trigger_sql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feedback_rollups",
        sa.Column("span", sa.String(length=5), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("region_code", sa.String(length=8), sa.ForeignKey("regions.code"), nullable=False),
        sa.Column("program_id", sa.Integer(), sa.ForeignKey("programs.id", ondelete="CASCADE"), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False, server_default="0") for name in COUNTS),
        sa.PrimaryKeyConstraint("span", "day", "region_code", "program_id"),
        sa.CheckConstraint("span IN ('day', 'week', 'total')", name="ck_feedback_rollups_span"),
    )
    op.create_index("ix_feedback_rollups_region", "feedback_rollups", ["region_code", "span", "day"])
    op.create_index("ix_feedback_rollups_program", "feedback_rollups", ["program_id", "span", "day"])
    dialect = op.get_bind().dialect.name
    for statement in trigger_sql(dialect) + rebuild_sql(dialect):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_sql(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_index("ix_feedback_rollups_program", table_name="feedback_rollups")
    op.drop_index("ix_feedback_rollups_region", table_name="feedback_rollups")
    op.drop_table("feedback_rollups")
