"""/kelolaprogram's typed steps, end to end: adding a program, rewriting a description, media meanwhile."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import handlers  # noqa: F401  (imports every flow, which registers its steps)
from bot.services import residents, tickets
from handlers import broadcast, catalogue, steps
from storage.models import Program
from tests.support.harness import BotHarness
from tests.support.people import BANDUNG, add_bandung_program, make_official


async def program_named(harness: BotHarness, name: str) -> Program | None:
    async with harness.db.unit_of_work() as s:
        return (await s.exec(select(Program).where(Program.name == name))).scalars().first()  # type: ignore[call-overload, no-any-return]


async def test_an_official_adds_a_program_step_by_step(harness: BotHarness) -> None:
    officer = await make_official(harness, 6301, BANDUNG)
    [menu] = await officer.send("/kelolaprogram")
    _answer, [ask_name] = await officer.press_data(menu.message_id, "v1:pa:32.73")
    assert "nama program" in ask_name.text.lower()
    [hint] = await officer.send(sticker={"file_id": "s1", "file_unique_id": "u1", "width": 1, "height": 1,
                                         "is_animated": False, "is_video": False, "type": "regular"})
    assert hint.text == "Silakan tulis dalam bentuk teks, atau ketik /batal."  # the step's own hint
    [ask_description] = await officer.send("Bandung Bersih")
    assert "deskripsi" in ask_description.text.lower()
    [ask_dimension] = await officer.send("Pengangkutan sampah terjadwal di setiap RW.")
    await officer.press("Lingkungan hidup", ask_dimension)
    assert "Bandung Bersih" in ask_dimension.text
    added = await program_named(harness, "Bandung Bersih")
    assert added is not None and added.region_code == BANDUNG and added.dimension == "environment"
    assert added.description == "Pengangkutan sampah terjadwal di setiap RW."


async def test_an_official_rewrites_a_description(harness: BotHarness) -> None:
    await add_bandung_program(harness)
    program = await program_named(harness, "Bandung Sehat")
    assert program is not None
    officer = await make_official(harness, 6302, BANDUNG)
    [menu] = await officer.send("/kelolaprogram")
    _answer, [ask] = await officer.press_data(menu.message_id, f"v1:pe:{program.id}")
    assert "Bandung Sehat" in ask.text
    [saved] = await officer.send("Konsultasi dokter lewat aplikasi, setiap hari pukul 08.00–20.00.")
    assert "Bandung Sehat" in saved.text
    after = await program_named(harness, "Bandung Sehat")
    assert after is not None and after.description == "Konsultasi dokter lewat aplikasi, setiap hari pukul 08.00–20.00."
    await officer.send("Teks biasa setelah selesai")  # the flow is over: this is not a description any more
    again = await program_named(harness, "Bandung Sehat")
    assert again is not None and again.description == after.description


def test_every_flow_step_has_one_handler() -> None:
    """handlers/ registers each step once (a second registration is a mistake, not an override)."""
    for state in (residents.COMMENTING, residents.CHOOSING_REGION, tickets.ANSWERING, tickets.REPLYING,
                  *broadcast.STATES, *catalogue.STATES):
        assert steps.of(state) is not None, state
    assert steps.of(None) is None and steps.of("no-such-step") is None
    with pytest.raises(ValueError, match="twice"):
        steps.register(catalogue.ADD_NAME, text=catalogue.on_text, hint=steps.WRITE_AS_TEXT)
