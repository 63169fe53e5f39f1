"""The survey tables: a survey, its 1–5 questions (an SKM survey nine), and one answer row per resident and
question.

A survey reaches residents as a broadcast (broadcasts.survey_id), so its audience is stored as a broadcast's is.
An answer is written once: (question_id, resident_id) is unique, and a skip is a row too (skipped=true).
When a resident erases their data their answers stay as numbers: resident_id becomes a random negative number,
the same for all of that resident's answers to one survey (so the response rate still counts them once) and
linked to nobody, and a text answer loses its text (it still counts as answered).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, ForeignKey, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.columns import UTCDateTime, utcnow
from storage.statuses import QuestionKind, sql_list


class Survey(SQLModel, table=True):
    __tablename__ = "surveys"
    __table_args__ = (
        CheckConstraint("audience IN ('all', 'province', 'region', 'program')", name="ck_surveys_audience"),
        Index("ix_surveys_open", "closed_at", "closes_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    created_by: int | None = Field(default=None, sa_type=BigInteger)  # None: the command line
    audience: str = Field(max_length=10)
    audience_code: str | None = Field(default=None, max_length=12)
    title: str = Field(max_length=200)  # Telegram HTML, checked as an announcement's
    intro: str = Field(sa_type=Text)
    closes_at: datetime = Field(sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # the closing worker's claim
    thanked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # the thank-yous are sent
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    skm_program_id: int | None = Field(
        default=None, sa_column=Column(ForeignKey("programs.id", ondelete="SET NULL"), nullable=True)
    )


class SurveyQuestion(SQLModel, table=True):
    __tablename__ = "survey_questions"
    __table_args__ = (
        UniqueConstraint("survey_id", "position", name="uq_survey_questions_position"),
        CheckConstraint("position BETWEEN 1 AND 9", name="ck_survey_questions_position"),
        CheckConstraint(f"kind IN ({sql_list(QuestionKind)})", name="ck_survey_questions_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(sa_column=Column(ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False))
    position: int
    kind: str = Field(max_length=8)
    text: str = Field(sa_type=Text)
    # a choice question's, 2–6; an SKM question's (surveys.skm_program_id set): its four answers, valued 1–4
    options: list[str] | None = Field(default=None, sa_type=JSON)


class SurveyAnswer(SQLModel, table=True):
    __tablename__ = "survey_answers"
    __table_args__ = (
        UniqueConstraint("question_id", "resident_id", name="uq_survey_answers_once"),
        Index("ix_survey_answers_survey", "survey_id", "resident_id"),
        Index("ix_survey_answers_resident", "resident_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(sa_column=Column(ForeignKey("surveys.id", ondelete="CASCADE"), nullable=False))
    question_id: int = Field(
        sa_column=Column(ForeignKey("survey_questions.id", ondelete="CASCADE"), nullable=False)
    )
    resident_id: int = Field(sa_type=BigInteger)  # negative after the resident erased their data
    choice: int | None = None  # 0-based option index
    scale: int | None = None  # 1–5
    text: str | None = Field(default=None, sa_type=Text)
    skipped: bool = False
    answered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
