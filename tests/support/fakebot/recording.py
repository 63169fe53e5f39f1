"""What a test reads back: the public observer hooks (``observe``, ``observe_arrivals``), the calls,
``wait_for``, the bot's messages per chat, callback answers, the update queue."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tests.support.fakebot.records import JSON, Call, StoredMessage, _short


class RecordingMixin:
    """Records and observers.

    A part of ``FakeBotAPI``, whose ``__init__`` holds the state.
    """

    def observe(self, observer: Callable[[Call], None]) -> None:
        """Call `observer` with every request the fake has finished (answered or refused), as it finishes."""
        self.observers.append(observer)

    def observe_arrivals(self, observer: Callable[[str, JSON], None]) -> None:
        """Call `observer(method, params)` with every request as it arrives (a long poll: when it starts)."""
        self.arrival_observers.append(observer)

    def pending_updates(self) -> int:
        """Updates queued for getUpdates and not yet confirmed."""
        return len(self._updates)

    def drop_pending_updates(self) -> None:
        self._updates.clear()

    def sent(self, chat_id: int) -> list[StoredMessage]:
        """The bot's messages in ``chat_id``, oldest first, current state (incl. deleted)."""
        chat = self._chats.get(chat_id)
        return list(chat.bot_messages.values()) if chat else []

    def callback_answers(self, query_id: str | None = None) -> list[JSON]:
        """Params of every accepted answerCallbackQuery, optionally for one query."""
        return [
            a
            for a in self._callback_answers
            if query_id is None or a["callback_query_id"] == query_id
        ]

    async def wait_for(self, predicate: Callable[[Call], bool], timeout: float = 5.0) -> Call:
        """The first call matching ``predicate``, recorded or still to come."""
        for call in self.calls:
            if predicate(call):
                return call
        future: asyncio.Future[Call] = asyncio.get_running_loop().create_future()
        waiter = (predicate, future)
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            raise TimeoutError(self._timeout_message(timeout)) from None
        finally:
            self._waiters.remove(waiter)

    def _timeout_message(self, timeout: float, last: int = 15) -> str:
        total = sum(self.counts.values())
        lines = [f"no matching call within {timeout:g}s; {total} request(s) so far"]
        recent = self.calls[-last:]
        if recent:
            lines.append(f"last {len(recent)} recorded call(s):")
            for call in recent:
                status = "ok" if call.ok else f"FAILED {call.error}"
                lines.append(f"  {call.method} {status} {_short(call.params)}")
        elif not self.record_calls:
            lines.append(f"(calls are not recorded; counts: {dict(self.counts)})")
        if self.errors:
            lines.append(f"errors: {self.errors[-5:]}")
        return "\n".join(lines)

    def _record(self, call: Call, error_line: str | None) -> None:
        if error_line is not None:
            self.errors.append(error_line)
        if self.record_calls:
            self.calls.append(call)
            if self.max_calls is not None and len(self.calls) > self.max_calls:
                del self.calls[: len(self.calls) - self.max_calls]
        for predicate, future in self._waiters:
            if future.done():
                continue
            try:
                if predicate(call):
                    future.set_result(call)
            except Exception as exc:  # noqa: BLE001 - surface a broken predicate in the test
                future.set_exception(exc)
        for observer in self.observers:
            observer(call)
