"""Fault injection (``fail_next``, ``fail_randomly``) and outages (``go_down``, ``come_back``, ``down_for``)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterable
from typing import Any

from tests.support.fakebot.flood import _BanKey
from tests.support.fakebot.records import BLOCKED, ApiError, Drop, RandomFault, _Dropped, _Fault

# Default descriptions for fail_next(), by status.
_FAULT_DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    403: BLOCKED,
    500: "Internal Server Error",
    502: "Bad Gateway",
}


_DROP_MODES = ("before", "after")


class FaultsMixin:
    """Injected failures and outages.

    A part of ``FakeBotAPI``, whose ``__init__`` holds the state.
    """

    @property
    def is_down(self) -> bool:
        """True between go_down() and come_back()."""
        return self._runner is not None and self._site is None

    async def go_down(self) -> None:
        """Become unreachable, keeping all state (see the package docstring); no-op when down."""
        if self._runner is None:
            raise RuntimeError("the server is not running")
        site, self._site = self._site, None
        if site is None:
            return
        self.outages.append((self.clock(), None))
        await site.stop()  # no longer listening: new connections are refused
        for connection in self._runner.server.connections if self._runner.server else ():
            transport = connection.transport
            if transport is not None:
                transport.close()  # pending writes are flushed, then the peer sees the close
        # Closing the transports cancels their handlers (handler_cancellation); give held
        # getUpdates polls a moment to end, so that nothing of the old server is left running.
        for _ in range(100):
            if not self._polls:
                break
            await asyncio.sleep(0.005)

    async def come_back(self) -> None:
        """Listen again on the same host and port, state kept; no-op when not down."""
        task, self._return_task = self._return_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
        if not self.is_down:
            return
        await self._listen()
        if self.outages and self.outages[-1][1] is None:
            self.outages[-1] = (self.outages[-1][0], self.clock())

    async def down_for(self, seconds: float) -> asyncio.Task[None]:
        """go_down() now and come_back() after ``seconds`` of real time (asyncio.sleep, not
        ``clock``); returns the task that brings the server back (await it to wait for that)."""
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        await self.go_down()

        async def back() -> None:
            await asyncio.sleep(seconds)
            await self.come_back()

        if self._return_task is not None:
            self._return_task.cancel()
        self._return_task = asyncio.get_running_loop().create_task(back())
        return self._return_task

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        description: str | None = None,
        chat_id: int | None = None,
        times: int = 1,
        retry_after: int | None = None,
        drop: Drop | None = None,
    ) -> None:
        """Make the next ``times`` requests of ``method`` (to ``chat_id``, or any) fail.

        They are answered ``status`` with ``description`` (default by status, e.g. 403 →
        "Forbidden: bot was blocked by the user", 429 → "Too Many Requests: retry after N")
        and ``parameters.retry_after`` when given (429 defaults to retry_after=1, which PTB
        turns into ``RetryAfter``).  Nothing is delivered, nothing goes to ``errors``; the
        failure is listed in ``injected``.  A 429 starts a penalty like a real one: for
        ``chat_id``, or for the whole bot, until ``retry_after`` has elapsed.  Registrations
        are used in order; several may be pending at once.

        ``status=0`` with ``drop="before"`` or ``drop="after"`` drops the connection instead
        of answering (see the package docstring); ``drop`` requires ``status=0`` and vice versa.
        """
        name = self._method_name(method)
        status, description, retry_after = self._fault_answer(status, description, retry_after, drop)
        if times < 1:
            raise ValueError("times must be at least 1")
        self._faults.append(_Fault(name, status, description, chat_id, times, retry_after, drop))

    def fail_randomly(
        self,
        methods: str | Iterable[str],
        *,
        status: int,
        probability: float,
        seed: int = 0,
        retry_after: int | None = None,
        description: str | None = None,
        drop: Drop | None = None,
    ) -> RandomFault:
        """Fail each request of ``methods`` with ``probability``, reproducibly (see module
        docstring); returns the registration, live while it is in ``random_failures``.

        ``status``/``description``/``retry_after``/``drop`` mean what they mean for
        ``fail_next``; a random 429 (retry_after default 1) starts a penalty for the
        request's chat, or, for a request without ``chat_id``, for its method across the bot.
        """
        names = [methods] if isinstance(methods, str) else list(methods)
        if not names:
            raise ValueError("no methods given")
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        status, description, retry_after = self._fault_answer(status, description, retry_after, drop)
        fault = RandomFault(
            methods=frozenset(self._method_name(name) for name in names),
            status=status,
            probability=probability,
            seed=seed,
            retry_after=retry_after,
            description=description,
            drop=drop,
            rng=random.Random(seed),
        )
        self.random_failures.append(fault)
        return fault

    def _method_name(self, method: str) -> str:
        entry = self._handlers.get(method.lower())
        if entry is None:
            raise ValueError(f"fakebot does not implement {method!r}")
        return entry[0]

    @staticmethod
    def _fault_answer(
        status: int, description: str | None, retry_after: int | None, drop: str | None
    ) -> tuple[int, str, int | None]:
        """Validate an injected failure; return (status, description, retry_after) to use."""
        if drop is not None:
            if drop not in _DROP_MODES:
                raise ValueError(f"drop must be one of {_DROP_MODES} or None")
            if status != 0:
                raise ValueError("a dropped connection has no status: pass status=0 with drop")
            return 0, "", None
        if status == 0:
            raise ValueError('status=0 means a dropped connection: pass drop="before" or "after"')
        if not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400-599), or 0 with drop")
        if status == 429 and retry_after is None:
            retry_after = 1
        if retry_after is not None and retry_after < 1:
            raise ValueError("retry_after must be at least 1")
        if description is None:
            description = (
                f"Too Many Requests: retry after {retry_after}"
                if status == 429
                else _FAULT_DESCRIPTIONS.get(status, f"Error {status}")
            )
        return status, description, retry_after

    def clear_failures(self) -> None:
        """Forget pending ``fail_next`` registrations and every ``fail_randomly`` one
        (``blocked_users`` and running penalties stay)."""
        self._faults.clear()
        self.random_failures.clear()

    @property
    def pending_failures(self) -> int:
        """How many ``fail_next`` failures are still to come."""
        return sum(f.times for f in self._faults)

    def _take_fault(self, method: str, chat: Any) -> _Fault | None:
        """Use up one matching ``fail_next`` registration, the oldest."""
        for index, fault in enumerate(self._faults):
            if fault.method == method and (fault.chat_id is None or fault.chat_id == chat):
                fault.times -= 1
                if fault.times <= 0:
                    del self._faults[index]
                return fault
        return None

    def _draw(self, method: str) -> RandomFault | None:
        """Every registration for ``method`` draws; the first whose number is below its
        probability fails the request."""
        chosen = None
        for fault in self.random_failures:
            if method in fault.methods:
                fault.draws += 1
                if fault.rng.random() < fault.probability:
                    fault.hits += 1
                    if chosen is None:
                        chosen = fault
        return chosen

    def _inject(
        self,
        method: str,
        chat: Any,
        status: int,
        description: str,
        retry_after: int | None,
        drop: Drop | None,
        ban_key: _BanKey,
        now: float,
    ) -> Drop | None:
        """Apply an injected failure: raise its answer (or _Dropped); return "after" for a
        connection to drop once the request has been executed."""
        self.injected.append((method, chat, status))
        if drop is not None:
            self.dropped.append((method, chat, drop))
            if drop == "before":
                raise _Dropped
            return drop
        parameters = None
        if retry_after is not None:
            parameters = {"retry_after": retry_after}
            if status == 429:
                self._ban(ban_key, now, retry_after)
        raise ApiError(description, status, record=False, parameters=parameters)
