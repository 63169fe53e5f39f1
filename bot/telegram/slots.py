"""An update's concurrency slot is for its database work; waiting for the outbound path needs none.

The update processor takes one of its slots for each update and puts a function here that gives it
back; the turn calls it once its unit of work has committed, before its replies wait for their turn.
Under a burst the slots therefore go to updates with work to do — a pressed button is answered at
once — instead of to updates that only wait for Telegram's budget. The chat's own lock is kept until
the replies are out, so one chat's messages still arrive in order.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable

_release: contextvars.ContextVar[Callable[[], None] | None] = contextvars.ContextVar("update_slot", default=None)


def hold(release: Callable[[], None]) -> contextvars.Token[Callable[[], None] | None]:
    return _release.set(release)


def forget(token: contextvars.Token[Callable[[], None] | None]) -> None:
    _release.reset(token)


def release_slot() -> None:
    """Give this update's slot back early (idempotent; nothing happens outside the processor)."""
    release = _release.get()
    if release is not None:
        release()
