"""The public transparency page: what residents said of each region's quick wins, as aggregates, without login.

Routes (GET; ?lang=id|en chooses the language, Indonesian by default; no session, no cookie):

    /publik                 the national list: every kabupaten/kota with programs, its program count and figures
    /publik/{code}          one region's quick wins (code as 32.74): average rating, ratings, on-time share, a
                            12-month trend as inline SVG
    /publik/data/{file}     the same figures as open-data files (bot/web/views_opendata.py)
Only what bot/services/public_figures.py publishes: no comment, no name, no id of a resident; a figure with fewer
than 5 residents behind it is "belum cukup data". A page an admin hid (/dasbor/publik, bot/web/views_public_admin.py)
is a polite 404. Pages are cacheable (Cache-Control: public, max-age=300, and an ETag), and the figures are kept in
this process for as long, so a busy page costs the database one set of queries per five minutes at most.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from babel.dates import format_date

from bot.i18n import N_, Translator
from bot.render.public_trend import HEIGHT, WIDTH, trend_bars
from bot.render.skm_periods import figures as skm_figures
from bot.services import public_page, skm_index
from bot.services.public_figures import MIN_CONTRIBUTORS, Cell, PublicFigures, RegionFigures, public_figures
from bot.services.skm_index import Period
from bot.web import inputs, views_opendata
from bot.web.keys import DEPS
from bot.web.pages import anonymous_translator, render
from storage.public_page import NATIONAL

CODE = r"{code:[0-9]{2}\.[0-9]{2}}"
MAX_AGE = 300  # seconds: browsers, proxies and this process's copy of the figures alike
CACHE_CONTROL = f"public, max-age={MAX_AGE}"
SOURCES = N_("Region codes and names: Kepmendagri No 300.2.2-2138 Tahun 2025, from cahyadsn/wilayah "
             "(MIT License, Copyright (c) 2017 Cahya DSN). Programs: the regions' own publications, linked on each "
             "program's page in the bot.")


@dataclass(slots=True)
class _Kept:
    until: float
    figures: PublicFigures


FIGURES = web.AppKey("public_figures", dict)  # (region code or "") -> _Kept
SKM = web.AppKey("public_skm", dict)  # region code -> (until, {program id: its latest closed SKM survey})


def setup(app: web.Application) -> None:
    app[FIGURES] = {}
    app[SKM] = {}
    views_opendata.setup(app)
    app.router.add_get("/publik", national)
    app.router.add_get(f"/publik/{CODE}", region)
    app.router.add_get("/publik/{rest:.*}", not_found)


async def _figures(request: web.Request, code: str | None) -> PublicFigures:
    kept: dict[str, _Kept] = request.app[FIGURES]
    key = code or ""
    found = kept.get(key)
    if found is not None and found.until > time.monotonic():
        return found.figures
    deps = request.app[DEPS]
    async with deps.db.reading() as session:
        figures = await public_figures(session, region_codes=None if code is None else [code], now=deps.clock())
    if len(kept) > 600:  # a region's page each, at most: never more than the country has
        kept.clear()
    kept[key] = _Kept(time.monotonic() + MAX_AGE, figures)
    return figures


async def _latest_skm(request: web.Request, found: RegionFigures) -> dict[int, Period]:
    """Each program's latest closed SKM survey, kept as long as the figures are."""
    kept: dict[str, tuple[float, dict[int, Period]]] = request.app[SKM]
    if (hit := kept.get(found.code)) is not None and hit[0] > time.monotonic():
        return hit[1]
    deps = request.app[DEPS]
    async with deps.db.reading() as session:
        latest = await skm_index.latest(session, [p.id for p in found.programs], now=deps.clock())
    if len(kept) > 600:
        kept.clear()
    kept[found.code] = (time.monotonic() + MAX_AGE, latest)
    return latest


async def _hidden(request: web.Request) -> set[str]:
    async with request.app[DEPS].db.reading() as session:
        return await public_page.hidden_scopes(session)


def _values(t: Translator, cell: Cell) -> dict[str, Any]:
    """A cell's figures as the reader writes numbers; None where not published."""
    r, o = cell.ratings, cell.on_time
    return {
        "average": None if r.average is None else t.decimal(r.average),
        "stars": None if r.average is None else round(r.average),
        "ratings": None if r.count is None else t.integer(r.count),
        "residents": None if r.residents is None else t.integer(r.residents),
        "on_time": None if o.share is None else t.integer(round(o.share * 100)),
        "settled": None if o.settled is None else t.integer(o.settled),
        "on_time_hidden": o.suppressed,
    }


