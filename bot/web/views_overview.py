"""The overview: the same figures as /ringkasan for a region (or, for admins, a province or the country)."""

from __future__ import annotations

import functools
from typing import Any

from aiohttp import web

from bot.i18n import N_
from bot.render.programs import rating_line
from bot.render.summary import (
    PERIOD_LABELS,
    PERIOD_TITLES,
    RANKED,
    change_text,
    draw_chart,
    duration_text,
    points_change,
    share_text,
)
from bot.services import summaries
from bot.web import params
from bot.web.context import Ctx, Later, Page
from bot.web.pages import link, view
from storage.statuses import FeedbackStatus

PNG = "image/png"
RETRY_SECONDS = 60
DEADLINE_HEADERS = (N_("Overdue now"), N_("Due soon"), N_("Answered on time"), N_("Median time to first answer"),
                    N_("Rejected closures"))  # a chart not drawn in time: when the browser may ask again


def no_chart() -> web.Response:
    """503, not an error page: the <img> shows its alternative text, and the page around it stands."""
    return web.Response(status=503, text="chart not available right now", headers={"Retry-After": str(RETRY_SECONDS)})


@view
async def overview(ctx: Ctx) -> Page:
    """The summary of the chosen scope and period, with its chart."""
    scope = await ctx.resolve_scope()
    days = params.period(ctx.query)
    s = await summaries.summarize(ctx.db, ctx.actor, scope, days=days, now=ctx.now)
    f, t = s.figures, ctx.t
    previous = f.previous
    d = s.deadlines
    several = scope.region_codes is None or len(scope.region_codes) > 1

    async def add_topics(data: dict[str, Any]) -> None:  # after the commit: no database lock while they run
        data["s"] = await summaries.with_topics(s, ctx.deps.textwork)

    return Page("overview.html", finish=add_topics, data={
        "page": "overview",
        "s": s,
        "days": days,
        "period_title": t.gettext(PERIOD_TITLES[days]),
        "periods": [(d, t.gettext(PERIOD_LABELS[d]), link("/dasbor", wilayah=scope.token, periode=d))
                    for d in summaries.PERIODS],
        "ratings_change": change_text(t, f.current.ratings, previous.ratings if previous else None, decimal=False),
        "average_change": change_text(t, f.current.average, previous.average if previous else None, decimal=True),
        "distribution": [(stars, f.current.distribution[stars - 1]) for stars in range(5, 0, -1)],
        "ranked": [(p, rating_line(t, p.average, p.count)) for p in f.programs[:RANKED]],
        "more_programs": max(0, len(f.programs) - RANKED),
        "chart": link("/dasbor/grafik.png", wilayah=scope.token, periode=days),
        "waiting_link": link("/dasbor/masukan", wilayah=scope.token, status=FeedbackStatus.NEW),
        "on_time": share_text(t, d.current.on_time_share),
        "no_data": share_text(t, None),
        "on_time_change": points_change(t, d.current.on_time_share, d.previous.on_time_share if d.previous else None),
        "median": duration_text(t, d.current.median_minutes),
        "median_before": (duration_text(t, d.previous.median_minutes)
                          if d.previous is not None and d.previous.median_minutes is not None else None),
        "rejected_change": change_text(t, d.current.rejected, d.previous.rejected if d.previous else None, decimal=False),
        "soon_day": t.day(summaries.soon_day(s)),
        "overdue_link": link("/dasbor/masukan", wilayah=scope.token, tenggat=params.DEADLINE_OVERDUE),
        "soon_link": link("/dasbor/masukan", wilayah=scope.token, tenggat=params.DEADLINE_SOON),
        "deadline_by_region": several,
        "deadline_headers": [t.gettext(h) for h in DEADLINE_HEADERS],
        "deadline_rows": [
            (g, share_text(t, g.current.on_time_share), duration_text(t, g.current.median_minutes))
            for g in (d.regions if several else d.programs)
        ],
    })


@view
async def overview_chart(ctx: Ctx) -> Later:
    """The overview's chart as a PNG (the one /ringkasan sends), drawn after the transaction."""
    scope = await ctx.resolve_scope()
    days = params.period(ctx.query)
    # No audit line here: the page that shows the chart has logged the view.
    s = await summaries.summarize(ctx.db, None, scope, days=days, now=ctx.now)
    draw = functools.partial(draw_chart, ctx.deps.textwork, ctx.t, s)

    async def build() -> web.StreamResponse:
        png = await draw()
        return web.Response(body=png, content_type=PNG) if png is not None else no_chart()

    return Later(build)
