"""The raw sums behind the public figures (the page /publik and the open-data files): per program and local month.

Counted from the feedback rows (the roll-ups cannot count distinct residents), in three queries whatever the
amount of feedback or the number of programs:
- ratings and comments by the local calendar month of `created_at`;
- the deadline figures (storage/summary_deadlines.py's definitions) by the local calendar month of `clock_at`;
- the programs and regions that have a public figure at all (not removed).
Each of the first two returns four levels in one UNION ALL: (program, month), (program, the whole window),
(region, month), (region, the whole window), so that the distinct residents of every level are counted by the
database, not added up (a resident who rated twice, or two programs, is one resident).

What counts, as the summaries count it:
- months are the region's own calendar months (WIB, WITA or WIT: storage/zones.py), the window the `months`
  months up to and including the one `now` falls in (the current month so far);
- every rating given in the month counts in the number and the average (a re-rating too, as the summary's
  distribution counts every rating);
- a program's figures are its region's (programs.region_code), so a region is the sum of its programs; removed
  programs count nowhere;
- feedback marked as spam, abusive or as the simulator's test resident's (feedback.moderation, see
  storage/simulated.py) counts nowhere;
- a comment counts in the on-time share once it was answered or its due date passed (at `now`), answered at or
  before its due date is on time, a ticket passed to another body counts nowhere;
- residents are counted by their id; a resident who erased their data (resident_id NULL) is no longer counted as
  a contributor, so such a cell can only be suppressed more, never less.
No comment text, name or resident id leaves this module: only counts and sums. The rules of what may be
published (small-cell suppression) are bot/services/public_figures.py's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, case, cast, func, literal_column, null, or_, select, union_all
from sqlalchemy.sql.elements import ColumnClause, ColumnElement
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import run_select
from storage.models import Feedback, Program, Region
from storage.summary_trend import not_moderated
from storage.zones import DEFAULT_ZONE, ZONE_HOURS

PROGRAM, REGION = "p", "r"  # the level of a row: a program's, a region's
WHOLE = ""  # the month of a row for the whole window
_LEVELS: tuple[tuple[str, bool], ...] = ((PROGRAM, True), (PROGRAM, False), (REGION, True), (REGION, False))


@dataclass(slots=True)
class RawCell:
    """The sums of one program or region, for one month or the whole window; no suppression applied yet."""

    ratings: int = 0
    raters: int = 0  # distinct residents who rated
    rating_sum: int = 0
    comments: int = 0
    commenters: int = 0  # distinct residents who commented
    settled: int = 0  # comments answered, or unanswered past their due date (summary_deadlines.py)
    on_time: int = 0  # of those, answered at or before the due date
    settled_residents: int = 0  # distinct residents of the settled comments


@dataclass(frozen=True, slots=True)
class PublicProgram:
    id: int
    name: str
    region_code: str


@dataclass(frozen=True, slots=True)
class PublicRegion:
    code: str
    name: str
    kind: str  # kabupaten | kota
    province: str
    timezone: str  # WIB | WITA | WIT


@dataclass(frozen=True, slots=True)
class RawFigures:
    """Keys: (PROGRAM, program id) or (REGION, region code), then the month's first day, or None: the whole window."""

    regions: list[PublicRegion]  # by province, then name
    programs: list[PublicProgram]  # by region, then name
    cells: dict[tuple[str, int | str], dict[date | None, RawCell]]


def month_starts(now: datetime, zone: str, months: int) -> list[date]:
    """The first days of the `months` local calendar months up to the one `now` falls in, oldest first."""
    local = (now.astimezone(UTC) + timedelta(hours=ZONE_HOURS.get(zone, ZONE_HOURS[DEFAULT_ZONE]))).date()
    index = local.year * 12 + local.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - months + 1, index + 1)]


def _window_start(now: datetime, zone: str, months: int) -> datetime:
    """The UTC instant of the local midnight that opens the window in `zone`."""
    first = month_starts(now, zone, months)[0]
    return datetime(first.year, first.month, 1, tzinfo=UTC) - timedelta(hours=ZONE_HOURS[zone])


def _month(dialect: str, column: Any) -> ColumnElement[Any]:
    """'YYYY-MM' of a UTC timestamp in the row's region's zone. Constants inlined, as the summaries' weeks are."""
    def shifted(hours: int) -> ColumnElement[Any]:
        if dialect == "sqlite":
            return func.strftime(literal_column("'%Y-%m'"), column, literal_column(f"'+{hours} hours'"))
        local = func.timezone(literal_column("'UTC'"), column) + literal_column(f"INTERVAL '{hours} hours'")
        return func.to_char(local, literal_column("'YYYY-MM'"))

    zone = col(Region.timezone)
    return case(
        (zone == literal_column("'WITA'"), shifted(ZONE_HOURS["WITA"])),
        (zone == literal_column("'WIT'"), shifted(ZONE_HOURS["WIT"])),
        else_=shifted(ZONE_HOURS[DEFAULT_ZONE]),
    )


def _in_window(column: Any, now: datetime, months: int) -> list[ColumnElement[bool]]:
    """From the window's local start in the row's zone, up to `now`."""
    zone = col(Region.timezone)
    starts = {name: _window_start(now, name, months) for name in ZONE_HOURS}
    others = [name for name in ZONE_HOURS if name != DEFAULT_ZONE]
    return [
        column < now,
        column >= min(starts.values()),  # one bound the (region, time) indexes can use
        or_(*[and_(zone == literal_column(f"'{name}'"), column >= starts[name]) for name in others],
            and_(zone.not_in([literal_column(f"'{name}'") for name in others]), column >= starts[DEFAULT_ZONE])),
    ]