def _period(t: Translator, found: RegionFigures) -> str:
    """The window's first and last month, as "April 2025 – Maret 2026"."""
    months = [c.month for c in found.months if c.month is not None]
    return " – ".join(format_date(m, "MMMM y", locale=t.lang) for m in (months[0], months[-1])) if months else ""


def _lang_link(path: str, t: Translator, default: str) -> str:
    return path if t.lang == default else f"{path}?lang={t.lang}"


def _cached(request: web.Request, response: web.Response) -> web.Response:
    """Public caching, and a 304 when the browser already holds this very page."""
    etag = '"' + hashlib.sha256(response.body if isinstance(response.body, bytes) else b"").hexdigest()[:20] + '"'
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["ETag"] = etag
    if etag in re.split(r"\s*,\s*", request.headers.get("If-None-Match", "")):
        return web.Response(status=304, headers={k: v for k, v in response.headers.items() if k != "Content-Type"
                                                 and k != "Content-Length"})
    return response


def _gone(request: web.Request, t: Translator, message: str) -> web.Response:
    default = request.app[DEPS].i18n.default
    return render(request, t, "public_message.html", {
        "message": t.gettext(message), "home": _lang_link("/publik", t, default), "min": MIN_CONTRIBUTORS,
        "sources": t.gettext(SOURCES),
    }, status=404)


def _translator(request: web.Request) -> Translator | web.Response:
    t = anonymous_translator(request)
    if inputs.unclean_parameter(request.query, None) is not None:
        return render(request, t, "public_message.html", {
            "message": t.gettext(N_("The address contains characters that are not allowed.")),
            "home": "/publik", "min": MIN_CONTRIBUTORS, "sources": t.gettext(SOURCES),
        }, status=400)
    return t


async def national(request: web.Request) -> web.StreamResponse:
    """The national list of kabupaten/kota with programs, unless an admin hid it."""
    t = _translator(request)
    if isinstance(t, web.Response):
        return t
    hidden = await _hidden(request)
    if NATIONAL in hidden:
        return _gone(request, t, N_("The national list is not published at the moment. Each region's page may "
                                    "still be open: ask the regional government for its address."))
    figures = await _figures(request, None)
    default = request.app[DEPS].i18n.default
    rows = [
        {"region": r, "link": _lang_link(f"/publik/{r.code}", t, default), "programs": t.integer(len(r.programs)),
         **_values(t, r.total)}
        for r in figures.regions if r.code not in hidden
    ]
    response = render(request, t, "public_national.html", {
        "rows": rows, "min": MIN_CONTRIBUTORS, "sources": t.gettext(SOURCES),
        "data": views_opendata.downloads(request, None),
    })
    return _cached(request, response)


async def region(request: web.Request) -> web.StreamResponse:
    """One region's quick wins with their figures and trends."""
    t = _translator(request)
    if isinstance(t, web.Response):
        return t
    code = request.match_info["code"]
    hidden = await _hidden(request)
    found: RegionFigures | None = None
    if code not in hidden:
        found = next((r for r in (await _figures(request, code)).regions if r.code == code), None)
    if found is None:
        return _gone(request, t, N_("We have no public page for this region: it has no quick-win program in our "
                                    "catalogue, or it is not published at the moment."))
    default = request.app[DEPS].i18n.default
    skm = await _latest_skm(request, found)
    programs = [
        {"program": p, "trend": trend_bars(t, p.months), **_values(t, p.total),
         "skm": skm_figures(t, skm[p.id]) if p.id in skm else None} for p in found.programs
    ]
    response = render(request, t, "public_region.html", {
        "region": found, "total": _values(t, found.total), "programs": programs, "min": MIN_CONTRIBUTORS,
        "home": None if NATIONAL in hidden else _lang_link("/publik", t, default),
        "width": WIDTH, "height": HEIGHT, "sources": t.gettext(SOURCES),
        "period": _period(t, found), "data": views_opendata.downloads(request, code),
    })
    return _cached(request, response)


async def not_found(request: web.Request) -> web.StreamResponse:
    t = _translator(request)
    if isinstance(t, web.Response):
        return t
    return _gone(request, t, N_("We have no public page for this region: it has no quick-win program in our "
                                "catalogue, or it is not published at the moment."))
