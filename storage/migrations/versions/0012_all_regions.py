"""every kabupaten/kota of Indonesia, not only the smart-city cohorts: cohort_year may be empty

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-06 10:00:00

A database seeded before holds the 98 regions of the cohorts; the others of storage/seed/regions.csv are
added here, so that residents anywhere can choose their region (an empty database gets them all from the
seed, with the programs). Downgrading removes the regions without a cohort again, which fails while a
resident, official or program still refers to one.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.seed import read_regions

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REGIONS = sa.table(
    "regions",
    sa.column("code", sa.String), sa.column("name", sa.String), sa.column("kind", sa.String),
    sa.column("province", sa.String), sa.column("province_code", sa.String), sa.column("timezone", sa.String),
    sa.column("lat", sa.Float), sa.column("lon", sa.Float), sa.column("cohort_year", sa.Integer),
)


def _set_nullable(nullable: bool) -> None:
    # On SQLite a batch rebuild (copy, drop, rename); migrations run without foreign-key enforcement there.
    with op.batch_alter_table("regions") as batch:
        batch.alter_column("cohort_year", existing_type=sa.Integer(), nullable=nullable)


def upgrade() -> None:
    _set_nullable(True)
    bind = op.get_bind()
    present = {code for (code,) in bind.execute(sa.select(REGIONS.c.code))}
    if present:
        missing = [row for row in read_regions() if row["code"] not in present]
        if missing:
            op.bulk_insert(REGIONS, missing)


def downgrade() -> None:
    op.execute(REGIONS.delete().where(REGIONS.c.cohort_year.is_(None)))
    _set_nullable(False)
