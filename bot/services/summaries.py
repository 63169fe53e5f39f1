"""What an official's summary covers: the scope they may see, the period, the figures and the topics."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import deadlines
from bot.services.auth import Actor, may_see_summary
from bot.services.officials import record
from bot.services.textwork import TextWork
from storage import regions as region_store
from storage.summary import Figures, summary_figures
from storage.summary_deadlines import DeadlineFigures, deadline_figures
from storage.zones import DEFAULT_ZONE, zone_info

PERIODS = (7, 30, 0)  # days; 0 is all time
TOPICS = 6


@dataclass(frozen=True, slots=True)
class Scope:
    """A region, a province or the whole country, with what the summary needs to know of it."""

    token: str  # as in the buttons: r32.73, p32, all
    kind: str  # region | province | country
    name: str
    region_codes: list[str] | None  # None: every region
    zone: str  # the zone its weeks and times are shown in


@dataclass(frozen=True, slots=True)
class Summary:
    scope: Scope
    days: int
    since: datetime | None
    until: datetime
    figures: Figures
    deadlines: DeadlineFigures  # on time, time to answer, overdue and due soon at `now`, rejected closures
    soon_until: datetime  # "due soon": due by then, the end of the next working day (see due_soon_until)
    topics: list[tuple[str, int]] | None  # None: not asked for, or not ready in time (bot/services/textwork.py)


async def resolve_scope(session: AsyncSession, actor: Actor, token: str) -> Scope | None:
    """The scope a button names, if this actor may see it (a region of theirs; provinces and the country: admins)."""
    if token.startswith("r"):
        region = await region_store.get_region(session, code=token[1:])
        if region is None or not may_see_summary(actor, "region", region.code):
            return None
        return Scope(token, "region", region.name, [region.code], region.timezone)
    if not may_see_summary(actor, "country" if token == "all" else "province"):
        return None
    if token == "all":
        return Scope(token, "country", "Indonesia", None, DEFAULT_ZONE)
    regions = [r for r in await region_store.all_regions(session) if r.province_code == token[1:]]
    if not regions:
        return None
    zone = regions[0].timezone  # a province lies in one zone
    return Scope(token, "province", regions[0].province, [r.code for r in regions], zone)


async def summarize(
    session: AsyncSession, actor: Actor | None, scope: Scope, *, days: int, now: datetime, until: datetime | None = None
) -> Summary:
    """Figures for the period ending now (or at `until`), without topics yet (see with_topics); logged for an official."""
    end = until or now
    since = end - timedelta(days=days) if days else None
    figures = await summary_figures(session, region_codes=scope.region_codes, since=since, until=end, zone=scope.zone)
    soon = await deadlines.due_soon_until(session, now=now, zone=scope.zone)
    found = await deadline_figures(session, region_codes=scope.region_codes, since=since, until=end, now=now, soon_until=soon)
    if actor is not None:
        record(session, actor.telegram_id, "summary.view", scope.token, days=days)
    return Summary(scope, days, since, end, figures, found, soon, None)


def soon_day(summary: Summary) -> date:
    """The local day by whose end "due soon" ends (the next working day), as officials are shown it."""
    return (summary.soon_until.astimezone(zone_info(summary.scope.zone)) - timedelta(microseconds=1)).date()


async def with_topics(summary: Summary, text_work: TextWork) -> Summary:
    """The summary with its recurring topics (None if they were not ready within the time limit).

    Call it after the unit of work: the topics are computed off the event loop, and no transaction
    (on SQLite: no database at all) should wait for them.
    """
    # The period moves with the clock: the digest of the comments, not the time, tells whether cached
    # topics still hold. (The weekly digest's fixed period shares the slot: it asks once a week.)
    key = ("topics", summary.scope.token, summary.days)
    what = f"{summary.scope.token} ({summary.days or 'all'} days)"
    topics = await text_work.topics(key, summary.figures.comments, limit=TOPICS, what=what)
    return replace(summary, topics=topics)
