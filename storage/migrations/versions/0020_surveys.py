"""surveys: a survey, its questions and the residents' answers; broadcasts.survey_id

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 14:00:00

A survey goes out as a broadcast (broadcasts.survey_id names it); each resident answers each question once
(unique question_id, resident_id; a skip is a row with skipped true). storage/tables_surveys.py explains what an
erasure leaves of the answers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("audience", sa.String(length=10), nullable=False),
        sa.Column("audience_code", sa.String(length=12), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("thanked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("skm_program_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("audience IN ('all', 'province', 'region', 'program')", name="ck_surveys_audience"),
        sa.ForeignKeyConstraint(["skm_program_id"], ["programs.id"], ondelete="SET NULL"),
    )
    op.create_index("ix_surveys_open", "surveys", ["closed_at", "closes_at"])
    op.create_table(
        "survey_questions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=True),
        sa.CheckConstraint("position BETWEEN 1 AND 5", name="ck_survey_questions_position"),
        sa.CheckConstraint("kind IN ('choice', 'scale', 'text')", name="ck_survey_questions_kind"),
        sa.ForeignKeyConstraint(["survey_id"], ["surveys.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("survey_id", "position", name="uq_survey_questions_position"),
    )
    op.create_table(
        "survey_answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.BigInteger(), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=True),
        sa.Column("scale", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["survey_id"], ["surveys.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["question_id"], ["survey_questions.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("question_id", "resident_id", name="uq_survey_answers_once"),
    )
    op.create_index("ix_survey_answers_survey", "survey_answers", ["survey_id", "resident_id"])
    op.create_index("ix_survey_answers_resident", "survey_answers", ["resident_id"])
    with op.batch_alter_table("broadcasts") as batch:
        batch.add_column(sa.Column("survey_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_broadcasts_survey_id", "surveys", ["survey_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("broadcasts") as batch:
        batch.drop_constraint("fk_broadcasts_survey_id", type_="foreignkey")
        batch.drop_column("survey_id")
    op.drop_table("survey_answers")
    op.drop_table("survey_questions")
    op.drop_index("ix_surveys_open", table_name="surveys")
    op.drop_table("surveys")
