"""`quickwin opendata export DIR` and `quickwin opendata push --ckan URL`: the public figures as open data.

The files are bot/services/opendata*.py's (the figures and their suppression: bot/services/public_figures.py);
the portal is reached through bot/cli/ckan.py. Both need OPENDATA_PRODUCER, the body named as the data's producer.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bot.cli import ckan
from bot.config import StoreSettings, load_settings
from bot.i18n import I18n, Translator
from bot.logs import configure
from bot.services.opendata_files import CSV, JSON, METADATA, DatasetFiles, build_files
from bot.services.opendata_meta import Publisher
from storage.db import Database, upgrade
from storage.regions import get_region

KEY_ENV = "CKAN_API_KEY"


class Refused(Exception):
    """A problem with the command's input, for the operator; exit code 2."""


def _publisher(settings: StoreSettings) -> Publisher:
    if not settings.opendata_producer:
        raise Refused('OPENDATA_PRODUCER is not set: the metadata must name the body that produces the data '
                      '(produsen data), e.g. OPENDATA_PRODUCER="Dinas Komunikasi dan Informatika Kota Bandung".')
    return Publisher(settings.opendata_producer, settings.opendata_contact, settings.opendata_license)


async def _files(settings: StoreSettings, regions: list[str], publisher: Publisher, t: Translator,
                 now: datetime) -> list[DatasetFiles]:
    db = Database(settings.database_url)
    try:
        async with db.reading() as session:
            for code in regions:
                if await get_region(session, code=code) is None:
                    raise Refused(f"Unknown region {code!r}: give its Kemendagri code, e.g. 32.73.")
            return await build_files(session, now=now, publisher=publisher, t=t,
                                     region_codes=regions or None)
    finally:
        await db.dispose()


def descriptions(t: Translator) -> dict[str, str]:
    """What each resource is, as the portal lists it."""
    return {
        CSV: t.gettext("The monthly figures as CSV (UTF-8, a header row; withheld figures are empty)"),
        JSON: t.gettext("The same figures as JSON (withheld figures are null)"),
        METADATA: t.gettext("The dataset's metadata (Satu Data Indonesia)"),
    }


def export(args: argparse.Namespace, items: list[DatasetFiles]) -> list[str]:
    folder: Path = args.dir
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for item in items:
        for filename, body in item.files.items():
            (folder / filename).write_bytes(body)
        lines.append(f"{item.dataset.name}: {len(item.dataset.rows)} row(s) -> "
                     f"{', '.join(str(folder / f) for f in item.files)}")
    lines.append(f"Wrote {len(items)} dataset(s) into {folder}.")
    return lines


def _api_key(args: argparse.Namespace) -> str:
    key = (args.api_key or os.environ.get(KEY_ENV) or "").strip()
    if not key:
        raise Refused(f"Give the portal's API key: --api-key KEY, or the {KEY_ENV} environment variable.")
    return key


def _portal_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Refused(f"--ckan must be the portal's address, e.g. https://data.bandung.go.id (got {value!r}).")
    return value.strip().rstrip("/")


def command(args: argparse.Namespace) -> int:
    """Run `quickwin opendata ...`; the exit code."""
    settings = load_settings(StoreSettings)
    try:
        url = _portal_url(args.ckan) if args.opendata_command == "push" else None
        key = _api_key(args) if url else None
        publisher = _publisher(settings)  # before the migrations: a missing producer is said at once
    except Refused as exc:
        print(exc, file=sys.stderr)
        return 2
    configure(settings.log_level, library_level=settings.log_libraries, secrets=[key] if key else [])
    t = I18n(settings.default_language).get(settings.default_language)
    regions = sorted({code.strip() for code in args.region if code.strip()})
    upgrade(settings.database_url)
    try:
        items = asyncio.run(_files(settings, regions, publisher, t, args.as_of or datetime.now(UTC)))
    except Refused as exc:
        print(exc, file=sys.stderr)
        return 2
    if url is None or key is None:
        for line in export(args, items):
            print(line)
        return 0
    try:
        done = ckan.push(url, key, args.org, items, descriptions(t), print)
    except ckan.PushError as exc:
        print(f"Push stopped: {exc}", file=sys.stderr)
        return 1
    print(f"Pushed {len(done)} dataset(s) to {url}: {sum(p.created for p in done)} created, "
          f"{sum(not p.created for p in done)} updated.")
    return 0
