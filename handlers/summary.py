"""/ringkasan: a region's (or, for admins, a province's or the country's) summary, with a chart."""

from __future__ import annotations

import functools
from typing import Any

from telegram import InputFile
from telegram.ext import ExtBot

from bot import officials, summaries
from bot.auth import Actor
from bot.chart import ChartLabels, render_chart
from bot.i18n import N_, Translator
from bot.render import keyboards as kb
from bot.render.callbacks import Callback
from bot.summaries import Summary
from bot.textwork import TextWork
from handlers.common import Turn, esc, in_turn
from handlers.officials import not_an_official
from handlers.programs import rating_line

PERIOD_LABELS = {7: N_("7 days"), 30: N_("30 days"), 0: N_("All time")}
PERIOD_TITLES = {7: N_("the last 7 days"), 30: N_("the last 30 days"), 0: N_("all time")}
RANKED = 8
NAME_MAX = 60
NO_CHART = N_("The chart cannot be drawn right now. Please try again in a few minutes.")


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
    elif s.topics is None and f.current.comments:
        lines.append(_("<b>Recurring topics:</b> not available right now, please try again in a minute"))
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


async def draw_chart(work: TextWork, t: Translator, s: Summary) -> bytes | None:
    """The summary's chart, drawn off the event loop (about a third of a second); None past its time limit."""
    return await work.chart(functools.partial(summary_chart, t, s), what=f"{s.scope.token} ({s.days or 'all'} days)")


async def deliver_summary(bot: ExtBot[Any], chat_id: int, t: Translator, work: TextWork, s: Summary, *,
                          header: str = "", rate_limit_args: Any = None) -> None:
    """Find the topics, send the summary, then its chart; the caller has committed, no lock is held meanwhile."""
    s = await summaries.with_topics(s, work)
    await bot.send_message(chat_id, header + summary_text(t, s), rate_limit_args=rate_limit_args)
    chart = await draw_chart(work, t, s)
    if chart is None:
        await bot.send_message(chat_id, t.gettext(NO_CHART), rate_limit_args=rate_limit_args)
        return
    caption = t.gettext("Chart: {scope}, {period}").format(scope=s.scope.name, period=t.gettext(PERIOD_TITLES[s.days]))
    await bot.send_photo(chat_id, InputFile(chart, filename="ringkasan.png"), caption=caption,
                         rate_limit_args=rate_limit_args)


def send_summary(turn: Turn, s: Summary) -> None:
    turn.later(functools.partial(deliver_summary, turn.context.bot, turn.chat_id, turn.t, turn.deps.textwork, s))


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
    turn.answer()
    turn.later(functools.partial(_summarize_and_send, turn, actor, scope, int(cb.str(1))))


async def _summarize_and_send(turn: Turn, actor: Actor, scope: summaries.Scope, days: int) -> None:
    """After the turn's commit: the figures are read in a read-only session (on SQLite off the event loop)."""
    async with turn.deps.db.reading() as session:
        summary = await summaries.summarize(session, actor, scope, days=days, now=turn.now)
    await deliver_summary(turn.context.bot, turn.chat_id, turn.t, turn.deps.textwork, summary)
