"""the public page's switches: an admin may hide the national list or a region's page

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 13:30:00

/publik shows residents' ratings as aggregates to anyone; a row of public_hidden turns one of its pages off
(storage/public_page.py): the scope 'nasional' is the national list, a region code that region's page.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "public_hidden",
        sa.Column("scope", sa.String(length=8), primary_key=True),
        sa.Column("hidden_by", sa.BigInteger(), nullable=True),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("public_hidden")
