"""The dashboard's queries: filtered feedback, the programs table, a program's trend.

Every query takes the scope's region codes (None: the whole country) and applies them itself, so a
filter naming another region's program still finds nothing outside the scope.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, false, func, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import run_select
from storage.models import Feedback, Program, Region, Resident, TicketMessage
from storage.simulated import real_feedback
from storage.statuses import FeedbackStatus
from storage.summary_deadlines import deadline_conditions
from storage.summary_trend import weekly_trend  # the /ringkasan trend query, here narrowed to one program
from storage.tables_tickets import Evidence


@dataclass(frozen=True, slots=True)
class FeedbackFilter:
    region_codes: Sequence[str] | None  # None: every region (admins only)
    program_id: int | None = None
    rating: int | None = None
    status: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    text: str | None = None
    with_comment: bool = False
    deadline: str | None = None  # terlambat (overdue at `now`) | segera (due by `soon_until`)
    now: datetime | None = None
    soon_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class FeedbackRow:
    id: int
    ticket: str
    program_id: int
    program_name: str
    region_code: str
    region_name: str
    timezone: str
    rating: int
    comment: str | None
    status: str
    created_at: datetime
    resident_id: int | None
    satisfied: bool | None
    resident_salt: str | None  # for the pseudonym
    moderation: str | None = None  # spam | abusive, as an official marked it: kept here, out of the figures
    needs_review: bool = False  # the word list found an insult ("perlu ditinjau")
    has_photo: bool = False  # the resident added a photo (table evidence; its bytes are never read here)
    district_code: str | None = None  # the kecamatan of the location the resident added, if any
    lat: float | None = None  # the kecamatan's centre, or the exact point when `exact`
    lon: float | None = None
    exact: bool = False
    due_at: datetime | None = None  # the first answer's deadline (bot/services/deadlines.py)
    answered_at: datetime | None = None
    forwarded_to: str | None = None  # passed to another body: out of the queue


@dataclass(frozen=True, slots=True)
class ProgramRow:
    id: int
    name: str
    region_code: str
    region_name: str
    status: str
    removed: bool
    count: int  # current ratings (each resident's latest)
    average: float | None
    comments: int
    waiting: int  # comments still new


def _conditions(f: FeedbackFilter) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [real_feedback()]  # the simulator's test residents: never listed or exported
    if f.region_codes is not None:
        conds.append(col(Feedback.region_code).in_(list(f.region_codes)))
    if f.program_id is not None:
        conds.append(col(Feedback.program_id) == f.program_id)
    if f.rating is not None:
        conds.append(col(Feedback.rating) == f.rating)
    if f.status is not None:
        conds.append(col(Feedback.status) == f.status)
    if f.since is not None:
        conds.append(col(Feedback.created_at) >= f.since)
    if f.until is not None:
        conds.append(col(Feedback.created_at) < f.until)
    if f.deadline is not None and f.now is not None:
        conds += deadline_conditions(f.deadline == "terlambat", now=f.now, soon_until=f.soon_until or f.now)
    if f.with_comment:
        conds.append(col(Feedback.comment).is_not(None))
    if f.text:
        # lower() on both sides: SQLite's LIKE ignores case only for ASCII, PostgreSQL's not at all.
        conds.append(func.lower(col(Feedback.comment)).contains(f.text.lower(), autoescape=True))
    return conds


def _rows_query(f: FeedbackFilter):
    return (
        select(
            col(Feedback.id), col(Feedback.ticket), col(Feedback.program_id), col(Program.name), col(Feedback.region_code), col(Region.name),
            col(Region.timezone), col(Feedback.rating), col(Feedback.comment), col(Feedback.status), col(Feedback.created_at),
            col(Feedback.resident_id), col(Feedback.satisfied), col(Resident.pseudonym_salt), col(Feedback.moderation),
            col(Feedback.needs_review),
            (col(Evidence.photo).is_not(None) | col(Evidence.photo_file).is_not(None)),
            col(Evidence.district_code), col(Evidence.lat), col(Evidence.lon), func.coalesce(col(Evidence.exact), false()),
            col(Feedback.due_at), col(Feedback.answered_at), col(Feedback.forwarded_to),
        )
        .join(Program, col(Program.id) == col(Feedback.program_id))
        .join(Region, col(Region.code) == col(Feedback.region_code))
        .outerjoin(Resident, col(Resident.telegram_id) == col(Feedback.resident_id))
        .outerjoin(Evidence, col(Evidence.feedback_id) == col(Feedback.id))
        .where(*_conditions(f))
        .order_by(col(Feedback.id).desc())
    )


async def feedback_page(
    session: AsyncSession, f: FeedbackFilter, *, offset: int, limit: int
) -> tuple[list[FeedbackRow], int]:
    """One page of the filtered feedback, newest first, and how many match in all (two queries)."""
    total = await session.scalar(select(func.count()).select_from(Feedback).where(*_conditions(f)))
    rows = (await session.exec(_rows_query(f).offset(offset).limit(limit))).all()
    return [FeedbackRow(*row) for row in rows], int(total or 0)


async def count_feedback(session: AsyncSession, f: FeedbackFilter) -> int:
    """How many rows match the filter (an export counts before it loads anything)."""
    return int(await session.scalar(select(func.count()).select_from(Feedback).where(*_conditions(f))) or 0)


async def feedback_rows(
    session: AsyncSession, f: FeedbackFilter, *, limit: int, before_id: int | None = None
) -> list[FeedbackRow]:
    """Up to `limit` filtered rows, newest first, with ids below `before_id` (exports read them in chunks)."""
    stmt = _rows_query(f)
    if before_id is not None:
        stmt = stmt.where(col(Feedback.id) < before_id)
    rows = (await session.exec(stmt.limit(limit))).all()
    return [FeedbackRow(*row) for row in rows]


async def conversations(session: AsyncSession, feedback_ids: Sequence[int]) -> dict[int, list[TicketMessage]]:
    """The messages on each of these tickets, oldest first (one query)."""
    if not feedback_ids:
        return {}
    stmt = (
        select(TicketMessage)
        .where(col(TicketMessage.feedback_id).in_(list(feedback_ids)))
        .order_by(col(TicketMessage.id))
    )
    found: dict[int, list[TicketMessage]] = {}
    for message in (await run_select(session, stmt)).scalars():
        found.setdefault(message.feedback_id, []).append(message)
    return found


async def program_table(session: AsyncSession, *, region_codes: Sequence[str] | None) -> list[ProgramRow]:
    """The scope's programs (removed ones only if they have feedback) with their figures, by name (two queries)."""
    scope = [] if region_codes is None else [col(Program.region_code).in_(list(region_codes))]
    current = col(Feedback.superseded) == false()
    commented = col(Feedback.comment).is_not(None)
    stats = (
        select(
            col(Feedback.program_id),
            func.count(case((current, 1))),
            func.avg(case((current, col(Feedback.rating)))),
            func.count(case((commented, 1))),
            func.count(case((commented & (col(Feedback.status) == FeedbackStatus.NEW), 1))),
        )
        .where(*([] if region_codes is None else [col(Feedback.region_code).in_(list(region_codes))]))
        .where(col(Feedback.moderation).is_(None))  # marked spam or abusive: not counted
        .group_by(col(Feedback.program_id))
    )
    figures = {int(pid): (int(n), avg, int(c), int(w)) for pid, n, avg, c, w in (await run_select(session, stats)).all()}
    programs = (
        select(col(Program.id), col(Program.name), col(Program.region_code), col(Region.name), col(Program.status), col(Program.removed_at))
        .join(Region, col(Region.code) == col(Program.region_code))
        .where(*scope)
        .order_by(col(Program.name), col(Program.id))
    )
    rows = []
    for pid, name, code, region_name, status, removed_at in (await run_select(session, programs)).all():
        n, avg, comments, waiting = figures.get(int(pid), (0, None, 0, 0))
        if removed_at is not None and not (n or comments):
            continue
        rows.append(ProgramRow(int(pid), name, code, region_name, status, removed_at is not None, n,
                               float(avg) if avg is not None else None, comments, waiting))
    return rows


async def program_choices(session: AsyncSession, *, region_codes: Sequence[str] | None) -> list[tuple[int, str, str]]:
    """(id, name, region name) of the scope's programs, removed ones included, for the filter's list."""
    stmt = select(col(Program.id), col(Program.name), col(Region.name)).join(Region, col(Region.code) == col(Program.region_code))
    if region_codes is not None:
        stmt = stmt.where(col(Program.region_code).in_(list(region_codes)))
    rows = (await run_select(session, stmt.order_by(col(Program.name), col(Program.id)))).all()
    return [(int(i), name, region) for i, name, region in rows]


async def program_trend(
    session: AsyncSession, *, program_id: int, until: datetime, zone: str
) -> list[tuple[date, int, float | None]]:
    """Ratings and average per local week for one program: the summary's 12-week trend."""
    return await weekly_trend(session, scope=[col(Feedback.program_id) == program_id], until=until, zone=zone)
