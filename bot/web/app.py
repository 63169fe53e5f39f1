"""The aiohttp application factory: webhook, health checks, dashboard and API, with PTB inside its lifecycle."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from telegram import Update
from telegram.ext import Application

from bot.app import ALLOWED_UPDATES, build_application
from bot.config import Settings
from bot.services.deps import DEPS_KEY, METRICS_KEY
from bot.telegram.runner import initialize
from bot.telegram.simulator import Simulator
from bot.telegram.standin import StandIn
from bot.web import api, api_surveys, dashboard
from bot.web.keys import DEPS, PTB, REFUSED_LOG, SETTINGS, SIMULATOR
from bot.web.repeats import RepeatedWarnings
from storage.db import Database

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
UPDATE_KINDS = frozenset(str(kind) for kind in Update.ALL_TYPES)
UPDATE_ID_MAX = 2**63 - 1


def _int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_update(data: object, bot: Any) -> Update | None:
    """The update in a webhook body, or None when it is not one Telegram could have sent.

    Exactly one kind of update, an id in range, and the fields the handlers rely on of the right type:
    anything else is refused before it reaches PTB.
    """
    if not isinstance(data, dict) or not _int(data.get("update_id")) or not 0 <= data["update_id"] <= UPDATE_ID_MAX:
        return None
    kinds = [key for key in data if key != "update_id"]
    if len(kinds) != 1 or kinds[0] not in UPDATE_KINDS or not isinstance(data[kinds[0]], dict):
        return None
    try:
        update = Update.de_json(data, bot)
    except Exception:  # noqa: BLE001 - PTB raises KeyError, TypeError, AttributeError... on malformed objects
        return None
    user, chat, message, query = update.effective_user, update.effective_chat, update.effective_message, update.callback_query
    ids = [obj.id for obj in (user, chat) if obj is not None]
    texts = [getattr(message, "text", None), getattr(message, "caption", None), getattr(query, "data", None)]
    if not all(_int(i) for i in ids) or not all(t is None or isinstance(t, str) for t in texts):
        return None
    return update


async def webhook(request: web.Request) -> web.Response:
    """Telegram's POST: check the secret in constant time, queue the update, answer at once."""
    settings = request.app[SETTINGS]
    expected = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    given = request.headers.get(SECRET_HEADER, "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        request.app[REFUSED_LOG].warn("webhook calls without the right secret token", request.remote)
        return web.json_response({"ok": False, "error": "forbidden"}, status=403)
    ptb = request.app[PTB]
    try:
        update = parse_update(await request.json(), ptb.bot)
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: [[[[…]]]]
        update = None
    if update is None:  # one line for the operator (aggregated), no traceback, nothing for PTB
        request.app[REFUSED_LOG].warn("webhook calls whose body is not a Telegram update", request.remote)
        return web.json_response({"ok": False, "error": "the body is not a Telegram update"}, status=400)
    # Processing happens in PTB's own workers; Telegram gets its 200 straight away.
    await ptb.update_queue.put(update)
    return web.json_response({"ok": True})


async def healthz(_request: web.Request) -> web.Response:
    """The process is up."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """The database answers and the bot is initialised."""
    checks: dict[str, str] = {}
    ptb = request.app[PTB]
    checks["bot"] = "ok" if ptb.running and DEPS in request.app else "starting"
    try:
        await request.app[DEPS].db.ping() if DEPS in request.app else None
        checks["database"] = "ok" if DEPS in request.app else "starting"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        log.warning("readiness: database unreachable: %r", exc)
        checks["database"] = "unreachable"
    ready = all(v == "ok" for v in checks.values())
    return web.json_response({"status": "ready" if ready else "not ready", **checks}, status=200 if ready else 503)


async def metrics(request: web.Request) -> web.Response:
    """Prometheus metrics: the outbound path's queues, sends, waits, retries and 429s; updates and errors."""
    body = request.app[PTB].bot_data[METRICS_KEY].render()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def _ptb_lifecycle(settings: Settings) -> Callable[[web.Application], AsyncIterator[None]]:
    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        """Start PTB with the web app, stop it (draining updates in flight) when the web app stops."""
        ptb = app[PTB]
        await initialize(ptb, settings)
        if ptb.post_init:
            await ptb.post_init(ptb)
        app[DEPS] = ptb.bot_data[DEPS_KEY]
        await ptb.start()
        await _start_simulator(app, settings)
        polling = settings.webhook_url is None
        if polling:
            assert ptb.updater is not None
            await ptb.bot.delete_webhook()
            limiter: Any = ptb.bot.rate_limiter
            await ptb.updater.start_polling(allowed_updates=ALLOWED_UPDATES,
                                            error_callback=getattr(limiter, "polling_failed", None))
            log.info("no WEBHOOK_URL: receiving updates by long polling")
        else:
            assert settings.webhook_secret is not None
            await ptb.bot.set_webhook(
                settings.webhook_url, secret_token=settings.webhook_secret.get_secret_value(),
                allowed_updates=ALLOWED_UPDATES,
            )
            log.info("webhook registered at %s", settings.webhook_url)
        try:
            yield
        finally:
            if polling and ptb.updater is not None and ptb.updater.running:
                await ptb.updater.stop()
            await _stop_simulator(app)
            await ptb.stop()  # handles every update already queued before returning
            if ptb.post_stop:
                await ptb.post_stop(ptb)
            await ptb.shutdown()
            if ptb.post_shutdown:
                await ptb.post_shutdown(ptb)

    return lifecycle


async def _start_simulator(app: web.Application, settings: Settings) -> None:
    """The simulator's own Application (no workers, no menu), on the same database, unless the bot itself already
    talks to the stand-in (`quickwin demo`)."""
    simulator = app[SIMULATOR]
    if simulator.application is not None:
        return
    sim = build_application(settings, db=app[DEPS].db, set_menu=False, run_workers=False, standin=simulator.standin)
    await sim.initialize()
    if sim.post_init:
        await sim.post_init(sim)
    await sim.start()
    simulator.application, simulator.owned = sim, True


async def _stop_simulator(app: web.Application) -> None:
    simulator = app[SIMULATOR]
    sim = simulator.application
    if sim is None or not simulator.owned:
        return
    simulator.application = None
    await sim.stop()
    if sim.post_stop:
        await sim.post_stop(sim)
    await sim.shutdown()
    if sim.post_shutdown:
        await sim.post_shutdown(sim)


async def _close(refused: RepeatedWarnings) -> None:
    refused.close()


def build_web_app(
    settings: Settings,
    *,
    db: Database | None = None,
    clock: Callable[[], datetime] | None = None,
    run_workers: bool = True,
    ptb: Application[Any, Any, Any, Any, Any, Any] | None = None,
    standin: StandIn | None = None,
) -> web.Application:
    """One aiohttp application: webhook, /healthz, /readyz, the dashboard and /api/v1.

    With `standin` the bot itself talks to that in-process Bot API (`quickwin demo`), and the simulator uses it;
    otherwise the simulator gets an Application of its own.
    """
    app = web.Application(client_max_size=2 * 1024 * 1024)
    app[SETTINGS] = settings
    app[REFUSED_LOG] = refused = RepeatedWarnings(log)
    app[PTB] = ptb or build_application(settings, db=db, clock=clock, run_workers=run_workers, standin=standin)
    app[SIMULATOR] = Simulator(standin or StandIn(), application=app[PTB] if standin else None)
    app.cleanup_ctx.append(_ptb_lifecycle(settings))
    app.on_cleanup.append(lambda _app: _close(refused))
    app.router.add_post(settings.webhook_path, webhook)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    dashboard.setup(app)
    api.setup(app, api_surveys.routes)
    return app
