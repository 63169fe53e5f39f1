"""Rate rules as GCRA (the generic cell rate algorithm): a token bucket kept as one number per key.

A rule of `rate` per second with a `burst` lets `burst` messages go at once, then one every
1/`rate` seconds. The state is the theoretical arrival time (TAT) of the next message; a key whose
TAT lies in the past holds no information and is forgotten, so memory follows the active keys only.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rule:
    rate: float  # messages per second, sustained
    burst: int = 1  # messages allowed at once

    @property
    def interval(self) -> float:
        return 1.0 / self.rate

    @property
    def tolerance(self) -> float:
        return (self.burst - 1) * self.interval

    def ready_at(self, tat: float) -> float:
        """The earliest time one more message conforms, given the key's TAT."""
        return tat - self.tolerance

    def after_send(self, tat: float, now: float) -> float:
        return max(tat, now) + self.interval


class Bucket:
    """One key's bucket (the process-wide budget, a broadcast share)."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self.tat = 0.0

    def wait(self, now: float) -> float:
        """Seconds until a message conforms (0: now)."""
        return max(0.0, self.rule.ready_at(self.tat) - now)

    def take(self, now: float) -> None:
        self.tat = self.rule.after_send(self.tat, now)

    def pause(self, now: float, seconds: float) -> None:
        """Nothing conforms for `seconds` (Telegram said retry_after)."""
        self.tat = max(self.tat, now + seconds + self.rule.tolerance)


class ChatTable:
    """Per-chat buckets (private chats and groups have different rules), pruned when idle."""

    def __init__(self, private: Rule, group: Rule) -> None:
        self.private = private
        self.group = group
        self._tat: dict[int | str, float] = {}

    def rule(self, chat: int | str) -> Rule:
        return self.private if isinstance(chat, int) and chat > 0 else self.group

    def ready_at(self, chat: int | str | None) -> float:
        if chat is None:
            return 0.0
        tat = self._tat.get(chat)
        return 0.0 if tat is None else self.rule(chat).ready_at(tat)

    def take(self, chat: int | str | None, now: float) -> None:
        if chat is not None:
            self._tat[chat] = self.rule(chat).after_send(self._tat.get(chat, 0.0), now)

    def pause(self, chat: int | str, now: float, seconds: float) -> None:
        self._tat[chat] = max(self._tat.get(chat, 0.0), now + seconds + self.rule(chat).tolerance)

    def busy(self, chat: int | str, now: float) -> bool:
        """Whether this chat's bucket holds more than the message just sent (so a 429 can be its own)."""
        tat = self._tat.get(chat)
        return tat is not None and tat - now > self.rule(chat).interval * 1.05

    def prune(self, now: float) -> None:
        """Forget the chats whose buckets are full again: they hold no information."""
        for chat in [c for c, tat in self._tat.items() if tat < now]:
            del self._tat[chat]

    def __len__(self) -> int:
        return len(self._tat)
