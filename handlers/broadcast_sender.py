"""The broadcast sender: drains the outbox under Telegram's limits, one leader at a time."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from telegram import InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from bot import broadcast as service
from bot.context import DEPS_KEY, Deps
from bot.i18n import Translator
from bot.telegram.priority import Priority, rl
from handlers import keyboards as kb
from storage import broadcasts as store
from storage import residents as resident_store
from storage.broadcasts import Pending
from storage.models import Broadcast

log = logging.getLogger(__name__)
ADVISORY_LOCK = 0x5157_4254  # "QWBT": one sender across all processes sharing a PostgreSQL database
PROGRESS_EVERY = 3.0  # seconds between edits of the sender's progress message
IDLE = 2.0  # seconds between looks at the outbox when there is nothing to do


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(300, 2 ** attempts))


class Sender:
    """Sends every due broadcast; started by `quickwin run`/`serve`, also driven step by step in tests."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self.app = application
        self.deps: Deps = application.bot_data[DEPS_KEY]
        settings = self.deps.settings
        self.paid = settings.broadcast_paid
        self.rate = min(settings.broadcast_rate, 1000.0 if self.paid else 30.0)
        # Pacing, flood limits and retries are the outbound path's (bot/telegram); this bounds what waits there.
        self.concurrency = max(1, min(64, int(self.rate)))
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
        got = await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK})
        if got:
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
        worked = False
        while True:
            now = self.deps.clock()
            async with self.deps.db.unit_of_work() as session:
                b = await store.get(session, broadcast_id=broadcast_id, for_update=True)
                if b is None or b.state in ("done", "cancelled"):
                    break
                if b.state == "scheduled":
                    b.state, b.started_at = "sending", now
                    session.add(b)
                quiet = [] if b.urgent else service.quiet_zones(now, self.deps.settings.quiet_window)
                open_zones = None if not quiet else [z for z in service.ZONE_NAMES if z not in quiet]
                batch = await store.next_batch(
                    session, broadcast_id=broadcast_id, now=now, zones=open_zones, limit=self.concurrency * 4
                )
                counts = await store.counts(session, broadcast_id=broadcast_id)
                if not batch and counts["pending"] == 0:
                    b.state, b.finished_at = "done", now
                    session.add(b)
                broadcast = b
            if not batch:
                await self._progress(broadcast, force=broadcast.state == "done")
                return worked or broadcast.state == "done"
            worked = True
            semaphore = asyncio.Semaphore(self.concurrency)

            async def one(recipient: Pending, semaphore: asyncio.Semaphore = semaphore, b: Broadcast = broadcast) -> None:
                async with semaphore:
                    await self._send(b, recipient)

            await asyncio.gather(*(one(r) for r in batch))
            await self._progress(broadcast)
        return worked

    async def _send(self, b: Broadcast, r: Pending) -> None:
        """Send to one recipient and record the outcome at once, so a crash repeats only what was in flight."""
        t = self.deps.i18n.get(r.language or self.deps.settings.default_language)
        markup = unsubscribe_markup(t, b)
        extra: dict[str, Any] = {"rate_limit_args": rl(Priority.BROADCAST, duplicate_ok=True)}
        if self.paid:
            extra["allow_paid_broadcast"] = True
        status, error, next_at = "sent", None, None
        attempts = r.attempts + 1
        try:
            if b.photo is not None or b.photo_file_id:
                photo: Any = b.photo_file_id or InputFile(b.photo, filename="pengumuman.jpg")
                message = await self.app.bot.send_photo(r.resident_id, photo, caption=b.text, reply_markup=markup, **extra)
                if b.photo_file_id is None and message.photo:
                    b.photo_file_id = message.photo[-1].file_id  # later recipients reuse the upload
                    await self._save_file_id(b)
            else:
                await self.app.bot.send_message(r.resident_id, b.text, reply_markup=markup, **extra)
        except RetryAfter:
            return  # the outbound path gave up waiting: still pending, not counted as an attempt
        except Forbidden as exc:
            status, error = "blocked", str(exc)
        except BadRequest as exc:
            status, error = "failed", str(exc)
        except (NetworkError, TelegramError) as exc:  # timeouts, 5xx: try again later, a few times
            if attempts >= service.MAX_ATTEMPTS:
                status, error = "failed", str(exc)
            else:
                status, error, next_at = "pending", str(exc), self.deps.clock() + backoff(attempts)
        async with self.deps.db.unit_of_work() as session:
            await store.mark(session, broadcast_id=b.id, resident_id=r.resident_id, status=status, error=error,  # type: ignore[arg-type]
                             attempts=attempts, next_attempt_at=next_at)
            if status == "blocked":
                await store.set_blocked(session, resident_id=r.resident_id, blocked=True)

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
        t = self.deps.i18n.get((creator.language if creator else None) or self.deps.settings.default_language)
        from handlers.broadcast import progress_text

        text_ = progress_text(t, p)
        if text_ == last_text:
            return
        self._last_progress[b.id] = (time.monotonic(), text_)  # type: ignore[index]
        try:
            await self.app.bot.edit_message_text(text_, chat_id=b.progress_chat_id, message_id=b.progress_message_id,
                                                 rate_limit_args=rl(Priority.NOTICE))
        except TelegramError as exc:  # deleted message, flood limit: progress is a courtesy
            log.info("progress of broadcast %s not shown: %s", b.id, exc)


def unsubscribe_markup(t: Translator, b: Broadcast) -> InlineKeyboardMarkup:
    if b.audience == "program":
        return kb.markup([kb.button(t.gettext("🔕 Stop following this program"), "unsubp", int(b.audience_code or 0))])
    return kb.markup([kb.button(t.gettext("🔕 Stop announcements"), "unsub")])

