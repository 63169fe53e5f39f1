"""Table models, and the one index of every table: importing this module registers them all on SQLModel.metadata.

Input and output shapes live with the services; these are only the tables. The access and broadcast tables live in
storage.tables_access and storage.tables_broadcasts and are re-exported here, so `from storage.models import X` works
for every table.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from storage.codes import new_salt, new_ticket
from storage.columns import RESIDENT_FK, UTCDateTime, utcnow
from storage.days_off import DayOff
from storage.public_page import PublicHidden
from storage.statuses import FeedbackStatus, ProgramStatus, sql_list
from storage.tables_access import ApiToken, LoginToken, WebSession
from storage.tables_broadcasts import Broadcast, BroadcastRecipient
from storage.tables_officials import AuditEntry, DeploymentKey, Invite, Official, OfficialRegion
from storage.tables_surveys import Survey, SurveyAnswer, SurveyQuestion
from storage.tables_tickets import Evidence, TicketForward

__all__ = [  # every table, plus the shared column helpers that import sites take from here
    "RESIDENT_FK", "WAITING", "ApiToken", "AuditEntry", "Broadcast", "BroadcastRecipient", "DayOff", "DeploymentKey",
    "DigestRun", "Evidence", "Feedback", "Invite", "LoginToken", "Official", "OfficialRegion", "OutboundStatus",
    "Program", "ProgramFollow", "PublicHidden", "Region", "Resident", "Survey", "SurveyAnswer", "SurveyQuestion",
    "TicketForward", "TicketMessage", "UTCDateTime", "WebSession", "utcnow",
]

WAITING = f"status = '{FeedbackStatus.NEW}' AND comment IS NOT NULL"  # a comment in the officials' inbox
CLOCKED = "clock_at IS NOT NULL"  # a comment with a deadline
VERDICTS = "kind = 'satisfaction'"  # a resident's answer to "Apakah Anda puas?" (or the automatic confirmation)
UNANSWERED = "due_at IS NOT NULL AND answered_at IS NULL AND forwarded_to IS NULL"  # a first answer still owed


class Region(SQLModel, table=True):
    """A kabupaten/kota of Indonesia, keyed by its Kemendagri code."""

    __tablename__ = "regions"

    code: str = Field(primary_key=True, max_length=8)
    name: str = Field(max_length=100)
    kind: str = Field(max_length=10)  # kabupaten | kota
    province: str = Field(max_length=60)
    province_code: str = Field(max_length=2, index=True)
    timezone: str = Field(max_length=4)  # WIB | WITA | WIT
    lat: float
    lon: float
    cohort_year: int | None = None  # the 100 Smart City Movement cohort (2017–2019); None for the other regions
    answer_days: int | None = None  # working days for a first answer; None: the ANSWER_DAYS setting


class Program(SQLModel, table=True):
    """A quick-win program of one region."""

    __tablename__ = "programs"
    __table_args__ = (
        UniqueConstraint("region_code", "name", name="uq_programs_region_name"),
        CheckConstraint(f"status IN ({sql_list(ProgramStatus)})", name="ck_programs_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    region_code: str = Field(foreign_key="regions.code", max_length=8, index=True)
    name: str = Field(max_length=200)
    description: str = Field(sa_type=Text)
    dimension: str = Field(max_length=20)
    agency: str | None = Field(default=None, max_length=200)
    status: str = Field(default=ProgramStatus.RUNNING, max_length=20)
    source_url: str | None = Field(default=None, max_length=500)
    source_date: date | None = None  # when the source was published: its statuses are as of then
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Resident(SQLModel, table=True):
    """A resident talking to the bot; flow state and draft live here, not in memory."""

    __tablename__ = "residents"

    telegram_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    language: str | None = Field(default=None, max_length=5)
    region_code: str | None = Field(default=None, foreign_key="regions.code", max_length=8)
    consent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    declined_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    consent_version: int | None = None  # the privacy notice agreed to (bot/services/privacy.py NOTICE_VERSION)
    subscribed: bool = False  # announcements for their region
    subscription_asked: bool = False  # asked once, right after consent
    notify_new_programs: bool = False
    blocked: bool = False  # blocked the bot: nothing is sent until they /start again
    state: str | None = Field(default=None, max_length=32)
    # Telegram re-delivers updates; one already handled for this chat is skipped.
    last_update_id: int | None = Field(default=None, sa_type=BigInteger)
    # "<message id>:<hash>" of the last message edited, so a double tap never edits to identical content.
    screen: str | None = Field(default=None, max_length=40)
    draft: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    # Flood control (bot/services/quota.py): updates counted in a one-minute window; beyond the limit, a pause.
    flood_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    flood_count: int = 0
    paused_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    muted_until: datetime | None = Field(default=None, sa_type=UTCDateTime)  # by an admin: no ratings, no comments
    # Part of the pseudonyms officials see (bot/services/tickets.py): drawn with the row, so a resident who erased
    # their data and comes back is a new pseudonym, not linkable to the old one.
    pseudonym_salt: str | None = Field(default=None, sa_column=Column(String(16), nullable=False, default=new_salt))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def _ticket_default(context: Any) -> str:
    return new_ticket(context.get_current_parameters()["region_code"])


class Feedback(SQLModel, table=True):
    """One rating (with an optional comment); history is kept, the latest per resident counts."""

    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="ck_feedback_rating"),
        CheckConstraint(f"status IN ({sql_list(FeedbackStatus)})", name="ck_feedback_status"),
        # Chosen by measuring the summary on a million ratings (bench/README.md): each serves a
        # figure from the index alone.
        # `moderation` comes last so the figures, which leave out what officials marked, stay index-only.
        Index("ix_feedback_program_rated", "program_id", "superseded", "created_at", "rating", "moderation"),
        Index("ix_feedback_region_created_rating", "region_code", "created_at", "rating", "moderation"),
        Index("ix_feedback_region_commented", "region_code", "created_at", "moderation",
              sqlite_where=text("comment IS NOT NULL"), postgresql_where=text("comment IS NOT NULL")),
        Index("ix_feedback_waiting", "region_code", "status", "moderation",
              sqlite_where=text(WAITING), postgresql_where=text(WAITING)),
        # 'test': a simulator resident's rating (storage/simulated.py), counted nowhere like spam.
        CheckConstraint("moderation IN ('spam', 'abusive', 'test')", name="ck_feedback_moderation"),
        Index("ix_feedback_region_status", "region_code", "status", "id"),  # the officials' inbox
        Index("ix_feedback_due", "due_at", sqlite_where=text(UNANSWERED), postgresql_where=text(UNANSWERED)),
        # The summary's deadline figures (storage/summary_deadlines.py), from the indexes alone: measured on a million
        # ratings with every comment clocked, a region's 7 days went from 409 ms to 28 ms on SQLite (with the verdicts').
        Index("ix_feedback_clock", "region_code", "clock_at", "program_id", "due_at", "answered_at", "moderation",
              "forwarded_to", sqlite_where=text(CLOCKED), postgresql_where=text(CLOCKED)),
        Index("ix_feedback_region_due", "region_code", "due_at", "program_id", "moderation",
              sqlite_where=text(UNANSWERED), postgresql_where=text(UNANSWERED)),
    )

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger, ForeignKey(RESIDENT_FK, ondelete="SET NULL"), nullable=True, index=True),
    )
    program_id: int = Field(foreign_key="programs.id")
    region_code: str = Field(foreign_key="regions.code", max_length=8)
    rating: int
    comment: str | None = Field(default=None, sa_type=Text)
    status: str = Field(default=FeedbackStatus.NEW, max_length=12)
    superseded: bool = False
    # Re-delivered updates and double taps carry the same key, so the row is stored once.
    dedup_key: str | None = Field(default=None, max_length=80, unique=True)
    satisfied: bool | None = None  # the resident's answer when the ticket was closed
    # Marked by an official (spam | abusive): kept and shown as such, left out of every figure and the inbox.
    moderation: str | None = Field(default=None, max_length=12)
    needs_review: bool = False  # the word list found an insult: shown as "perlu ditinjau", never hidden by itself
    # The number residents and officials use ("3273-K7PXD"): per region, random, so not a count of tickets.
    ticket: str | None = Field(
        default=None, sa_column=Column(String(16), nullable=False, unique=True, index=True, default=_ticket_default)
    )
    # The deadline of the first answer (bot/services/deadlines.py): the clock starts with the comment, or when the
    # ticket was moved to another region; the notices are claimed once each, whatever the number of processes.
    clock_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # the first answer after clock_at
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    overdue_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # marked selesai (auto-confirmed later)
    forwarded_to: str | None = Field(default=None, max_length=12)  # another body's (ForwardBody): out of the queue
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TicketMessage(SQLModel, table=True):
    """The conversation on a ticket: answers, residents' follow-ups, status changes."""

    __tablename__ = "ticket_messages"
    __table_args__ = (
        CheckConstraint("kind IN ('answer', 'followup', 'status', 'satisfaction')", name="ck_ticket_messages_kind"),
        # The residents' verdicts on closures in a period (the rejected closures of storage/summary_deadlines.py).
        Index("ix_ticket_messages_verdict", "status", "at", "feedback_id",
              sqlite_where=text(VERDICTS), postgresql_where=text(VERDICTS)),
    )

    id: int | None = Field(default=None, primary_key=True)
    feedback_id: int = Field(
        sa_column=Column(ForeignKey("feedback.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    kind: str = Field(max_length=12)
    official_id: int | None = Field(default=None, sa_type=BigInteger)
    text: str | None = Field(default=None, sa_type=Text)
    status: str | None = Field(default=None, max_length=12)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OutboundStatus(SQLModel, table=True):
    """What each bot process's outbound path reported last (queues, rate, retries): no personal data."""

    __tablename__ = "outbound_status"

    process: str = Field(primary_key=True, max_length=120)  # host:pid
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    data: str = Field(sa_type=Text)  # JSON


class DigestRun(SQLModel, table=True):
    """A region's weekly digest, claimed once per week so a restart never sends it twice."""

    __tablename__ = "digest_runs"

    region_code: str = Field(foreign_key="regions.code", primary_key=True, max_length=8)
    week_start: date = Field(primary_key=True)
    claimed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent: int = 0


class ProgramFollow(SQLModel, table=True):
    """A resident who wants news of one program (its status changes, its announcements)."""

    __tablename__ = "program_follows"

    resident_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey(RESIDENT_FK, ondelete="CASCADE"), primary_key=True, autoincrement=False
        )
    )
    program_id: int = Field(foreign_key="programs.id", primary_key=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
