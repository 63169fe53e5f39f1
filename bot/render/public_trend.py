"""The public page's 12-month trend as the parts of a small inline SVG: one bar per local month, its height the
month's average rating; a month not published ("belum cukup data") is a flat grey mark. No script, no image file:
the template draws the bars (bot/web/templates/public_region.html), the page's CSS colours them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from babel.dates import format_date

from bot.i18n import N_, Translator
from bot.services.public_figures import Cell

WIDTH, HEIGHT = 240, 64  # the viewBox; the CSS scales it to the column's width
STEP, BAR = 20, 14  # a month's column and its bar
TOP, BOTTOM = 4, 52  # where a 5.0 and a 0 would end; month initials below
NO_DATA = N_("not enough data yet")
MONTH_AVERAGE = N_("{month}: average {average} from {count} ratings")


@dataclass(frozen=True, slots=True)
class Bar:
    x: int
    y: float
    height: float
    label: str  # the month's initial, under the bar
    title: str  # what a screen reader and a hover say
    shown: bool


def trend_bars(t: Translator, months: Sequence[Cell]) -> list[Bar]:
    """The bars of a program's or a region's months, oldest first."""
    bars = []
    for i, cell in enumerate(months):
        assert cell.month is not None
        name = format_date(cell.month, "MMMM y", locale=t.lang)
        initial = format_date(cell.month, "MMMMM", locale=t.lang)
        ratings = cell.ratings
        x = i * STEP + (STEP - BAR) // 2
        if ratings.suppressed or ratings.average is None or ratings.count is None:
            bars.append(Bar(x, BOTTOM - 2, 2, initial, f"{name}: {t.gettext(NO_DATA)}", False))
            continue
        height = round(ratings.average / 5 * (BOTTOM - TOP), 1)
        title = t.gettext(MONTH_AVERAGE).format(month=name, average=t.decimal(ratings.average),
                                                count=t.integer(ratings.count))
        bars.append(Bar(x, BOTTOM - height, height, initial, title, True))
    return bars