def _scope(region_codes: Sequence[str] | None) -> list[ColumnElement[bool]]:
    removed: list[ColumnElement[bool]] = [col(Program.removed_at).is_(None)]
    return removed + (
        [] if region_codes is None else [col(Program.region_code).in_(list(region_codes))]
    )


def _levels(base: Any, sums: list[ColumnElement[Any]]) -> Any:
    """The four levels of `base` (a subquery of program, region, month, ...) in one UNION ALL."""
    parts = []
    for level, monthly in _LEVELS:
        key = base.c.program_id if level == PROGRAM else base.c.region_code
        month: ColumnElement[Any] = base.c.month if monthly else literal_column(f"'{WHOLE}'")
        label: ColumnClause[str] = literal_column(f"'{level}'")
        stmt = select(label, cast(key, String), month, *sums).select_from(base)
        parts.append(stmt.group_by(key, base.c.month) if monthly else stmt.group_by(key))
    return union_all(*parts)


async def raw_figures(
    session: AsyncSession, *, region_codes: Sequence[str] | None, now: datetime, months: int = 12
) -> RawFigures:
    """The sums of every program and region of the scope (None: the whole country); three queries."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    dialect = session.bind.dialect.name  # type: ignore[union-attr]
    joined = [col(Program.id) == col(Feedback.program_id), col(Region.code) == col(Program.region_code)]
    rated = (
        select(col(Feedback.program_id), col(Program.region_code), _month(dialect, col(Feedback.created_at)).label("month"),
               col(Feedback.resident_id), col(Feedback.rating), col(Feedback.comment).is_not(None).label("commented"))
        .where(*joined, *_scope(region_codes), not_moderated(), *_in_window(col(Feedback.created_at), now, months))
        .subquery()
    )
    commenter = case((rated.c.commented, rated.c.resident_id), else_=null())
    ratings_stmt = _levels(rated, [
        func.count(), func.count(func.distinct(rated.c.resident_id)), func.sum(rated.c.rating),
        func.count(case((rated.c.commented, 1))), func.count(func.distinct(commenter)),
    ])
    answered = col(Feedback.answered_at).is_not(None)
    clocked = (
        select(col(Feedback.program_id), col(Program.region_code), _month(dialect, col(Feedback.clock_at)).label("month"),
               col(Feedback.resident_id),
               case((answered & (col(Feedback.answered_at) <= col(Feedback.due_at)), 1), else_=0).label("on_time"))
        .where(*joined, *_scope(region_codes), not_moderated(), col(Feedback.clock_at).is_not(None),
               col(Feedback.forwarded_to).is_(None), answered | (col(Feedback.due_at) <= now),
               *_in_window(col(Feedback.clock_at), now, months))
        .subquery()
    )
    deadlines_stmt = _levels(clocked, [
        func.count(), func.sum(clocked.c.on_time), func.count(func.distinct(clocked.c.resident_id)),
    ])
    listing = (
        select(col(Program.id), col(Program.name), col(Region.code), col(Region.name), col(Region.kind),
               col(Region.province), col(Region.timezone))
        .join(Region, col(Region.code) == col(Program.region_code))
        .where(*_scope(region_codes))
        .order_by(col(Region.province), col(Region.name), col(Region.code), col(Program.name), col(Program.id))
    )
    cells: dict[tuple[str, int | str], dict[date | None, RawCell]] = {}

    def cell(level: str, key: str, month: str) -> RawCell:
        k: int | str = int(key) if level == PROGRAM else key
        when = None if month == WHOLE else date(int(month[:4]), int(month[5:7]), 1)
        return cells.setdefault((level, k), {}).setdefault(when, RawCell())

    for level, key, month, n, raters, total, comments, commenters in (await run_select(session, ratings_stmt)).all():
        found = cell(level, key, month)
        found.ratings, found.raters, found.rating_sum = int(n), int(raters), int(total or 0)
        found.comments, found.commenters = int(comments or 0), int(commenters or 0)
    for level, key, month, n, on_time, residents in (await run_select(session, deadlines_stmt)).all():
        found = cell(level, key, month)
        found.settled, found.on_time, found.settled_residents = int(n), int(on_time or 0), int(residents)
    regions: dict[str, PublicRegion] = {}
    programs: list[PublicProgram] = []
    for pid, name, code, region_name, kind, province, zone in (await run_select(session, listing)).all():
        regions.setdefault(code, PublicRegion(code, region_name, kind, province, zone))
        programs.append(PublicProgram(int(pid), name, code))
    return RawFigures(regions=list(regions.values()), programs=programs, cells=cells)


async def regions_with_programs(session: AsyncSession) -> list[tuple[str, str]]:
    """(code, name) of every region with a program not removed, by name: the regions /publik lists; one query."""
    stmt = (
        select(col(Region.code), col(Region.name))
        .where(col(Region.code).in_(select(col(Program.region_code)).where(col(Program.removed_at).is_(None))))
        .order_by(col(Region.name), col(Region.code))
    )
    return [(code, name) for code, name in (await run_select(session, stmt)).all()]
