"""Restarts mid-flow and re-delivered updates: state lives in the database, writes are idempotent."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import select

from storage.models import Feedback
from tests.support.harness import BotHarness, Person, ticket_in


async def feedback_rows(harness: BotHarness) -> list[Feedback]:
    async with harness.db.unit_of_work() as s:
        return list((await s.exec(select(Feedback))).scalars())  # type: ignore[call-overload]


async def at_the_rating_buttons(harness: BotHarness, user_id: int) -> tuple[Person, Any]:
    p = harness.person(user_id)
    await p.send("/start")
    await p.press("Saya setuju")
    await p.choose_region("cirebon", "Kota Cirebon")
    await p.press("Cirebon Lengko")
    await p.press("Beri nilai")
    stars = p.message_with_button("5")
    return p, stars


async def test_restart_in_the_middle_of_a_flow_loses_nothing(harness: BotHarness) -> None:
    _p, stars = await at_the_rating_buttons(harness, 4001)
    await harness.stop()  # the process goes away between the rating buttons and the tap

    second = BotHarness(harness.fake, harness.db, harness.settings)
    await second.start()
    try:
        again = second.person(4001)
        await again.press("4", stars)
        [ticket] = await again.send("Setelah restart pun tetap tercatat")
        [fb] = await feedback_rows(harness)
        assert ticket_in(ticket.text) == fb.ticket
        assert (fb.rating, fb.comment) == (4, "Setelah restart pun tetap tercatat")
    finally:
        await second.stop()


async def test_a_redelivered_update_is_handled_once(harness: BotHarness) -> None:
    p, stars = await at_the_rating_buttons(harness, 4002)
    tap = harness.fake.callback_update(p.user, stars.message_id, p.button_data(stars, "5"))
    await harness.deliver(tap)
    comment = harness.fake.message_update(p.user, "Komentar yang dikirim ulang oleh Telegram")
    await harness.deliver(comment)
    messages_before = len(p.messages)
    calls_before = len(harness.fake.calls)

    # Telegram delivers both again (a webhook retry, or a restart before the offset was confirmed).
    await harness.redeliver(copy.deepcopy(tap))
    await harness.redeliver(copy.deepcopy(comment))

    [fb] = await feedback_rows(harness)
    assert (fb.rating, fb.comment) == (5, "Komentar yang dikirim ulang oleh Telegram")
    assert len(p.messages) == messages_before  # nothing said twice either
    assert [c.method for c in harness.fake.calls[calls_before:] if c.method != "getUpdates"] == []
