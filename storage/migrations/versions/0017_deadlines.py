"""deadlines, coordinators, forwarding and evidence of tickets

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 16:40:00

Every comment gets a due date for its first answer (feedback.clock_at, due_at, answered_at), the reminder and
the overdue notice are claimed once each (reminded_at, overdue_at), a closed ticket remembers when (closed_at)
so that it is confirmed after 7 days of silence, and a ticket passed to another body leaves the queue
(forwarded_to). A region may have its own number of working days (regions.answer_days) and coordinators
(official_regions.coordinator). Forwards and the evidence residents add get their own tables.

Comments from before this revision get no due date: their deadline was never told to anyone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNANSWERED = "due_at IS NOT NULL AND answered_at IS NULL AND forwarded_to IS NULL"
CLOCKED = "clock_at IS NOT NULL"
VERDICTS = "kind = 'satisfaction'"
# The deadline figures' indexes (storage/summary_deadlines.py; measured in its commit): name, table, columns, where.
FIGURE_INDEXES = (
    ("ix_feedback_clock", "feedback",
     ["region_code", "clock_at", "program_id", "due_at", "answered_at", "moderation", "forwarded_to"], CLOCKED),
    ("ix_feedback_region_due", "feedback", ["region_code", "due_at", "program_id", "moderation"], UNANSWERED),
    ("ix_ticket_messages_verdict", "ticket_messages", ["status", "at", "feedback_id"], VERDICTS),
)
FEEDBACK_TIMES = ("clock_at", "due_at", "answered_at", "reminded_at", "overdue_at", "closed_at")


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("regions") as batch:
        batch.add_column(sa.Column("answer_days", sa.Integer(), nullable=True))
    with op.batch_alter_table("official_regions") as batch:
        batch.add_column(sa.Column("coordinator", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("feedback") as batch:
        for name in FEEDBACK_TIMES:
            batch.add_column(sa.Column(name, _utc(), nullable=True))
        batch.add_column(sa.Column("forwarded_to", sa.String(length=12), nullable=True))
    op.create_index("ix_feedback_due", "feedback", ["due_at"],
                    sqlite_where=sa.text(UNANSWERED), postgresql_where=sa.text(UNANSWERED))
    for name, table, columns, where in FIGURE_INDEXES:
        op.create_index(name, table, columns, sqlite_where=sa.text(where), postgresql_where=sa.text(where))
    op.create_table(
        "ticket_forwards",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("feedback_id", sa.Integer(), sa.ForeignKey("feedback.id", ondelete="CASCADE"), nullable=False),
        sa.Column("official_id", sa.BigInteger(), nullable=True),
        sa.Column("from_region", sa.String(length=8), nullable=False),
        sa.Column("to_region", sa.String(length=8), nullable=True),
        sa.Column("body", sa.String(length=12), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=60), nullable=True),
        sa.Column("at", _utc(), nullable=False),
    )
    op.create_index("ix_ticket_forwards_feedback_id", "ticket_forwards", ["feedback_id"])
    op.create_table(
        "evidence",
        sa.Column("feedback_id", sa.Integer(), sa.ForeignKey("feedback.id", ondelete="CASCADE"), primary_key=True,
                  autoincrement=False),
        sa.Column("photo", sa.LargeBinary(), nullable=True),
        sa.Column("photo_file", sa.String(length=80), nullable=True),
        sa.Column("photo_width", sa.Integer(), nullable=True),
        sa.Column("photo_height", sa.Integer(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("district_code", sa.String(length=13), nullable=True),
        sa.Column("exact", sa.Boolean(), nullable=False),
        sa.Column("at", _utc(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("evidence")
    op.drop_index("ix_ticket_forwards_feedback_id", table_name="ticket_forwards")
    op.drop_table("ticket_forwards")
    for name, table, _columns, _where in reversed(FIGURE_INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_index("ix_feedback_due", table_name="feedback")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("forwarded_to")
        for name in reversed(FEEDBACK_TIMES):
            batch.drop_column(name)
    with op.batch_alter_table("official_regions") as batch:
        batch.drop_column("coordinator")
    with op.batch_alter_table("regions") as batch:
        batch.drop_column("answer_days")
