"""One turn of the conversation: a unit of work, the resident, their language, and queued replies.

Replies are queued while the transaction runs and sent after it commits, so no database
lock is held while talking to Telegram, and nothing is said about a change that rolled back.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import html
import json
import logging
import random
import re
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import InlineKeyboardMarkup, InputFile, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.i18n import Translator
from bot.services import quota, residents
from bot.services.auth import Actor, load_actor
from bot.telegram.deliver import deliver
from bot.telegram.slots import release_slot
from handlers.context import BotContext
from handlers.limits import flood_notice
from storage.db import DBAPIError
from storage.models import Resident

log = logging.getLogger(__name__)
# PostgreSQL's deadlock and serialization failures: the database rolled the turn back, so it is simply run again.
CONFLICTS = {"40P01", "40001"}
CONFLICT_TRIES = 3

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None
esc = html.escape
_TAG = re.compile(r"<[^>]+>")


def plain(html_text: str) -> str:
    """What Telegram shows for our HTML: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", html_text))


def _fingerprint(message_id: int, text: str, markup: InlineKeyboardMarkup | None) -> str:
    payload = text + json.dumps(markup.to_dict() if markup else None, sort_keys=True)
    return f"{message_id}:{hashlib.sha1(payload.encode()).hexdigest()[:16]}"


def in_turn(fn: Callable[..., Awaitable[None]]) -> Callable[..., Coroutine[Any, Any, None]]:
    """Run a handler inside a Turn; a re-delivered update is skipped before the handler sees it.

    The wrapped function takes the turn (and, for buttons, the decoded callback) instead of
    PTB's (update, context).
    """

    @functools.wraps(fn)
    async def handler(update: Update, context: BotContext, *args: Any) -> None:
        user = update.effective_user
        if user is not None and context.deps.pauses.paused(user.id, context.deps.clock()):
            return  # a flood this process already paused: not even the database hears of it
        for attempt in range(1, CONFLICT_TRIES + 1):
            try:
                async with Turn(update, context) as turn:
                    if turn.duplicate or turn.held:
                        return
                    await fn(turn, *args)
                return
            except DBAPIError as exc:  # rolled back, nothing sent yet: the whole turn can be taken again
                lost = exc.connection_invalidated  # the connection was cut (a database restart): the pool renews
                if attempt == CONFLICT_TRIES or not (lost or getattr(exc.orig, "sqlstate", None) in CONFLICTS):
                    raise
                log.info("update %s %s; handled again", update.update_id,
                         "lost its database connection" if lost else f"met a concurrent one ({exc.orig.sqlstate})")  # type: ignore[union-attr]
                await asyncio.sleep(random.uniform(0.005, 0.05) * attempt)

    return handler


