"""Nobody forgets: reminders before a due date, the overdue notice at it, and the quiet confirmation of a closure.

Once a minute the worker looks at the tickets whose first answer is owed (bot/services/deadlines.py). At 08.00 of
the last working day before the due day the region's officials are reminded; at the due time (24.00) the ticket is
*terlambat*, and at 08.00 the officials are told again and the region's coordinators (or, where it has none, the
admins) are told.
Each notice is claimed in the database before it is sent (an UPDATE that only one process can win), so it goes out
once whatever the number of processes and restarts; a crash between the claim and the send loses that one notice
rather than sending it twice. A ticket closed and left unanswered by the resident for 7 days is confirmed, and the
resident is told so.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application

from bot.render import deadlines as texts
from bot.render.notices import confirmed_notice
from bot.services import closing, deadlines
from bot.services.deadlines import Notice
from bot.services.deps import DEPS_KEY, Deps
from bot.telegram.priority import Priority, rl

log = logging.getLogger(__name__)
TICK = 60.0  # seconds between checks
BATCH = 500


@dataclass
class Outcome:
    reminders: int = 0  # tickets whose officials were reminded
    overdue: int = 0  # tickets that became overdue (officials and coordinators told)
    confirmed: int = 0  # closures confirmed after a silent week


async def _send(application: Application[Any, Any, Any, Any, Any, Any], chat_id: int, text: str,
                markup: InlineKeyboardMarkup | None) -> None:
    try:
        await application.bot.send_message(chat_id, text, reply_markup=markup, rate_limit_args=rl(Priority.NOTICE))
    except Forbidden as exc:
        log.warning("deadline notice not delivered to %s: %s", chat_id, exc)
    except TelegramError:
        log.exception("deadline notice to %s failed", chat_id)


async def _deliver(application: Application[Any, Any, Any, Any, Any, Any], deps: Deps, notice: Notice) -> None:
    due = notice.due
    day = deadlines.local_due_day(due.due_at, due.timezone)
    for person in notice.officials:
        t = deps.i18n.recipient(person)
        text, markup = (texts.reminder if notice.kind == "reminder" else texts.overdue)(t, due, day)
        await _send(application, person.telegram_id, text, markup)
    for person in notice.coordinators:
        t = deps.i18n.recipient(person)
        await _send(application, person.telegram_id, texts.to_coordinator(t, due, day, len(notice.officials)), None)


async def _notices(application: Application[Any, Any, Any, Any, Any, Any], deps: Deps, now: datetime,
                   outcome: Outcome) -> None:
    while True:
        async with deps.db.reading() as session:
            found = await deadlines.rules(session, default_days=deps.settings.answer_days)
            rows = await deadlines.owed(session, now=now, limit=BATCH)
        claimed = 0
        for row in rows:
            if now >= row.due_at:
                if now < deadlines.overdue_notice_time(row):
                    continue  # late since midnight: the officials are told at the start of the office day
                kind = "overdue"
            elif not row.reminded and now >= deadlines.reminder_time(found, row):
                kind = "reminder"
            else:
                continue
            async with deps.db.unit_of_work() as session:
                notice = await deadlines.claim(session, row, kind, now=now, admin_ids=deps.settings.admin_ids)
            if notice is None:
                continue  # another process took it, or the ticket was answered meanwhile
            claimed += 1
            if kind == "overdue":
                outcome.overdue += 1
            else:
                outcome.reminders += 1
            await _deliver(application, deps, notice)
        if len(rows) < BATCH or claimed == 0:
            return


async def _confirmations(application: Application[Any, Any, Any, Any, Any, Any], deps: Deps, now: datetime,
                         outcome: Outcome) -> None:
    while True:
        async with deps.db.reading() as session:
            ids = await closing.to_confirm(session, now=now, limit=BATCH)
        for feedback_id in ids:
            async with deps.db.unit_of_work() as session:
                ticket = await closing.auto_confirm(session, feedback_id, now=now)
            if ticket is None:
                continue  # the resident answered meanwhile, or another process confirmed it
            outcome.confirmed += 1
            if ticket.resident is not None and not ticket.resident.blocked:
                text = confirmed_notice(deps.i18n.recipient(ticket.resident), ticket)
                await _send(application, ticket.resident.telegram_id, text, None)
        if len(ids) < BATCH:
            return


async def run_once(application: Application[Any, Any, Any, Any, Any, Any], now: datetime) -> Outcome:
    """Send every deadline notice due at `now` and confirm the silent closures; what was done."""
    deps: Deps = application.bot_data[DEPS_KEY]
    outcome = Outcome()
    await _notices(application, deps, now, outcome)
    await _confirmations(application, deps, now, outcome)
    return outcome


async def deadline_loop(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Check once a minute, for the life of the process."""
    deps: Deps = application.bot_data[DEPS_KEY]
    while True:
        try:
            outcome = await run_once(application, deps.clock())
            if outcome.reminders or outcome.overdue or outcome.confirmed:
                log.info("deadlines: %d reminded, %d overdue, %d closures confirmed",
                         outcome.reminders, outcome.overdue, outcome.confirmed)
        except Exception:  # a bad tick must not end the loop
            log.exception("deadline check failed")
        await asyncio.sleep(TICK)
