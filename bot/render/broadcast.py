"""An announcement's progress line and the button under every copy of it."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.i18n import Translator
from bot.render import keyboards as kb
from bot.services.broadcast import Progress
from storage.models import Broadcast
from storage.statuses import BroadcastState


def quiet_hours(t: Translator, window: tuple[int, int] | None) -> dict[str, str] | None:
    """The configured quiet hours as the language writes them, for {start} and {end}; None without any."""
    if window is None:
        return None
    return {"start": t.hour(window[0]), "end": t.hour(window[1])}


def progress_text(t: Translator, p: Progress, quiet: tuple[int, int] | None) -> str:
    """The progress lines; `quiet` is QUIET_HOURS (Settings.quiet_window), named only when configured."""
    b = p.broadcast
    head = {
        BroadcastState.SCHEDULED: t.gettext("📣 Announcement #{id}: scheduled"),
        BroadcastState.SENDING: t.gettext("📣 Announcement #{id}: sending"),
        BroadcastState.DONE: t.gettext("📣 Announcement #{id}: finished"),
        BroadcastState.CANCELLED: t.gettext("📣 Announcement #{id}: cancelled"),
    }[BroadcastState(b.state)].format(id=b.id)
    lines = [
        head,
        t.gettext("Sent {sent} · blocked {blocked} · failed {failed} · waiting {pending} of {total}").format(
            sent=t.integer(p.sent), blocked=t.integer(p.blocked), failed=t.integer(p.failed),
            pending=t.integer(p.pending), total=t.integer(p.total)),
    ]
    if b.state == BroadcastState.SENDING and p.rate > 0:
        minutes = max(1, round(p.eta.total_seconds() / 60)) if p.eta else 0
        lines.append(t.gettext("{rate} messages per second · about {minutes} min left").format(
            rate=t.decimal(p.rate), minutes=t.integer(minutes)))
    hours = quiet_hours(t, quiet)
    if b.state == BroadcastState.SENDING and p.pending and not b.urgent and hours:
        lines.append(t.gettext("Between {start} and {end} local time, sending waits until {end}.")
                     .format(**hours))
    return "\n".join(lines)


def unsubscribe_markup(t: Translator, b: Broadcast) -> InlineKeyboardMarkup:
    if b.audience == "program":
        return kb.fixed([kb.button(t.gettext("🔕 Stop following this program"), "unsubp", int(b.audience_code or 0))])
    return kb.fixed([kb.button(t.gettext("🔕 Stop announcements"), "unsub")])
