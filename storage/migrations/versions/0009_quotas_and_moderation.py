"""flood counters and mutes on residents; spam/abusive marks and review flags on feedback

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 12:00:00

The summary's four indexes on feedback get `moderation` as their last column, so the figures, which leave
marked comments out, are still read from the indexes alone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COMMENTED = sa.text("comment IS NOT NULL")
WAITING = sa.text("status = 'baru' AND comment IS NOT NULL")
# name -> (columns before this revision, partial-index condition)
INDEXES: dict[str, tuple[list[str], sa.TextClause | None]] = {
    "ix_feedback_program_rated": (["program_id", "superseded", "created_at", "rating"], None),
    "ix_feedback_region_created_rating": (["region_code", "created_at", "rating"], None),
    "ix_feedback_region_commented": (["region_code", "created_at"], COMMENTED),
    "ix_feedback_waiting": (["region_code", "status"], WAITING),
}
RESIDENT_TIMES = ("flood_started_at", "paused_until", "muted_until")


def _indexes(extra: list[str]) -> None:
    for name, (columns, where) in INDEXES.items():
        op.create_index(name, "feedback", columns + extra, sqlite_where=where, postgresql_where=where)


def _drop_indexes() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="feedback", if_exists=True)


def upgrade() -> None:
    for name in RESIDENT_TIMES:
        op.add_column("residents", sa.Column(name, storage.models.UTCDateTime(timezone=True), nullable=True))
    op.add_column("residents", sa.Column("flood_count", sa.Integer(), nullable=False, server_default="0"))
    _drop_indexes()
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("moderation", sa.String(length=12), nullable=True))
        batch.add_column(sa.Column("needs_review", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.create_check_constraint("ck_feedback_moderation", "moderation IN ('spam', 'abusive')")
    _drop_indexes()  # SQLite's batch copy may have re-created them, without their conditions
    _indexes(["moderation"])


def downgrade() -> None:
    _drop_indexes()
    with op.batch_alter_table("feedback") as batch:
        batch.drop_constraint("ck_feedback_moderation", type_="check")
        batch.drop_column("needs_review")
        batch.drop_column("moderation")
    _drop_indexes()
    _indexes([])
    with op.batch_alter_table("residents") as batch:
        batch.drop_column("flood_count")
        for name in RESIDENT_TIMES:
            batch.drop_column(name)