class Turn(AbstractAsyncContextManager["Turn"]):
    """One update's unit of work; handlers get it through `in_turn`."""

    session: AsyncSession
    resident: Resident
    t: Translator
    duplicate: bool
    held: bool = False  # part of a flood: ignored (the update that crossed the limit gets one notice)

    def __init__(self, update: Update, context: BotContext) -> None:
        self.update = update
        self.context = context
        self.deps = context.deps
        user = update.effective_user
        assert user is not None
        self.user = user
        self.chat_id = update.effective_chat.id if update.effective_chat else user.id
        self.query = update.callback_query
        self._actions: list[Callable[[], Awaitable[Any]]] = []
        self._answer: dict[str, Any] | None = None
        self._actor: Actor | None = None

    async def __aenter__(self) -> Self:
        self._uow = self.deps.db.unit_of_work()
        self.session = await self._uow.__aenter__()
        try:
            arrival = await residents.begin_update(
                self.session, telegram_id=self.user.id, update_id=self.update.update_id, now=self.now
            )
            self.resident, self.duplicate = arrival.resident, arrival.duplicate
            self.set_language(self.resident.language)
            if not self.duplicate:
                await self._count_update(counted=arrival.counted)
        except BaseException as exc:
            await self._uow.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        if self.duplicate:
            log.info("update %s re-delivered for chat %s; skipped", self.update.update_id, self.chat_id)
        return self

    async def _count_update(self, *, counted: bool) -> None:
        """Count this update against the flood limit; a flood gets one notice, then nothing until its pause ends."""
        flood = quota.count_update(self.resident, quota.Limits.of(self.deps.settings), self.now, counted=counted)
        if flood is quota.Flood.PASS:
            return
        self.held = True
        until = self.resident.paused_until
        assert until is not None
        self.deps.pauses.pause(self.user.id, until, self.now)
        if flood is quota.Flood.WARN:
            log.info("chat %s sent more than %s updates in a minute; paused until %s",
                     self.chat_id, self.deps.settings.messages_per_minute, until.isoformat())
            self.reply(flood_notice(self.t, until, await self.zone(), self.now))

    async def zone(self) -> str:
        """The time zone of the resident's region (WIB before they chose one)."""
        return await residents.zone_of(self.session, self.resident)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        await self._uow.__aexit__(exc_type, exc, tb)
        release_slot()  # committed: waiting for the outbound path needs no update slot
        if exc_type is None and not self.duplicate and not (self.held and not self._actions):
            await self._flush()
        return None

    async def actor(self) -> Actor:
        """Who this user is as far as permissions go (loaded once per update)."""
        if self._actor is None:
            self._actor = await load_actor(
                self.session, telegram_id=self.user.id, admin_ids=self.deps.settings.admin_ids
            )
        return self._actor

    @property
    def now(self) -> datetime:
        return self.deps.clock()

    def set_language(self, chosen: str | None) -> None:
        i18n = self.deps.i18n
        self.t = i18n.get(i18n.resolve(chosen, self.user.language_code))

    # --- replies, queued until the transaction commits ------------------------------------

    def reply(self, text: str, markup: Markup = None) -> None:
        self._actions.append(
            lambda: self.context.bot.send_message(self.chat_id, text, reply_markup=markup)
        )

    def edit(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Show this screen in the message whose button was pressed (or as a new message)."""
        message = self.query.message if self.query else None
        if not isinstance(message, Message):
            self.reply(text, markup)
            return
        screen = _fingerprint(message.message_id, text, markup)
        same_now = (message.text or message.caption or "") == plain(text) and (
            (message.reply_markup.to_dict() if message.reply_markup else None) == (markup.to_dict() if markup else None)
        )
        if screen == self.resident.screen or same_now:
            return  # a double tap: the message already shows this; editing it again is an error
        residents.set_screen(self.session, self.resident, screen)
        self._actions.append(
            lambda: self.context.bot.edit_message_text(
                text, chat_id=self.chat_id, message_id=message.message_id, reply_markup=markup
            )
        )

    def drop_buttons(self, message_id: int) -> None:
        """Remove the inline buttons of an earlier message (best effort)."""
        self._actions.append(lambda: self._drop_buttons(message_id))

    async def _drop_buttons(self, message_id: int) -> None:
        try:
            await self.context.bot.edit_message_reply_markup(chat_id=self.chat_id, message_id=message_id, reply_markup=None)
        except BadRequest as exc:  # already gone or already without buttons: nothing to do
            log.debug("could not drop buttons of %s: %s", message_id, exc)

    def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        """Answer the pressed button (every press is answered once, with or without a note)."""
        self._answer = {"text": text[:200] if text else None, "show_alert": alert}

    def notify(self, chat_id: int, text: str, markup: Markup = None, *, undeliverable: str | None = None) -> None:
        """Send a message to someone else (a resident, an official); tell this user if it cannot arrive."""

        async def send() -> None:
            if not await deliver(self.context.bot, chat_id, text, markup) and undeliverable:  # type: ignore[arg-type]
                await self.context.bot.send_message(self.chat_id, undeliverable)

        self._actions.append(send)

    def photo(self, data: bytes, caption: str, chat_id: int | None = None) -> None:
        self._actions.append(
            lambda: self.context.bot.send_photo(
                chat_id or self.chat_id, InputFile(data, filename="ringkasan.png"), caption=caption
            )
        )

    def photo_id(self, file_id: str, caption: str, markup: Markup = None) -> None:
        """Send a photo Telegram already has (e.g. one the user uploaded), with a caption."""
        self._actions.append(
            lambda: self.context.bot.send_photo(self.chat_id, file_id, caption=caption, reply_markup=markup)
        )

    def document(self, filename: str, data: bytes, caption: str) -> None:
        self._actions.append(
            lambda: self.context.bot.send_document(
                self.chat_id, InputFile(data, filename=filename), caption=caption
            )
        )

    def later(self, action: Callable[[], Awaitable[Any]]) -> None:
        """Run `action` after the commit, in order with the replies: CPU work (a chart) holds no database lock."""
        self._actions.append(action)

    async def _flush(self) -> None:
        if self.query is not None:
            try:
                await self.query.answer(**(self._answer or {}))
            except TelegramError as exc:  # too late or already answered: the replies below still go out
                log.info("press %s in chat %s not answered: %s", self.query.id, self.chat_id, exc)
        for action in self._actions:
            try:
                await action()
            except Forbidden:
                raise  # the user blocked the bot: nothing more can reach this chat
            except TelegramError as exc:  # one lost message must not take the others (a notice) with it
                log.warning("a reply in chat %s was not delivered: %s", self.chat_id, exc)
