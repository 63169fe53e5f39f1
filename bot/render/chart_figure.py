"""Drawing the summary chart with matplotlib; imported by bot.render.chart on the first chart only.

matplotlib (with NumPy and Pillow) costs about half a second and 30 MiB; most processes never draw a
chart, so nothing imports this module at start-up. Use bot.render.chart, not this module.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

from bot.render.chart_style import (
    BAR,
    DPI,
    FONT,
    HEIGHT_IN,
    LINE,
    MUTED,
    TEXT,
    TITLE,
    WIDTH_IN,
    ChartLabels,
    Week,
    format_number,
)

# No display. Figures here are drawn on their own Agg canvas and pyplot is never imported, so this
# only guards against some other module pulling in pyplot with an interactive backend.
matplotlib.use("Agg")


def _no_data(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", color=MUTED, fontsize=12, transform=ax.transAxes, **TEXT)


def _distribution(ax: Axes, distribution: Sequence[int], labels: ChartLabels, decimal_comma: bool) -> None:
    ax.set_title(labels.distribution_title, **TITLE)
    ax.set_xlabel(labels.stars_label, **TEXT)
    stars = range(1, 6)
    ax.xaxis.set_major_locator(FixedLocator(list(stars)))
    ax.set_xlim(0.4, 5.6)
    ax.set_yticks([])  # each bar carries its count; an axis would only repeat it
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    if not any(distribution):
        _no_data(ax, labels.no_data)
        return
    bars = ax.bar(list(stars), list(distribution), color=BAR, width=0.65)
    ax.bar_label(bars, labels=[format_number(n, decimal_comma=decimal_comma) for n in distribution], padding=2, **TEXT)
    ax.set_ylim(0, max(distribution) * 1.15)


def _trend(ax: Axes, weekly: Sequence[Week], labels: ChartLabels, decimal_comma: bool) -> None:
    ax.set_title(labels.trend_title, **TITLE)
    ax.set_ylabel(labels.ratings_axis, **TEXT)
    positions = list(range(len(weekly)))
    ax.set_xticks(positions, [monday.strftime(labels.date_format) for monday, _, _ in weekly], rotation=45, fontsize=8)
    ax.set_xlim(-0.6, len(weekly) - 0.4)
    if not any(n for _, n, _ in weekly):
        ax.set_yticks([])
        _no_data(ax, labels.no_data)
        return
    counts = [n for _, n, _ in weekly]
    ax.bar(positions, counts, color=BAR, alpha=0.45, width=0.7)
    ax.set_ylim(0, max(counts) * 1.15)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: no "0 1 1 2 2" with small numbers
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: format_number(v, decimal_comma=decimal_comma)))
    right = ax.twinx()
    right.set_ylabel(labels.average_axis, color=LINE, **TEXT)
    right.set_ylim(0.8, 5.2)
    right.yaxis.set_major_locator(FixedLocator([1, 2, 3, 4, 5]))
    # NaN leaves a gap: a week without ratings has no average, and the line must not pretend otherwise.
    averages = [avg if avg is not None else math.nan for _, _, avg in weekly]
    right.plot(positions, averages, color=LINE, marker="o", linewidth=2)
    last_x, last_y = next((x, avg) for x, avg in reversed(list(enumerate(averages))) if not math.isnan(avg))
    right.annotate(
        format_number(last_y, decimal_comma=decimal_comma, decimals=1), (last_x, last_y),
        textcoords="offset points", xytext=(0, 8), ha="center", color=LINE, fontweight="bold", **TEXT,
    )


def build_figure(
    *, distribution: Sequence[int], weekly: Sequence[Week], labels: ChartLabels,
    decimal_comma: bool,
) -> Figure:
    """The chart as a Figure, not attached to pyplot, so nothing outlives the caller's reference."""
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.suptitle(labels.title, fontsize=14, fontweight="bold", **TEXT)
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [2, 3]})
    _distribution(left, distribution, labels, decimal_comma)
    _trend(right, weekly, labels, decimal_comma)
    for ax in fig.axes:  # the trend's right-hand axis included
        ax.tick_params(labelfontfamily=FONT)
    # Fixed margins: tight_layout would draw the whole figure once more just to measure it.
    fig.subplots_adjust(left=0.03, right=0.93, top=0.86, bottom=0.13, wspace=0.22)
    for text in fig.findobj(Text):  # tick labels too: every text on the chart is plain text
        text.set_parse_math(False)
        text.set_usetex(False)
    return fig
