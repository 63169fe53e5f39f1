"""The resident's journey end to end: real PTB over HTTP to the fake Bot API, real databases.

Each step shows one screen: at most one message or edit besides the answer to the press.
"""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Feedback, Program, Resident
from tests.support.harness import BotHarness, ticket_in

BANDUNG = "32.73"
CIREBON = "32.74"  # has four seeded programs
PRESS = ["answerCallbackQuery", "editMessageText"]  # a press: its answer and one edit of the pressed message


async def rows(harness: BotHarness, model, *where):  # type: ignore[no-untyped-def]
    async with harness.db.unit_of_work() as s:
        return list((await s.exec(select(model).where(*where))).scalars())  # type: ignore[call-overload]


async def test_full_journey_in_indonesian(harness: BotHarness) -> None:
    ani = harness.person(1001)
    [greeting] = await ani.send("/start")
    assert ani.step_calls == ["sendMessage"]
    assert "Selamat datang" in greeting.text
    assert "27 Tahun 2022" in greeting.text and len(greeting.text) < 500  # the short notice names the law
    assert [t for t, _ in ani.buttons(greeting)] == ["Saya setuju", "Nanti saja", "Baca selengkapnya"]

    _answer, new = await ani.press("Saya setuju")
    assert new == [] and ani.step_calls == PRESS  # the greeting becomes the region prompt
    assert greeting.text.startswith("Terima kasih, persetujuan Anda sudah tercatat.")
    assert "Di kabupaten atau kota mana Anda tinggal?" in greeting.text and "📎" in greeting.text
    assert ani.buttons(greeting) == [("Pilih dari daftar provinsi", "v1:provs:0")]

    [choices] = await ani.send("cirebon")
    assert ani.step_calls == ["sendMessage"]
    assert any(t.startswith("Kota Cirebon") for t, _ in ani.buttons(choices))
    _answer, new = await ani.press("Kota Cirebon", choices)
    assert new == [] and ani.step_calls == PRESS  # confirmation and the once-only question, in one screen
    assert choices.text.startswith("Kabupaten/kota Anda sekarang Kota Cirebon, Jawa Barat.")
    assert "pengumuman resmi untuk Kota Cirebon" in choices.text
    assert ani.buttons(choices) == [("🔔 Ya, saya mau", "v1:subq:yes"), ("Tidak, terima kasih", "v1:subq:no")]

    answer, new = await ani.press("Tidak", choices)
    assert new == [] and ani.step_calls == PRESS and answer is not None and answer["text"] == "Pilihan Anda sudah disimpan."
    listing = choices  # the same message now lists the programs
    assert listing.text.startswith("Baik, Anda tidak akan menerima pengumuman.")
    assert "Program quick win di Kota Cirebon" in listing.text and "Belum ada penilaian" in listing.text
    [resident] = await rows(harness, Resident, Resident.telegram_id == 1001)
    assert (resident.subscribed, resident.subscription_asked, resident.region_code) == (False, True, CIREBON)

    await ani.press("Cirebon Lengko", listing)
    assert ani.step_calls == PRESS
    page = listing  # the list message now shows the program
    assert "Layanan kesehatan yang dapat diakses secara daring." in page.text
    assert "Status: direncanakan\nMenurut sumber tahun 2017." in page.text  # the status as of its source
    assert "Pelaksana" not in page.text  # the source names no agency
    await ani.press("Beri nilai", page)
    assert ani.step_calls == PRESS
    assert "1 = sangat kurang, 5 = sangat baik." in page.text
    answer, _ = await ani.press("4", page)
    assert ani.step_calls == PRESS
    assert answer is not None and answer["text"] == "Terima kasih!"
    assert "Lewati" in ani.buttons(page)[0][0]

    [ticket] = await ani.send("Pelayanannya cepat, tapi <b>antrean</b> & <script>alert(1)</script> 🙂")
    assert ani.step_calls == ["editMessageReplyMarkup", "sendMessage"]  # the Skip button goes, the ticket comes
    [fb] = await rows(harness, Feedback)
    assert ticket_in(ticket.text) == fb.ticket and fb.ticket.startswith("3274-")  # Kota Cirebon, 32.74
    [lengko] = await rows(harness, Program, Program.name.startswith("Cirebon Lengko"))  # type: ignore[attr-defined]
    assert (fb.rating, fb.program_id, fb.region_code, fb.resident_id) == (4, lengko.id, CIREBON, 1001)
    assert fb.comment == "Pelayanannya cepat, tapi <b>antrean</b> & <script>alert(1)</script> 🙂"
    assert fb.created_at is not None and fb.status == "baru"

    [mine] = await ani.send("/masukan")
    assert fb.ticket in mine.text
    assert "<script>alert(1)</script> 🙂" in mine.text  # shown back exactly as typed
    [listing] = await ani.send("/program")
    assert ani.step_calls == ["sendMessage"]
    assert "★ 4,0 dari 5 · 1 penilaian" in listing.text


