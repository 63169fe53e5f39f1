"""The SKM index as the pages show it: one row per period (a closed SKM survey: its dates in the region's zone,
its index, grade and respondents), and the public page's latest index, each written as the reader writes numbers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel.dates import format_date

from bot.i18n import Translator
from bot.services.skm_index import Period
from storage.zones import zone_info


def _day(t: Translator, value: datetime, zone: str) -> str:
    return format_date(value.astimezone(zone_info(zone)).date(), "d MMM y", locale=t.lang)


def figures(t: Translator, period: Period) -> dict[str, Any]:
    """The index, grade and respondents; index and grade None under the minimum of respondents."""
    r = period.result
    return {
        "index": t.decimal(float(r.index), 2) if period.shown and r.index is not None else None,
        "grade": f"{r.grade}, {t.gettext(r.grade_words)}" if period.shown and r.grade_words else None,
        "respondents": t.integer(r.respondents),
    }


def period_rows(t: Translator, periods: list[Period], zone: str) -> list[dict[str, Any]]:
    """The dashboard's "SKM index per period" rows, the latest first."""
    return [{"period": f"{_day(t, p.survey.created_at, zone)} – {_day(t, p.survey.closes_at, zone)}",
             **figures(t, p)} for p in periods]
