"""What the stand-in Bot API (bot/telegram/standin.py) refuses, as Telegram does, with Telegram's descriptions."""

from __future__ import annotations

import json
from typing import Any

from bot.services.telegram_html import check

JSON = dict[str, Any]
CALLBACK_MAX = 64  # bytes


class ApiError(Exception):
    def __init__(self, description: str, code: int = 400) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def markup_of(params: JSON) -> JSON | None:
    raw = params.get("reply_markup")
    if raw is None:
        return None
    markup = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(markup, dict):
        raise ApiError("Bad Request: can't parse reply keyboard markup JSON object")
    return markup


def check_inline(rows: Any) -> list[list[JSON]]:
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise ApiError("Bad Request: field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not str(button.get("text", "")).strip():
                raise ApiError("Bad Request: text buttons are unallowed in the inline keyboard")
            actions = [k for k in button if k != "text"]
            if len(actions) != 1:
                raise ApiError("Bad Request: can't parse inline keyboard button: exactly one of the optional fields "
                               "must be used")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= CALLBACK_MAX:
                raise ApiError("Bad Request: BUTTON_DATA_INVALID")
    return rows


def text_of(params: JSON, key: str, limit: int) -> str:
    text = str(params.get(key) or "")
    if params.get("parse_mode") == "HTML" and text:
        problem = check(text, limit=limit)
        if problem is not None:
            raise ApiError(f"Bad Request: can't parse entities: {problem}")
    elif len(text) > limit:
        raise ApiError(f"Bad Request: {'message' if key == 'text' else 'caption'} is too long")
    return text
