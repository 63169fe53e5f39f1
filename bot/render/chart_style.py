"""The summary chart's size, colours, fonts and labels: what bot.render.chart and its drawing share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

WIDTH_IN, HEIGHT_IN, DPI = 10, 6, 100  # 1000 × 600 px
BAR = "#3b7dd8"
LINE = "#e07b00"
MUTED = "#666666"
Week = tuple[date, int, float | None]  # (Monday, ratings, average)
# DejaVu Sans ships with matplotlib: nothing is looked up or downloaded at run time. Styles are passed
# to each text rather than through rcParams, which are global and would leak between threads.
# Names are shown as written: "$x^2$" stays dollars and letters, never mathtext (or LaTeX), which
# would misdraw it or fail on an odd "$".
FONT = "DejaVu Sans"
TEXT: dict[str, Any] = {"fontfamily": FONT, "parse_math": False, "usetex": False}
TITLE: dict[str, Any] = {"fontsize": 12, "fontweight": "bold", **TEXT}


@dataclass(frozen=True, slots=True)
class ChartLabels:
    """Every text on the chart, already translated."""

    title: str
    distribution_title: str
    trend_title: str
    ratings_axis: str
    average_axis: str
    stars_label: str
    no_data: str
    date_format: str = "%d/%m"  # week labels; the caller may pass its locale's short numeric order


def format_number(value: float, *, decimal_comma: bool, decimals: int = 0) -> str:
    """1234.5 -> '1.234,5' with a decimal comma, '1,234.5' without."""
    text = f"{value:,.{decimals}f}"
    return text.translate(str.maketrans(",.", ".,")) if decimal_comma else text
