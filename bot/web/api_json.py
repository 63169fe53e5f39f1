"""The data API's JSON for a region's summary: the figures /ringkasan shows, with the field names the README lists."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from bot.services.summaries import Summary
from storage.models import Region
from storage.summary import PeriodFigures
from storage.summary_deadlines import PeriodDeadlines
from storage.zones import ZONE_HOURS


def offset(zone: str) -> timezone:
    return timezone(timedelta(hours=ZONE_HOURS[zone]))


def local(at: datetime | None, zone: str) -> str | None:
    return at.astimezone(offset(zone)).isoformat(timespec="seconds") if at is not None else None


def round_value(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def _figures(period: PeriodFigures) -> dict[str, Any]:
    return {
        "ratings": period.ratings, "comments": period.comments, "average": round_value(period.average),
        "distribution": {str(stars): n for stars, n in zip(range(1, 6), period.distribution, strict=True)},
    }


def _deadline_period(period: PeriodDeadlines) -> dict[str, Any]:
    minutes = period.median_minutes
    return {
        "settled": period.settled, "answered_on_time": period.on_time, "answered": period.answered,
        "on_time_share": round_value(period.on_time_share),
        "median_first_answer_hours": round_value(minutes / 60) if minutes is not None else None,
        "rejected_closures": period.rejected,
    }


def _deadlines_json(summary: Summary, zone: str) -> dict[str, Any]:
    """The deadline figures (README, "Figures: on time, overdue, rejected closures"); shares 0-1, null: no data."""
    d = summary.deadlines
    return {
        **_deadline_period(d.current),
        "overdue": d.overdue, "due_soon": d.due_soon, "due_soon_until": local(summary.soon_until, zone),
        "previous": _deadline_period(d.previous) if d.previous is not None else None,
        "programs": [
            {"id": g.key, "name": g.name, "overdue": g.overdue, "due_soon": g.due_soon, **_deadline_period(g.current),
             "previous": _deadline_period(g.previous) if g.previous is not None else None}
            for g in d.programs
        ],
    }


def summary_json(region: Region, summary: Summary) -> dict[str, Any]:
    f, zone = summary.figures, region.timezone
    return {
        "region": {"code": region.code, "name": region.name, "timezone": zone},
        "period": {"days": summary.days or None, "since": local(summary.since, zone), "until": local(summary.until, zone)},
        **_figures(f.current),
        "previous": _figures(f.previous) if f.previous is not None else None,
        "programs": [
            {"id": p.program_id, "name": p.name, "ratings": p.count, "average": round_value(p.average), "score": round_value(p.score)}
            for p in f.programs
        ],
        "waiting": f.waiting,
        "deadlines": _deadlines_json(summary, zone),
        "weekly": [{"week_start": monday.isoformat(), "ratings": n, "average": round_value(avg)} for monday, n, avg in f.weekly],
        # null: the topics were not ready within their time limit (bot/services/textwork.py); ask again in a minute.
        "topics": None if summary.topics is None else [{"topic": topic, "count": n} for topic, n in summary.topics],
    }
