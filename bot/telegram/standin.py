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

from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

from bot.services.telegram_html import CAPTION_MAX, TEXT_MAX, check

JSON = dict[str, Any]
BOT_ID = 777_000_001
CALLBACK_MAX = 64  # bytes
ALERT_MAX = 200
KEEP = 200  # messages per chat the page can show


class ApiError(Exception):
    def __init__(self, description: str, code: int = 400) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


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


def _markup(params: JSON) -> JSON | None:
    raw = params.get("reply_markup")
    if raw is None:
        return None
    markup = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(markup, dict):
        raise ApiError("Bad Request: can't parse reply keyboard markup JSON object")
    return markup


def _check_inline(rows: Any) -> list[list[JSON]]:
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


def _text(params: JSON, key: str, limit: int) -> str:
    text = str(params.get(key) or "")
    if params.get("parse_mode") == "HTML" and text:
        problem = check(text, limit=limit)
        if problem is not None:
            raise ApiError(f"Bad Request: can't parse entities: {problem}")
    elif len(text) > limit:
        raise ApiError(f"Bad Request: {'message' if key == 'text' else 'caption'} is too long")
    return text


class StandIn:
    """The chats, the pending callback queries and the update ids of one process."""

    def __init__(self) -> None:
        self.chats: dict[int, Chat] = {}
        self.queries: dict[str, int] = {}  # callback query id -> chat, until answered
        self.answers: dict[int, str] = {}  # chat -> the last answered query's text (a toast)
        self._update_id = int(time.time() * 1000)  # increasing across restarts: the bot skips ids it has seen
        self.changed = asyncio.Event()

    def request(self) -> StandInRequest:
        return StandInRequest(self)

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
                reply_to: int | None = None) -> JSON:
        """The update of a message the resident writes (or a location they share), stored in their chat."""
        chat = self.chat(user_id)
        shown = chat.add(Shown(chat.next_id, False, int(time.time()), text=text or "", location=location,
                               reply_to=reply_to))
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
        markup = _markup(params)
        if markup is not None:
            if "inline_keyboard" in markup:
                shown.inline = _check_inline(markup["inline_keyboard"])
            elif "keyboard" in markup:
                chat.keyboard = markup["keyboard"]
            elif markup.get("remove_keyboard"):
                chat.keyboard = None
        chat.add(shown)
        chat.next_id += 1
        return self._bot_message(chat, shown)

    def _m_sendmessage(self, params: JSON, _files: dict[str, Any]) -> JSON:
        chat = self._known(params)
        text = _text(params, "text", TEXT_MAX)
        if not text.strip():
            raise ApiError("Bad Request: message text is empty")
        return self._deliver(chat, Shown(chat.next_id, True, int(time.time()), text=text), params)

    def _m_sendphoto(self, params: JSON, files: dict[str, Any]) -> JSON:
        chat = self._known(params)
        caption = _text(params, "caption", CAPTION_MAX)
        photo = files.get("photo")
        data = photo[1] if isinstance(photo, tuple) else b""
        if not data:
            raise ApiError("Bad Request: there is no photo in the request")
        return self._deliver(chat, Shown(chat.next_id, True, int(time.time()), text=caption, photo=data), params)

    def _m_senddocument(self, params: JSON, files: dict[str, Any]) -> JSON:
        chat = self._known(params)
        caption = _text(params, "caption", CAPTION_MAX)
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
        text = _text(params, "text", TEXT_MAX)
        markup = _markup(params)
        inline = _check_inline(markup["inline_keyboard"]) if markup and "inline_keyboard" in markup else []
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
        shown.text = _text(params, "text", CAPTION_MAX)
        markup = _markup(params)
        shown.inline = _check_inline(markup["inline_keyboard"]) if markup and "inline_keyboard" in markup else []
        shown.edited = True
        return self._bot_message(chat, shown)

    def _m_editmessagereplymarkup(self, params: JSON, _files: dict[str, Any]) -> JSON:
        chat, shown = self._edit(params)
        markup = _markup(params)
        inline = _check_inline(markup["inline_keyboard"]) if markup and "inline_keyboard" in markup else []
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

    def _m_sendchataction(self, params: JSON, _files: dict[str, Any]) -> bool:
        self._known(params)
        return True

    def _true(self, _params: JSON, _files: dict[str, Any]) -> bool:
        return True

    _m_setmycommands = _m_deletemycommands = _m_setchatmenubutton = _m_deletewebhook = _true
    _m_setmydescription = _m_setmyshortdescription = _m_setmyname = _m_close = _m_logout = _true

    def _m_getupdates(self, _params: JSON, _files: dict[str, Any]) -> list[JSON]:
        return []  # the simulator hands its updates to the Application itself


class StandInRequest(BaseRequest):
    """PTB's HTTP slot, answered by the stand-in."""

    def __init__(self, standin: StandIn) -> None:
        self.standin = standin

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params: JSON = dict(request_data.parameters) if request_data else {}
        files: dict[str, Any] = dict(request_data.multipart_data or {}) if request_data else {}
        if name.lower() == "getupdates":  # a long poll: wait as Telegram would, then nothing
            timeout = float(params.get("timeout") or 0)
            wait = read_timeout if not isinstance(read_timeout, DefaultValue) and read_timeout else timeout
            await asyncio.sleep(min(timeout, float(wait or 0), 10.0))
        try:
            result = self.standin.call(name, params, files)
        except ApiError as error:
            body = {"ok": False, "error_code": error.code, "description": error.description}
            return error.code, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()
