"""Bad and unexpected input gets a clear, polite answer in the resident's language, and nothing is lost."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.services.feedback import COMMENT_MAX, DRAFT_TEXT_MAX
from storage import programs as program_store
from storage.models import Feedback, Program, Resident
from tests.support.harness import BotHarness, ticket_in
from tests.support.people import open_rating, resident_in_cirebon

STICKER = {"file_id": "CAAC", "file_unique_id": "AQAD", "type": "regular", "width": 512, "height": 512,
           "is_animated": False, "is_video": False}
VOICE = {"file_id": "AwAC", "file_unique_id": "AgAD", "duration": 3}
PHOTO = [{"file_id": "AgAC", "file_unique_id": "AQAE", "width": 90, "height": 90}]


async def one(harness: BotHarness, model, *where):  # type: ignore[no-untyped-def]
    async with harness.db.unit_of_work() as s:
        return (await s.exec(select(model).where(*where))).scalars().first()  # type: ignore[call-overload]


async def all_rows(harness: BotHarness, model, *where):  # type: ignore[no-untyped-def]
    async with harness.db.unit_of_work() as s:
        return list((await s.exec(select(model).where(*where))).scalars())  # type: ignore[call-overload]


async def test_too_long_comment_is_explained_and_kept(harness: BotHarness) -> None:
    p = await resident_in_cirebon(harness, 3001)
    await open_rating(p)
    await p.press("3")
    long_text = ("Jalan rusak di depan puskesmas. " * 160).strip()  # 5,119 characters
    [reply] = await p.send(long_text)
    assert "terlalu panjang" in reply.text and "5.119" in reply.text and "2.000" in reply.text
    resident = await one(harness, Resident, Resident.telegram_id == 3001)
    assert resident.state == "comment" and resident.draft["long_text"] == long_text.strip()[:DRAFT_TEXT_MAX]
    fb = await one(harness, Feedback)
    assert fb.rating == 3 and fb.comment is None
    await p.press("Simpan 2.000 karakter pertama", reply)
    fb = await one(harness, Feedback)
    assert fb.comment == long_text.strip()[:COMMENT_MAX]
    assert ticket_in(reply.text) == fb.ticket and fb.ticket.startswith("3274-")
    assert [t for t, _ in p.buttons(reply)] == ["📷 Tambah foto", "📍 Tambah lokasi", "Lewati"]  # only the evidence offer


async def test_shorter_comment_after_a_too_long_one(harness: BotHarness) -> None:
    p = await resident_in_cirebon(harness, 3002)
    await open_rating(p)
    await p.press("5")
    await p.send("x" * 5000)
    [ticket] = await p.send("Versi pendek: bagus sekali 👍")
    fb = await one(harness, Feedback)
    assert ticket_in(ticket.text) == fb.ticket and fb.comment == "Versi pendek: bagus sekali 👍"


async def test_html_in_searches_is_shown_back_exactly(harness: BotHarness) -> None:
    p = harness.person(3003)
    await p.send("/start")
    await p.press("Saya setuju")
    [reply] = await p.send("<b>Bandung</b> & <script>")
    assert "Kabupaten Bandung" in [t.split(" (")[0] for t, _ in p.buttons(reply)]
    [reply] = await p.send("<script>alert('x')</script> & co")
    assert "“<script>alert('x')</script> & co”" in reply.text


async def test_empty_and_nonsense_region_searches(harness: BotHarness) -> None:
    p = harness.person(3004)
    await p.send("/start")
    await p.press("Saya setuju")
    [reply] = await p.send("!!! ???")
    assert reply.text.startswith("Silakan ketik nama kabupaten/kota")
    [reply] = await p.send("qwertyuiop asdf")
    assert "Maaf" in reply.text and "qwertyuiop asdf" in reply.text
    assert any("provinsi" in t for t, _ in p.buttons(reply))
    [reply] = await p.send("😀😀😀")
    assert reply.text.startswith("Silakan ketik nama kabupaten/kota")


async def test_stickers_voice_photos_and_unknown_commands_get_hints(harness: BotHarness) -> None:
    p = harness.person(3005)
    [hint] = await p.send(None, sticker=STICKER)
    assert "ketik nama kabupaten/kota" in hint.text.lower()
    await p.send("/start")
    await p.press("Saya setuju")
    [hint] = await p.send(None, photo=PHOTO)
    assert "ketik nama kabupaten/kota" in hint.text.lower()
    await p.choose_region("cirebon", "Kota Cirebon")
    [hint] = await p.send(None, voice=VOICE)
    assert "hanya dapat membaca pesan teks" in hint.text or "teks" in hint.text
    [hint] = await p.send("/apaini")
    assert "/bantuan" in hint.text
    [hint] = await p.send("halo min")
    assert "/program" in hint.text
    await open_rating(p)
    await p.press("4")
    [hint] = await p.send(None, sticker=STICKER)
    assert "Lewati" in hint.text
    [hint] = await p.send(None, voice=VOICE)
    assert "Lewati" in hint.text
    assert (await one(harness, Resident, Resident.telegram_id == 3005)).state == "comment"


async def test_double_tap_on_a_rating_stores_it_once(harness: BotHarness) -> None:
    p = await resident_in_cirebon(harness, 3006)
    await open_rating(p)
    stars = p.message_with_button("5")
    four = p.button_data(stars, "4")
    five = p.button_data(stars, "5")
    first, _ = await p.press_data(stars.message_id, four)
    second, new = await p.press_data(stars.message_id, four)
    third, _ = await p.press_data(stars.message_id, five)
    assert first["text"] == "Terima kasih!"
    assert second["text"] == third["text"] == "Penilaian Anda sudah tercatat."
    assert new == []
    [fb] = await all_rows(harness, Feedback)
    assert fb.rating == 4


async def test_rating_again_keeps_history_and_counts_the_latest(harness: BotHarness) -> None:
    p = await resident_in_cirebon(harness, 3007)
    await open_rating(p)
    await p.press("2")
    await p.press("Lewati")
    [listing] = await p.send("/program")
    await open_rating(p)
    await p.press("5")
    await p.press("Lewati")
    rows = await all_rows(harness, Feedback)
    assert [(r.rating, r.superseded) for r in sorted(rows, key=lambda r: r.id)] == [(2, True), (5, False)]
    [listing] = await p.send("/program")
    assert "★ 5,0 dari 5 · 1 penilaian" in listing.text


async def test_buttons_of_a_deleted_program(harness: BotHarness) -> None:
    p = await resident_in_cirebon(harness, 3008)
    listing = p.message_with_button("Cirebon Lengko")
    await p.press("Cirebon Lengko", listing)  # the list message is now the program page
    page = listing
    ask = p.button_data(page, "Beri nilai")
    await p.press_data(page.message_id, ask)
    stars = p.message_with_button("5")
    rate = p.button_data(stars, "4")
    async with harness.db.unit_of_work() as s:
        program = (await s.exec(select(Program).where(Program.name.startswith("Cirebon Lengko")))).scalars().one()  # type: ignore[call-overload, union-attr]
        await program_store.remove_program(s, program_id=program.id)
    answer, _ = await p.press_data(stars.message_id, rate)
    assert answer["text"] == "Program ini sudah tidak ada dalam daftar." and answer["show_alert"] is True
    assert "sudah tidak ada dalam daftar" in stars.text and p.buttons(stars) == []
    answer, _ = await p.press_data(page.message_id, ask)
    assert answer["show_alert"] is True
    answer, _ = await p.press_data(page.message_id, f"v1:prog:{program.id}:0")
    assert "tidak ada dalam daftar" in answer["text"]
    assert "Cirebon Lengko" not in p.last.text  # the current list, without the removed program
    assert await all_rows(harness, Feedback) == []


async def test_forged_and_stale_buttons_are_answered_politely(harness: BotHarness) -> None:
    p = await resident_in_cirebon(harness, 3009)
    msg = p.last
    for data in ("hello", "v0:prog:1:0", "v1:rate:1:9:deadbeef", "v1:prog:99999:0", "v1:region:99.99",
                 "v1:skip:424242", "v1:trim:1", "v1:mine:7", "v1:noop"):
        answer, _ = await p.press_data(msg.message_id, data)
        assert answer is not None, data  # every press is answered, never left spinning
    answer, _ = await p.press_data(msg.message_id, "v1:rate:99999:5:deadbeefdeadbeef")
    assert answer["text"] == "Tombol ini sudah tidak berlaku. Ketik /program untuk memulai lagi."  # not ours
    assert await all_rows(harness, Feedback) == []


async def test_declined_resident_can_read_but_not_rate(harness: BotHarness) -> None:
    p = harness.person(3010)
    await p.send("/start")
    await p.press("Nanti saja")
    assert "belum dapat memberi penilaian" in p.messages[0].text
    await p.choose_region("cirebon", "Kota Cirebon")
    await p.press("Cirebon Lengko")
    answer, new = await p.press("Beri nilai")
    assert "setuju" in answer["text"].lower()
    [notice] = new
    assert "Pemberitahuan privasi" in notice.text or "privasi" in notice.text.lower()
    resident = await one(harness, Resident, Resident.telegram_id == 3010)
    assert resident.consent_at is None and resident.declined_at is not None
    await p.press("Saya setuju", notice)
    await p.press("Cirebon Lengko")
    await p.press("Beri nilai")
    await p.press("5")
    assert (await one(harness, Feedback)).rating == 5


async def test_my_data_and_erasure(harness: BotHarness) -> None:
    p = await resident_in_cirebon(harness, 3011)
    await open_rating(p)
    await p.press("4")
    await p.send("Antrean masih lama")
    [doc] = await p.send("/dataku")
    assert doc.document is not None
    filename, raw = doc.document
    data = json.loads(raw)
    assert filename.endswith(".json")
    assert data["telegram_id"] == 3011 and data["region_code"] == "32.74"
    assert data["feedback"][0]["comment"] == "Antrean masih lama" and ticket_in(data["feedback"][0]["ticket"]) == data["feedback"][0]["ticket"]
    [confirm] = await p.send("/hapusdata")
    await p.press("Batal", confirm)
    assert await one(harness, Resident, Resident.telegram_id == 3011) is not None
    [confirm] = await p.send("/hapusdata")
    await p.press("Ya, hapus", confirm)
    assert "sudah dihapus" in confirm.text
    assert await one(harness, Resident, Resident.telegram_id == 3011) is None
    [fb] = await all_rows(harness, Feedback)
    assert (fb.resident_id, fb.comment, fb.rating) == (None, None, 4)  # an anonymous number only
    [hello] = await p.send("/start")
    assert "Selamat datang" in hello.text


async def test_cancel(harness: BotHarness) -> None:
    p = await resident_in_cirebon(harness, 3012)
    [reply] = await p.send("/batal")
    assert "Tidak ada yang perlu dibatalkan" in reply.text
    await open_rating(p)
    await p.press("3")
    [reply] = await p.send("/batal")
    assert "disimpan tanpa komentar" in reply.text
    [reply] = await p.send("komentar yang terlambat")
    assert "/program" in reply.text
    assert (await one(harness, Feedback)).comment is None


async def test_database_hiccup_gets_an_apology_not_a_trace(harness: BotHarness, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import OperationalError

    from bot.services import residents

    p = await resident_in_cirebon(harness, 3013)

    async def broken(*_a, **_k):  # type: ignore[no-untyped-def]
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(residents, "begin_update", broken)
    [reply] = await p.send("/program")
    assert reply.text == "Maaf, terjadi kendala di sistem kami. Silakan coba lagi sebentar lagi." or "Maaf" in reply.text
    assert "Traceback" not in reply.text and "OperationalError" not in reply.text
    answer, _ = await p.press("Cirebon Lengko")
    assert answer["show_alert"] is True and "Maaf" in answer["text"]
    monkeypatch.undo()
    [listing] = await p.send("/program")
    assert "Program quick win di Kota Cirebon" in listing.text


async def test_command_menu_is_set_in_both_languages(harness: BotHarness) -> None:
    calls = [c for c in harness.fake.calls if c.method == "setMyCommands"]
    langs = {c.params.get("language_code") for c in calls}
    assert {"id", "en", None} <= langs
    by_lang = {c.params.get("language_code"): c.params["commands"] for c in calls}
    commands = by_lang["id"] if isinstance(by_lang["id"], list) else json.loads(by_lang["id"])
    assert [c["command"] for c in commands][:3] == ["program", "masukan", "wilayah"]
    assert commands[0]["description"] == "Program quick win di kabupaten/kota Anda"
