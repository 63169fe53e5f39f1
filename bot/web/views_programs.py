"""The programs table of a scope, sortable, and one program's page with its trend and comments."""

from __future__ import annotations

import functools

from aiohttp import web

from bot.i18n import N_
from bot.render.chart import render_chart
from bot.render.programs import label
from bot.render.skm_periods import period_rows
from bot.render.summary import chart_labels
from bot.services import catalog, skm_index
from bot.services.auth import may_manage_catalogue, program_for
from bot.services.public_figures import MIN_CONTRIBUTORS
from bot.services.summaries import resolve_scope
from bot.services.tickets import pseudonym
from bot.web import inputs, params
from bot.web.context import Ctx, Later, Page, Refusal
from bot.web.pages import link, view
from bot.web.views_overview import no_chart
from storage import dashboard as queries
from storage import programs as program_store
from storage import regions as region_store
from storage.dashboard import FeedbackFilter, ProgramRow
from storage.models import Program, Region
from storage.programs import ProgramWithStats
from storage.statuses import FeedbackStatus

RECENT_COMMENTS = 10
ID_MAX = 2**31 - 1  # larger numbers cannot be ids (and PostgreSQL would refuse them)
NOT_FOUND = N_("This program was not found, or it is not in your region.")
COLUMNS = (
    ("nama", N_("Program")),
    ("nilai", N_("Average")),
    ("jumlah", N_("Ratings")),
    ("komentar", N_("Comments")),
    ("baru", N_("Waiting")),
)
SORT_KEYS = {
    "nama": lambda r: (r.name.lower(), r.id),
    "nilai": lambda r: (r.average is None, r.average or 0, r.count),
    "jumlah": lambda r: (r.count, r.average or 0),
    "komentar": lambda r: (r.comments, r.waiting),
    "baru": lambda r: (r.waiting, r.comments),
}


def _sorted(rows: list[ProgramRow], key: str, order: str) -> list[ProgramRow]:
    rows = sorted(rows, key=SORT_KEYS[key], reverse=order == "turun")
    if key == "nilai" and order == "turun":  # programs without ratings stay last either way
        rows = [r for r in rows if r.average is not None] + [r for r in rows if r.average is None]
    return rows


@view
async def programs(ctx: Ctx) -> Page:
    """The scope's programs with their ratings and counts; each column header sorts."""
    scope = await ctx.resolve_scope()
    key, order = params.sort(ctx.query)
    rows = _sorted(await queries.program_table(ctx.db, region_codes=scope.region_codes), key, order)
    ctx.audit("dashboard.programs", scope.token, sort=key, order=order)
    t = ctx.t
    headers = []
    for column, title in COLUMNS:
        next_order = "turun" if column == key and order == "naik" else "naik"
        if column != key and column != "nama":
            next_order = "turun"  # figures: the largest first on the first click
        headers.append({
            "title": t.gettext(title), "url": link("/dasbor/program", wilayah=scope.token, urut=column, arah=next_order),
            "sorted": (order if column == key else None),
        })
    return Page("programs.html", {
        "page": "programs",
        "rows": rows,
        "headers": headers,
        "many_regions": scope.kind != "region",
        "status_label": lambda s: label(t, catalog.PROGRAM_STATUSES, s),
        "waiting_status": FeedbackStatus.NEW,  # the link from a program's waiting count to those comments
    })


async def visible_program(ctx: Ctx) -> tuple[Program, Region]:
    """The program of the address if the official may see it (else 404); the frame then shows its region."""
    program_id = inputs.whole_number(ctx.request.match_info["id"], low=1, high=ID_MAX) or 0
    program = await program_for(ctx.db, ctx.actor, program_id) if program_id else None
    region = await region_store.get_region(ctx.db, code=program.region_code) if program else None
    if program is None or region is None:
        raise Refusal(404, NOT_FOUND)
    ctx.scope = await resolve_scope(ctx.db, ctx.actor, f"r{region.code}")  # the frame shows the program's region
    return program, region


async def _stats(ctx: Ctx, program: Program) -> ProgramWithStats:
    stats = await program_store.program_with_stats(ctx.db, program_id=program.id)  # type: ignore[arg-type]
    return stats or ProgramWithStats(program=program, average=None, count=0)  # a removed program: no figures


@view
async def program(ctx: Ctx) -> Page:
    """One program: its figures, its weekly trend, the latest comments (and its forms, for those who manage it)."""
    program, region = await visible_program(ctx)
    ctx.audit("dashboard.program", str(program.id))
    return await program_page(ctx, program, region)


async def program_page(ctx: Ctx, program: Program, region: Region, *, errors: dict[str, str] | None = None,
                       draft: dict[str, str] | None = None, status: int = 200) -> Page:
    """The program's page; with `errors` (form field -> message) and what was typed, after a refused form."""
    stats = await _stats(ctx, program)
    weeks = await queries.program_trend(ctx.db, program_id=program.id, until=ctx.now, zone=region.timezone)  # type: ignore[arg-type]
    recent, total = await queries.feedback_page(
        ctx.db, FeedbackFilter(region_codes=[region.code], program_id=program.id, with_comment=True),
        offset=0, limit=RECENT_COMMENTS,
    )
    t = ctx.t
    skm = period_rows(t, await skm_index.periods(ctx.db, int(program.id or 0), now=ctx.now), region.timezone)
    return Page("program.html", {
        "skm_periods": skm,
        "min_skm": MIN_CONTRIBUTORS,
        "page": "programs",
        "program": program,
        "region": region,
        "stats": stats,
        "distribution": [(stars, stats.distribution[stars - 1]) for stars in range(5, 0, -1)],
        "weeks": list(reversed(weeks)),
        "recent": recent,
        "total_comments": total,
        "who": lambda r: pseudonym(ctx.deps.pseudonym_key, r.region_code, r.resident_id, r.resident_salt),
        "status_label": lambda s: label(t, catalog.FEEDBACK_STATUSES, s),
        "program_status": label(t, catalog.PROGRAM_STATUSES, program.status),
        "dimension": label(t, catalog.DIMENSIONS, program.dimension),
        "chart": f"/dasbor/program/{program.id}/grafik.png",
        "all_comments": link("/dasbor/masukan", wilayah=f"r{region.code}", program=program.id),
        "manage": program.removed_at is None and may_manage_catalogue(ctx.actor, program.region_code),
        "statuses": [(key, label(t, catalog.PROGRAM_STATUSES, key)) for key in catalog.PROGRAM_STATUSES],
        "errors": errors or {},
        "draft": {"deskripsi": program.description, "status": program.status, "kabari": "tidak", **(draft or {})},
    }, status=status)


@view
async def program_chart(ctx: Ctx) -> Later:
    """A program's chart: its rating distribution and its weekly trend, as a PNG."""
    program, region = await visible_program(ctx)
    stats = await _stats(ctx, program)
    weeks = await queries.program_trend(ctx.db, program_id=program.id, until=ctx.now, zone=region.timezone)  # type: ignore[arg-type]
    labels = chart_labels(ctx.t, f"{program.name} · {region.name}"[:90])
    comma = ctx.t.lang == "id"

    draw = functools.partial(render_chart, distribution=stats.distribution, weekly=weeks, labels=labels, decimal_comma=comma)

    async def build() -> web.StreamResponse:  # after the commit, off the event loop, within its time limit
        png = await ctx.deps.textwork.chart(draw, what=f"program {program.id}")
        return web.Response(body=png, content_type="image/png") if png is not None else no_chart()

    return Later(build)
