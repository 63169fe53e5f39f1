"""`quickwin` command line: run the bot (`run` polls; `serve` adds the webhook, the dashboard and the data API),
migrate, seed, import and export programs, keep officials, data API tokens, announcements, muted residents and
days off, and publish open data (those commands live in bot/services/roster.py, bot/services/api_tokens.py,
bot/cli/broadcast.py, bot/cli/residents.py, bot/cli/holidays.py, bot/cli/deadlines.py and bot/cli/opendata.py)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import html
import logging
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from bot.cli import arguments
from bot.config import ConfigError, Settings, StoreSettings, load_settings
from bot.i18n import compile_catalogs
from bot.logs import configure
from bot.telegram.runner import TokenRejected, new_event_loop, poll, quiet_ptb_warnings, run

log = logging.getLogger("quickwin")


def _logging(settings: StoreSettings) -> None:
    """Our loggers at LOG_LEVEL, libraries at most INFO (LOG_LIBRARIES=DEBUG to see theirs), secrets redacted."""
    secrets = [s.get_secret_value() for s in (getattr(settings, name, None) for name in
                                              ("bot_token", "webhook_secret", "secret_key")) if s is not None]
    configure(settings.log_level, library_level=settings.log_libraries, secrets=secrets)


@contextlib.contextmanager
def _starting() -> Iterator[None]:
    """No garbage collection while the bot is built: start-up allocates much and frees little (about 0.1 s).

    What it built lives as long as the process, so it is frozen: later collections need not walk it again.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def cmd_run(_args: argparse.Namespace) -> int:
    settings = load_settings(Settings)
    settings.require_data_controller()
    _logging(settings)
    with _starting():
        from bot.app import ALLOWED_UPDATES, build_application
        from storage.db import upgrade

        compile_catalogs()
        upgrade(settings.database_url)
        application = build_application(settings, run_workers=True)
    log.info("starting; Bot API at %s", settings.telegram_api_url)
    run(poll(application, settings, ALLOWED_UPDATES))
    return 0


def cmd_serve(_args: argparse.Namespace) -> int:
    settings = load_settings(Settings)
    settings.require_data_controller()
    _logging(settings)
    with _starting():
        from aiohttp import web

        from bot.web.app import build_web_app
        from storage.db import upgrade

        compile_catalogs()
        upgrade(settings.database_url)
        app = build_web_app(settings)
    log.info("serving on http://%s:%s (dashboard: %s)", settings.web_host, settings.web_port, settings.dashboard_url)
    # run_app handles SIGINT/SIGTERM: the cleanup context stops PTB, which drains queued updates.
    web.run_app(app, host=settings.web_host, port=settings.web_port, print=None, access_log=None, shutdown_timeout=30,
                loop=new_event_loop())
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """`quickwin demo` (bot/cli/demo.py), imported only when asked for: the other commands start lighter."""
    from bot.cli.demo import demo

    configure("INFO", library_level="WARNING", secrets=[])
    return demo(port=args.port, keep=args.keep)


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    settings = load_settings(StoreSettings)
    _logging(settings)
    from storage.db import upgrade

    upgrade(settings.database_url)
    print("Database is up to date.")
    return 0


async def _with_session(url: str, work):
    from storage.db import Database

    db = Database(url)
    try:
        async with db.unit_of_work() as session:
            return await work(session)
    finally:
        await db.dispose()


def cmd_seed(_args: argparse.Namespace) -> int:
    settings = load_settings(StoreSettings)
    _logging(settings)
    from storage.db import upgrade
    from storage.seed import load_seed

    upgrade(settings.database_url)
    regions, programs = asyncio.run(_with_session(settings.database_url, load_seed))
    print(f"Seed loaded: {regions} new regions, {programs} new programs (existing rows kept as they are).")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    settings = load_settings(StoreSettings)
    _logging(settings)
    from bot.services.importer import import_programs
    from storage.db import upgrade

    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"Cannot read {path}: {exc}", file=sys.stderr)
        return 2
    upgrade(settings.database_url)
    from bot.i18n import I18n

    t = I18n(settings.default_language).get(settings.default_language)

    def notice(region: str) -> str:
        return t.gettext("🎉 Good news: {region} now lists its quick-win programs. See them and rate them: /program").format(
            region=html.escape(region))

    report = asyncio.run(_with_session(settings.database_url, lambda s: import_programs(s, text, notice=notice)))
    if not report.ok:
        print(f"Nothing imported: {len(report.errors)} problem(s) in {path}:", file=sys.stderr)
        for line, reason in report.errors:
            print(f"  line {line}: {reason}", file=sys.stderr)
        return 1
    print(f"Imported {report.imported} program(s) from {path}.")
    return 0


