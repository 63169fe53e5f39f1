"""The gate before every method: running penalties, injected failures, flood limits (sliding windows, a
token bucket per private chat) and blocked chats; the delivery log behind ``max_in_window``."""

from __future__ import annotations

import bisect
import collections
import heapq
import itertools
import math
from collections.abc import Sequence
from typing import Any

from tests.support.fakebot.records import BLOCKED, FLOOD_METHODS, JSON, ApiError, Drop

# Methods answered 403 for a chat in ``blocked_users``.
_BLOCKABLE_METHODS = FLOOD_METHODS | {"sendChatAction"}
_EARLY = 1e-3  # a request this close to the end of a penalty is not early
_EPS = 1e-9  # float slack: an event exactly one window old has left the window

# A penalty after a 429: (scope, chat or None) -> (until, announced at, retry_after).
_BanKey = tuple[str, Any]


def _limit(rate: float) -> tuple[float, int]:
    """(window seconds, messages allowed in it) for a rate in messages per second."""
    if rate <= 0:
        raise ValueError("rates must be positive")
    window = max(1.0, 1.0 / rate)
    return window, max(1, int(rate * window + 1e-9))


def _window_wait(times: Sequence[float], now: float, window: float, cap: int) -> float | None:
    """Seconds until one more event fits in the sliding window; None if it fits now.

    ``times`` is sorted and holds no event older than ``window`` that matters.
    """
    start = bisect.bisect_right(times, now - window + _EPS)
    count = len(times) - start
    if count < cap:
        return None
    return times[start + count - cap] + window - now


def _whole_seconds(seconds: float) -> int:
    return max(1, math.ceil(seconds - 1e-9))


