"""The summary chart: rating distribution and weekly trend, as a PNG, in the caller's language."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.render.chart_style import DPI, ChartLabels, Week, format_number

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["ChartLabels", "Week", "build_figure", "format_number", "render_chart"]


def build_figure(
    *, distribution: Sequence[int], weekly: Sequence[Week], labels: ChartLabels,
    decimal_comma: bool,
) -> Figure:
    """The chart as a Figure, not attached to pyplot, so nothing outlives the caller's reference."""
    from bot.render import chart_figure  # here, not at the top: matplotlib costs every start 0.5 s and 30 MiB

    return chart_figure.build_figure(distribution=distribution, weekly=weekly, labels=labels,
                                     decimal_comma=decimal_comma)


def render_chart(
    *, distribution: Sequence[int], weekly: Sequence[Week], labels: ChartLabels,
    decimal_comma: bool,
) -> bytes:
    """The chart as PNG bytes, about 1000 × 600 px."""
    fig = build_figure(distribution=distribution, weekly=weekly, labels=labels, decimal_comma=decimal_comma)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    fig.clear()  # break the figure's reference cycles now rather than at the next garbage collection
    return buffer.getvalue()
