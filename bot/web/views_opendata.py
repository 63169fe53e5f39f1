"""The open-data files on the public page: what `quickwin opendata export` writes, downloadable without login.

    /publik/data/{file}     quickwin-indonesia.csv, quickwin-32-73.json, quickwin-32-73.metadata.json, ...

The files are bot/services/opendata_files.py's, built from the same suppressed public figures as the pages; a
region or national list an admin hid is not published here either. They need OPENDATA_PRODUCER (the body named as
the data's producer in the metadata): without it the pages offer no download and these addresses answer 404.
"""

from __future__ import annotations

from aiohttp import web

from bot.services import opendata
from bot.services.opendata_files import CSV, JSON, METADATA, published_file
from bot.services.opendata_meta import Publisher
from bot.web.keys import DEPS
from bot.web.pages import anonymous_translator

FILE = r"{filename:[a-z0-9][a-z0-9._-]{0,79}}"
MAX_AGE = 300  # as the pages: the figures change with new ratings, not by the second


def publisher(request: web.Request) -> Publisher | None:
    settings = request.app[DEPS].settings
    if not settings.opendata_producer:
        return None
    return Publisher(settings.opendata_producer, settings.opendata_contact, settings.opendata_license)


def downloads(request: web.Request, region_code: str | None) -> dict[str, str] | None:
    """The links of a page's dataset (the national one for None), or None when open data is not set up."""
    if publisher(request) is None:
        return None
    name = opendata.NATIONAL if region_code is None else opendata.dataset_name(region_code)
    return {"csv": f"/publik/data/{name}{CSV}", "json": f"/publik/data/{name}{JSON}",
            "metadata": f"/publik/data/{name}{METADATA}"}


async def download(request: web.Request) -> web.StreamResponse:
    """One file, or 404 for a name that is not one of ours (or is hidden, or open data is not set up)."""
    who = publisher(request)
    if who is None:
        raise web.HTTPNotFound(text="Not found")
    deps = request.app[DEPS]
    filename = request.match_info["filename"]
    async with deps.db.reading() as session:
        found = await published_file(session, filename, now=deps.clock(), publisher=who,
                                     t=anonymous_translator(request))
    if found is None:
        raise web.HTTPNotFound(text="Not found")
    content_type, body = found
    kind = "attachment" if filename.endswith(CSV) else "inline"
    return web.Response(body=body, headers={
        "Content-Type": content_type, "Cache-Control": f"public, max-age={MAX_AGE}",
        "Content-Disposition": f'{kind}; filename="{filename}"', "X-Content-Type-Options": "nosniff",
    })


def setup(app: web.Application) -> None:
    """Register the download route (before the public page's catch-all)."""
    app.router.add_get(f"/publik/data/{FILE}", download)
