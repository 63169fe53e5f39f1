"""One chat's backlog does not hold up the others: its lock comes before a concurrency slot, its queue is capped."""

from __future__ import annotations

from tests.support.fakebot import Call, FakeBotAPI
from tests.support.harness import BotHarness


def replies_before(fake: FakeBotAPI, bystander: int, crowd: set[int]) -> int:
    """How many replies to the crowd went out before the bystander's."""
    sends = [c for c in fake.calls if c.method == "sendMessage" and c.ok]
    first = next(i for i, c in enumerate(sends) if c.params.get("chat_id") == bystander)
    return sum(1 for c in sends[:first] if c.params.get("chat_id") in crowd)


async def crowd_then_bystander(harness: BotHarness, chats: list[int], bystander: int) -> int:
    fake = harness.fake
    for chat in chats:
        fake.push_update(fake.message_update(fake.user(chat, language_code="id"), "/bantuan"))
    fake.push_update(fake.message_update(fake.user(bystander, language_code="id"), "/bantuan"))

    def answered(c: Call) -> bool:
        return c.method == "sendMessage" and c.ok and c.params.get("chat_id") == bystander

    await fake.wait_for(answered, timeout=120)
    return replies_before(fake, bystander, set(chats))


async def test_200_updates_from_one_chat_delay_a_bystander_less_than_from_200_chats(harness: BotHarness) -> None:
    from_one_chat = await crowd_then_bystander(harness, [7_001] * 200, bystander=7_998)
    from_many_chats = await crowd_then_bystander(harness, list(range(7_100, 7_300)), bystander=7_999)
    assert from_one_chat <= from_many_chats, (from_one_chat, from_many_chats)
    assert from_one_chat <= 2  # the flooding chat held one slot; the bystander took another at once
    assert from_many_chats >= 20  # 200 different residents who came first go first, fairly
    assert harness.app.bot_data["metrics"].updates_dropped._value.get() > 0  # the flood's queue was capped
    assert harness.app.update_processor.slots == 32
