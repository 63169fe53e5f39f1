"""Who waits for a message decides how soon it goes: the order of the outbound queue."""

from __future__ import annotations

import contextvars
from enum import IntEnum
from typing import Any


class Priority(IntEnum):
    """Lower goes first. Replies to the update being handled are the default."""

    REPLY = 0  # the answer to what a person just did
    NOTICE = 1  # a message someone is waiting for: an official's answer, a ticket's status
    DIGEST = 2  # the weekly summary
    BROADCAST = 3  # announcements: only what the others leave


# The priority of Bot API calls made by the current task when the call names none (workers set it once).
current: contextvars.ContextVar[Priority] = contextvars.ContextVar("outbound_priority", default=Priority.REPLY)


def rl(priority: Priority, *, duplicate_ok: bool = False) -> dict[str, Any]:
    """The `rate_limit_args` of one call: its priority, and whether a repeat would do no harm.

    `duplicate_ok` lets a send be retried after a read timeout, when Telegram may already have
    delivered it (broadcasts accept a rare repeat; a reply to a resident does not).
    """
    return {"priority": priority, "duplicate_ok": duplicate_ok}
