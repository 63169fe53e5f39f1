"""The tables of a ticket's journey beyond its conversation: where it was forwarded, and the evidence a resident
added (one photo, one location). Indexed by storage.models."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, LargeBinary, Text
from sqlmodel import Field, SQLModel

from storage.columns import UTCDateTime, utcnow

FEEDBACK_FK = "feedback.id"


class TicketForward(SQLModel, table=True):
    """A ticket an official passed on: to another region (`to_region`) or to another body (`body`)."""

    __tablename__ = "ticket_forwards"

    id: int | None = Field(default=None, primary_key=True)
    feedback_id: int = Field(sa_column=Column(ForeignKey(FEEDBACK_FK, ondelete="CASCADE"), nullable=False, index=True))
    official_id: int | None = Field(default=None, sa_type=BigInteger)
    from_region: str = Field(max_length=8)
    to_region: str | None = Field(default=None, max_length=8)  # moved to another kabupaten/kota
    body: str | None = Field(default=None, max_length=12)  # storage.statuses.ForwardBody
    reason: str = Field(sa_type=Text)
    reference: str | None = Field(default=None, max_length=60)  # the number there (SP4N-LAPOR!, the utility…)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Evidence(SQLModel, table=True):
    """What a resident added to a comment: one photo (re-encoded, no metadata) and/or one location.

    The photo's bytes are here, or in the configured folder (`photo_file`, a name inside it). The location is the
    kecamatan's centre unless the resident agreed to share the exact point (`exact`).
    """

    __tablename__ = "evidence"

    feedback_id: int = Field(sa_column=Column(ForeignKey(FEEDBACK_FK, ondelete="CASCADE"), primary_key=True,
                                              autoincrement=False))
    photo: bytes | None = Field(default=None, sa_type=LargeBinary)
    photo_file: str | None = Field(default=None, max_length=80)
    photo_width: int | None = None
    photo_height: int | None = None
    lat: float | None = None
    lon: float | None = None
    district_code: str | None = Field(default=None, max_length=13)  # the kecamatan the point lies in
    exact: bool = False
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
