"""A turn that meets a concurrent one in the database (a deadlock, a serialization failure) is taken again, whole."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from bot.services import feedback
from storage.models import Feedback
from tests.support.harness import BotHarness, Person
from tests.support.people import PROGRAMS, bandung_programs, newcomer


class _Deadlock(Exception):
    sqlstate = "40P01"  # what the asyncpg adapter carries for "deadlock detected"


async def _ratings(h: BotHarness, user_id: int) -> list[int]:
    async with h.db.unit_of_work() as s:
        return list((await s.exec(select(Feedback.rating).where(Feedback.resident_id == user_id))).scalars())  # type: ignore[call-overload]


async def _press_rating(p: Person) -> tuple[Any, list[Any]]:
    await p.send("/program")
    await p.press(PROGRAMS[0])
    await p.press("⭐")
    return await p.press("4")


async def test_a_deadlocked_rating_is_stored_once_and_answered(harness: BotHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    await bandung_programs(harness)
    ani = await newcomer(harness, 7301)
    real, failed = feedback.rate, []

    async def rate_once_deadlocked(*args: Any, **kwargs: Any) -> Any:
        result = await real(*args, **kwargs)  # the row is written, then the transaction is chosen as the victim
        if not failed:
            failed.append(True)
            raise DBAPIError("INSERT INTO feedback_rollups …", {}, _Deadlock("deadlock detected"))
        return result

    monkeypatch.setattr(feedback, "rate", rate_once_deadlocked)
    answer, _new = await _press_rating(ani)
    assert failed and answer is not None and not answer.get("show_alert")  # no apology: it went through
    assert "⭐" in ani.last.text or "komentar" in ani.last.text.lower()  # the screen after rating, shown once
    assert await _ratings(harness, 7301) == [4]  # rolled back, taken again: one rating


async def test_other_database_errors_are_not_repeated(harness: BotHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    await bandung_programs(harness)
    ani = await newcomer(harness, 7302)
    calls = []

    async def broken(*args: Any, **kwargs: Any) -> Any:
        calls.append(True)
        raise DBAPIError("INSERT INTO feedback …", {}, Exception("disk full"))

    monkeypatch.setattr(feedback, "rate", broken)
    answer, _new = await _press_rating(ani)
    assert len(calls) == 1 and answer is not None and answer.get("show_alert")  # the apology, once
    assert await _ratings(harness, 7302) == []
