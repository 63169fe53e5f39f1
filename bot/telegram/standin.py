"""A Bot API in the process: the simulator's (and `quickwin demo`'s) Telegram, without a network.

The PTB `Application` talks to it through its ordinary HTTP layer slot (`BaseRequest`), so the handlers, the outbound
path and the error handling run exactly as against Telegram. It keeps each chat's messages (text, buttons, photos,
documents; edits change them in place) for the simulator's page, and refuses what Telegram refuses, with
Telegram's own descriptions: an unknown chat, empty or too long text and captions, HTML Telegram cannot parse
(the check the announcements use, bot/services/telegram_html.py), callback data over 64 bytes, a button
without exactly one action, an edit of a message that is not there or that changes nothing, a callback query
answered twice or never asked. What works here works in Telegram as far as these checks go; the test suite's
fake Bot API is stricter still (flood control, faults).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from bot.services.telegram_html import CAPTION_MAX, TEXT_MAX
from bot.telegram.standin_http import StandInRequest
from bot.telegram.standin_rules import JSON, ApiError, check_inline, markup_of, text_of

BOT_ID = 777_000_001
ALERT_MAX = 200
KEEP = 200  # messages per chat the page can show


@dataclass
class Shown:
    """One message in a chat, as the simulator's page shows it."""

    message_id: int
    from_bot: bool
    date: int
    text: str = ""  # Telegram HTML for the bot's messages, plain text for the resident's
    inline: list[list[JSON]] = field(default_factory=list)
    photo: bytes | None = None
    document: tuple[str, bytes] | None = None
    location: tuple[float, float] | None = None
    edited: bool = False
    reply_to: int | None = None


@dataclass
class Chat:
    user: JSON
    messages: list[Shown] = field(default_factory=list)
    keyboard: list[list[JSON]] | None = None  # the reply keyboard the phone would show instead of its own
    next_id: int = 1

    def find(self, message_id: int) -> Shown | None:
        return next((m for m in self.messages if m.message_id == message_id), None)

    def add(self, message: Shown) -> Shown:
        self.messages.append(message)
        del self.messages[:-KEEP]
        return message