async def test_old_buttons_and_double_taps_change_nothing(harness: BotHarness) -> None:
    dewi = harness.person(1004)
    [greeting] = await dewi.send("/start")
    await dewi.press("Saya setuju", greeting)
    await dewi.press_data(greeting.message_id, "v1:consent:yes")  # the second tap of a double tap
    assert dewi.step_calls == ["answerCallbackQuery"]
    [choices] = await dewi.send("cirebon")
    await dewi.press("Kota Cirebon", choices)
    answer, _ = await dewi.press_data(choices.message_id, "v1:region:32.74")
    assert dewi.step_calls == ["answerCallbackQuery"] and answer is not None
    assert answer["text"] == "Kabupaten/kota ini sudah Anda pilih."
    await dewi.press("Ya, saya mau", choices)
    shown = choices.text
    for _tap in range(2):  # the question pressed again, from a phone that still shows it
        answer, new = await dewi.press_data(choices.message_id, "v1:subq:yes")
        assert new == [] and dewi.step_calls == ["answerCallbackQuery"] and choices.text == shown
    [resident] = await rows(harness, Resident, Resident.telegram_id == 1004)
    assert resident.subscribed is True and resident.subscription_asked is True
    answer, _ = await dewi.press_data(greeting.message_id, "v1:consent:no")  # "Not now" after agreeing
    assert answer is not None and "sudah memberikan persetujuan" in answer["text"] and answer["show_alert"]
    [resident] = await rows(harness, Resident, Resident.telegram_id == 1004)
    assert resident.consent_at is not None and resident.declined_at is None


async def test_journey_again_in_english_browsing_provinces(harness: BotHarness) -> None:
    bob = harness.person(1002, language_code="id")
    await bob.send("/start")
    await bob.press("Saya setuju")
    [lang_menu] = await bob.send("/bahasa")
    await bob.press("English", lang_menu)
    assert lang_menu.text == "Language changed to English. Type /bantuan for help."
    [provinces] = await bob.send("🗂 Choose from the province list")  # typed, as from the older reply keyboard
    assert provinces.text == "Choose your province:"
    await bob.press("Jawa Barat", provinces)
    assert "Regencies and cities in Jawa Barat" in provinces.text
    await bob.press("Next", provinces)  # Jawa Barat has 27: four pages
    await bob.press("Previous", provinces)
    await bob.press("Next", provinces)
    await bob.press("Next", provinces)
    _answer, new = await bob.press("Kota Cirebon", provinces)
    assert new == [] and bob.step_calls == PRESS
    assert provinces.text.startswith("Your region is now Kota Cirebon, Jawa Barat.")
    await bob.press("Yes, please", provinces)
    listing = provinces
    assert listing.text.startswith("You will receive announcements for Kota Cirebon. /langganan changes this.")
    assert "Quick-win programs in Kota Cirebon" in listing.text and "Smart living · planned" in listing.text
    await bob.press("Wadul Bae", listing)
    assert "Run by" not in listing.text and "Status: planned\nAccording to a source from 2017." in listing.text
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
    [resident] = await rows(harness, Resident, Resident.telegram_id == 1002)
    assert resident.subscribed is True


