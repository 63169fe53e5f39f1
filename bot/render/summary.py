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
LATE_LISTED = 5  # programs (or regions) with overdue or soon-due tickets listed in the chat, most overdue first
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


def share_text(t: Translator, share: float | None) -> str:
    """A share as a whole percentage ("80%"), or "no data yet"."""
    return t.gettext("no data yet") if share is None else f"{t.integer(round(share * 100))}%"


def points_change(t: Translator, now: float | None, before: float | None) -> str:
    """The change of a share in percentage points: " (up 10 points)"; "" without both shares."""
    if now is None or before is None:
        return ""
    delta = round(now * 100) - round(before * 100)
    if delta == 0:
        return t.gettext(" (same as the previous period)")
    template = t.gettext(" (up {change} points)") if delta > 0 else t.gettext(" (down {change} points)")
    return template.format(change=t.integer(abs(delta)))


def duration_text(t: Translator, minutes: float | None) -> str:
    """A time to answer as reads best: minutes under an hour, hours under a day, else days ("1,5 hari")."""
    if minutes is None:
        return t.gettext("no data yet")
    if minutes < 60:
        n = round(minutes)
        return t.ngettext("{n} minute", "{n} minutes", n).format(n=t.integer(n))
    hours = minutes < 24 * 60
    value = round(minutes / 60 if hours else minutes / (24 * 60), 1)
    shown, n = (t.integer(int(value)) if value == int(value) else t.decimal(value)), 1 if value == 1 else 2
    if hours:
        return t.ngettext("{n} hour", "{n} hours", n).format(n=shown)
    return t.ngettext("{n} day", "{n} days", n).format(n=shown)


def deadline_lines(t: Translator, s: Summary) -> list[str]:
    """Answers and deadlines: on time, the median time, overdue and due soon now, rejected closures."""
    _ = t.gettext
    d = s.deadlines
    now, before = d.current, d.previous
    on_time = _("Answered on time: {share}").format(share=share_text(t, now.on_time_share))
    if now.settled:
        on_time = t.ngettext("Answered on time: {share} of {count} comment", "Answered on time: {share} of {count} comments",
                             now.settled).format(share=share_text(t, now.on_time_share), count=t.integer(now.settled))
    median = _("Median time to first answer: {time}").format(time=duration_text(t, now.median_minutes))
    if before is not None and before.median_minutes is not None and now.median_minutes is not None:
        median += _(" (previously {time})").format(time=duration_text(t, before.median_minutes))
    lines = [
        "", _("<b>Answers and deadlines</b>"),
        on_time + points_change(t, now.on_time_share, before.on_time_share if before else None),
        median,
        _("Overdue now: {count}").format(count=t.integer(d.overdue)),
        _("Due soon (by the end of {day}): {count}").format(day=t.day(summaries.soon_day(s)), count=t.integer(d.due_soon)),
        _("Rejected closures: {count}").format(count=t.integer(now.rejected))
        + change_text(t, now.rejected, before.rejected if before else None, decimal=False),
    ]
    several = s.scope.region_codes is None or len(s.scope.region_codes) > 1
    late = [g for g in (d.regions if several else d.programs) if g.overdue or g.due_soon][:LATE_LISTED]
    if late:
        lines.append(_("<b>Overdue and due soon, by region</b>") if several else _("<b>Overdue and due soon, by program</b>"))
        for number, g in enumerate(late, start=1):
            lines.append(_("{number}. {name} — overdue {overdue}, due soon {soon}, on time {share}").format(
                number=number, name=esc(shorten(g.name, NAME_MAX)), overdue=t.integer(g.overdue),
                soon=t.integer(g.due_soon), share=share_text(t, g.current.on_time_share)))
    return lines


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
    lines += deadline_lines(t, s)
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
