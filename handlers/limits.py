"""What a resident reads when a limit stops them: which limit, and when they can write again, in their zone."""

from __future__ import annotations

from datetime import datetime, timedelta

from babel.dates import format_time

from bot.i18n import Translator
from bot.services.quota import Limit, Refusal
from storage.zones import zone_info


def _ceil_minute(at: datetime) -> datetime:
    """Shown to the minute, rounded up: at the time shown, writing works again."""
    rounded = at.replace(second=0, microsecond=0)
    return rounded if rounded == at else rounded + timedelta(minutes=1)


def when(t: Translator, at: datetime, zone: str, now: datetime) -> str:
    """A moment to wait for: the time alone when it is later today in the region's zone, else date and time."""
    at = _ceil_minute(at)
    tz = zone_info(zone)
    if at.astimezone(tz).date() == now.astimezone(tz).date():
        return f"{format_time(at, 'HH.mm' if t.lang == 'id' else 'HH:mm', tzinfo=tz, locale=t.lang)} {zone}"
    return t.datetime(at, zone)


def flood_notice(t: Translator, until: datetime, zone: str, now: datetime) -> str:
    return t.gettext(
        "Please wait a moment: you sent many messages in a short time. We will read your messages again from {time}."
    ).format(time=when(t, until, zone, now))


def refusal_text(t: Translator, refusal: Refusal, zone: str, now: datetime) -> str:
    """Why a rating, comment or reply was not taken, and from when the resident can send it again."""
    at = when(t, refusal.until, zone, now)
    n = refusal.allowed
    if refusal.limit is Limit.MUTED:
        return t.gettext(
            "Your ratings and comments cannot be received until {time}. You can still read the programs."
        ).format(time=at)
    if refusal.limit is Limit.PROGRAM_DAY:
        return t.ngettext(
            "You can rate a program {count} time a day, and your latest rating counts. "
            "You can rate this program again from {time}.",
            "You can rate a program {count} times a day, and your latest rating counts. "
            "You can rate this program again from {time}.",
            n,
        ).format(count=t.integer(n), time=at)
    if refusal.limit is Limit.COMMENTS_HOUR:
        text = t.ngettext(
            "You can send up to {count} comment an hour.", "You can send up to {count} comments an hour.", n
        ).format(count=t.integer(n))
    elif refusal.limit is Limit.COMMENTS_DAY:
        text = t.ngettext(
            "You can send up to {count} comment a day.", "You can send up to {count} comments a day.", n
        ).format(count=t.integer(n))
    else:
        text = t.gettext("Many residents of your region are writing right now.")
    return text + " " + t.gettext("This message was not saved. You can send it again from {time}.").format(time=at)
