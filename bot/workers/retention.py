"""Retention: once a day, comments and replies older than RETENTION_MONTHS lose their text, and residents who
have sent nothing for that long are erased exactly as /hapusdata erases them.

Every step selects by age and changes only what still matches, so a run repeated after a crash, or run by
every process of a deployment at once, removes nothing twice and fails on nothing.
"""

from __future__ import annotations

import asyncio
import calendar
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram.ext import Application

from bot.services import evidence, residents
from bot.services.deps import DEPS_KEY, Deps
from storage import residents as resident_store
from storage import retention as store
from storage.db import Database

log = logging.getLogger(__name__)
PERIOD = 24 * 3600.0  # seconds between runs


def months_before(now: datetime, months: int) -> datetime:
    """The same moment `months` calendar months earlier (the 31st becomes the month's last day)."""
    year, month0 = divmod(now.year * 12 + now.month - 1 - months, 12)
    day = min(now.day, calendar.monthrange(year, month0 + 1)[1])
    return now.replace(year=year, month=month0 + 1, day=day)


@dataclass(frozen=True, slots=True)
class Outcome:
    before: datetime
    comments: int  # comments whose text was removed
    replies: int  # follow-ups deleted
    residents: int  # residents erased


async def _drain(db: Database, step: Any, before: datetime) -> int:
    """Run one batched statement until it changes fewer rows than a batch; each batch commits on its own."""
    total = 0
    while True:
        async with db.unit_of_work() as session:
            done = await step(session, before=before)
        total += done
        if done < store.BATCH:
            return total


async def _drop_evidence(db: Database, before: datetime, folder: str | None) -> None:
    """The photos and locations of old comments, batch by batch; a photo's file once its row is gone."""
    while True:
        async with db.unit_of_work() as session:
            files = await store.delete_evidence(session, before=before)
        evidence.remove_files(folder, [name for name in files if name])
        if len(files) < store.BATCH:
            return


async def run_once(
    db: Database, *, now: datetime, months: int, keep: frozenset[int] = frozenset(), evidence_dir: str | None = None
) -> Outcome:
    """One retention run at `now`: what was written before `months` months ago is anonymised or erased."""
    before = months_before(now, months)
    await _drop_evidence(db, before, evidence_dir)
    comments = await _drain(db, store.anonymise_comments, before)
    replies = await _drain(db, store.delete_replies, before)
    erased = 0
    while True:
        async with db.reading() as session:
            silent = await store.silent_residents(session, before=before, keep=keep)
        for telegram_id in silent:
            async with db.unit_of_work() as session:
                resident = await resident_store.get_resident(session, telegram_id=telegram_id, for_update=True)
                if resident is None or resident.updated_at >= before:  # erased meanwhile, or wrote again
                    continue
                await residents.erase(session, resident, evidence_dir=evidence_dir)
                erased += 1
        if len(silent) < store.BATCH:
            return Outcome(before, comments, replies, erased)


async def retention_loop(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Run at start, then once a day, for the life of the process."""
    deps: Deps = application.bot_data[DEPS_KEY]
    while True:
        try:
            outcome = await run_once(deps.db, now=deps.clock(), months=deps.settings.retention_months,
                                     keep=deps.settings.admin_ids, evidence_dir=deps.settings.evidence_dir)
            log.info("retention before %s: %d comments and %d replies anonymised, %d residents erased",
                     outcome.before.isoformat(), outcome.comments, outcome.replies, outcome.residents)
        except Exception:  # a bad run must not end the loop; tomorrow's tries again
            log.exception("retention run failed")
        await asyncio.sleep(PERIOD)
