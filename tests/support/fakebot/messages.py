"""The message methods: send, edit, delete, answer a press, chat actions; the chat a request addresses,
texts parsed per parse_mode, messages as JSON."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from tests.support.fakebot.htmltext import HtmlParseError, _strip_text, parse_html, utf16_len
from tests.support.fakebot.records import (
    JSON,
    MAX_CALLBACK_ANSWER,
    MAX_CAPTION,
    MAX_TEXT,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    FileValue,
    StoredMessage,
    _bad,
    _Chat,
    _short,
    _synthetic_chat,
)
from tests.support.fakebot.validation import _CHAT_ACTIONS, _validate_markup


class MessagesMixin:
    """The message-creating and -editing methods.

    A part of ``FakeBotAPI``, whose ``__init__`` holds the state.
    """

    def _chat(self, params: JSON, *, create: bool = False) -> _Chat:
        """The chat ``params`` address; it must be known unless ``accept_any_chat``.

        An unknown chat accepted that way is kept (``create``) only when the bot's messages
        are stored; otherwise a throwaway _Chat is returned, whose next message id follows
        ``delivered_by_chat``.
        """
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None or not chat.seen:
            if not self.accept_any_chat or not isinstance(chat_id, int) or isinstance(chat_id, bool):
                raise _bad("chat not found")
            if chat is None:
                chat = _Chat(
                    _synthetic_chat(chat_id),
                    next_message_id=self.delivered_by_chat.get(chat_id, 0) + 1,
                )
                if create and self.store_messages:
                    self._chats[chat_id] = chat
        return chat

    def _deliver(self, chat: _Chat, msg: StoredMessage) -> JSON:
        """Keep (or just count) a message the bot sent; return its JSON."""
        if self.store_messages:
            chat.bot_messages[msg.message_id] = msg
        self.delivered += 1
        by_chat = self.delivered_by_chat
        by_chat[msg.chat_id] = by_chat.get(msg.chat_id, 0) + 1
        return self._message_json(msg, chat)

    def _message_id(self, params: JSON) -> int:
        if "inline_message_id" in params:
            raise _bad("fakebot: inline messages are not supported")
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise _bad(
                "message identifier is not specified"
                if message_id is None
                else "invalid message_id"
            )
        return message_id

    def _text(self, params: JSON, key: str, *, caption: bool) -> tuple[str | None, list[JSON]]:
        """Parse ``params[key]`` per parse_mode; return (plain text, entities)."""
        raw = params.get(key)
        if raw is None or raw == "":
            if caption:
                return None, []
            raise _bad("message text is empty")
        if not isinstance(raw, str):
            raw = str(raw)
        parse_mode = params.get("parse_mode") or None
        explicit = params.get("caption_entities" if caption else "entities")
        if explicit is not None:  # explicit entities win over parse_mode, as in Telegram
            text, entities = raw, self._check_entities(raw, explicit)
        elif parse_mode is None:
            text, entities = raw, []
        elif str(parse_mode).lower() == "html":
            try:
                text, entities = parse_html(raw)
            except HtmlParseError as exc:
                raise _bad(f"can't parse entities: {exc}") from None
        elif str(parse_mode).lower() in ("markdown", "markdownv2"):
            raise _bad(
                f"fakebot: parse_mode {parse_mode!r} is not supported by the fake server; use HTML"
            )
        else:
            raise _bad(f"unsupported parse_mode {parse_mode!r}")
        text, entities = _strip_text(text, entities)
        if not text:
            if caption:
                return None, []
            raise _bad("message text is empty")
        if caption and utf16_len(text) > MAX_CAPTION:
            raise _bad("message caption is too long")
        if not caption and utf16_len(text) > MAX_TEXT:
            raise _bad("message is too long")
        return text, entities

    @staticmethod
    def _check_entities(text: str, entities: Any) -> list[JSON]:
        size = utf16_len(text)
        if not isinstance(entities, list):
            raise _bad("can't parse entities JSON object")
        for entity in entities:
            if (
                not isinstance(entity, dict)
                or not isinstance(entity.get("type"), str)
                or not isinstance(entity.get("offset"), int)
                or not isinstance(entity.get("length"), int)
                or entity["offset"] < 0
                or entity["length"] <= 0
                or entity["offset"] + entity["length"] > size
            ):
                raise _bad(f"can't parse entities: invalid entity {_short(entity)}")
        return entities

    def _bot_message(self, params: JSON, *, for_edit: str) -> StoredMessage:
        chat = self._chat(params)
        message_id = self._message_id(params)
        stored = chat.bot_messages.get(message_id)
        if stored is None or stored.deleted:
            if message_id in chat.user_message_ids:
                raise _bad(f"message can't be {for_edit}ed")
            raise _bad(f"message to {for_edit} not found")
        return stored

    def _message_json(self, msg: StoredMessage, chat: _Chat | None = None) -> JSON:
        if chat is None:
            chat = self._chats[msg.chat_id]
        out: JSON = {
            "message_id": msg.message_id,
            "from": self.bot_user,
            "chat": dict(chat.info),
            "date": msg.date,
        }
        if msg.edit_date is not None:
            out["edit_date"] = msg.edit_date
        media = self._files.get(msg.file_id) if msg.file_id else None
        if media is None:
            out["text"] = msg.text
            if msg.entities:
                out["entities"] = msg.entities
        else:
            if media.file_path.startswith("photos/"):
                out["photo"] = [self._file_json(media)]
            else:
                out["document"] = self._file_json(media)
            if msg.caption is not None:
                out["caption"] = msg.caption
                if msg.entities:
                    out["caption_entities"] = msg.entities
        if msg.inline_markup is not None:
            out["reply_markup"] = msg.inline_markup
        return out

    def _send_message(self, params: JSON, files: dict[str, FileValue]) -> JSON:
        chat = self._chat(params, create=True)
        text, entities = self._text(params, "text", caption=False)
        markup = _validate_markup(params.get("reply_markup"))
        msg = StoredMessage(
            chat_id=chat.info["id"],
            message_id=chat.allocate_message_id(),
            date=int(time.time()),
            text=text,
            raw=params["text"],
            parse_mode=params.get("parse_mode") or None,
            entities=entities,
            reply_markup=markup,
        )
        return self._deliver(chat, msg)

    def _send_media(self, kind: str, params: JSON, files: dict[str, FileValue]) -> JSON:
        chat = self._chat(params, create=True)
        caption, entities = self._text(params, "caption", caption=True)
        markup = _validate_markup(params.get("reply_markup"))
        stored = self._media_file(kind, params, files)
        msg = StoredMessage(
            chat_id=chat.info["id"],
            message_id=chat.allocate_message_id(),
            date=int(time.time()),
            text=caption,
            raw=params.get("caption"),
            parse_mode=params.get("parse_mode") or None,
            entities=entities,
            reply_markup=markup,
            caption=caption,
            file_id=stored.file_id,
        )
        if kind == "document":
            msg.document = (
                (stored.filename or "document", stored.content)
                if stored.content is not None
                else None
            )
        else:
            msg.photo = stored.content
        return self._deliver(chat, msg)

    def _edit_message_text(self, params: JSON, files: dict[str, FileValue]) -> JSON:
        msg = self._bot_message(params, for_edit="edit")
        if msg.file_id is not None:
            raise _bad("there is no text in the message to edit")
        text, entities = self._text(params, "text", caption=False)
        # No reply_markup means "remove the inline keyboard", as in Telegram.
        markup = _validate_markup(params.get("reply_markup"), inline_only=True)
        if (text, entities, markup) == (msg.text, msg.entities, msg.inline_markup):
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        msg.text, msg.raw, msg.entities = text, params["text"], entities
        msg.parse_mode = params.get("parse_mode") or None
        self._apply_edit(msg, markup)
        return self._message_json(msg)

    def _edit_message_caption(self, params: JSON, files: dict[str, FileValue]) -> JSON:
        msg = self._bot_message(params, for_edit="edit")
        if msg.file_id is None:
            raise _bad("there is no caption in the message to edit")
        caption, entities = self._text(params, "caption", caption=True)
        markup = _validate_markup(params.get("reply_markup"), inline_only=True)
        if (caption, entities, markup) == (msg.caption, msg.entities, msg.inline_markup):
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        msg.text = msg.caption = caption
        msg.raw, msg.entities = params.get("caption"), entities
        msg.parse_mode = params.get("parse_mode") or None
        self._apply_edit(msg, markup)
        return self._message_json(msg)

    def _edit_message_reply_markup(self, params: JSON, files: dict[str, FileValue]) -> JSON:
        msg = self._bot_message(params, for_edit="edit")
        markup = _validate_markup(params.get("reply_markup"), inline_only=True)
        if markup == msg.inline_markup:
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        self._apply_edit(msg, markup)
        return self._message_json(msg)

    @staticmethod
    def _apply_edit(msg: StoredMessage, inline_markup: JSON | None) -> None:
        if inline_markup is not None or msg.inline_markup is not None:
            msg.reply_markup = inline_markup
        msg.edited = True
        msg.edit_date = int(time.time())

    def _delete_message(self, params: JSON, files: dict[str, FileValue]) -> bool:
        chat = self._chat(params)
        message_id = self._message_id(params)
        stored = chat.bot_messages.get(message_id)
        if stored is not None and not stored.deleted:
            stored.deleted = True
        elif message_id in chat.user_message_ids:
            chat.user_message_ids.discard(message_id)
        else:
            raise _bad("message to delete not found")
        return True

    def _answer_callback_query(self, params: JSON, files: dict[str, FileValue]) -> bool:
        query_id = params.get("callback_query_id")
        if not isinstance(query_id, str) or self._callback_queries.get(query_id, True):
            raise _bad(QUERY_TOO_OLD.removeprefix("Bad Request: "))
        text = params.get("text")
        if text is not None and utf16_len(str(text)) > MAX_CALLBACK_ANSWER:
            raise _bad("MESSAGE_TOO_LONG")
        url = params.get("url")
        if url is not None and urlsplit(str(url)).scheme not in ("http", "https", "tg"):
            raise _bad("URL_INVALID")
        self._callback_queries[query_id] = True
        self._callback_answers.append(dict(params))
        return True

    def _send_chat_action(self, params: JSON, files: dict[str, FileValue]) -> bool:
        self._chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True
