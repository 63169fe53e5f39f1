"""The resident's journey end to end: real PTB over HTTP to the fake Bot API, real databases."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Feedback, Program, Resident
from tests.harness import BotHarness

BANDUNG = "32.73"
CIREBON = "32.74"  # has four seeded programs


async def rows(harness: BotHarness, model, *where):  # type: ignore[no-untyped-def]
    async with harness.db.unit_of_work() as s:
        return list((await s.exec(select(model).where(*where))).scalars())  # type: ignore[call-overload]


async def test_full_journey_in_indonesian(harness: BotHarness) -> None:
    ani = harness.person(1001)
    [greeting] = await ani.send("/start")
    assert "Selamat datang" in greeting.text
    assert "27 Tahun 2022" in greeting.text  # the privacy notice names the law
    assert [t for t, _ in ani.buttons(greeting)] == ["✅ Saya setuju", "Nanti saja"]

    _answer, new = await ani.press("Saya setuju")
    assert "persetujuan Anda sudah tercatat" in ani.messages[0].text
    prompt = new[-1]
    assert "kabupaten atau kota" in prompt.text
    assert any(b.get("request_location") for row in prompt.reply_markup["keyboard"] for b in row)

    [choices] = await ani.send("cirebon")
    assert [t for t, _ in ani.buttons(choices)][0].startswith("Kota Cirebon")
    _answer, new = await ani.press("Kota Cirebon")
    confirmed, listing = new
    assert "Kota Cirebon" in confirmed.text and confirmed.reply_markup == {"remove_keyboard": True}
    assert "Program quick win di Kota Cirebon" in listing.text
    assert "Belum ada penilaian" in listing.text

    await ani.press("Cirebon Lengko", listing)
    page = ani.messages[-1]
    assert "Layanan kesehatan elektronik" in page.text
    assert "Status: direncanakan" in page.text
    await ani.press("Beri nilai", page)
    assert "1 = sangat kurang" in page.text or "1 =" in ani.messages[-1].text
    answer, _ = await ani.press("4", ani.messages[-1])
    assert answer is not None
    assert "Lewati" in ani.buttons(ani.messages[-1])[0][0]

    [ticket] = await ani.send("Pelayanannya cepat, tapi <b>antrean</b> & <script>alert(1)</script> 🙂")
    assert "QW-000001" in ticket.text
    [fb] = await rows(harness, Feedback)
    assert (fb.rating, fb.program_id, fb.region_code, fb.resident_id) == (4, fb.program_id, CIREBON, 1001)
    assert fb.comment == "Pelayanannya cepat, tapi <b>antrean</b> & <script>alert(1)</script> 🙂"
    assert fb.created_at is not None and fb.status == "baru"

    [mine] = await ani.send("/masukan")
    assert "QW-000001" in mine.text
    assert "<script>alert(1)</script> 🙂" in mine.text  # shown back exactly as typed
    [listing] = await ani.send("/program")
    assert "★ 4,0 dari 5 · 1 penilaian" in listing.text


async def test_journey_again_in_english(harness: BotHarness) -> None:
    bob = harness.person(1002, language_code="id")
    await bob.send("/start")
    await bob.press("Saya setuju")
    await bob.send("kab bogor")
    [lang_menu] = await bob.send("/bahasa")
    await bob.press("English", lang_menu)
    assert "Language changed to English" in lang_menu.text or "English" in bob.messages[-1].text
    [choices] = await bob.send("bandung")
    assert [t for t, _ in bob.buttons(choices)] == [
        "Kabupaten Bandung (Jawa Barat)", "Kota Bandung (Jawa Barat)", "🗂 Choose from the province list",
    ]
    [listing] = await bob.send("/program")
    assert "Quick-win programs in" in listing.text