class FloodMixin:
    """The gate: penalties, injected failures, flood control, blocked chats.

    A part of ``FakeBotAPI``, whose ``__init__`` holds the state.
    """

    def _gate(self, method: str, params: JSON) -> tuple[float | None, Drop | None]:
        """Penalties, injected failures, flood limits and blocked chats, before the handler.

        Raises the ApiError to answer with (or _Dropped); returns (the clock reading when the
        request is a flood-controlled send that may go ahead, to note it once it is delivered;
        "after" when the connection is to be dropped once the request has been executed).
        """
        for observer in self.arrival_observers:
            observer(method, params)
        chat_id = params.get("chat_id")
        chat = chat_id if isinstance(chat_id, (int, str)) and not isinstance(chat_id, bool) else None
        sending = method in FLOOD_METHODS
        flood = self.flood_control and sending
        if not (self._bans or self._faults or self.random_failures or flood or self.blocked_users):
            return None, None
        paid = sending and params.get("allow_paid_broadcast") is True
        now = self.clock()
        drawn = self._draw(method) if self.random_failures else None
        if self._bans:
            self._check_bans(method, chat, sending, paid, now)
        drop: Drop | None = None
        fault = self._take_fault(method, chat) if self._faults else None
        if fault is not None:
            scope = "paid" if paid and fault.chat_id is None else self._scope(method, sending)
            drop = self._inject(
                method, chat, fault.status, fault.description, fault.retry_after, fault.drop,
                (scope, fault.chat_id), now,
            )  # fmt: skip
        elif drawn is not None:
            drop = self._inject(
                method, chat, drawn.status, drawn.description, drawn.retry_after, drawn.drop,
                (self._scope(method, sending), chat), now,
            )  # fmt: skip
        if flood:
            self._check_flood(method, chat, paid, now)
        if chat in self.blocked_users and method in _BLOCKABLE_METHODS:
            self.injected.append((method, chat, 403))
            raise ApiError(BLOCKED, 403, record=False)
        return (now if flood else None), drop

    @staticmethod
    def _scope(method: str, sending: bool) -> str:
        return "send" if sending else method

    def _ban_keys(self, method: str, chat: Any, sending: bool, paid: bool) -> list[_BanKey]:
        """The penalties that stop this request: the bot-wide one of its share (free sends,
        paid sends, or the method) and the one of its chat."""
        scope = self._scope(method, sending)
        keys: list[_BanKey] = [("paid", None)] if paid else [(scope, None)]
        if chat is not None:
            keys.append((scope, chat))
        return keys

    def _check_bans(self, method: str, chat: Any, sending: bool, paid: bool, now: float) -> None:
        heap = self._ban_heap
        while heap and heap[0][0] - _EARLY <= now:  # forget the penalties that are over
            until, _, key = heapq.heappop(heap)
            ban = self._bans.get(key)
            if ban is not None and ban[0] == until:
                del self._bans[key]
        for key in self._ban_keys(method, chat, sending, paid):
            ban = self._bans.get(key)
            if ban is None or now >= ban[0] - _EARLY:
                continue
            until, announced, seconds = ban
            retry = _whole_seconds(until - now)
            line = None
            if now - announced >= self.retry_after_grace:
                if key[1] is not None:
                    where = f"chat {key[1]}"
                elif key[0] == "send":
                    where = "the bot"
                else:
                    where = f"the bot ({'paid broadcasts' if key[0] == 'paid' else key[0]})"
                line = (
                    f"ignored retry_after: {method} to chat {chat} "
                    f"{now - announced:.2f}s after a 429 with retry_after={seconds} for {where} "
                    f"({until - now:.2f}s too early)"
                )
            raise ApiError(
                f"Too Many Requests: retry after {retry}",
                429,
                record=line is not None,
                parameters={"retry_after": retry},
                line=line,
            )

    def _ban(self, key: _BanKey, now: float, seconds: int) -> None:
        until = now + seconds
        current = self._bans.get(key)
        if current is not None and current[0] >= until:
            return
        self._bans[key] = (until, now, seconds)
        heapq.heappush(self._ban_heap, (until, next(self._ban_seq), key))

    def _check_flood(self, method: str, chat: Any, paid: bool, now: float) -> None:
        self._prune_flood(now)
        if paid:  # the paid ceiling counts every message, paid or free
            window, cap = _limit(self.paid_rate)
            wait = _window_wait(self._all_times, now, window, cap)
            key: _BanKey = ("paid", None)
        else:  # the free share counts free messages only
            window, cap = _limit(self.global_rate)
            wait = _window_wait(self._free_times, now, window, cap)
            key = ("send", None)
        if wait is None and isinstance(chat, int):
            key = ("send", chat)
            if chat < 0:  # a group: sliding window
                times = self._group_times.get(chat)
                if times:
                    wait = _window_wait(times, now, self.group_window, self.group_limit)
            else:  # a private chat: token bucket (GCRA)
                tat = self._chat_tat.get(chat)
                if tat is not None:
                    allowed_at = tat - (self.per_chat_burst - 1) / self.per_chat_rate
                    if now < allowed_at - _EPS:
                        wait = allowed_at - now
        if wait is None:
            return
        retry = _whole_seconds(wait)
        self._ban(key, now, retry)
        raise ApiError(
            f"Too Many Requests: retry after {retry}",
            429,
            record=False,
            parameters={"retry_after": retry},
        )

    def _prune_flood(self, now: float) -> None:
        """Forget what no longer limits anything, so memory follows recent traffic only."""
        keep = max(_limit(self.paid_rate)[0], _limit(self.global_rate)[0])
        for times in (self._all_times, self._free_times):
            while times and times[0] <= now - keep + _EPS:
                times.popleft()
        fifo, groups = self._group_fifo, self._group_times
        while fifo and fifo[0][0] <= now - self.group_window + _EPS:
            _, old = fifo.popleft()
            entries = groups[old]
            entries.popleft()
            if not entries:
                del groups[old]
        heap, tats = self._tat_heap, self._chat_tat
        while heap and heap[0][0] <= now:  # TAT in the past: the chat is idle, as if unknown
            tat, _, old = heapq.heappop(heap)
            if tats.get(old) == tat:
                del tats[old]

    def _note_delivery(self, method: str, params: JSON, sent_at: float | None) -> None:
        """A request succeeded: if it created a message, log its time and, under flood
        control, let it fill the limits (``sent_at`` is the gate's clock reading then)."""
        if method not in FLOOD_METHODS:
            return
        paid = params.get("allow_paid_broadcast") is True
        now = self.clock() if sent_at is None else sent_at
        (self.paid_delivery_times if paid else self.free_delivery_times).append(now)
        if sent_at is None:
            return
        self._all_times.append(now)
        if not paid:
            self._free_times.append(now)
        chat = params.get("chat_id")
        if not isinstance(chat, int) or isinstance(chat, bool):
            return
        if chat < 0:
            self._group_fifo.append((now, chat))
            self._group_times.setdefault(chat, collections.deque()).append(now)
        else:
            tat = max(self._chat_tat.get(chat, now), now) + 1.0 / self.per_chat_rate
            self._chat_tat[chat] = tat
            heapq.heappush(self._tat_heap, (tat, next(self._ban_seq), chat))

    def max_in_window(self, seconds: float = 1.0, *, paid: bool | None = None) -> int:
        """The most messages delivered within any ``seconds`` of ``clock`` time (an event
        exactly ``seconds`` older than another is outside its window, as for flood control),
        computed from ``free_delivery_times``/``paid_delivery_times``: all messages, or only
        the paid (``paid=True``) or free (``paid=False``) ones."""
        if seconds <= 0:
            raise ValueError("seconds must be positive")
        if paid is None:
            times = sorted(itertools.chain(self.free_delivery_times, self.paid_delivery_times))
        else:
            times = sorted(self.paid_delivery_times if paid else self.free_delivery_times)
        best = start = 0
        for end, at in enumerate(times):
            while times[start] <= at - seconds + _EPS:
                start += 1
            best = max(best, end - start + 1)
        return best
