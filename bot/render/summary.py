"""The summary of ratings and comments: its text, its chart, and sending both to a chat (/ringkasan, the weekly
digest, the dashboard's overview)."""

from __future__ import annotations

import functools
from html import escape as esc
from typing import Any

from telegram import InputFile
from telegram.ext import ExtBot

from bot.i18n import N_, Translator
from bot.render.chart import ChartLabels, render_chart
from bot.render.programs import rating_line
from bot.render.text import shorten
from bot.services import summaries
from bot.services.summaries import Summary
from bot.services.textwork import TextWork

PERIOD_LABELS = {7: N_("7 days"), 30: N_("30 days"), 0: N_("All time")}
PERIOD_TITLES = {7: N_("the last 7 days"), 30: N_("the last 30 days"), 0: N_("all time")}
RANKED = 8
NAME_MAX = 60
NO_CHART = N_("The chart cannot be drawn right now. Please try again in a few minutes.")


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
            lines.append(f"{number}. {esc(shorten(p.name, NAME_MAX))} — {rating_line(t, p.average, p.count)}")
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


def chart_labels(t: Translator, title: str) -> ChartLabels:
    """The chart's texts in the reader's language, under `title` (the chat's summary and a program's page alike)."""
    _ = t.gettext
    return ChartLabels(
        title=title,
        distribution_title=_("Ratings by stars"),
        trend_title=_("Ratings per week (last 12 weeks)"),
        ratings_axis=_("Ratings"),
        average_axis=_("Average (1–5)"),
        stars_label=_("Stars"),
        no_data=_("No ratings yet"),
    )


def summary_chart(t: Translator, s: Summary) -> bytes:
    labels = chart_labels(t, f"{s.scope.name} · {t.gettext(PERIOD_TITLES[s.days])}")
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
