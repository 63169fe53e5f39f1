"""The broadcast sender: drains the outbox under Telegram's limits, one leader at a time."""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import time
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from bot.render.broadcast import progress_text, unsubscribe_markup
from bot.render.surveys import question_markup, question_text
from bot.services import broadcast as service
from bot.services import surveys
from bot.services.deps import DEPS_KEY, Deps
from bot.telegram.priority import Priority, rl
from bot.workers.broadcast_window import Window
from storage import broadcasts as store
from storage import locks
from storage import residents as resident_store
from storage.broadcasts import Outcome, Pending
from storage.models import Broadcast
from storage.statuses import BROADCAST_ENDED, BroadcastState, RecipientStatus
from storage.zones import ZONE_NAMES

log = logging.getLogger(__name__)
PROGRESS_EVERY = 3.0  # seconds between edits of the sender's progress message
IDLE = 2.0  # seconds between looks at the outbox when there is nothing to do
WINDOW_SECONDS = 0.5  # the in-flight window holds about this much sending at the broadcast rate
WINDOW_MAX = 500
FLUSH_EVERY = 0.2  # seconds an outcome waits at most before it is written


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(300, 2 ** attempts))


def window_size(rate: float) -> int:
    """Recipients in flight at most (sending, or sent and not yet recorded): what a crash may repeat."""
    return max(4, min(WINDOW_MAX, math.ceil(rate * WINDOW_SECONDS)))


