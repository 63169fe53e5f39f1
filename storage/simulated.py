"""The simulator's residents (the dashboard's /dasbor/coba): real rows, kept out of every figure and export.

Telegram user ids have at most 52 significant bits (Bot API, User.id), so an id from 2**52 up is never a real
person: the simulator gives each official's test resident one of those. Their ratings are stored with the mark
`test` in feedback.moderation, so every figure, the inbox and the deadline notices leave them out exactly as they
leave out what officials marked as spam; exports, the data API, the dashboard's list and the announcements'
audiences leave them out too.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col

from storage.models import Feedback, Resident

SIMULATED_FROM = 2**52
TEST_MARK = "test"  # feedback.moderation of a simulator resident's rating


def simulated(telegram_id: int | None) -> bool:
    return telegram_id is not None and telegram_id >= SIMULATED_FROM


def simulated_resident(official_id: int) -> int:
    """The test resident of an official: one per official, never a real Telegram user."""
    return SIMULATED_FROM + official_id


def real_feedback() -> Any:
    """A condition: not a simulator resident's feedback (marked spam or abusive still counts as real here)."""
    return col(Feedback.moderation).is_(None) | (col(Feedback.moderation) != TEST_MARK)


def real_resident() -> Any:
    return col(Resident.telegram_id) < SIMULATED_FROM
