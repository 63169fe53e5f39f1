"""Reading the program catalogue: pages a resident can browse."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import N_
from storage import feedback as feedback_store
from storage import programs as store
from storage import regions as region_store
from storage.feedback import FeedbackView
from storage.models import Region
from storage.programs import ProgramWithStats
from storage.statuses import FeedbackStatus, ProgramStatus

T = TypeVar("T")

PROGRAMS_PER_PAGE = 5
FEEDBACK_PER_PAGE = 5
REGIONS_PER_PAGE = 8
PROVINCES_PER_PAGE = 10

DIMENSIONS = {
    "governance": N_("Smart governance"),
    "branding": N_("Smart branding"),
    "economy": N_("Smart economy"),
    "living": N_("Smart living"),
    "society": N_("Smart society"),
    "environment": N_("Smart environment"),
}
PROGRAM_STATUSES: dict[str, str] = {
    ProgramStatus.PLANNED: N_("planned"),
    ProgramStatus.RUNNING: N_("running"),
    ProgramStatus.COMPLETED: N_("completed"),
}
FEEDBACK_STATUSES: dict[str, str] = {
    FeedbackStatus.NEW: N_("new"),
    FeedbackStatus.IN_PROGRESS: N_("in progress"),
    FeedbackStatus.DONE: N_("done"),
}


def pages(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def clamp_page(page: int, total: int, per_page: int) -> int:
    return min(max(page, 0), pages(total, per_page) - 1)


async def _paged(
    fetch: Callable[[int], Awaitable[tuple[list[T], int]]], page: int, per_page: int
) -> tuple[list[T], int, int]:
    """(rows on the page, the page actually shown, number of pages).

    A button may name a page that no longer exists (the list shrank since it was drawn):
    then the nearest page that does is shown.
    """
    rows, total = await fetch(page * per_page)
    shown = clamp_page(page, total, per_page)
    if shown != page:
        rows, total = await fetch(shown * per_page)
    return rows, shown, pages(total, per_page)


async def region(session: AsyncSession, *, code: str) -> Region | None:
    """A region by its code (from memory once read: regions are reference data)."""
    return await region_store.cached_region(session, code=code)


async def programs_page(session: AsyncSession, *, region_code: str, page: int) -> tuple[list[ProgramWithStats], int, int]:
    return await _paged(
        lambda offset: store.region_programs_page(session, region_code=region_code, offset=offset, limit=PROGRAMS_PER_PAGE),
        page,
        PROGRAMS_PER_PAGE,
    )


async def program_details(session: AsyncSession, *, program_id: int) -> tuple[ProgramWithStats, Region] | None:
    stats = await store.program_with_stats(session, program_id=program_id)
    if stats is None:
        return None
    region = await region_store.cached_region(session, code=stats.program.region_code)
    assert region is not None
    return stats, region


async def feedback_page(session: AsyncSession, *, resident_id: int, page: int) -> tuple[list[FeedbackView], int, int]:
    return await _paged(
        lambda offset: feedback_store.resident_feedback_page(
            session, resident_id=resident_id, offset=offset, limit=FEEDBACK_PER_PAGE
        ),
        page,
        FEEDBACK_PER_PAGE,
    )


async def own_feedback_by_ticket(session: AsyncSession, *, resident_id: int, ticket: str) -> FeedbackView | None:
    return await feedback_store.resident_feedback_by_ticket(session, resident_id=resident_id, ticket=ticket)


async def provinces_page(session: AsyncSession, *, page: int) -> tuple[list[tuple[str, str, int]], int, int]:
    every = await region_store.provinces(session)
    shown = clamp_page(page, len(every), PROVINCES_PER_PAGE)
    start = shown * PROVINCES_PER_PAGE
    return every[start : start + PROVINCES_PER_PAGE], shown, pages(len(every), PROVINCES_PER_PAGE)


async def province_regions_page(session: AsyncSession, *, province_code: str, page: int) -> tuple[list[Region], int, int]:
    return await _paged(
        lambda offset: region_store.regions_in_province(
            session, province_code=province_code, offset=offset, limit=REGIONS_PER_PAGE
        ),
        page,
        REGIONS_PER_PAGE,
    )
