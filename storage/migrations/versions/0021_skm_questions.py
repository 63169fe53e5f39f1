"""a survey may hold nine questions: the SKM's nine elements (surveys.skm_program_id names its program)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 14:05:00

Surveys written by officials still hold 1 to 5 questions (bot/services/surveys.py checks it); only the SKM
questionnaire of PermenPANRB 14/2017 has nine, so the position may now go up to 9.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _positions(highest: int) -> None:
    with op.batch_alter_table("survey_questions") as batch:
        batch.drop_constraint("ck_survey_questions_position", type_="check")
        batch.create_check_constraint("ck_survey_questions_position", f"position BETWEEN 1 AND {highest}")


def upgrade() -> None:
    _positions(9)


def downgrade() -> None:
    op.execute("DELETE FROM survey_questions WHERE position > 5")
    _positions(5)
