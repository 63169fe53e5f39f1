"""The summary's figures of deadlines: answered on time, time to the first answer, overdue, due soon, rejected closures.

Per program and per region of the scope, for a period and the equal-length period before it, in five queries
whatever the amount of feedback, each returning rows per program (not per comment):
- the comments whose clock started in the period (feedback.clock_at): settled, on time, answered;
- the middle ones of their times to the first answer, in whole minutes, by window functions (the median of each
  program for a scope of one region, of each region for a wider one, and of the scope);
- the queue now: unanswered, not passed to another body, past due (overdue) or due by `soon_until` (due soon),
  read from the partial index of unanswered tickets (ix_feedback_due);
- the residents' "Belum" verdicts on a closure in the period (ticket_messages, kind 'satisfaction', status 'belum');
- the names of the programs and regions found.
What counts (the rules, in words for officials, are in the README, "Figures: on time, overdue, rejected closures"):
- a comment counts in the on-time share once it was answered or its due date has passed (at `now`): answered at
  or before due_at is on time; one still unanswered past its due date is late;
- a ticket passed to another body (forwarded_to) is not the region's to answer: out of every deadline figure;
- comments marked as spam or abusive count nowhere, as in the other figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, case, cast, extract, func, literal_column, or_, select, union_all
from sqlalchemy.sql.elements import ColumnClause, ColumnElement
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import run_select
from storage.models import Feedback, Program, Region, TicketMessage
from storage.summary_trend import feedback_in, not_moderated

# A literal, not a parameter: SQLite uses the partial index of verdicts only when the query repeats its constant.
VERDICT: ColumnClause[str] = literal_column("'satisfaction'")
REJECTED = "belum"  # the resident's "Belum" on a closed ticket: tindak lanjut ditolak
CURRENT, PREVIOUS = 1, 0
PROGRAM_ROW: ColumnClause[str] = literal_column("'p'")  # the names query's rows: a program's, a region's
REGION_ROW: ColumnClause[str] = literal_column("'r'")


@dataclass(slots=True)
class PeriodDeadlines:
    """One period's comments with a clock: how many settled (answered, or past due), on time, and how fast."""

    settled: int = 0  # answered, or unanswered past their due date
    on_time: int = 0  # answered at or before due_at
    answered: int = 0
    middle: list[int] = field(default_factory=list)  # the one or two middle times to the first answer, in minutes
    rejected: int = 0  # "Belum" verdicts on a closure in the period

    @property
    def on_time_share(self) -> float | None:
        """The share answered on time (0-1), None with nothing settled."""
        return self.on_time / self.settled if self.settled else None

    @property
    def median_minutes(self) -> float | None:
        """The median time to the first answer in minutes (the mean of the two middle ones for an even count)."""
        return sum(self.middle) / len(self.middle) if self.middle else None


@dataclass(slots=True)
class DeadlineGroup:
    """A program's or a region's deadline figures.

    Medians: per program for a scope of one region, per region for a wider one (as the summaries show them);
    the other kind has none (median_minutes None) there.
    """

    key: int | str  # program id or region code
    name: str
    region_code: str
    current: PeriodDeadlines = field(default_factory=PeriodDeadlines)
    previous: PeriodDeadlines | None = None
    overdue: int = 0
    due_soon: int = 0


@dataclass(frozen=True, slots=True)
class DeadlineFigures:
    current: PeriodDeadlines
    previous: PeriodDeadlines | None  # the equal-length period before; None for "all time"
    overdue: int  # unanswered past due now
    due_soon: int  # unanswered, due after now and by soon_until
    programs: list[DeadlineGroup]  # most overdue first, then by name
    regions: list[DeadlineGroup]


def _minutes(dialect: str) -> ColumnElement[Any]:
    """Whole minutes from the clock's start to the first answer."""
    if dialect == "sqlite":  # stored as UTC text; strftime('%s') is whole seconds, so the division is exact
        seconds = (cast(func.strftime(literal_column("'%s'"), col(Feedback.answered_at)), Integer)
                   - cast(func.strftime(literal_column("'%s'"), col(Feedback.clock_at)), Integer))
        return seconds / literal_column("60")
    epoch = extract("epoch", col(Feedback.answered_at) - col(Feedback.clock_at))
    return cast(func.floor(epoch / literal_column("60")), Integer)


