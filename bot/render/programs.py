"""A program's labels and rating line, as the chat, the dashboard and the exports show them."""

from __future__ import annotations

import html

from bot.i18n import Translator
from bot.services import catalog


def rating_line(t: Translator, average: float | None, count: int) -> str:
    if not count or average is None:
        return t.gettext("No ratings yet")
    return t.ngettext("★ {average} of 5 · {count} rating", "★ {average} of 5 · {count} ratings", count).format(
        average=t.decimal(average), count=t.integer(count)
    )


def label(t: Translator, table: dict[str, str], key: str) -> str:
    return t.gettext(table[key]) if key in table else key


def status_announcement(t: Translator, name: str, region: str, status: str) -> str:
    """The notice residents get when a program's status changes (Telegram HTML), from the chat or the dashboard."""
    return t.gettext("The status of <b>{program}</b> ({region}) is now: {status}.").format(
        program=html.escape(name), region=html.escape(region), status=html.escape(label(t, catalog.PROGRAM_STATUSES, status)))
