"""Roll-ups of feedback for the officials' summary: counts per program and UTC day, per UTC week, and in all.

The database keeps them itself: triggers on `feedback` add a row's contribution when it is inserted, move
it when a figure-relevant column changes (a re-rating superseding it, a comment added or erased, a spam
or abusive mark set or lifted) and take it away when the row is deleted, in the same transaction and with
one upsert each. Every writer is covered that way: the bot, the dashboard, the command line, a test that
adds rows directly. Only what no figure counts is left out: rows marked as spam or abusive.

A day row also counts the ratings from 15:00, 16:00 and 17:00 UTC on, which are already the next local day
in WIT, WITA and WIB, and a week row those of its Sunday from then on, which are already the next local week:
the weekly trend follows local weeks without reading single ratings. The "total" row of a program counts
everything: "all time" is that, less what came after its end (normally nothing).

Changing what a row contributes, or rebuilding `feedback` on SQLite (a batch migration drops its
triggers), needs a migration that runs `drop_sql`, `trigger_sql` and `rebuild_sql` again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Field, SQLModel, col

SPANS = ("day", "week", "total")
TOTAL_DAY = date(2000, 1, 1)  # the day of every total row (any date but date.min, which asyncpg sends as -infinity)
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
    """What no official marked as spam or abusive, per program and UTC day, week or in all, as the summary counts it."""

    __tablename__ = "feedback_rollups"
    __table_args__ = (
        CheckConstraint("span IN ('day', 'week', 'total')", name="ck_feedback_rollups_span"),
        # The primary key serves the whole country; these a region's figures and its programs' ranking.
        Index("ix_feedback_rollups_region", "region_code", "span", "day"),
        Index("ix_feedback_rollups_program", "program_id", "span", "day"),
    )

    span: str = Field(primary_key=True, max_length=5)  # day | week | total
    day: date = Field(primary_key=True)  # the UTC day, the Monday of the UTC week, or TOTAL_DAY
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
    late15: int = 0  # ratings from that UTC hour on (week rows: on the Sunday), and their sum; 0 in total rows
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
        day = utc_day if span == "day" else f"date({utc_day}, '-' || ({back}) || ' days')"
        hour, sunday = f"CAST(substr({at}, 12, 2) AS INTEGER)", f"strftime('%w', {utc_day}) = '0'"
    if span == "total":
        day = f"DATE '{TOTAL_DAY}'" if pg else f"'{TOTAL_DAY}'"
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
    """One INSERT … ON CONFLICT adding each (row, sign) to its day, week and total roll-up rows."""
    selects = [
        _select(dialect, row, span, sign, f"{row}.moderation IS NULL" if len(changes) > 1 else None)
        for row, sign in changes for span in SPANS
    ]
    columns = ", ".join((*KEY, *COUNTS))
    source = " UNION ALL ".join(selects)
    if len(changes) > 1:  # an update: the old and the new row may share a roll-up row, so add them up first
        sums = ", ".join(f"SUM({k}) AS {k}" for k in COUNTS)
        source = f"SELECT {', '.join(KEY)}, {sums} FROM ({source}) AS c WHERE true GROUP BY {', '.join(KEY)}"
    # Every writer takes the roll-up rows' locks in one order (a GROUP BY's output has none): two writers of one
    # program, a rating and a comment, would otherwise deadlock on PostgreSQL.
    source = f"SELECT {columns} FROM ({source}) AS o WHERE true ORDER BY {', '.join(KEY)}"
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
        groups = ", ".join(values[k] for k in KEY[1 if span != "total" else 2:])
        statements.append(
            f"INSERT INTO feedback_rollups ({', '.join((*KEY, *COUNTS))}) SELECT {keys}, {sums} "
            f"FROM feedback AS f WHERE f.moderation IS NULL GROUP BY {groups}"
        )
    return statements


# --------------------------------------------------------------------------- reading them


@dataclass(frozen=True, slots=True)
class Term:
    """Rows to add (sign 1) or take away (-1): roll-up rows of a span with day in [start, end), or (span None)
    feedback rows with created_at in [start, end). None: no bound."""

    sign: int
    span: str | None
    start: Any
    end: Any


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def cover(since: datetime | None, until: datetime) -> tuple[Term, ...]:
    """How to count [since, until) (since None: from the beginning) from the fewest rows.

    From the beginning: the total rows, less what came from `until` on. Else whole UTC weeks and days, and
    the part-days at the edges raw.
    """
    last = until.astimezone(UTC).date()  # whole days end before this one
    if since is None:
        after = last if midnight(last) == until else last + DAY  # the first whole day from `until` on
        terms = [Term(1, "total", None, None), Term(-1, "day", after, None)]
        return tuple(terms + ([Term(-1, None, until, midnight(after))] if until < midnight(after) else []))
    first = since.astimezone(UTC).date()
    first += DAY if midnight(first) < since else timedelta()
    if first >= last:  # not one whole day
        return (Term(1, None, since, until),)
    terms = [Term(1, None, since, midnight(first))] if since < midnight(first) else []
    terms += [Term(1, None, midnight(last), until)] if midnight(last) < until else []
    monday, end_monday = first + timedelta(days=-first.weekday() % 7), last - timedelta(days=last.weekday())
    if monday < end_monday:
        days = [Term(1, "day", first, monday), Term(1, "week", monday, end_monday), Term(1, "day", end_monday, last)]
    else:
        days = [Term(1, "day", first, last)]
    return tuple(terms + [t for t in days if t.start < t.end])


def buckets(terms: tuple[Term, ...]) -> list[tuple[str, date]]:
    """Every roll-up row's (span, day) a cover of weeks and days reads, newest first."""
    found = []
    for t in terms:
        if t.span in ("day", "week"):
            step = timedelta(days=7 if t.span == "week" else 1)
            found += [(t.span, t.start + i * step) for i in range((t.end - t.start) // step)]
    return sorted(found, key=lambda b: b[1], reverse=True)


def rollup_rows(term: Term) -> list[ColumnElement[bool]]:
    """The roll-up rows of a term (conditions on FeedbackRollup)."""
    span, day = col(FeedbackRollup.span), col(FeedbackRollup.day)
    if term.span == "total":
        return [span == "total", day == TOTAL_DAY]
    return [span == term.span, *([day >= term.start] if term.start else []), *([day < term.end] if term.end else [])]
