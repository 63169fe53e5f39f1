"""the version of the privacy notice a resident agreed to

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-02 02:20:00

A changed notice (bot/services/privacy.py NOTICE_VERSION) asks residents who agreed to an older one again. Rows
from before this revision agreed to the first notice, which did not name the controller or the retention
period: they are left NULL, so they are asked again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("residents") as batch:
        batch.add_column(sa.Column("consent_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("residents") as batch:
        batch.drop_column("consent_version")