class StandIn:
    """The chats, the pending callback queries and the update ids of one process."""

    def __init__(self) -> None:
        self.chats: dict[int, Chat] = {}
        self.queries: dict[str, int] = {}  # callback query id -> chat, until answered
        self.answers: dict[int, str] = {}  # chat -> the last answered query's text (a toast)
        self.files: dict[str, bytes] = {}  # file_id -> bytes: the photos residents sent, for getFile and download
        self._update_id = int(time.time() * 1000)  # increasing across restarts: the bot skips ids it has seen
        self.changed = asyncio.Event()

    def request(self) -> StandInRequest:
        return StandInRequest(self.call, self.download)

    def chat(self, user_id: int, *, first_name: str = "Warga", language: str = "id") -> Chat:
        if user_id not in self.chats:
            user = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": language}
            self.chats[user_id] = Chat(user)
        return self.chats[user_id]

    def forget(self, user_id: int) -> None:
        self.chats.pop(user_id, None)

    # -- what the resident does: updates for the Application ----------------------------------------------------

    def _next_update(self) -> int:
        self._update_id += 1
        return self._update_id

    def _chat_json(self, chat: Chat) -> JSON:
        user = chat.user
        return {"id": user["id"], "type": "private", "first_name": user["first_name"]}

    def message(self, user_id: int, *, text: str | None = None, location: tuple[float, float] | None = None,
                reply_to: int | None = None, photo: tuple[bytes, int, int] | None = None) -> JSON:
        """The update of a message the resident writes (a location they share, a photo: bytes, width, height),
        stored in their chat."""
        chat = self.chat(user_id)
        shown = chat.add(Shown(chat.next_id, False, int(time.time()), text=text or "", location=location,
                               reply_to=reply_to, photo=photo[0] if photo else None))
        chat.next_id += 1
        message: JSON = {"message_id": shown.message_id, "date": shown.date, "chat": self._chat_json(chat),
                         "from": chat.user}
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if location is not None:
            message["location"] = {"latitude": location[0], "longitude": location[1]}
        if photo is not None:
            file_id = f"u{user_id}-{shown.message_id}-{self._next_update()}"
            self.files[file_id] = photo[0]
            message["photo"] = [{"file_id": file_id, "file_unique_id": file_id, "width": photo[1],
                                 "height": photo[2], "file_size": len(photo[0])}]
        if reply_to is not None and (original := chat.find(reply_to)) is not None:
            message["reply_to_message"] = self._bot_message(chat, original)
        return {"update_id": self._next_update(), "message": message}

    def press(self, user_id: int, message_id: int, data: str) -> JSON | None:
        """The update of a press on the button with this callback data of one of the bot's messages, or None when
        the message no longer has it (edited or deleted since the page was shown)."""
        chat = self.chat(user_id)
        shown = chat.find(message_id)
        buttons = [b for row in shown.inline for b in row] if shown is not None and shown.from_bot else []
        button = next((b for b in buttons if b.get("callback_data") == data), None)
        if shown is None or button is None:
            return None
        query_id = f"{user_id}-{self._next_update()}"
        self.queries[query_id] = user_id
        query = {"id": query_id, "from": chat.user, "chat_instance": str(user_id),
                 "data": button["callback_data"], "message": self._bot_message(chat, shown)}
        return {"update_id": self._next_update(), "callback_query": query}

    def _bot_message(self, chat: Chat, shown: Shown) -> JSON:
        message: JSON = {"message_id": shown.message_id, "date": shown.date, "chat": self._chat_json(chat)}
        message["from"] = {"id": BOT_ID, "is_bot": True, "first_name": "Quick Win Bot"} if shown.from_bot else chat.user
        if shown.photo is not None:
            message["photo"] = [{"file_id": f"p{shown.message_id}", "file_unique_id": f"p{shown.message_id}",
                                 "width": 1200, "height": 800}]
            message["caption"] = shown.text
        else:
            message["text"] = shown.text
        if shown.inline:
            message["reply_markup"] = {"inline_keyboard": shown.inline}
        return message

    # -- what the bot calls ---------------------------------------------------------------------------------------

    def call(self, method: str, params: JSON, files: dict[str, Any]) -> Any:
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            raise ApiError("Not Found", 404)
        result = handler(params, files)
        self.changed.set()
        return result

    def _known(self, params: JSON) -> Chat:
        try:
            chat_id = int(params.get("chat_id"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ApiError("Bad Request: chat not found") from None
        if chat_id not in self.chats:
            raise ApiError("Bad Request: chat not found")
        return self.chats[chat_id]

    def _deliver(self, chat: Chat, shown: Shown, params: JSON) -> JSON:
        markup = markup_of(params)
        if markup is not None:
            if "inline_keyboard" in markup:
                shown.inline = check_inline(markup["inline_keyboard"])
            elif "keyboard" in markup:
                chat.keyboard = markup["keyboard"]
            elif markup.get("remove_keyboard"):
                chat.keyboard = None
        chat.add(shown)
        chat.next_id += 1
        return self._bot_message(chat, shown)

    def _m_sendmessage(self, params: JSON, _files: dict[str, Any]) -> JSON:
        chat = self._known(params)
        text = text_of(params, "text", TEXT_MAX)
        if not text.strip():
            raise ApiError("Bad Request: message text is empty")
        return self._deliver(chat, Shown(chat.next_id, True, int(time.time()), text=text), params)

    def _m_sendphoto(self, params: JSON, files: dict[str, Any]) -> JSON:
        chat = self._known(params)
        caption = text_of(params, "caption", CAPTION_MAX)
        photo = files.get("photo")
        data = photo[1] if isinstance(photo, tuple) else b""
        if not data:
            raise ApiError("Bad Request: there is no photo in the request")
        return self._deliver(chat, Shown(chat.next_id, True, int(time.time()), text=caption, photo=data), params)

    def _m_senddocument(self, params: JSON, files: dict[str, Any]) -> JSON:
        chat = self._known(params)
        caption = text_of(params, "caption", CAPTION_MAX)
        document = files.get("document")
        if not isinstance(document, tuple):
            raise ApiError("Bad Request: there is no document in the request")
        shown = Shown(chat.next_id, True, int(time.time()), text=caption, document=(document[0], document[1]))
        return self._deliver(chat, shown, params)

    def _edit(self, params: JSON) -> tuple[Chat, Shown]:
        chat = self._known(params)
        shown = chat.find(int(params.get("message_id") or 0))
        if shown is None or not shown.from_bot:
            raise ApiError("Bad Request: message to edit not found")
        return chat, shown

    def _m_editmessagetext(self, params: JSON, _files: dict[str, Any]) -> JSON:
        chat, shown = self._edit(params)
        text = text_of(params, "text", TEXT_MAX)
        markup = markup_of(params)
        inline = check_inline(markup["inline_keyboard"]) if markup and "inline_keyboard" in markup else []
        if not text.strip():
            raise ApiError("Bad Request: message text is empty")
        if text == shown.text and inline == shown.inline:
            raise ApiError("Bad Request: message is not modified: specified new message content and reply markup "
                           "are exactly the same as a current content and reply markup of the message")
        shown.text, shown.inline, shown.edited = text, inline, True
        return self._bot_message(chat, shown)

    def _m_editmessagecaption(self, params: JSON, _files: dict[str, Any]) -> JSON:
        chat, shown = self._edit(params)
        params = {**params, "text": params.get("caption", "")}
        shown.text = text_of(params, "text", CAPTION_MAX)
        markup = markup_of(params)
        shown.inline = check_inline(markup["inline_keyboard"]) if markup and "inline_keyboard" in markup else []
        shown.edited = True
        return self._bot_message(chat, shown)

    def _m_editmessagereplymarkup(self, params: JSON, _files: dict[str, Any]) -> JSON:
        chat, shown = self._edit(params)
        markup = markup_of(params)
        inline = check_inline(markup["inline_keyboard"]) if markup and "inline_keyboard" in markup else []
        if inline == shown.inline:
            raise ApiError("Bad Request: message is not modified: specified new message content and reply markup "
                           "are exactly the same as a current content and reply markup of the message")
        shown.inline = inline
        return self._bot_message(chat, shown)

    def _m_deletemessage(self, params: JSON, _files: dict[str, Any]) -> bool:
        chat, shown = self._edit(params)
        chat.messages.remove(shown)
        return True

    def _m_answercallbackquery(self, params: JSON, _files: dict[str, Any]) -> bool:
        chat_id = self.queries.pop(str(params.get("callback_query_id")), None)
        if chat_id is None:
            raise ApiError("Bad Request: query is too old and response timeout expired or query ID is invalid")
        text = str(params.get("text") or "")
        if len(text) > ALERT_MAX:
            raise ApiError("Bad Request: MESSAGE_TOO_LONG")
        if text:
            self.answers[chat_id] = text
        return True

    def _m_getme(self, _params: JSON, _files: dict[str, Any]) -> JSON:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Quick Win Bot", "username": "quickwin_simulator_bot",
                "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}

    def _m_getfile(self, params: JSON, _files: dict[str, Any]) -> JSON:
        file_id = str(params.get("file_id") or "")
        if file_id not in self.files:
            raise ApiError("Bad Request: invalid file_id")
        return {"file_id": file_id, "file_unique_id": file_id, "file_size": len(self.files[file_id]),
                "file_path": f"photos/{file_id}.jpg"}

    def download(self, url: str) -> tuple[int, bytes]:
        """A file's bytes, by the path getFile gave (…/file/bot<token>/photos/<file_id>.jpg)."""
        name = url.rsplit("/", 1)[-1].removesuffix(".jpg")
        if name not in self.files:
            return 404, json.dumps({"ok": False, "error_code": 404, "description": "Not Found"}).encode()
        return 200, self.files[name]

    def _m_sendchataction(self, params: JSON, _files: dict[str, Any]) -> bool:
        self._known(params)
        return True

    def _true(self, _params: JSON, _files: dict[str, Any]) -> bool:
        return True

    _m_setmycommands = _m_deletemycommands = _m_setchatmenubutton = _m_deletewebhook = _true
    _m_setmydescription = _m_setmyshortdescription = _m_setmyname = _m_close = _m_logout = _true

    def _m_getupdates(self, _params: JSON, _files: dict[str, Any]) -> list[JSON]:
        return []  # the simulator hands its updates to the Application itself
