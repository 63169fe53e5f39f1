"""Where a resident or official is in a flow, and which handler takes their next text or photo.

The step lives in the database (`Resident.state`); the handler for it is registered here by the flow's
own module (`register(...)` at its end), so a new flow adds its steps without touching the router
(handlers/fallback.py). handlers/__init__.py imports every flow module, which fills the registry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.i18n import N_
from handlers.common import Turn

TextHandler = Callable[[Turn, str], Awaitable[None]]
PhotoHandler = Callable[[Turn], Awaitable[None]]


@dataclass(frozen=True)
class Step:
    text: TextHandler  # takes the next text message
    hint: str  # the msgid (marked with N_) shown for a sticker, voice note or other media meanwhile
    photo: PhotoHandler | None = None  # takes a photo, where the step asks for one


# The hint of a step that waits for a text and can be left with /batal.
WRITE_AS_TEXT = N_("Please write it as text, or type /batal.")

_STEPS: dict[str, Step] = {}


def register(*states: str, text: TextHandler, hint: str, photo: PhotoHandler | None = None) -> None:
    for state in states:
        if state in _STEPS:
            raise ValueError(f"flow step {state!r} is registered twice")
        _STEPS[state] = Step(text, hint, photo)


def of(state: str | None) -> Step | None:
    """The step the user is in, or None outside any flow."""
    return _STEPS.get(state) if state is not None else None
