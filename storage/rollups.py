"""Roll-ups of feedback for the officials' summary: counts per program and UTC day, UTC week and UTC month.

The database keeps them itself: triggers on `feedback` add a row's contribution when it is inserted, move
it when a figure-relevant column changes (a re-rating superseding it, a comment added or erased, a spam
or abusive mark set or lifted) and take it away when the row is deleted, in the same transaction and with
one upsert each. Every writer is covered that way: the bot, the dashboard, the command line, a test that
adds rows directly. Only what no figure counts is left out: rows marked as spam or abusive.

A day row also counts the ratings from 15:00, 16:00 and 17:00 UTC on, which are already the next local day
in WIT, WITA and WIB, and a week row those of its Sunday from then on, which are already the next local week:
the weekly trend follows local weeks without reading single ratings.

Changing what a row contributes, or rebuilding `feedback` on SQLite (a batch migration drops its
triggers), needs a migration that runs `drop_sql`, `trigger_sql` and `rebuild_sql` again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, and_, false, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Field, SQLModel, col

SPANS = ("day", "week", "month")
LATE_HOURS = (15, 16, 17)  # UTC hour at which the next local day starts in WIT, WITA, WIB
KEY = ("span", "day", "region_code", "program_id")
COUNTS = (
    "r1", "r2", "r3", "r4", "r5", "comments", "ranked", "ranked_sum",
    *(f"{what}{hour}" for hour in LATE_HOURS for what in ("late", "late_sum")),
)
DAY = timedelta(days=1)
TRIGGERS = ("feedback_rollups_insert", "feedback_rollups_update", "feedback_rollups_delete")
# The columns a row's contribution depends on; an UPDATE that sets none of them fires nothing.
WATCHED = ("rating", "comment", "moderation", "superseded", "created_at", "region_code", "program_id")


class FeedbackRollup(SQLModel, table=True):
    """What no official marked as spam or abusive, per program and UTC day (or month), as the summary counts it."""

    __tablename__ = "feedback_rollups"
    __table_args__ = (
        CheckConstraint("span IN ('day', 'week', 'month')", name="ck_feedback_rollups_span"),
        # The primary key serves the whole country; these a region's figures and its programs' ranking.
        Index("ix_feedback_rollups_region", "region_code", "span", "day"),
        Index("ix_feedback_rollups_program", "program_id", "span", "day"),
    )

    span: str = Field(primary_key=True, max_length=5)  # day | week | month
    day: date = Field(primary_key=True)  # the UTC day, the Monday of the UTC week, or the first day of the month
    region_code: str = Field(foreign_key="regions.code", primary_key=True, max_length=8)  # the feedback's own
    program_id: int = Field(
        sa_column=Column(Integer, ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    )
    r1: int = 0  # ratings of 1 star, superseded ones included (the distribution counts every rating)
    r2: int = 0
    r3: int = 0
    r4: int = 0
    r5: int = 0
    comments: int = 0  # of those, with a comment
    ranked: int = 0  # ratings not superseded (the ranking's), and their sum
    ranked_sum: int = 0
    late15: int = 0  # ratings from that UTC hour on (week rows: on the Sunday), and their sum; 0 in month rows
    late_sum15: int = 0
    late16: int = 0
    late_sum16: int = 0
    late17: int = 0
    late_sum17: int = 0


def _contribution(dialect: str, row: str, span: str) -> dict[str, str]:
    """SQL for what one feedback row (`row` names it: NEW, OLD or a table) adds to its roll-up row of `span`."""
    pg = dialect == "postgresql"

    def flag(condition: str) -> str:
        return f"CASE WHEN {condition} THEN 1 ELSE 0 END" if pg else f"({condition})"

    def when(condition: str) -> str:
        return f"CASE WHEN {condition} THEN {row}.rating ELSE 0 END"

    at = f"({row}.created_at AT TIME ZONE 'UTC')" if pg else f"{row}.created_at"
    if pg:
        day = f"CAST(date_trunc('{span}', {at}) AS date)"  # PostgreSQL's weeks start on Monday too
        hour, sunday = f"EXTRACT(HOUR FROM {at})", f"EXTRACT(ISODOW FROM {at}) = 7"
    else:
        # Cut from the stored text ('2026-03-20 16:59:59.999999', as SQLAlchemy writes it), which the period
        # bounds compare as text too: SQLite's date functions would round it to the millisecond, to the next day.
        utc_day = f"substr({at}, 1, 10)"
        back = f"(CAST(strftime('%w', {utc_day}) AS INTEGER) + 6) % 7"  # days since Monday
        day = {"day": utc_day, "week": f"date({utc_day}, '-' || ({back}) || ' days')",
               "month": f"substr({at}, 1, 7) || '-01'"}[span]
        hour, sunday = f"CAST(substr({at}, 12, 2) AS INTEGER)", f"strftime('%w', {utc_day}) = '0'"
    current = f"{row}.superseded = false"
    values = {
        "span": f"'{span}'", "day": day, "region_code": f"{row}.region_code", "program_id": f"{row}.program_id",
        **{f"r{stars}": flag(f"{row}.rating = {stars}") for stars in range(1, 6)},
        "comments": flag(f"{row}.comment IS NOT NULL"),
        "ranked": flag(current),
        "ranked_sum": when(current),
    }
    for late in LATE_HOURS:
        condition = {"day": f"{hour} >= {late}", "week": f"{sunday} AND {hour} >= {late}"}.get(span)
        values[f"late{late}"] = flag(condition) if condition else "0"
        values[f"late_sum{late}"] = when(condition) if condition else "0"
    return values


def _select(dialect: str, row: str, span: str, sign: int, where: str | None) -> str:
    values = _contribution(dialect, row, span)
    columns = [f"{values[k]} AS {k}" for k in KEY] + [f"{'-' if sign < 0 else ''}({values[k]}) AS {k}" for k in COUNTS]
    return f"SELECT {', '.join(columns)}" + (f" WHERE {where}" if where else "")


def _upsert(dialect: str, changes: list[tuple[str, int]]) -> str:
    """One INSERT … ON CONFLICT adding each (row, sign) to its day and month roll-up rows."""
    selects = [
        _select(dialect, row, span, sign, f"{row}.moderation IS NULL" if len(changes) > 1 else None)
        for row, sign in changes for span in SPANS
    ]
    columns = ", ".join((*KEY, *COUNTS))
    source = " UNION ALL ".join(selects)
    if len(changes) > 1:  # an update: the old and the new row may share a roll-up row, so add them up first
        sums = ", ".join(f"SUM({k})" for k in COUNTS)
        source = f"SELECT {', '.join(KEY)}, {sums} FROM ({source}) AS c WHERE true GROUP BY {', '.join(KEY)}"
    # SQLite allows no alias in a trigger, where a bare column is the stored row's; PostgreSQL needs one.
    target, stored = ("feedback_rollups AS t", "t.") if dialect == "postgresql" else ("feedback_rollups", "")
    add = ", ".join(f"{k} = {stored}{k} + excluded.{k}" for k in COUNTS)
    return (f"INSERT INTO {target} ({columns}) {source} "
            f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET {add}")


def _watched(row: str) -> str:
    return ", ".join(f"{row}.{c} IS NULL" if c in ("comment", "moderation") else f"{row}.{c}" for c in WATCHED)


def trigger_sql(dialect: str) -> list[str]:
    """The statements that create the three triggers (and, on PostgreSQL, their functions)."""
    counted = "(OLD.moderation IS NULL OR NEW.moderation IS NULL)"
    distinct = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    changed = f"{counted} AND ({_watched('OLD')}) {distinct} ({_watched('NEW')})"
    ops = {
        "feedback_rollups_insert": ("INSERT", "NEW.moderation IS NULL", _upsert(dialect, [("NEW", 1)])),
        "feedback_rollups_update": (f"UPDATE OF {', '.join(WATCHED)}", changed,
                                    _upsert(dialect, [("OLD", -1), ("NEW", 1)])),
        "feedback_rollups_delete": ("DELETE", "OLD.moderation IS NULL", _upsert(dialect, [("OLD", -1)])),
    }
    statements = []
    for name, (event, condition, body) in ops.items():
        if dialect == "postgresql":
            statements.append(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}; RETURN NULL; END $$"
            )
            statements.append(f"CREATE TRIGGER {name} AFTER {event} ON feedback FOR EACH ROW "
                              f"WHEN ({condition}) EXECUTE FUNCTION {name}()")
        else:
            statements.append(f"CREATE TRIGGER {name} AFTER {event} ON feedback FOR EACH ROW "
                              f"WHEN {condition} BEGIN {body}; END")
    return statements


def drop_sql(dialect: str) -> list[str]:
    statements = [f"DROP TRIGGER IF EXISTS {name}" + (" ON feedback" if dialect == "postgresql" else "")
                  for name in TRIGGERS]
    if dialect == "postgresql":
        statements += [f"DROP FUNCTION IF EXISTS {name}()" for name in TRIGGERS]
    return statements


def rebuild_sql(dialect: str) -> list[str]:
    """Empty the roll-ups and count them again from `feedback` (the migration's backfill)."""
    statements = ["DELETE FROM feedback_rollups"]
    for span in SPANS:
        values = _contribution(dialect, "f", span)
        sums = ", ".join(f"SUM({values[k]})" for k in COUNTS)
        keys = ", ".join(values[k] for k in KEY)
        statements.append(
            f"INSERT INTO feedback_rollups ({', '.join((*KEY, *COUNTS))}) SELECT {keys}, {sums} "
            f"FROM feedback AS f WHERE f.moderation IS NULL GROUP BY {', '.join(values[k] for k in KEY[1:])}"
        )
    return statements


# --------------------------------------------------------------------------- reading them


@dataclass(frozen=True, slots=True)
class Cover:
    """A period [since, until) as roll-up rows (whole UTC months, weeks and days) and the part-days read raw."""

    rows: tuple[tuple[str, date | None, date], ...]  # (span, from, to): rows of that span with day in [from, to)
    raw: tuple[tuple[datetime | None, datetime], ...]  # feedback rows with created_at in [from, to)


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def cover(since: datetime | None, until: datetime, *, months: bool = True) -> Cover:
    """How to count [since, until) (since None: from the beginning) from the fewest rows."""
    last = until.astimezone(UTC).date()  # whole days end before this one
    first = None
    if since is not None:
        first = since.astimezone(UTC).date()
        first += DAY if midnight(first) < since else timedelta()
        if first >= last:  # not one whole day
            return Cover((), ((since, until),))
    raw = [(since, midnight(first))] if since is not None and first is not None and since < midnight(first) else []
    raw += [(midnight(last), until)] if midnight(last) < until else []
    rows: list[tuple[str, date | None, date]] = []
    segments: list[tuple[date | None, date]] = [(first, last)]
    last_month = last.replace(day=1)
    first_month = None if first is None else _month_on_or_after(first)
    if months and (first_month is None or first_month < last_month):
        rows.append(("month", first_month, last_month))
        segments = [(first, first_month)] if first is not None and first_month is not None else []
        segments.append((last_month, last))
    for start, end in segments:
        assert start is not None, "a period from the beginning starts with months"
        monday, end_monday = start + timedelta(days=-start.weekday() % 7), end - timedelta(days=end.weekday())
        if monday < end_monday:
            rows += [("day", start, monday), ("week", monday, end_monday), ("day", end_monday, end)]
        else:
            rows.append(("day", start, end))
    return Cover(tuple(r for r in rows if r[1] is None or r[1] < r[2]), tuple(raw))


def _month_on_or_after(day: date) -> date:
    return day if day.day == 1 else (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def buckets(part: Cover) -> list[tuple[str, date]]:
    """Every roll-up row's (span, day) a cover of days and weeks reads, newest first (not for months)."""
    found = []
    for span, start, end in part.rows:
        assert start is not None and span != "month"
        step = timedelta(days=7 if span == "week" else 1)
        found += [(span, start + i * step) for i in range((end - start) // step)]
    return sorted(found, key=lambda b: b[1], reverse=True)


def rollup_rows(part: Cover) -> ColumnElement[bool]:
    """The roll-up rows of a cover (a condition on FeedbackRollup)."""
    span, day = col(FeedbackRollup.span), col(FeedbackRollup.day)
    terms = [and_(span == kind, *([day >= start] if start else []), day < end) for kind, start, end in part.rows]
    return or_(*terms) if terms else false()
