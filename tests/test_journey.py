"""The resident's journey end to end: real PTB over HTTP to the fake Bot API, real databases."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Feedback, Resident
from tests.harness import BotHarness, ticket_in

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
    assert next(t for t, _ in ani.buttons(choices)).startswith("Kota Cirebon")
    _answer, new = await ani.press("Kota Cirebon")
    confirmed, listing, question = new
    assert ani.buttons(question) == [("🔔 Ya, saya mau", "v1:sub:yes"), ("Tidak, terima kasih", "v1:sub:no")]
    assert "Kota Cirebon" in confirmed.text and confirmed.reply_markup == {"remove_keyboard": True}
    assert "Program quick win di Kota Cirebon" in listing.text
    assert "Belum ada penilaian" in listing.text

    await ani.press("Cirebon Lengko", listing)
    page = listing  # the list message now shows the program
    assert "Layanan kesehatan elektronik" in page.text
    assert "Status: direncanakan" in page.text
    await ani.press("Beri nilai", page)
    assert "1 = sangat kurang, 5 = sangat baik." in page.text
    answer, _ = await ani.press("4", page)
    assert answer is not None and answer["text"] == "Terima kasih!"
    assert "Lewati" in ani.buttons(page)[0][0]

    [ticket] = await ani.send("Pelayanannya cepat, tapi <b>antrean</b> & <script>alert(1)</script> 🙂")
    [fb] = await rows(harness, Feedback)
    assert ticket_in(ticket.text) == fb.ticket and fb.ticket.startswith("3274-")  # Kota Cirebon, 32.74
    assert (fb.rating, fb.program_id, fb.region_code, fb.resident_id) == (4, fb.program_id, CIREBON, 1001)
    assert fb.comment == "Pelayanannya cepat, tapi <b>antrean</b> & <script>alert(1)</script> 🙂"
    assert fb.created_at is not None and fb.status == "baru"

    [mine] = await ani.send("/masukan")
    assert fb.ticket in mine.text
    assert "<script>alert(1)</script> 🙂" in mine.text  # shown back exactly as typed
    [listing] = await ani.send("/program")
    assert "★ 4,0 dari 5 · 1 penilaian" in listing.text


async def test_journey_again_in_english_browsing_provinces(harness: BotHarness) -> None:
    bob = harness.person(1002, language_code="id")
    await bob.send("/start")
    await bob.press("Saya setuju")
    [lang_menu] = await bob.send("/bahasa")
    await bob.press("English", lang_menu)
    assert lang_menu.text == "Language changed to English. Type /bantuan for help."
    [provinces] = await bob.send("🗂 Choose from the province list")
    assert provinces.text == "Choose your province:"
    await bob.press("Jawa Barat", provinces)
    assert "Participating regencies and cities in Jawa Barat" in provinces.text
    await bob.press("Next", provinces)  # Jawa Barat has 11: two pages
    await bob.press("Previous", provinces)
    await bob.press("Next", provinces)
    _answer, (confirmed, listing, _question) = await bob.press("Kota Cirebon", provinces)
    assert provinces.text == "You chose Kota Cirebon."
    assert confirmed.text.startswith("✅ Your region is now Kota Cirebon, Jawa Barat.")
    assert "Quick-win programs in Kota Cirebon" in listing.text and "Smart living · planned" in listing.text
    await bob.press("Wadul Bae", listing)
    assert "Run by: not named in the source" in listing.text
    await bob.press("Rate this program", listing)
    assert "1 = very poor, 5 = very good." in listing.text
    await bob.press("2", listing)
    assert "You rated Wadul Bae (Warga Peduli Bocah Lan Mboke) 2 of 5." in listing.text
    _answer, _new = await bob.press("Skip", listing)
    [fb] = await rows(harness, Feedback)
    assert f"Ticket number: {fb.ticket}" in listing.text
    assert (fb.rating, fb.comment, fb.region_code) == (2, None, CIREBON)
    [mine] = await bob.send("/masukan")
    assert "Rating: 2 of 5 · Status: new" in mine.text


async def test_region_by_location_is_confirmed_first(harness: BotHarness) -> None:
    cici = harness.person(1003)
    await cici.send("/start")
    await cici.press("Saya setuju")
    [proposal] = await cici.share_location(-6.92, 107.62)  # central Bandung
    assert "Kota Bandung" in proposal.text
    [resident] = await rows(harness, Resident, Resident.telegram_id == 1003)
    assert resident.region_code is None  # nothing is set until the resident confirms
    await cici.press("Ya", proposal)
    [resident] = await rows(harness, Resident, Resident.telegram_id == 1003)
    assert resident.region_code == BANDUNG
    listing = cici.message_with_button("Beri tahu saya")
    assert "Belum ada program quick win dari Kota Bandung" in listing.text
    await cici.press("Beri tahu saya", listing)
    [resident] = await rows(harness, Resident, Resident.telegram_id == 1003)
    assert resident.notify_new_programs is True
    [near] = await cici.share_location(-10.17, 123.6)  # Kupang
    assert near.text == "Lokasi Anda paling dekat dengan Kota Kupang, Nusa Tenggara Timur. Apakah ini benar?"
    [far] = await cici.share_location(-1.5, 113.9)  # inland Kalimantan Tengah: no participating region near
    assert " km" in far.text and "belum" in far.text