def _middle_answers(
    session: AsyncSession, label: ColumnElement[Any], where: list[ColumnElement[bool]], *, by_program: bool
) -> Any:
    """The middle answer times of each program (or each region) and of the whole scope, per period.

    Window functions: rows of (label, program, region, minutes, position and count in the program or region,
    position and count in the scope); only rows in a middle position of either come back, so at most four per
    program (or region) and period. A scope of one region asks by program, a wider one by region.
    """
    spent = (select(label.label("label"), col(Feedback.program_id), col(Feedback.region_code),
                    _minutes(session.bind.dialect.name).label("minutes"))  # type: ignore[union-attr]
             .where(*where).subquery())
    group = spent.c.program_id if by_program else spent.c.region_code
    windows: list[Any] = []
    for parts in ((spent.c.label, group), (spent.c.label,)):
        windows += [func.row_number().over(partition_by=parts, order_by=spent.c.minutes),
                    func.count().over(partition_by=parts)]
    ranked = select(spent.c.label, spent.c.program_id, spent.c.region_code, spent.c.minutes,
                    *[w.label(f"w{i}") for i, w in enumerate(windows)]).subquery()
    w = [ranked.c[f"w{i}"] for i in range(4)]
    # 1-based position i of n is a middle one when 2i is n, n + 1 or n + 2 (one for an odd n, two for an even)
    middle = [or_(2 * i == n, 2 * i == n + 1, 2 * i == n + 2) for i, n in ((w[0], w[1]), (w[2], w[3]))]
    return select(ranked.c.label, ranked.c.program_id, ranked.c.region_code, ranked.c.minutes, *w).where(or_(*middle))


def _unanswered() -> list[ColumnElement[bool]]:
    """The predicate of ix_feedback_due, term by term, so both databases read the queue from that index."""
    return [col(Feedback.due_at).is_not(None), col(Feedback.answered_at).is_(None), col(Feedback.forwarded_to).is_(None)]


def deadline_conditions(overdue: bool, *, now: datetime, soon_until: datetime) -> list[ColumnElement[bool]]:
    """Tickets overdue at `now`, or due after `now` and by `soon_until` (the dashboard's filter, as the figures)."""
    due = col(Feedback.due_at)
    return [*_unanswered(), not_moderated(), *([due <= now] if overdue else [due > now, due <= soon_until])]


async def queue_counts(
    session: AsyncSession, *, region_codes: Sequence[str] | None, now: datetime, soon_until: datetime,
    program_id: int | None = None,
) -> tuple[int, int]:
    """How many tickets of the scope (or of one program) are overdue at `now`, and how many due soon; one query."""
    late = col(Feedback.due_at) <= now
    scope = feedback_in(region_codes) + ([col(Feedback.program_id) == program_id] if program_id is not None else [])
    stmt = select(func.count(case((late, 1))), func.count(case((~late, 1)))).where(
        *scope, *_unanswered(), col(Feedback.due_at) <= max(now, soon_until), not_moderated()
    )
    overdue, soon = (await run_select(session, stmt)).one()
    return int(overdue or 0), int(soon or 0)


