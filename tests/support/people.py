"""People in the chat, made the way the tests need them: consented residents of a region, officials, a comment."""

from __future__ import annotations

from sqlalchemy import select

from storage import officials as official_store
from storage.models import Feedback, Program
from tests.support.harness import BotHarness, Person

BANDUNG, CIREBON = "32.73", "32.74"
PROGRAMS = ["Bandung Sehat", "Wifi Taman", "Bus Kota", "Sampah Pintar"]  # bandung_programs()


async def bandung_programs(h: BotHarness) -> None:
    """The four PROGRAMS in Kota Bandung (the seed has none there)."""
    async with h.db.unit_of_work() as s:
        for name in PROGRAMS:
            s.add(Program(region_code=BANDUNG, name=name, description="Program uji.", dimension="living"))


async def add_bandung_program(harness: BotHarness) -> None:
    """One program in Kota Bandung, "Bandung Sehat", running."""
    async with harness.db.unit_of_work() as s:
        s.add(Program(region_code=BANDUNG, name="Bandung Sehat", description="Konsultasi kesehatan daring.",
                      dimension="living", status="berjalan"))


async def newcomer(h: BotHarness, user_id: int) -> Person:
    """A resident of Kota Bandung who has just agreed to the privacy notice."""
    p = h.person(user_id)
    await p.send("/start")
    await p.press("Saya setuju")
    await p.choose_region("kota bandung", "Kota Bandung")
    return p


async def resident_in_cirebon(harness: BotHarness, user_id: int, lang: str = "id") -> Person:
    """A consented resident of Kota Cirebon (seeded programs), in Indonesian or English."""
    p = harness.person(user_id, language_code=lang)
    await p.send("/start")
    await p.press("Saya setuju" if lang == "id" else "I agree")
    await p.choose_region("kota cirebon", "Kota Cirebon")
    return p


async def open_rating(p: Person, program: str = "Cirebon Lengko") -> None:
    """From the region's program list: the program, then its rating buttons."""
    await p.press(program)
    await p.press("⭐")


async def make_official(harness: BotHarness, telegram_id: int, *codes: str) -> Person:
    """An official of the regions ``codes``, added as from the command line."""
    async with harness.db.unit_of_work() as s:
        await official_store.add_official(s, telegram_id=telegram_id, region_codes=list(codes))
    return harness.person(telegram_id)


async def resident_comment(harness: BotHarness, user_id: int, query: str, region: str, program: str, comment: str,
                           lang: str = "id") -> Person:
    """A new resident of ``region`` who rates ``program`` two stars and leaves ``comment``."""
    p = harness.person(user_id, language_code=lang)
    await p.send("/start")
    await p.press("Saya setuju" if lang == "id" else "I agree")
    await p.choose_region(query, region)
    await p.press(program)
    await p.press("⭐")
    await p.press("2")
    await p.send(comment)
    return p


async def feedback_of(harness: BotHarness, user_id: int) -> Feedback:
    """The resident's one feedback row."""
    async with harness.db.unit_of_work() as s:
        return (await s.exec(select(Feedback).where(Feedback.resident_id == user_id))).scalars().one()  # type: ignore[call-overload]
