"""The application factory: builds the whole bot in one place. Tests call it with test settings."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from telegram import BotCommand, BotCommandScopeDefault, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

import handlers
from bot.config import SUPPORTED_LANGUAGES, Settings
from bot.i18n import N_, I18n
from bot.services.deps import DEPS_KEY, METRICS_KEY, Deps
from bot.services.keyring import load_keys
from bot.services.search import RegionEntry, RegionIndex
from bot.telegram.http import AiohttpRequest
from bot.telegram.metrics import BotMetrics
from bot.telegram.outbound import Limits, Outbound
from bot.telegram.processor import PerChatUpdateProcessor
from bot.telegram.standin import StandIn
from bot.workers.broadcast_sender import Sender
from bot.workers.deadlines import deadline_loop
from bot.workers.digest import digest_loop
from bot.workers.retention import retention_loop
from bot.workers.surveys import survey_loop
from handlers.context import BotContext, attach
from handlers.errors import on_error
from storage import broadcasts as broadcast_store
from storage import outbound_status as outbound_store
from storage import regions as region_store
from storage.db import Database
from storage.seed import load_seed

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]

MENU = [
    ("program", N_("Quick-win programs in your region")),
    ("masukan", N_("Your feedback and tickets")),
    ("wilayah", N_("Change your regency or city")),
    ("bahasa", N_("Change language")),
    ("bantuan", N_("Help")),
    ("privasi", N_("Privacy notice")),
    ("dataku", N_("Get your data")),
    ("hapusdata", N_("Delete your data")),
    ("langganan", N_("Announcements and programs you follow")),
    ("survei", N_("Surveys you can still answer")),
    ("batal", N_("Cancel the current step")),
]

# What Telegram shows before /start ("What can this bot do?", at most 512 characters) and on the bot's
# profile and when it is shared (at most 120).
DESCRIPTION = N_(
    "Quick Win Bot shows the quick-win programs of your regency or city. You can see each program and its "
    "status, rate it from 1 to 5 and send a comment. We pass your comments on to your local government's "
    "officials, who can answer you here. Before you start, we ask for your consent to process your data."
)
SHORT_DESCRIPTION = N_(
    "See and rate your regency's or city's quick-win programs, and send comments to your local government."
)


async def load_region_index(db: Database) -> RegionIndex:
    async with db.unit_of_work() as session:
        rows = await region_store.all_regions(session)
    return RegionIndex([RegionEntry(r.code, r.name, r.kind, r.province, r.lat, r.lon, r.cohort_year) for r in rows])


async def seed_if_empty(db: Database) -> None:
    async with db.unit_of_work() as session:
        if await region_store.all_regions(session):
            return
        regions, programs = await load_seed(session)
    log.info("first start: loaded %d regions and %d programs", regions, programs)


async def set_commands(application: Application[Any, Any, Any, Any, Any, Any], i18n: I18n, default: str) -> None:
    """The command menu and the bot's description in each language, and the default language's for everyone else.

    Sent together (one round trip before polling starts, not nine), through the outbound path like every call.
    """
    bot = application.bot
    calls = []
    for lang in (*SUPPORTED_LANGUAGES, None):
        t = i18n.get(lang or default)
        commands = [BotCommand(name, t.gettext(description)) for name, description in MENU]
        calls += [
            bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=lang),
            bot.set_my_description(t.gettext(DESCRIPTION), language_code=lang),
            bot.set_my_short_description(t.gettext(SHORT_DESCRIPTION), language_code=lang),
        ]
    await asyncio.gather(*calls)


def build_outbound(settings: Settings, database: Database, metrics: BotMetrics) -> Outbound:
    """The one path every Bot API call takes (python-telegram-bot's rate limiter)."""

    async def mark_blocked(chat_id: int) -> None:
        async with database.unit_of_work() as session:
            await broadcast_store.set_blocked(session, resident_id=chat_id, blocked=True)

    limits = Limits(
        rate=settings.telegram_rate, processes=settings.processes, redis_url=settings.redis_url,
        redis_key=f"quickwin:outbound:{settings.bot_token.get_secret_value().split(':', 1)[0]}",
        chat_rate=settings.telegram_chat_rate, chat_burst=settings.telegram_chat_burst,
        group_per_minute=settings.telegram_group_per_minute,
        broadcast_rate=settings.broadcast_rate, paid=settings.broadcast_paid,
        retry_for=settings.telegram_retry_seconds,
    )

    async def publish(snapshot: dict[str, Any]) -> None:
        async with database.unit_of_work() as session:
            await outbound_store.publish(session, process=snapshot["process"], data=snapshot, now=datetime.now(UTC))

    return Outbound(limits, api_url=settings.telegram_api_url, metrics=metrics, on_blocked=mark_blocked,
                    publish=publish)


def build_application(
    settings: Settings,
    *,
    db: Database | None = None,
    set_menu: bool = True,
    clock: Callable[[], datetime] | None = None,
    run_workers: bool = False,
    standin: StandIn | None = None,
) -> Application:
    """Build the PTB application with every dependency wired in; nothing runs until it starts.

    With `standin` it talks to that in-process Bot API (the simulator, `quickwin demo`) instead of Telegram.
    """
    database = db or Database(settings.database_url)
    i18n = I18n(settings.default_language)
    owns_db = db is None
    background: list[asyncio.Task[None]] = []
    metrics = BotMetrics()
    outbound = build_outbound(settings, database, metrics)

    async def post_init(application: Application) -> None:
        await seed_if_empty(database)
        async with database.unit_of_work() as session:
            keys = await load_keys(session, settings.secret_key)
        deps = Deps(
            settings=settings, db=database, i18n=i18n, regions=await load_region_index(database),
            pseudonym_key=keys.pseudonym, button_key=keys.button,
        )
        if clock:
            deps.clock = clock
        attach(application, deps)
        if set_menu:
            await set_commands(application, i18n, settings.default_language)
        if run_workers:  # every worker of a real deployment: digest, sender, retention, deadlines, surveys (tests drive them)
            background.append(asyncio.create_task(digest_loop(application), name="weekly-digest"))
            background.append(asyncio.create_task(Sender(application).run_forever(), name="broadcast-sender"))
            background.append(asyncio.create_task(retention_loop(application), name="retention"))
            background.append(asyncio.create_task(deadline_loop(application), name="deadlines"))
            background.append(asyncio.create_task(survey_loop(application), name="surveys"))

    async def post_stop(_application: Application) -> None:
        """The workers stop before the Bot API client closes (they would send into a closed client)."""
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        background.clear()

    async def post_shutdown(application: Application) -> None:
        await post_stop(application)
        if DEPS_KEY in application.bot_data:
            application.bot_data[DEPS_KEY].textwork.close()  # its worker threads end
        if owns_db:
            await database.dispose()

    application = (
        ApplicationBuilder()
        .token(settings.bot_token.get_secret_value())
        .base_url(settings.bot_api_base_url)
        .base_file_url(settings.bot_api_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .context_types(ContextTypes(context=BotContext))
        .concurrent_updates(PerChatUpdateProcessor(32, metrics))
        .rate_limiter(outbound)
        .request(standin.request() if standin else AiohttpRequest(128))
        .get_updates_request(standin.request() if standin else AiohttpRequest(1))
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data[METRICS_KEY] = metrics
    handlers.register(application)
    application.add_error_handler(on_error)
    return application
