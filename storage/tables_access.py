"""The dashboard and data-API access tables: login links, web sessions, API tokens. Indexed by storage.models."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from storage.columns import UTCDateTime, utcnow


class LoginToken(SQLModel, table=True):
    """A one-time dashboard login link sent in the chat; only its hash is stored."""

    __tablename__ = "login_tokens"

    token_hash: str = Field(primary_key=True, max_length=64)
    official_id: int = Field(sa_type=BigInteger, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebSession(SQLModel, table=True):
    """A signed-in dashboard session; the cookie carries the id, the database only its hash."""

    __tablename__ = "web_sessions"

    session_hash: str = Field(primary_key=True, max_length=64)
    official_id: int = Field(sa_type=BigInteger, index=True)
    csrf_token: str = Field(max_length=64)
    language: str | None = Field(default=None, max_length=5)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiToken(SQLModel, table=True):
    """A region's token for the data API; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    region_code: str = Field(foreign_key="regions.code", max_length=8, index=True)
    label: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
