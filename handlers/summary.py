"""/ringkasan: a region's (or, for admins, a province's or the country's) summary, with a chart."""

from __future__ import annotations

import asyncio

from bot import officials, summaries
from bot.chart import ChartLabels, render_chart
from bot.i18n import N_, Translator
from bot.summaries import Summary
from handlers import keyboards as kb
from handlers.callbacks import Callback
from handlers.common import Turn, esc, in_turn
from handlers.officials import not_an_official
from handlers.programs import rating_line

PERIOD_LABELS = {7: N_("7 days"), 30: N_("30 days"), 0: N_("All time")}
PERIOD_TITLES = {7: N_("the last 7 days"), 30: N_("the last 30 days"), 0: N_("all time")}
RANKED = 8
NAME_MAX = 60


def _short(name: str) -> str:
    return name if len(name) <= NAME_MAX else name[: NAME_MAX - 1] + "…"


def change_text(t: Translator, now: float | None, before: float | None, *, decimal: bool) -> str:
    if now is None or before is None:
        return ""
    delta = now - before
    shown = t.decimal(abs(delta)) if decimal else t.integer(round(abs(delta)))
    if round(delta, 1 if decimal else 0) == 0:
        return t.gettext(" (same as the previous period)")
    template = t.gettext(" (up {change} on the previous period)") if delta > 0 else t.gettext(" (down {change} on the previous period)")
    return template.format(change=shown)


def summary_text(t: Translator, s: Summary) -> str:
    """The summary as one message (well under Telegram's 4,096 characters)."""
    _ = t.gettext
    f = s.figures
    lines = [
        _("<b>Summary: {scope}</b>").format(scope=esc(s.scope.name)),
        _("Period: {period}").format(period=_(PERIOD_TITLES[s.days])),
        "",
        _("Ratings: {count}").format(count=t.integer(f.current.ratings))
        + change_text(t, f.current.ratings, f.previous.ratings if f.previous else None, decimal=False),
        _("Comments: {count}").format(count=t.integer(f.current.comments)),
    ]
    if f.current.average is not None:
        lines.append(
            _("Average: ★ {average} of 5").format(average=t.decimal(f.current.average))
            + change_text(t, f.current.average, f.previous.average if f.previous else None, decimal=True)
        )
        lines.append(
            _("Distribution: {stars}").format(
                stars=" · ".join(f"{n}★ {t.integer(f.current.distribution[n - 1])}" for n in range(5, 0, -1))
            )
        )
    if f.programs:
        lines += ["", _("<b>Programs, best first</b>")]
        for number, p in enumerate(f.programs[:RANKED], start=1):
            lines.append(f"{number}. {esc(_short(p.name))} — {rating_line(t, p.average, p.count)}")
        if len(f.programs) > RANKED:
            lines.append(_("… and {count} more").format(count=t.integer(len(f.programs) - RANKED)))
    lines += ["", _("<b>Waiting for an answer:</b> {count} new comments — /masukanbaru").format(count=t.integer(f.waiting))]
    if s.topics:
        lines.append(
            _("<b>Recurring topics:</b> {topics}").format(
                topics=", ".join(f"{esc(topic)} ({t.integer(count)})" for topic, count in s.topics)
            )
        )
    elif f.current.comments:
        lines.append(_("<b>Recurring topics:</b> none yet (too few comments)"))
    return "\n".join(lines)


def summary_chart(t: Translator, s: Summary) -> bytes:
    _ = t.gettext
    labels = ChartLabels(
        title=f"{s.scope.name} · {_(PERIOD_TITLES[s.days])}",
        distribution_title=_("Ratings by stars"),
        trend_title=_("Ratings per week (last 12 weeks)"),
        ratings_axis=_("Ratings"),
        average_axis=_("Average (1–5)"),
        stars_label=_("Stars"),
        no_data=_("No ratings yet"),
        date_format="%d/%m",
    )
    f = s.figures
    return render_chart(distribution=f.current.distribution, weekly=f.weekly, labels=labels, decimal_comma=t.lang == "id")


async def send_summary(turn: Turn, s: Summary) -> None:
    turn.reply(summary_text(turn.t, s))
    # Drawing takes about a third of a second of CPU: off the event loop, so other residents wait for nothing.
    chart = await asyncio.to_thread(summary_chart, turn.t, s)
    turn.photo(chart, turn.t.gettext("Chart: {scope}, {period}").format(
        scope=s.scope.name, period=turn.t.gettext(PERIOD_TITLES[s.days])))


def period_buttons(turn: Turn, token: str) -> list[list]:  # type: ignore[type-arg]
    return [[kb.button(turn.t.gettext(PERIOD_LABELS[d]), "sum", token, d) for d in summaries.PERIODS]]


@in_turn
async def cmd_summary(turn: Turn) -> None:
    """/ringkasan: choose what to summarise, then the period."""
    _ = turn.t.gettext
    actor = await turn.actor()
    if not actor.is_official:
        not_an_official(turn)
        return
    if actor.is_admin:
        provinces: dict[str, str] = {}
        for region in await officials.regions_of(turn.session, actor):
            provinces.setdefault(region.province_code, region.province)
        grid = [kb.button(name, "sumprov", code) for code, name in sorted(provinces.items(), key=lambda i: i[1])]
        turn.reply(
            _("Which summary would you like? The whole country, or choose a province:"),
            kb.markup([kb.button(_("🇮🇩 All of Indonesia"), "sum", "all", "x")], *[grid[i : i + 2] for i in range(0, len(grid), 2)]),
        )
        return
    regions = await officials.regions_of(turn.session, actor)
    if len(regions) == 1:
        turn.reply(_("Summary for <b>{scope}</b>: choose the period.").format(scope=esc(regions[0].name)),
                   kb.markup(*period_buttons(turn, f"r{regions[0].code}")))
        return
    turn.reply(_("Which region?"), kb.markup(*[[kb.button(r.name, "sum", f"r{r.code}", "x")] for r in regions]))


@in_turn
async def on_province(turn: Turn, cb: Callback) -> None:
    """An admin chose a province: the whole province, or one of its regions."""
    _ = turn.t.gettext
    actor = await turn.actor()
    scope = await summaries.resolve_scope(turn.session, actor, f"p{cb.str(0)}")
    if scope is None:
        turn.answer(_("You may not see this summary."), alert=True)
        return
    regions = [r for r in await officials.regions_of(turn.session, actor) if r.province_code == cb.str(0)]
    turn.edit(
        _("<b>{province}</b>: the whole province, or one region?").format(province=esc(scope.name)),
        kb.markup([kb.button(_("All of {province}").format(province=scope.name), "sum", scope.token, "x")],
                  *[[kb.button(r.name, "sum", f"r{r.code}", "x")] for r in regions]),
    )


@in_turn
async def on_summary(turn: Turn, cb: Callback) -> None:
    """Show the period buttons, or the summary itself; every press re-checks what the user may see."""
    _ = turn.t.gettext
    actor = await turn.actor()
    scope = await summaries.resolve_scope(turn.session, actor, cb.str(0))
    if scope is None:
        turn.answer(_("You may not see this summary."), alert=True)
        return
    if cb.str(1) == "x":
        turn.edit(_("Summary for <b>{scope}</b>: choose the period.").format(scope=esc(scope.name)),
                  kb.markup(*period_buttons(turn, scope.token)))
        return
    summary = await summaries.summarize(turn.session, actor, scope, days=int(cb.str(1)), now=turn.now)
    turn.answer()
    await send_summary(turn, summary)
