"""What may be published of the residents' feedback: the public page (/publik) and the open-data files use this.

`public_figures()` gives, per kabupaten/kota and per quick-win program, for each of the last 12 local calendar
months (the current month so far included) and for the 12 months together:
- ratings: the number of ratings, of distinct residents who rated, and the average rating (1-5);
- comments: the number of comments;
- on time: the comments settled (answered, or past their due date), answered on time, and the share on time.
The sums, and what counts in them, are storage/public_figures.py's (the summaries' and the deadlines' rules:
nothing marked as spam, abusive or as the simulator's test resident, no removed program).

Small-cell suppression, per figure group (ratings, comments, on time) of every cell:
1. A group is published only when at least MIN_CONTRIBUTORS distinct residents contributed to it; otherwise its
   values are None and `suppressed` is True ("belum cukup data"). An empty cell is suppressed as well.
2. A published total must not give a suppressed part away by subtraction (the total less its published parts).
   Where the suppressed parts that have data contributed fewer than MIN_CONTRIBUTORS residents together (their
   counts added up, which is never fewer than the distinct residents among them), either the total is suppressed
   too, or more parts are:
   - a region's month, and a region's 12 months, are suppressed when its programs' suppressed cells fall short
     (with exactly one suppressed program that has data, always);
   - a program's or a region's months: when the months suppressed of a published 12-month total fall short, the
     published months with the fewest contributors are suppressed as well, until they do not: the 12-month
     figure, the headline, stays.
   The sum of counts may overstate the distinct residents when the same residents rated several suppressed
   programs; the rule then publishes a total whose residual has fewer distinct people, which we accept.
No national total is given: a caller that adds up these cells (the country, a province) must apply rule 2 to
its sum itself. Only counts, sums and shares: never a comment, a name or a resident's id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import public_figures as store
from storage.public_figures import PROGRAM, REGION, RawCell

# Fewer than five people behind a figure and it may tell about one of them: what one resident rated, or that
# nobody but them commented. Five is the threshold statistical offices commonly use for small counts, and the one
# the issue asks for ("only where at least 5 residents contributed").
MIN_CONTRIBUTORS = 5
MONTHS = 12
GROUPS = ("ratings", "comments", "on_time")


@dataclass(frozen=True, slots=True)
class Ratings:
    count: int | None  # None: suppressed
    residents: int | None
    average: float | None
    suppressed: bool


@dataclass(frozen=True, slots=True)
class Comments:
    count: int | None
    suppressed: bool


@dataclass(frozen=True, slots=True)
class OnTime:
    settled: int | None
    on_time: int | None
    share: float | None  # 0-1
    suppressed: bool


@dataclass(frozen=True, slots=True)
class Cell:
    month: date | None  # the local month's first day; None for the 12 months together
    ratings: Ratings
    comments: Comments
    on_time: OnTime


@dataclass(frozen=True, slots=True)
class ProgramFigures:
    id: int
    name: str
    region_code: str
    total: Cell
    months: list[Cell]  # oldest first, MONTHS of them, empty ones included


@dataclass(frozen=True, slots=True)
class RegionFigures:
    code: str
    name: str
    kind: str
    province: str
    timezone: str
    total: Cell
    months: list[Cell]
    programs: list[ProgramFigures]  # by name


@dataclass(frozen=True, slots=True)
class PublicFigures:
    now: datetime
    regions: list[RegionFigures]  # every region of the scope with a program, by province and name


_CONTRIBUTORS: dict[str, Callable[[RawCell], int]] = {
    "ratings": lambda c: c.raters, "comments": lambda c: c.commenters, "on_time": lambda c: c.settled_residents,
}
_AMOUNT: dict[str, Callable[[RawCell], int]] = {
    "ratings": lambda c: c.ratings, "comments": lambda c: c.comments, "on_time": lambda c: c.settled,
}


def _falls_short(group: str, parts: Sequence[RawCell], shown: Sequence[bool]) -> bool:
    """Whether the suppressed parts with data would be given away by a published total (rule 2)."""
    hidden = [p for p, ok in zip(parts, shown, strict=True) if not ok and _AMOUNT[group](p)]
    return bool(hidden) and sum(_CONTRIBUTORS[group](p) for p in hidden) < MIN_CONTRIBUTORS


def _protect_total(group: str, shown: bool, parts: Sequence[RawCell], parts_shown: Sequence[bool]) -> bool:
    return shown and not _falls_short(group, parts, parts_shown)


def _protect_parts(group: str, total_shown: bool, parts: Sequence[RawCell], shown: list[bool]) -> None:
    """Suppress more parts, the smallest published first, until the published total gives none of them away."""
    while total_shown and _falls_short(group, parts, shown):
        candidates = [i for i, ok in enumerate(shown) if ok]
        if not candidates:
            return
        shown[min(candidates, key=lambda i: (_CONTRIBUTORS[group](parts[i]), i))] = False


def _cell(month: date | None, raw: RawCell, shown: dict[str, bool]) -> Cell:
    ratings = Ratings(raw.ratings, raw.raters, raw.rating_sum / raw.ratings if raw.ratings else None, False)
    comments = Comments(raw.comments, False)
    on_time = OnTime(raw.settled, raw.on_time, raw.on_time / raw.settled if raw.settled else None, False)
    return Cell(
        month,
        ratings if shown["ratings"] else Ratings(None, None, None, True),
        comments if shown["comments"] else Comments(None, True),
        on_time if shown["on_time"] else OnTime(None, None, None, True),
    )


def _primary(raw: RawCell) -> dict[str, bool]:
    return {g: _CONTRIBUTORS[g](raw) >= MIN_CONTRIBUTORS for g in GROUPS}


def _region(region: store.PublicRegion, programs: list[store.PublicProgram], raw: store.RawFigures, now: datetime) -> RegionFigures:
    months = store.month_starts(now, region.timezone, MONTHS)

    def sums(key: tuple[str, int | str]) -> tuple[RawCell, list[RawCell]]:
        found = raw.cells.get(key, {})
        return found.get(None, RawCell()), [found.get(m, RawCell()) for m in months]

    program_sums = [sums((PROGRAM, p.id)) for p in programs]
    region_total, region_months = sums((REGION, region.code))
    shown_programs: list[tuple[dict[str, bool], list[dict[str, bool]]]] = []
    for total, parts in program_sums:
        shown_total, shown_parts = _primary(total), [_primary(p) for p in parts]
        for g in GROUPS:
            flags = [s[g] for s in shown_parts]
            _protect_parts(g, shown_total[g], parts, flags)
            for s, flag in zip(shown_parts, flags, strict=True):
                s[g] = flag
        shown_programs.append((shown_total, shown_parts))
    shown_region, shown_region_months = _primary(region_total), [_primary(p) for p in region_months]
    for g in GROUPS:
        totals = [t for t, _ in program_sums]
        shown_region[g] = _protect_total(g, shown_region[g], totals, [s[g] for s, _ in shown_programs])
        for i in range(len(region_months)):
            in_month = [parts[i] for _, parts in program_sums]
            flags = [shown[i][g] for _, shown in shown_programs]
            shown_region_months[i][g] = _protect_total(g, shown_region_months[i][g], in_month, flags)
        flags = [s[g] for s in shown_region_months]
        _protect_parts(g, shown_region[g], region_months, flags)
        for s, flag in zip(shown_region_months, flags, strict=True):
            s[g] = flag
    figures = [
        ProgramFigures(p.id, p.name, p.region_code, _cell(None, total, shown_total),
                       [_cell(m, part, s) for m, part, s in zip(months, parts, shown_parts, strict=True)])
        for p, (total, parts), (shown_total, shown_parts) in zip(programs, program_sums, shown_programs, strict=True)
    ]
    return RegionFigures(
        region.code, region.name, region.kind, region.province, region.timezone,
        _cell(None, region_total, shown_region),
        [_cell(m, part, s) for m, part, s in zip(months, region_months, shown_region_months, strict=True)],
        figures,
    )


async def public_figures(
    session: AsyncSession, *, region_codes: Sequence[str] | None, now: datetime
) -> PublicFigures:
    """The publishable figures of the scope's regions (None: every region with a program); three queries."""
    raw = await store.raw_figures(session, region_codes=region_codes, now=now, months=MONTHS)
    by_region: dict[str, list[store.PublicProgram]] = {}
    for program in raw.programs:
        by_region.setdefault(program.region_code, []).append(program)
    return PublicFigures(now, [_region(r, by_region.get(r.code, []), raw, now) for r in raw.regions])
