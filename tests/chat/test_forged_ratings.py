"""Rating buttons cannot be minted: a rating lands only in the resident's own region, from a button we issued."""

from __future__ import annotations

from sqlalchemy import select

from bot.services import feedback
from storage.models import Feedback, Program
from tests.support.harness import BotHarness
from tests.support.people import open_rating, resident_in_cirebon

OTHER_REGION = "33.71"  # Kota Surakarta: another region with programs
REFUSED = "Tombol ini sudah tidak berlaku. Ketik /program untuk memulai lagi."


async def feedback_rows(harness: BotHarness) -> list[Feedback]:
    async with harness.db.unit_of_work() as s:
        return list((await s.exec(select(Feedback))).scalars())  # type: ignore[call-overload]


async def program_of(harness: BotHarness, region: str) -> int:
    async with harness.db.unit_of_work() as s:
        programs = list((await s.exec(select(Program).where(Program.region_code == region))).scalars())  # type: ignore[call-overload]
    return int(programs[0].id)


async def test_a_forged_rating_button_is_refused(harness: BotHarness) -> None:
    p = await resident_in_cirebon(harness, 3201)
    await open_rating(p)
    page = p.message_with_button("5")
    issued = p.button_data(page, "5")  # v1:rate:<program>:5:<nonce>
    _v1, _rate, program, _stars, nonce = issued.split(":")
    denpasar = await program_of(harness, OTHER_REGION)
    for forged in (
        f"v1:rate:{denpasar}:5:{'0' * 16}",  # a nonce of the resident's choosing
        f"v1:rate:{denpasar}:5:{nonce}",  # a real nonce moved to another region's program
        f"v1:rate:{program}:5:{nonce[:8]}{'f' * 8}",  # a real token with a made-up signature
    ):
        answer, _ = await p.press_data(page.message_id, forged)
        assert answer is not None and answer["text"] == REFUSED, forged
    other = await resident_in_cirebon(harness, 3202)  # someone else's button
    answer, _ = await other.press_data(page.message_id, issued)
    assert answer is not None and answer["text"] == REFUSED
    assert await feedback_rows(harness) == []
    answer, _ = await p.press_data(page.message_id, issued)  # the real one still works
    assert answer is not None and answer["text"] == "Terima kasih!"
    [row] = await feedback_rows(harness)
    assert (row.resident_id, row.region_code, row.rating) == (3201, "32.74", 5)


async def test_a_signed_button_of_another_region_is_refused(harness: BotHarness) -> None:
    p = await resident_in_cirebon(harness, 3203)
    denpasar = await program_of(harness, OTHER_REGION)
    # Even a correctly signed button (as if shown before the resident moved) rates only their own region.
    nonce = feedback.new_nonce(harness.app.bot_data["deps"].button_key, resident_id=3203, program_id=denpasar)
    answer, _ = await p.press_data(p.last.message_id, f"v1:rate:{denpasar}:4:{nonce}")
    assert answer is not None and "kabupaten/kota Anda sendiri" in answer["text"]
    answer, _ = await p.press_data(p.last.message_id, f"v1:ask:{denpasar}")
    assert answer is not None and "kabupaten/kota Anda sendiri" in answer["text"]
    assert await feedback_rows(harness) == []