async def test_changing_region_later_goes_straight_to_the_programs(harness: BotHarness) -> None:
    eka = harness.person(1005)
    await eka.send("/start")
    await eka.press("Saya setuju")
    await eka.choose_region("cirebon", "Kota Cirebon")
    [prompt] = await eka.send("/wilayah")
    assert eka.step_calls == ["sendMessage"]
    assert prompt.text.startswith("Kabupaten/kota Anda saat ini: Kota Cirebon.")
    await eka.press("Pilih dari daftar provinsi", prompt)
    assert eka.step_calls == PRESS and prompt.text == "Pilih provinsi Anda:"
    await eka.press("Jawa Barat", prompt)
    await eka.press("Berikutnya", prompt)
    await eka.press("Berikutnya", prompt)
    _answer, new = await eka.press("Kota Bandung", prompt)
    assert new == [] and eka.step_calls == PRESS  # asked about announcements before: not again
    assert prompt.text.startswith("Kabupaten/kota Anda sekarang Kota Bandung, Jawa Barat.")
    assert "Belum ada program quick win Kota Bandung" in prompt.text
    [back] = await eka.send("/start")
    assert eka.step_calls == ["sendMessage"]
    assert back.text.startswith("Selamat datang kembali! Kabupaten/kota Anda: Kota Bandung.")
    assert "Belum ada program quick win Kota Bandung" in back.text
    await eka.press("Ganti kabupaten/kota", back)
    assert eka.step_calls == PRESS and "Di kabupaten atau kota mana Anda tinggal?" in back.text
    [resident] = await rows(harness, Resident, Resident.telegram_id == 1005)
    assert resident.region_code == BANDUNG and resident.state == "region"


async def test_declining_shows_the_region_prompt_in_the_same_message(harness: BotHarness) -> None:
    fajar = harness.person(1006)
    [greeting] = await fajar.send("/start")
    _answer, new = await fajar.press("Nanti saja", greeting)
    assert new == [] and fajar.step_calls == PRESS
    assert "belum dapat memberi penilaian" in greeting.text and "Di kabupaten atau kota mana" in greeting.text
    [choices] = await fajar.send("cirebon")
    await fajar.press("Kota Cirebon", choices)  # no question without consent: the programs straight away
    assert fajar.step_calls == PRESS and "Program quick win di Kota Cirebon" in choices.text
    [notice] = await fajar.send("/privasi")
    _answer, new = await fajar.press("Saya setuju", notice)
    assert new == [] and fajar.step_calls == PRESS
    assert "persetujuan Anda sudah tercatat" in notice.text and "Program quick win di Kota Cirebon" in notice.text


async def test_region_by_location_is_confirmed_first(harness: BotHarness) -> None:
    cici = harness.person(1003)
    await cici.send("/start")
    await cici.press("Saya setuju")
    [proposal] = await cici.share_location(-6.92, 107.62)  # central Bandung
    assert cici.step_calls == ["sendMessage"]
    assert "Kota Bandung" in proposal.text
    [resident] = await rows(harness, Resident, Resident.telegram_id == 1003)
    assert resident.region_code is None  # nothing is set until the resident confirms
    _answer, new = await cici.press("Ya", proposal)
    assert new == [] and cici.step_calls == PRESS and "Kota Bandung" in proposal.text
    [resident] = await rows(harness, Resident, Resident.telegram_id == 1003)
    assert resident.region_code == BANDUNG
    await cici.press("Tidak, terima kasih", proposal)
    assert "Belum ada program quick win Kota Bandung" in proposal.text
    await cici.press("Beri tahu saya", proposal)
    [resident] = await rows(harness, Resident, Resident.telegram_id == 1003)
    assert resident.notify_new_programs is True
    [near] = await cici.share_location(-10.17, 123.6)  # Kupang
    assert near.text == "Lokasi Anda berada di Kota Kupang, Nusa Tenggara Timur. Apakah ini benar?"
    [inland] = await cici.share_location(-1.5, 113.9)  # inland Kalimantan Tengah: a region outside the cohorts
    assert inland.text == "Lokasi Anda berada di Kabupaten Gunung Mas, Kalimantan Tengah. Apakah ini benar?"
    [far] = await cici.share_location(-8.0, 105.0)  # the Indian Ocean: in no region, the nearest is offered
    assert " km" in far.text and "di laut" in far.text
