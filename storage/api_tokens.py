"""Queries of the data API: its tokens, and the feed of a region's feedback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, literal, select, tuple_
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ApiToken, Feedback, Program, Region, Resident, UTCDateTime


@dataclass(frozen=True, slots=True)
class FeedItem:
    id: int
    ticket: str
    program_id: int
    program_name: str
    resident_id: int | None
    resident_salt: str | None  # for the pseudonym
    rating: int
    comment: str | None
    status: str
    satisfied: bool | None
    superseded: bool
    created_at: datetime
    updated_at: datetime


async def add_token(session: AsyncSession, *, token_hash: str, region_code: str, label: str | None) -> ApiToken:
    token = ApiToken(token_hash=token_hash, region_code=region_code, label=label)
    session.add(token)
    await session.flush()  # the id, for the audit log and the operator
    return token


async def token_by_hash(session: AsyncSession, *, token_hash: str) -> ApiToken | None:
    stmt = select(ApiToken).where(ApiToken.token_hash == token_hash)
    return (await session.exec(stmt)).scalars().first()  # type: ignore[call-overload, no-any-return]


async def get_token(session: AsyncSession, *, token_id: int) -> ApiToken | None:
    return await session.get(ApiToken, token_id)


async def list_tokens(session: AsyncSession) -> list[tuple[ApiToken, str]]:
    """Every token with its region's name, oldest first (one query)."""
    stmt = select(ApiToken, Region.name).join(Region, Region.code == ApiToken.region_code).order_by(ApiToken.id)
    return [(token, name) for token, name in (await session.exec(stmt)).all()]  # type: ignore[call-overload]


async def feed_page(
    session: AsyncSession,
    *,
    region_code: str,
    since: datetime | None,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[FeedItem]:
    """A region's feedback created at or after `since`, strictly after the (created_at, id) key `after`, oldest first.

    Ordered by (created_at, id) so that every page is one range of ix_feedback_region_created: on SQLite the
    index ends with the rowid, and PostgreSQL only sorts rows sharing a timestamp. Ordering by id alone would
    sort the whole region's range on every page, or walk the primary key from the beginning.
    """
    lower = since
    conditions = [Feedback.region_code == region_code]
    if after is not None:
        at, last_id = after
        lower = at if since is None else max(since, at)
        key = tuple_(literal(at, UTCDateTime()), literal(last_id, Integer()))
        conditions.append(tuple_(Feedback.created_at, Feedback.id) > key)  # type: ignore[arg-type]
    if lower is not None:
        conditions.append(Feedback.created_at >= lower)  # type: ignore[arg-type]  # the index range on both databases
    stmt = (
        select(
            Feedback.id, Feedback.ticket, Feedback.program_id, Program.name, Feedback.resident_id,
            Resident.pseudonym_salt, Feedback.rating, Feedback.comment, Feedback.status, Feedback.satisfied,
            Feedback.superseded, Feedback.created_at, Feedback.updated_at,
        )
        .join(Program, Program.id == Feedback.program_id)
        .outerjoin(Resident, Resident.telegram_id == Feedback.resident_id)
        .where(*conditions)
        .order_by(Feedback.created_at, Feedback.id)
        .limit(limit)
    )
    return [FeedItem(*row) for row in (await session.exec(stmt)).all()]  # type: ignore[call-overload]
