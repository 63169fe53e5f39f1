"""Starting and stopping the bot: wait for Telegram to answer, poll, stop cleanly on a signal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Coroutine
from typing import Any, TypeVar

from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application

from bot.config import Settings

try:
    import uvloop
except ImportError:  # a platform without it (Windows): asyncio's own loop
    uvloop = None  # type: ignore[assignment]

T = TypeVar("T")

log = logging.getLogger("quickwin")
RETRY_CAP = 60.0  # seconds between two start attempts at most

TOKEN_REJECTED = (
    "Telegram rejected BOT_TOKEN ({url} answered 401 Unauthorized). The token is wrong or was revoked: "
    "get the current one from @BotFather (/mybots → API Token) and put it in BOT_TOKEN."
)


class TokenRejected(Exception):
    """The Bot API refused the token: the operator must fix the configuration."""


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop where it is installed (less CPU per socket read and write), else asyncio's loop."""
    if uvloop is not None and os.environ.get("QUICKWIN_EVENT_LOOP", "uvloop") != "asyncio":
        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` on the loop `new_event_loop` gives."""
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(main)


def quiet_ptb_warnings() -> None:
    """python-telegram-bot 22 warns on every 429 unless it may hand out retry_after as a timedelta."""
    os.environ.setdefault("PTB_TIMEDELTA", "1")


async def initialize(application: Application[Any, Any, Any, Any, Any, Any], settings: Settings) -> None:
    """Initialise the bot, waiting (with backoff) until Telegram answers; a rejected token ends it."""
    delay = 2.0
    while True:
        try:
            await application.initialize()
            return
        except InvalidToken:
            raise TokenRejected(TOKEN_REJECTED.format(url=settings.telegram_api_url)) from None
        except NetworkError as exc:  # the outbound path retried for a while already and logged why
            log.warning("Telegram Bot API at %s still unreachable (%s); trying again in %.0f s",
                        settings.telegram_api_url, exc, delay)
            await asyncio.sleep(delay)
            delay = min(RETRY_CAP, delay * 2)


async def poll(application: Application[Any, Any, Any, Any, Any, Any], settings: Settings,
               allowed_updates: list[str]) -> None:
    """What `quickwin run` does: start, poll until SIGINT/SIGTERM, then stop after the updates in hand."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    starting = asyncio.create_task(initialize(application, settings))
    waiting = asyncio.create_task(stop.wait())
    await asyncio.wait({starting, waiting}, return_when=asyncio.FIRST_COMPLETED)
    if not starting.done():  # Ctrl-C while Telegram was still unreachable
        starting.cancel()
        await asyncio.gather(starting, return_exceptions=True)
        return
    waiting.cancel()
    starting.result()
    try:
        if application.post_init:
            await application.post_init(application)
        await application.start()
        assert application.updater is not None
        limiter: Any = application.bot.rate_limiter
        await application.updater.start_polling(
            allowed_updates=allowed_updates,
            error_callback=getattr(limiter, "polling_failed", None),
        )
        log.info("serving by long polling via %s", settings.telegram_api_url)
        await stop.wait()
        log.info("stopping: finishing the updates in hand")
    finally:
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        if application.post_stop:
            await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)
