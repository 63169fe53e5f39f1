"""broadcasts can go to residents waiting for their region's first program

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 21:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _audiences(values: str) -> None:
    with op.batch_alter_table("broadcasts") as batch:
        batch.drop_constraint("ck_broadcasts_audience", type_="check")
        batch.create_check_constraint("ck_broadcasts_audience", f"audience IN ({values})")


def upgrade() -> None:
    _audiences("'all', 'province', 'region', 'program', 'newprog'")


def downgrade() -> None:
    _audiences("'all', 'province', 'region', 'program'")
