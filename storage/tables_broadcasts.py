"""The announcement tables: a broadcast and one row per recipient. Indexed by storage.models."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Index, LargeBinary, Text
from sqlmodel import Field, SQLModel

from storage.columns import UTCDateTime, utcnow
from storage.statuses import BroadcastState, RecipientStatus, sql_list


class Broadcast(SQLModel, table=True):
    """An announcement: data first (this row and one per recipient), traffic second."""

    __tablename__ = "broadcasts"
    __table_args__ = (
        # newprog: residents of a region who asked to hear when its first program is listed
        CheckConstraint(
            "audience IN ('all', 'province', 'region', 'program', 'newprog')", name="ck_broadcasts_audience"
        ),
        CheckConstraint(
            f"state IN ({sql_list(BroadcastState)})", name="ck_broadcasts_state"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    created_by: int | None = Field(default=None, sa_type=BigInteger)  # None: the command line
    audience: str = Field(max_length=10)
    audience_code: str | None = Field(default=None, max_length=12)  # province "32", region "32.73", program id
    text: str = Field(sa_type=Text)  # Telegram HTML, validated before it is stored
    photo: bytes | None = Field(default=None, sa_type=LargeBinary)
    urgent: bool = False  # a warning: goes out at once, quiet hours or not
    state: str = Field(default=BroadcastState.SCHEDULED, max_length=10, index=True)
    send_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    total: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    progress_chat_id: int | None = Field(default=None, sa_type=BigInteger)  # the sender's live progress message
    progress_message_id: int | None = None
    photo_file_id: str | None = Field(default=None, max_length=200)  # after the first upload, reuse it
    survey_id: int | None = Field(  # a survey: its intro and first question go out instead of `text`
        default=None, sa_column=Column(ForeignKey("surveys.id", ondelete="SET NULL"), nullable=True)
    )


class BroadcastRecipient(SQLModel, table=True):
    """One resident of one broadcast: pending → sent | blocked | failed. Written before anything is sent."""

    __tablename__ = "broadcast_recipients"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_list(RecipientStatus)})", name="ck_recipients_status"),
        Index("ix_recipients_queue", "broadcast_id", "status", "next_attempt_at"),
    )

    broadcast_id: int = Field(
        sa_column=Column(ForeignKey("broadcasts.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    )
    resident_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    zone: str = Field(max_length=4)  # the recipient region's zone, for quiet hours
    status: str = Field(default=RecipientStatus.PENDING, max_length=8)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error: str | None = Field(default=None, max_length=200)
