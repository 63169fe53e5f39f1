"""The tables of the people who run the service: officials and their regions, invitations, the audit log, and the
deployment's generated key. Re-exported by storage.models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, ForeignKey
from sqlmodel import Field, SQLModel

from storage.columns import UTCDateTime, utcnow


class Official(SQLModel, table=True):
    """Someone who reads and answers feedback: an official of some regions, or an admin of all."""

    __tablename__ = "officials"
    __table_args__ = (CheckConstraint("role IN ('official', 'admin')", name="ck_officials_role"),)

    telegram_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    role: str = Field(default="official", max_length=10)
    digest: bool = True  # the weekly summary on Monday morning
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OfficialRegion(SQLModel, table=True):
    """Which regions an official belongs to."""

    __tablename__ = "official_regions"

    official_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("officials.telegram_id", ondelete="CASCADE"), primary_key=True, autoincrement=False
        )
    )
    region_code: str = Field(foreign_key="regions.code", primary_key=True, max_length=8, index=True)
    coordinator: bool = False  # told of the region's overdue tickets (`quickwin official add --coordinator`)


class Invite(SQLModel, table=True):
    """A single-use link that makes whoever opens it an official of a region; only its code's hash is stored."""

    __tablename__ = "invites"

    code_hash: str = Field(primary_key=True, max_length=64)  # SHA-256 of the code in the link, as for login links
    # No foreign key: a link for a region that was removed must still be found, to be refused clearly.
    region_code: str = Field(max_length=8)
    created_by: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_by: int | None = Field(default=None, sa_type=BigInteger)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DeploymentKey(SQLModel, table=True):
    """The random key a deployment without SECRET_KEY generates on its first start, shared by its processes."""

    __tablename__ = "deployment_keys"

    name: str = Field(primary_key=True, max_length=40)
    secret: str = Field(max_length=128)  # hex
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AuditEntry(SQLModel, table=True):
    """Who did what, when: every official or admin action."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, sa_type=BigInteger, index=True)  # None: the command line
    action: str = Field(max_length=40)
    target: str | None = Field(default=None, max_length=80)
    detail: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
