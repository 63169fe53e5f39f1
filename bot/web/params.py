"""Query parameters of the dashboard, parsed strictly: a malformed one is a 400 that says which and why.

An empty value (an untouched field of a filter form) means "no filter". Control characters never get this far
(`pages.check_characters` refuses them for every parameter); numbers and dates are ASCII, matched whole.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from multidict import MultiMapping

from bot.i18n import N_
from bot.services.summaries import PERIODS, Scope
from bot.services.tickets import STATUSES
from bot.web import inputs
from bot.web.context import bad_param
from storage.dashboard import FeedbackFilter
from storage.zones import ZONES

TEXT_MAX = 100
PAGE_MAX = 100_000
SORTS = ("nama", "nilai", "jumlah", "komentar", "baru")
ORDERS = ("naik", "turun")
DEADLINE_OVERDUE, DEADLINE_SOON = "terlambat", "segera"  # ?tenggat=: overdue now, due by the next working day's end
DEADLINES = (DEADLINE_OVERDUE, DEADLINE_SOON)
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _value(query: MultiMapping[str], key: str) -> str | None:
    values = query.getall(key, [])
    if len(values) > 1:
        raise bad_param(N_("The parameter {name} is given more than once."), name=key)
    value = values[0].strip() if values else ""
    return value or None


def integer(query: MultiMapping[str], key: str, *, low: int, high: int) -> int | None:
    value = _value(query, key)
    if value is None:
        return None
    number = inputs.whole_number(value, low=low, high=high)
    if number is None:
        raise bad_param(N_("The parameter {name} must be a whole number from {low} to {high}."),
                        name=key, low=low, high=high)
    return number


def choice(query: MultiMapping[str], key: str, allowed: tuple[str, ...]) -> str | None:
    value = _value(query, key)
    if value is not None and value not in allowed:
        raise bad_param(N_("The parameter {name} must be one of: {allowed}."), name=key, allowed=", ".join(allowed))
    return value


def day(query: MultiMapping[str], key: str) -> date | None:
    value = _value(query, key)
    if value is None:
        return None
    try:
        if ISO_DAY.fullmatch(value) is None:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise bad_param(N_("The parameter {name} must be a date such as 2025-01-31."), name=key) from None


def page(query: MultiMapping[str]) -> int:
    """The 1-based page number (?hal=)."""
    return integer(query, "hal", low=1, high=PAGE_MAX) or 1


def period(query: MultiMapping[str]) -> int:
    """The summary period in days (?periode=7, 30 or 0 for all time); default 30."""
    value = choice(query, "periode", tuple(str(p) for p in PERIODS))
    return int(value) if value is not None else 30


def sort(query: MultiMapping[str]) -> tuple[str, str]:
    return choice(query, "urut", SORTS) or "nama", choice(query, "arah", ORDERS) or "naik"


def _start_of(d: date, zone: str) -> datetime:
    return datetime.combine(d, time(), tzinfo=ZONES[zone]).astimezone(UTC)


def feedback_filter(query: MultiMapping[str], scope: Scope) -> tuple[FeedbackFilter, dict[str, Any]]:
    """The feedback filter, and the same filter as form values (to fill the form and build links).

    Dates are whole local days in the scope's zone; the end date is included.
    """
    program = integer(query, "program", low=1, high=2**31 - 1)
    rating = integer(query, "nilai", low=1, high=5)
    status = choice(query, "status", STATUSES)
    since, until = day(query, "dari"), day(query, "sampai")
    if since and until and since > until:
        raise bad_param(N_("The start date comes after the end date."))
    deadline = choice(query, "tenggat", DEADLINES)
    text = _value(query, "q")
    if text is not None and len(text) > TEXT_MAX:
        raise bad_param(N_("The search text is too long: at most {max} characters."), max=TEXT_MAX)
    flt = FeedbackFilter(
        region_codes=scope.region_codes, program_id=program, rating=rating, status=status,
        since=_start_of(since, scope.zone) if since else None,
        until=_start_of(until + timedelta(days=1), scope.zone) if until else None,
        text=text, deadline=deadline,
    )
    form = {
        "wilayah": scope.token, "program": program or "", "nilai": rating or "", "status": status or "",
        "dari": since.isoformat() if since else "", "sampai": until.isoformat() if until else "", "q": text or "",
        "tenggat": deadline or "",
    }
    return flt, form