async def deadline_figures(
    session: AsyncSession,
    *,
    region_codes: Sequence[str] | None,
    since: datetime | None,
    until: datetime,
    now: datetime,
    soon_until: datetime,
) -> DeadlineFigures:
    """The deadline figures of [since, until) and the period before it, and the queue at `now`; five queries."""
    start = since - (until - since) if since is not None else None
    label = case((col(Feedback.clock_at) >= since, CURRENT), else_=PREVIOUS) if since is not None else literal_column(str(CURRENT))
    answered = col(Feedback.answered_at).is_not(None)
    settled = answered | (col(Feedback.due_at) <= now)
    on_time = case((answered & (col(Feedback.answered_at) <= col(Feedback.due_at)), 1), else_=0)
    clocked = [col(Feedback.clock_at) < until, col(Feedback.clock_at).is_not(None)]
    if start is not None:
        clocked.append(col(Feedback.clock_at) >= start)
    keys = (col(Feedback.program_id), col(Feedback.region_code))
    base = [*feedback_in(region_codes), *clocked, col(Feedback.forwarded_to).is_(None), not_moderated()]
    period_stmt = (
        select(label.label("label"), *keys, func.count(), func.sum(on_time), func.count(col(Feedback.answered_at)))
        .where(*base, settled)
        .group_by(literal_column("label"), *keys)
    )
    by_program = region_codes is not None and len(region_codes) == 1
    median_stmt = _middle_answers(session, label, [*base, answered], by_program=by_program)
    late = col(Feedback.due_at) <= now
    queue_stmt = (
        select(*keys, func.count(case((late, 1))), func.count(case((~late, 1))))
        .where(*feedback_in(region_codes), *_unanswered(), col(Feedback.due_at) <= max(now, soon_until), not_moderated())
        .group_by(*keys)
    )
    at = col(TicketMessage.at)
    verdict = case((at >= since, CURRENT), else_=PREVIOUS) if since is not None else literal_column(str(CURRENT))
    judged = [at < until] + ([at >= start] if start is not None else [])
    rejected_stmt = (
        select(verdict.label("label"), *keys, func.count())
        .select_from(TicketMessage)
        .join(Feedback, col(Feedback.id) == col(TicketMessage.feedback_id))
        .where(col(TicketMessage.kind) == VERDICT, col(TicketMessage.status) == REJECTED, *judged,
               *feedback_in(region_codes), not_moderated())
        .group_by(literal_column("label"), *keys)
    )
    programs: dict[int, DeadlineGroup] = {}
    regions: dict[str, DeadlineGroup] = {}
    totals = {CURRENT: PeriodDeadlines(), PREVIOUS: PeriodDeadlines()}
    queue = [0, 0]

    def groups(pid: int, code: str) -> list[DeadlineGroup]:
        found = [programs.setdefault(pid, DeadlineGroup(pid, "", code)), regions.setdefault(code, DeadlineGroup(code, "", code))]
        for group in found:
            if since is not None and group.previous is None:
                group.previous = PeriodDeadlines()
        return found

    def period(group: DeadlineGroup, key: int) -> PeriodDeadlines:
        return group.current if key == CURRENT else group.previous  # type: ignore[return-value]

    for key, pid, code, n, in_time, replied in (await run_select(session, period_stmt)).all():
        for target in [totals[int(key)]] + [period(g, int(key)) for g in groups(int(pid), code)]:
            target.settled += n
            target.on_time += int(in_time or 0)
            target.answered += replied
    for key, pid, code, spent, *ranks in (await run_select(session, median_stmt)).all():
        program, region = groups(int(pid), code)
        grouped = period(program if by_program else region, int(key))
        for target, i, n in ((grouped, ranks[0], ranks[1]), (totals[int(key)], ranks[2], ranks[3])):
            if 2 * i in (n, n + 1, n + 2):  # a middle one: the median is the mean of the one or two
                target.middle.append(max(0, int(spent)))
    if by_program:  # the one region's median is the scope's
        for region in regions.values():
            region.current.middle = list(totals[CURRENT].middle)
            if region.previous is not None:
                region.previous.middle = list(totals[PREVIOUS].middle)
    for pid, code, overdue, soon in (await run_select(session, queue_stmt)).all():
        queue[0] += overdue
        queue[1] += soon
        for group in groups(int(pid), code):
            group.overdue += overdue
            group.due_soon += soon
    for key, pid, code, n in (await run_select(session, rejected_stmt)).all():
        for target in [totals[int(key)]] + [period(g, int(key)) for g in groups(int(pid), code)]:
            target.rejected += n
    names_stmt = union_all(
        select(PROGRAM_ROW, cast(col(Program.id), String), col(Program.name)).where(col(Program.id).in_(list(programs))),
        select(REGION_ROW, col(Region.code), col(Region.name)).where(col(Region.code).in_(list(regions))),
    )
    for what, key, name in (await run_select(session, names_stmt)).all():
        if what == "p":
            programs[int(key)].name = name
        else:
            regions[key].name = name

    def order(found: dict[Any, DeadlineGroup]) -> list[DeadlineGroup]:
        return sorted(found.values(), key=lambda g: (-g.overdue, -g.due_soon, g.name, str(g.key)))

    return DeadlineFigures(
        current=totals[CURRENT], previous=totals[PREVIOUS] if since is not None else None,
        overdue=queue[0], due_soon=queue[1], programs=order(programs), regions=order(regions),
    )
