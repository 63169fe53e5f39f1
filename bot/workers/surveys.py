"""Closing surveys: once a survey's end has passed, one process claims it (an UPDATE only one can win, see
storage/surveys.py claim_close) and thanks every resident who answered, with a link-free summary of the results
in their language, through the outbound path at the digest's priority. The claim comes first: a crash between
the claim and the last thank-you loses the rest of them rather than sending any twice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from telegram.error import Forbidden, TelegramError
from telegram.ext import Application

from bot.render.surveys import thanks_text
from bot.services import survey_results
from bot.services.deps import DEPS_KEY, Deps
from bot.telegram.priority import Priority, rl

log = logging.getLogger(__name__)
TICK = 60.0  # seconds between checks


async def run_once(application: Application[Any, Any, Any, Any, Any, Any], now: datetime) -> int:
    """Close every survey due at `now` and send its thank-yous; the number of thank-yous sent."""
    deps: Deps = application.bot_data[DEPS_KEY]
    sent = 0
    async with deps.db.unit_of_work() as session:
        claimed = await survey_results.claim_due(session, now=now)
    for survey_id in claimed:
        async with deps.db.reading() as session:
            found = await survey_results.thanks_for(session, survey_id)
            if found is None:
                continue
            results, respondents = found
            languages = {p.language or deps.settings.default_language for p in respondents}
            texts = {language: thanks_text(deps.i18n.get(language), results) for language in languages}
        for person in respondents:
            text = texts[person.language or deps.settings.default_language]
            try:
                await application.bot.send_message(person.resident_id, text, rate_limit_args=rl(Priority.DIGEST))
                sent += 1
            except Forbidden as exc:
                log.info("survey %s thank-you not delivered to %s: %s", survey_id, person.resident_id, exc)
            except TelegramError:
                log.exception("survey %s thank-you to %s failed", survey_id, person.resident_id)
    return sent


async def survey_loop(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Check once a minute, for the life of the process."""
    deps: Deps = application.bot_data[DEPS_KEY]
    while True:
        try:
            if sent := await run_once(application, deps.clock()):
                log.info("surveys: %d thank-yous sent", sent)
        except Exception:  # a bad tick must not end the loop
            log.exception("survey closing failed")
        await asyncio.sleep(TICK)
