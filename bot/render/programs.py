"""A program's labels and rating line, as the chat, the dashboard and the exports show them."""

from __future__ import annotations

from bot.i18n import Translator


def rating_line(t: Translator, average: float | None, count: int) -> str:
    if not count or average is None:
        return t.gettext("No ratings yet")
    return t.ngettext("★ {average} of 5 · {count} rating", "★ {average} of 5 · {count} ratings", count).format(
        average=t.decimal(average), count=t.integer(count)
    )


def label(t: Translator, table: dict[str, str], key: str) -> str:
    return t.gettext(table[key]) if key in table else key