def _store_command(work) -> Callable[[argparse.Namespace], int]:
    """A command that migrates, runs `work(session, args)` in one unit of work and prints its lines."""

    def command(args: argparse.Namespace) -> int:
        settings = load_settings(StoreSettings)
        _logging(settings)
        from storage.db import upgrade

        upgrade(settings.database_url)
        code, lines = asyncio.run(_with_session(settings.database_url, lambda s: work()(s, args)))
        for line in lines:
            print(line, file=sys.stderr if code else sys.stdout)
        return int(code)

    return command


def _roster():
    from bot.services.roster import roster_command

    return roster_command


def _broadcast():
    from bot.cli.broadcast import run

    return run


cmd_official = _store_command(_roster)
cmd_broadcast = _store_command(_broadcast)


def _residents():
    from bot.cli.residents import resident_command

    return resident_command


cmd_resident = _store_command(_residents)


def _deadlines():
    from bot.cli.deadlines import deadlines_command

    return deadlines_command


cmd_deadlines = _store_command(_deadlines)


def cmd_opendata(args: argparse.Namespace) -> int:
    """`quickwin opendata` (bot/cli/opendata.py), imported only when asked for: the CKAN client is not light."""
    from bot.cli.opendata import command

    return command(args)


def cmd_token(args: argparse.Namespace) -> int:
    settings = load_settings(StoreSettings)
    _logging(settings)
    from bot.services.api_tokens import token_command
    from storage.db import upgrade

    upgrade(settings.database_url)
    code, out, err = asyncio.run(_with_session(settings.database_url, lambda s: token_command(s, args)))
    for line in out:
        print(line)
    for line in err:
        print(line, file=sys.stderr)
    return code


def cmd_export_programs(args: argparse.Namespace) -> int:
    settings = load_settings(StoreSettings)
    _logging(settings)
    from bot.cli.broadcast import export_programs
    from storage.db import upgrade

    upgrade(settings.database_url)
    text = asyncio.run(_with_session(settings.database_url, lambda s: export_programs(s, args.region)))
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"Wrote {text.count(chr(10)) - 1} program(s) to {args.output}.")
    else:
        sys.stdout.write(text)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="quickwin", description="Quick Win Bot for the 100 Smart City Movement")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot by long polling (applies pending migrations first)").set_defaults(fn=cmd_run)
    sub.add_parser(
        "serve", help="webhook (WEBHOOK_URL) or polling, plus the dashboard and the API, on WEB_HOST:WEB_PORT"
    ).set_defaults(fn=cmd_serve)
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply pending migrations").set_defaults(fn=cmd_db_upgrade)
    sub.add_parser("seed", help="load the shipped regions and programs (idempotent)").set_defaults(fn=cmd_seed)
    arguments.add_import(sub).set_defaults(fn=cmd_import)
    arguments.add_official(sub).set_defaults(fn=cmd_official)
    arguments.add_token(sub).set_defaults(fn=cmd_token)
    from bot.cli.broadcast import add_arguments

    bc = sub.add_parser("broadcast", help="queue an announcement, or show/cancel one (status ID, cancel ID)")
    add_arguments(bc)
    bc.set_defaults(fn=cmd_broadcast)
    from bot.cli.residents import add_arguments as add_resident_arguments

    res = sub.add_parser("resident", help="mute a resident who abuses the service for some hours, or end it")
    add_resident_arguments(res)
    res.set_defaults(fn=cmd_resident)
    arguments.add_demo(sub).set_defaults(fn=cmd_demo)
    from bot.cli.deadlines import add_parsers as add_deadline_parsers

    add_deadline_parsers(sub, cmd_deadlines)  # holidays, region
    from bot.cli.opendata_args import add_arguments as add_opendata_arguments

    od = sub.add_parser("opendata", help="the public figures as open data: export files, push them to a CKAN portal")
    add_opendata_arguments(od)
    od.set_defaults(fn=cmd_opendata)
    arguments.add_export_programs(sub).set_defaults(fn=cmd_export_programs)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    quiet_ptb_warnings()
    try:
        return int(args.fn(args))
    except TokenRejected as exc:
        print(exc, file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130

