"""days off an admin adds to the national holidays (cuti bersama decreed late, regional holidays)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 13:45:00

The national holidays and the cuti bersama of the joint decree come from the `holidays` package; this table
holds only what an admin adds on top (`quickwin holidays add`), for counting working-day due dates.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "days_off",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("name", sa.String(length=100), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("days_off")
