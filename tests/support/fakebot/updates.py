"""Updates into the bot: users, groups, messages and button presses, the queue that getUpdates long-polls
(confirmation, one poller at a time, re-deliveries) and the webhook."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from tests.support.fakebot.htmltext import utf16_len
from tests.support.fakebot.records import JSON, ApiError, FileValue, _bad, _Chat, _Poll, _synthetic_chat


class UpdatesMixin:
    """Feeding updates to the bot, and the getUpdates / webhook methods.

    A part of ``FakeBotAPI``, whose ``__init__`` holds the state.
    """

    def user(
        self, user_id: int, first_name: str = "Warga", language_code: str | None = "id", **kw: Any
    ) -> JSON:
        """A Telegram User object for a (human) user."""
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code is not None:
            user["language_code"] = language_code
        user.update(kw)
        return user

    def _chat_for(self, user: JSON) -> _Chat:
        info: JSON = {"id": user["id"], "type": "private", "first_name": user.get("first_name", "")}
        for key in ("last_name", "username"):
            if key in user:
                info[key] = user[key]
        chat = self._chats.get(user["id"])
        if chat is None:
            chat = self._chats[user["id"]] = _Chat(info)
        else:
            chat.info = info
        return chat

    def group(self, chat_id: int, title: str = "Grup") -> JSON:
        """A group chat the bot is a member of; returns its Chat object.

        ``chat_id`` must be negative (``-100...``: a supergroup, otherwise a basic group).  The
        bot may send there at once, as after being added to a group; pass the returned object
        as ``message_update(user, text, chat=...)`` for a member's message in it.
        """
        if not isinstance(chat_id, int) or isinstance(chat_id, bool) or chat_id >= 0:
            raise ValueError("group chat ids are negative integers")
        info = _synthetic_chat(chat_id)
        info["title"] = title
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat(info)
        else:
            chat.info = info
        chat.seen = True
        return dict(info)

    def _group_for(self, info: JSON) -> _Chat:
        chat_id = info.get("id")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool) or chat_id >= 0:
            raise ValueError(f"not a group chat: {info!r} (group chat ids are negative)")
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat({**_synthetic_chat(chat_id), **info})
        return chat

    def message_update(
        self, user: JSON, text: str | None = None, *, chat: JSON | None = None, **fields: Any
    ) -> JSON:
        """An update with a message from ``user`` (not yet pushed): in the private chat with
        the user, or in the group ``chat`` (a Chat object from ``group()``)."""
        target = self._chat_for(user) if chat is None or chat.get("id") == user["id"] else self._group_for(chat)
        message_id = target.allocate_message_id()
        target.user_message_ids.add(message_id)
        message: JSON = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": dict(target.info),
            "from": user,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/") and "entities" not in fields:
                command = text.split(maxsplit=1)[0]
                message["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
                ]
        message.update(fields)
        return {"message": message}

    def callback_update(
        self, user: JSON, message_id: int, data: str, *, chat: JSON | int | None = None
    ) -> JSON:
        """An update with ``user``'s button press on the bot's message ``message_id``: in the
        private chat with the user, or in the group ``chat`` (its Chat object or id)."""
        chat_id = user["id"] if chat is None else chat["id"] if isinstance(chat, dict) else chat
        target = self._chat_for(user) if chat_id == user["id"] else self._chats.get(chat_id)
        stored = target.bot_messages.get(message_id) if target is not None else None
        if stored is None or stored.deleted:
            raise LookupError(f"the bot has no message {message_id} in chat {chat_id}")
        query_id = f"{self.bot_user['id']}{next(self._callback_ids):010d}"
        self._callback_queries[query_id] = False
        instance = f"-{user['id']}" if chat_id == user["id"] else str(chat_id)
        return {
            "callback_query": {
                "id": query_id,
                "from": user,
                "message": self._message_json(stored),
                "chat_instance": f"{instance}{self.bot_user['id']}",
                "data": data,
            }
        }

    def push_update(self, update: JSON) -> int:
        """Queue an update for getUpdates (or POST it to the webhook); fills ``update_id`` if missing."""
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        self._observe(update)
        if self.webhook_url and self.webhook_target:
            task = asyncio.get_running_loop().create_task(self._post_to_webhook(update))
            self._deliveries.add(task)
            task.add_done_callback(self._deliveries.discard)
            return int(update["update_id"])
        self._updates.append(update)
        self._wake_polls()
        return int(update["update_id"])

    async def post_webhook(self, update: JSON, *, secret: str | None = None, target: str | None = None) -> int:
        """POST one update to a webhook as Telegram would (with ``secret``, default the registered one);
        returns the HTTP status."""
        self._observe(update)  # the bot may now write to this chat, as after any real update
        if self._client is None:
            self._client = aiohttp.ClientSession()
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret if secret is None else secret}
        url = target or self.webhook_target
        assert url, "no webhook target set"
        try:
            async with self._client.post(url, json=update, headers=headers, timeout=aiohttp.ClientTimeout(total=10)) as r:
                return r.status
        except (TimeoutError, aiohttp.ClientError):
            return 0

    async def _post_to_webhook(self, update: JSON) -> None:
        """Deliver like Telegram: retry a few times while the webhook fails."""
        for attempt in range(5):
            status = await self.post_webhook(update)
            self.webhook_deliveries.append((int(update["update_id"]), status))
            if 200 <= status < 300:
                return
            await asyncio.sleep(0.2 * (attempt + 1))

    def push_update_id(self) -> int:
        """A fresh update id, for an update delivered by hand (``post_webhook``)."""
        update_id = self._next_update_id
        self._next_update_id += 1
        return update_id

    def redeliver(self, update: JSON) -> None:
        """Hand out an update once more, with its old ``update_id``, although it was confirmed.

        Telegram does this after a webhook timeout, or when a bot stopped after handling an
        update but before confirming it: the bot must not act on it twice.
        """
        self._redeliveries.append(update)
        self._wake_polls()

    def _observe(self, update: JSON) -> None:
        """Mark the chats an update comes from as known, so the bot may write there."""
        for key in ("message", "edited_message", "callback_query"):
            obj = update.get(key)
            if not isinstance(obj, dict):
                continue
            sender = obj.get("from")
            if key == "callback_query":
                message = obj.get("message")
                info = message.get("chat") if isinstance(message, dict) else None
                if isinstance(info, dict) and isinstance(info.get("id"), int) and info["id"] < 0:
                    self._chats.setdefault(info["id"], _Chat(dict(info))).seen = True
                elif isinstance(sender, dict):  # a press in the private chat with the sender
                    self._chat_for(sender).seen = True
                continue
            chat_info = obj.get("chat")
            if isinstance(chat_info, dict) and "id" in chat_info:
                chat = self._chats.setdefault(chat_info["id"], _Chat(dict(chat_info)))
                chat.seen = True
                message_id = obj.get("message_id")
                if isinstance(message_id, int):
                    chat.user_message_ids.add(message_id)
                    chat.next_message_id = max(chat.next_message_id, message_id + 1)

    async def _get_updates(self, params: JSON, files: dict[str, FileValue]) -> list[JSON]:
        if self.webhook_url:
            raise ApiError(
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
                409,
            )
        offset, limit, timeout = (
            params.get("offset"),
            params.get("limit", 100),
            params.get("timeout", 0),
        )
        if not isinstance(offset, (int, type(None))) or not isinstance(limit, int):
            raise _bad("invalid offset or limit specified")
        if not isinstance(timeout, (int, float)):
            raise _bad("invalid timeout specified")
        limit = min(max(limit, 1), 100)
        self._confirm(offset)

        # Telegram allows one getUpdates at a time: a newer one terminates the older.
        for poll in self._polls:
            poll.conflicted = True
        self._wake_polls()

        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, float(timeout))
        while True:
            if self._redeliveries:
                return [self._redeliveries.popleft()]
            if self._updates or self._closing:
                return list(itertools.islice(self._updates, limit))
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            poll = _Poll(loop.create_future())
            self._polls.append(poll)
            try:
                await asyncio.wait([poll.wake], timeout=remaining)
            finally:
                self._polls.remove(poll)
            if poll.conflicted:
                raise ApiError(
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                    409,
                    record=False,
                )

    def _confirm(self, offset: int | None) -> None:
        """Forget updates confirmed by ``offset`` (negative: keep the last -offset)."""
        if offset is None or offset == 0:
            return
        if offset < 0:
            while len(self._updates) > -offset:
                self._updates.popleft()
            return
        while self._updates and self._updates[0]["update_id"] < offset:
            self._updates.popleft()

    def _wake_polls(self) -> None:
        for poll in self._polls:
            if not poll.wake.done():
                poll.wake.set_result(None)

    def _set_webhook(self, params: JSON, files: dict[str, FileValue]) -> bool:
        url = params.get("url", "")
        if url and urlsplit(str(url)).scheme != "https":
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url = str(url)
        self.webhook_secret = str(params.get("secret_token") or "")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _delete_webhook(self, params: JSON, files: dict[str, FileValue]) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, params: JSON, files: dict[str, FileValue]) -> JSON:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
