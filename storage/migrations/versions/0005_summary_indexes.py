"""indexes for the officials' summary at a million ratings

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 21:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COMMENTED = sa.text("comment IS NOT NULL")
WAITING = sa.text("status = 'baru' AND comment IS NOT NULL")


def upgrade() -> None:
    # The two new ones extend the two old ones (same leading columns), so they replace them.
    op.drop_index("ix_feedback_program_current", table_name="feedback")
    op.drop_index("ix_feedback_region_created", table_name="feedback")
    op.create_index("ix_feedback_program_rated", "feedback", ["program_id", "superseded", "created_at", "rating"])
    op.create_index("ix_feedback_region_created_rating", "feedback", ["region_code", "created_at", "rating"])
    op.create_index("ix_feedback_region_commented", "feedback", ["region_code", "created_at"],
                    sqlite_where=COMMENTED, postgresql_where=COMMENTED)
    op.create_index("ix_feedback_waiting", "feedback", ["region_code", "status"],
                    sqlite_where=WAITING, postgresql_where=WAITING)


def downgrade() -> None:
    op.drop_index("ix_feedback_waiting", table_name="feedback")
    op.drop_index("ix_feedback_region_commented", table_name="feedback")
    op.drop_index("ix_feedback_region_created_rating", table_name="feedback")
    op.drop_index("ix_feedback_program_rated", table_name="feedback")
    op.create_index("ix_feedback_region_created", "feedback", ["region_code", "created_at"])
    op.create_index("ix_feedback_program_current", "feedback", ["program_id", "superseded"])
