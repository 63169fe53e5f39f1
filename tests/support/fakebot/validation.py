"""Request parameters as Telegram reads them: form values back to their types, reply markup and its
buttons checked, and the values the methods accept (chat actions, command names, scopes)."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any
from urllib.parse import urlsplit

from tests.support.fakebot.records import JSON, _bad

# How form values (always strings) map back to typed values.  JSON bodies arrive
# typed already, but Telegram also accepts JSON-encoded strings there.
_INT_FIELDS = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "cache_time",
        "message_thread_id",
        "max_connections",
        "from_chat_id",
        "reply_to_message_id",
    }
)


_FLOAT_FIELDS = frozenset({"timeout"})


_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "disable_web_page_preview",
        "disable_content_type_detection",
        "has_spoiler",
        "allow_sending_without_reply",
        "show_caption_above_media",
        "allow_paid_broadcast",
    }
)


_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "link_preview_options",
        "reply_parameters",
        "menu_button",
    }
)


def _coerce(name: str, value: Any) -> Any:
    if isinstance(value, str):
        if name in _JSON_FIELDS:
            try:
                return json.loads(value)
            except ValueError:
                if name == "reply_markup":
                    raise _bad("can't parse reply keyboard markup JSON object") from None
                raise _bad(f"can't parse {name} JSON object") from None
        if name in _INT_FIELDS:
            try:
                return int(value)
            except ValueError:
                return value  # e.g. "@channel" - the handler reports it
        if name in _FLOAT_FIELDS:
            try:
                return float(value)
            except ValueError:
                raise _bad(f"invalid {name} specified") from None
        if name in _BOOL_FIELDS:
            return value.strip().lower() in ("true", "1")
    return value


_ACTION_FIELDS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


_REPLY_BUTTON_REQUESTS = (
    "request_contact",
    "request_location",
    "request_poll",
    "request_users",
    "request_chat",
    "web_app",
)


_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_LANGUAGE_RE = re.compile(r"^([a-z]{2})?$")


_SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)


def _validate_markup(markup: Any, *, inline_only: bool = False) -> JSON | None:
    """Check reply_markup as Telegram would; return it unchanged when valid."""
    if markup is None:
        return None
    bad_json = _bad("can't parse reply keyboard markup JSON object")
    if not isinstance(markup, dict):
        raise bad_json
    kinds = [
        k for k in ("inline_keyboard", "keyboard", "remove_keyboard", "force_reply") if k in markup
    ]
    if len(kinds) != 1:
        raise bad_json
    kind = kinds[0]
    if inline_only and kind != "inline_keyboard":
        raise _bad("only inline keyboards can be attached to edited messages")

    if kind == "inline_keyboard":
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise _bad(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        if sum(len(r) for r in rows) > 100:
            raise _bad("reply markup is too long")
        for button in itertools.chain.from_iterable(rows):
            _validate_inline_button(button)
    elif kind == "keyboard":
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise _bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
        if not any(rows):
            raise _bad("keyboard must be non-empty")
        for button in itertools.chain.from_iterable(rows):
            _validate_reply_button(button)
        placeholder = markup.get("input_field_placeholder")
        if placeholder is not None and not 1 <= len(placeholder) <= 64:
            raise _bad("input field placeholder must be 1-64 characters long")
    elif kind == "remove_keyboard":
        if markup["remove_keyboard"] is not True:
            raise bad_json
    elif markup["force_reply"] is not True:
        raise bad_json
    return markup


def _validate_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _bad("BUTTON_TEXT_INVALID")
    actions = [k for k in _ACTION_FIELDS if k in button]
    if not actions:
        raise _bad(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise _bad(
            "can't parse inline keyboard button: exactly one of the optional fields must be "
            f"used, got {', '.join(actions)}"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise _bad("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        parts = urlsplit(url) if isinstance(url, str) else None
        if (
            parts is None
            or parts.scheme.lower() not in ("http", "https", "tg")
            or (parts.scheme.lower() != "tg" and not parts.netloc)
        ):
            raise _bad("BUTTON_URL_INVALID")


def _validate_reply_button(button: Any) -> None:
    if isinstance(button, str):
        text: Any = button
    elif isinstance(button, dict):
        text = button.get("text")
        requests = [k for k in _REPLY_BUTTON_REQUESTS if button.get(k)]
        if len(requests) > 1:
            raise _bad(
                f"can't parse keyboard button: at most one of {', '.join(requests)} may be used"
            )
    else:
        raise _bad("can't parse keyboard button: KeyboardButton must be a String or an Object")
    if not isinstance(text, str) or not text.strip():
        raise _bad("can't parse keyboard button: button text must be non-empty")
