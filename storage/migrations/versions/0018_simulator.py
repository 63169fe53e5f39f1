"""the simulator's test residents: their ratings are marked 'test' and counted nowhere

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 22:10:00

feedback.moderation takes a third value, 'test', for the ratings of the dashboard simulator's residents
(storage/simulated.py): every figure already leaves out what is marked, so they count nowhere.
"""

from collections.abc import Sequence

from alembic import op

from storage import rollups
from storage.models import Feedback

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _constraint(values: str) -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.drop_constraint("ck_feedback_moderation", type_="check")
        batch.create_check_constraint("ck_feedback_moderation", f"moderation IN ({values})")
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return  # PostgreSQL altered the constraint in place
    # SQLite rebuilt the table: its partial indexes came back without their conditions, its triggers not at all.
    for index in Feedback.__table__.indexes:  # type: ignore[attr-defined]
        op.drop_index(index.name, table_name="feedback", if_exists=True)
        index.create(bind)
    for statement in rollups.drop_sql("sqlite") + rollups.trigger_sql("sqlite"):
        op.execute(statement)


def upgrade() -> None:
    _constraint("'spam', 'abusive', 'test'")


def downgrade() -> None:
    op.execute("DELETE FROM feedback WHERE moderation = 'test'")
    _constraint("'spam', 'abusive'")