class Sender:
    """Sends every due broadcast; started by `quickwin run`/`serve`, also driven step by step in tests."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self.app = application
        self.deps: Deps = application.bot_data[DEPS_KEY]
        settings = self.deps.settings
        self.paid = settings.broadcast_paid
        self.rate = min(settings.broadcast_rate, 1000.0 if self.paid else 30.0)
        # Pacing, flood limits and retries are the outbound path's (bot/telegram); the window bounds what waits
        # there, and so what a crash may repeat.
        self.window = window_size(self.rate)
        self.batch = max(1, self.window // 4)
        self.page = max(50, self.window)
        self._extra: dict[str, Any] = {"rate_limit_args": rl(Priority.BROADCAST, duplicate_ok=True)}
        if self.paid:
            self._extra["allow_paid_broadcast"] = True
        self._markups: dict[tuple[int | None, str], InlineKeyboardMarkup | None] = {}
        self._texts: dict[tuple[int | None, str], str] = {}  # a survey's opening, per broadcast and language
        self._openings: dict[int, surveys.Opening | None] = {}
        self._last_progress: dict[int, tuple[float, str]] = {}
        self._lock_conn: Any = None

    # --- leadership ---------------------------------------------------------------------------

    async def is_leader(self) -> bool:
        """PostgreSQL: hold an advisory lock on a connection of our own. SQLite: one process only."""
        engine = self.deps.db.engine
        if engine.dialect.name != "postgresql":
            return True
        if self._lock_conn is not None:
            return True
        conn = await engine.connect()
        if await locks.try_advisory_lock(conn, locks.BROADCAST_SENDER):
            self._lock_conn = conn  # kept open: the lock lives as long as this connection
            log.info("this process is the broadcast sender")
            return True
        await conn.close()
        return False

    async def release(self) -> None:
        if self._lock_conn is not None:
            await self._lock_conn.close()
            self._lock_conn = None

    async def run_forever(self) -> None:
        try:
            while True:
                try:
                    busy = await self.is_leader() and await self.tick()
                except Exception:  # a bad round must not end the sender
                    log.exception("broadcast sender round failed")
                    await self.release()
                    busy = False
                if not busy:
                    await asyncio.sleep(IDLE)
        finally:
            await self.release()

    # --- one round ----------------------------------------------------------------------------

    async def tick(self) -> bool:
        """Work on the due broadcasts until each is done or must wait; True if anything was sent or settled."""
        now = self.deps.clock()
        async with self.deps.db.unit_of_work() as session:
            due = await store.due(session, now=now)
        worked = False
        for broadcast in due:
            worked |= await self._drain(broadcast.id)  # type: ignore[arg-type]
        return worked

    async def _drain(self, broadcast_id: int) -> bool:
        """Send to every ready recipient, page by page in id order, through the in-flight window."""
        b = await self._begin(broadcast_id)
        if b is None:
            return False
        if b.survey_id is not None and b.survey_id not in self._openings:
            async with self.deps.db.unit_of_work() as session:
                self._openings[b.survey_id] = await surveys.opening(session, b.survey_id)
        window = Window(self.window, functools.partial(self._record, broadcast_id), batch=self.batch,
                        interval=FLUSH_EVERY)
        worked, after = False, None
        try:
            while True:
                page = await self._page(broadcast_id, b, after)
                if page is None:  # cancelled (or finished elsewhere): what is in flight still completes
                    await window.close()
                    return worked
                if page:
                    worked = True
                    for r in page:
                        await window.room()
                        window.start(self._send(b, r))
                        if b.photo_file_id is None and b.photo is not None:
                            await window.close()  # the first upload gives the file id the others reuse
                    after = page[-1].resident_id
                    await self._progress(b)
                    continue
                await window.close()  # this pass is recorded
                if after is None:  # a pass from the start found nobody ready: done, or waiting
                    done = await self._finish(broadcast_id)
                    await self._progress(b, force=done)
                    return worked or done
                after = None  # once more from the start: retries now due, and those Telegram made wait
        except BaseException:
            await window.abandon()
            raise

    async def _begin(self, broadcast_id: int) -> Broadcast | None:
        async with self.deps.db.unit_of_work() as session:
            b = await store.get(session, broadcast_id=broadcast_id, for_update=True)
            if b is None or b.state in BROADCAST_ENDED:
                return None
            if b.state == BroadcastState.SCHEDULED:
                b.state, b.started_at = BroadcastState.SENDING, self.deps.clock()
                session.add(b)
        return b

    async def _page(self, broadcast_id: int, b: Broadcast, after: int | None) -> list[Pending] | None:
        """The next recipients ready now after `after`, in zones where it is not quiet; None if stopped."""
        now = self.deps.clock()
        async with self.deps.db.unit_of_work() as session:
            if await store.state(session, broadcast_id=broadcast_id, for_update=True) != BroadcastState.SENDING:
                return None
            quiet = [] if b.urgent else service.quiet_zones(now, self.deps.settings.quiet_window)
            open_zones = None if not quiet else [z for z in ZONE_NAMES if z not in quiet]
            return await store.next_batch(session, broadcast_id=broadcast_id, now=now, zones=open_zones,
                                          limit=self.page, after=after)

    async def _finish(self, broadcast_id: int) -> bool:
        """Mark the broadcast done when nobody is pending any more."""
        async with self.deps.db.unit_of_work() as session:
            b = await store.get(session, broadcast_id=broadcast_id, for_update=True)
            if b is None or b.state != BroadcastState.SENDING:
                return False
            if (await store.counts(session, broadcast_id=broadcast_id))[RecipientStatus.PENDING]:
                return False
            b.state, b.finished_at = BroadcastState.DONE, self.deps.clock()
            session.add(b)
            return True

    async def _record(self, broadcast_id: int, outcomes: list[Outcome]) -> None:
        async with self.deps.db.unit_of_work() as session:
            await store.record(session, broadcast_id=broadcast_id, outcomes=outcomes)

    def _markup(self, b: Broadcast, language: str | None) -> InlineKeyboardMarkup | None:
        """The stop button in the recipient's language, built once per broadcast and language; for a survey, its
        intro and first question's buttons above it (the text in self._texts)."""
        key = (b.id, language or self.deps.settings.default_language)
        if key not in self._markups:
            self._markups = {k: v for k, v in self._markups.items() if k[0] == b.id}
            self._texts = {k: v for k, v in self._texts.items() if k[0] == b.id}
            t = self.deps.i18n.get(key[1])
            stop = unsubscribe_markup(t, b)
            opening = self._openings.get(b.survey_id) if b.survey_id is not None else None
            if opening is not None:
                self._texts[key] = question_text(t, opening.survey, opening.first, opening.count, intro=True)
                stop = question_markup(t, opening.first, list(stop.inline_keyboard[0]))
            self._markups[key] = stop
        return self._markups[key]

    async def _send(self, b: Broadcast, r: Pending) -> Outcome | None:
        """Send to one recipient; the outcome to write, or None when it simply stays pending."""
        markup = self._markup(b, r.language)
        text = self._texts.get((b.id, r.language or self.deps.settings.default_language), b.text)
        attempts = r.attempts + 1
        try:
            photo = b.photo_file_id or (InputFile(b.photo, filename="pengumuman.jpg") if b.photo is not None else None)
            if photo is not None:
                message = await self.app.bot.send_photo(r.resident_id, photo, caption=b.text, reply_markup=markup,
                                                        **self._extra)
                if b.photo_file_id is None and message.photo:
                    b.photo_file_id = message.photo[-1].file_id  # later recipients reuse the upload
                    await self._save_file_id(b)
            else:
                await self.app.bot.send_message(r.resident_id, text, reply_markup=markup, **self._extra)
        except RetryAfter:
            return None  # the outbound path gave up waiting: still pending, not counted as an attempt
        except Forbidden as exc:
            return Outcome(r.resident_id, RecipientStatus.BLOCKED, str(exc))
        except BadRequest as exc:
            return Outcome(r.resident_id, RecipientStatus.FAILED, str(exc))
        except (NetworkError, TelegramError) as exc:  # timeouts, 5xx: try again later, a few times
            if attempts >= service.MAX_ATTEMPTS:
                return Outcome(r.resident_id, RecipientStatus.FAILED, str(exc))
            return Outcome(r.resident_id, RecipientStatus.PENDING, str(exc), self.deps.clock() + backoff(attempts))
        return Outcome(r.resident_id, RecipientStatus.SENT)

    async def _save_file_id(self, b: Broadcast) -> None:
        async with self.deps.db.unit_of_work() as session:
            row = await store.get(session, broadcast_id=b.id)  # type: ignore[arg-type]
            if row is not None and row.photo_file_id is None:
                row.photo_file_id = b.photo_file_id
                session.add(row)

    async def _progress(self, b: Broadcast, *, force: bool = False) -> None:
        """Edit the sender's progress message: at most every few seconds, never to the same text."""
        if b.progress_chat_id is None or b.progress_message_id is None:
            return
        last_at, last_text = self._last_progress.get(b.id, (0.0, ""))  # type: ignore[arg-type]
        if not force and time.monotonic() - last_at < PROGRESS_EVERY:
            return
        async with self.deps.db.unit_of_work() as session:
            p = await service.progress(session, b.id, now=self.deps.clock())  # type: ignore[arg-type]
            creator = await resident_store.get_resident(session, telegram_id=b.created_by) if b.created_by else None
        if p is None:
            return
        t = self.deps.i18n.recipient(creator)
        text_ = progress_text(t, p, self.deps.settings.quiet_window)
        if text_ == last_text:
            return
        self._last_progress[b.id] = (time.monotonic(), text_)  # type: ignore[index]
        try:
            await self.app.bot.edit_message_text(text_, chat_id=b.progress_chat_id, message_id=b.progress_message_id,
                                                 rate_limit_args=rl(Priority.NOTICE))
        except TelegramError as exc:  # deleted message, flood limit: progress is a courtesy
            log.info("progress of broadcast %s not shown: %s", b.id, exc)
