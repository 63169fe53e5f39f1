"""Keyboard builders. Every callback goes through the codec."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.render.callbacks import encode
from bot.render.text import shorten

BUTTON_TEXT_MAX = 60


def button(text: str, action: str, *args: str | int) -> InlineKeyboardButton:
    return InlineKeyboardButton(shorten(text, BUTTON_TEXT_MAX), callback_data=encode(action, *args))


def pager(t: Translator, action: str, page: int, pages: int, *prefix: str | int) -> list[InlineKeyboardButton]:
    """‹ previous · n/N · next › — only the buttons that lead somewhere."""
    if pages <= 1:
        return []
    row = []
    if page > 0:
        row.append(button(t.gettext("‹ Previous"), action, *prefix, page - 1))
    row.append(button(f"{page + 1}/{pages}", "noop"))
    if page < pages - 1:
        row.append(button(t.gettext("Next ›"), action, *prefix, page + 1))
    return row


def markup(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup | None:
    """The keyboard, or None when there is no button at all (Telegram rejects an empty keyboard)."""
    kept = [row for row in rows if row]
    return InlineKeyboardMarkup(kept) if kept else None


def fixed(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    """A keyboard whose rows always have buttons (markup() is for the ones that may come out empty)."""
    return InlineKeyboardMarkup(rows)


def languages() -> InlineKeyboardMarkup:
    # Each language is named in itself, so anyone can find theirs.
    return fixed([button("Bahasa Indonesia", "lang", "id"), button("English", "lang", "en")])


def browse_label(t: Translator) -> str:
    return t.gettext("Choose from the province list")


def region_prompt(t: Translator) -> InlineKeyboardMarkup | None:
    """Inline, so the prompt can replace the pressed message; a location is sent with 📎 (see the prompt's text)."""
    return markup([button(browse_label(t), "provs", 0)])
