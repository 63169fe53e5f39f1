"""Queries of the data API: its tokens, and the feed of a region's feedback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, literal, select, tuple_
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import run_select
from storage.models import ApiToken, Feedback, Program, Region, Resident, UTCDateTime
from storage.simulated import real_feedback
from storage.tables_tickets import Evidence


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
    has_photo: bool = False  # the resident added a photo (only whether: the API never serves it)


async def add_token(session: AsyncSession, *, token_hash: str, region_code: str, label: str | None) -> ApiToken:
    token = ApiToken(token_hash=token_hash, region_code=region_code, label=label)
    session.add(token)
    await session.flush()  # the id, for the audit log and the operator
    return token


async def token_by_hash(session: AsyncSession, *, token_hash: str) -> ApiToken | None:
    stmt = select(ApiToken).where(col(ApiToken.token_hash) == token_hash)
    return (await run_select(session, stmt)).scalars().first()


async def get_token(session: AsyncSession, *, token_id: int) -> ApiToken | None:
    return await session.get(ApiToken, token_id)


async def list_tokens(session: AsyncSession) -> list[tuple[ApiToken, str]]:
    """Every token with its region's name, oldest first (one query)."""
    stmt = select(ApiToken, col(Region.name)).join(Region, col(Region.code) == col(ApiToken.region_code)).order_by(col(ApiToken.id))
    return [(token, name) for token, name in (await run_select(session, stmt)).all()]


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
    conditions = [col(Feedback.region_code) == region_code, real_feedback()]  # never the simulator's
    if after is not None:
        at, last_id = after
        lower = at if since is None else max(since, at)
        key = tuple_(literal(at, UTCDateTime()), literal(last_id, Integer()))
        conditions.append(tuple_(col(Feedback.created_at), col(Feedback.id)) > key)
    if lower is not None:
        conditions.append(col(Feedback.created_at) >= lower)  # the index range on both databases
    stmt = (
        select(
            col(Feedback.id), col(Feedback.ticket), col(Feedback.program_id), col(Program.name), col(Feedback.resident_id),
            col(Resident.pseudonym_salt), col(Feedback.rating), col(Feedback.comment), col(Feedback.status), col(Feedback.satisfied),
            col(Feedback.superseded), col(Feedback.created_at), col(Feedback.updated_at),
            (col(Evidence.photo).is_not(None) | col(Evidence.photo_file).is_not(None)),
        )
        .join(Program, col(Program.id) == col(Feedback.program_id))
        .outerjoin(Resident, col(Resident.telegram_id) == col(Feedback.resident_id))
        .outerjoin(Evidence, col(Evidence.feedback_id) == col(Feedback.id))
        .where(*conditions)
        .order_by(col(Feedback.created_at), col(Feedback.id))
        .limit(limit)
    )
    return [FeedItem(*row) for row in (await run_select(session, stmt)).all()]
