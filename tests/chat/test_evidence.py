"""A photo and a location added to a comment: real PTB against the fake Bot API (getFile and the download), real
databases. The photo is re-encoded without metadata; the location is kept as its kecamatan unless the resident
agrees; officials of the ticket's region see the photo in the chat, others do not.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import ExifTags, Image
from sqlalchemy import select

from bot.services.evidence import DOWNLOAD_MAX, BadPhoto, PhotoProblem, reencode
from bot.services.kecamatan import shared
from storage import retention as retention_store
from storage.models import Feedback
from storage.tables_tickets import Evidence
from tests.support.evidence import KEJAKSAN, POINT, jpeg_with_gps
from tests.support.harness import BotHarness, Person, ticket_in
from tests.support.people import make_official, open_rating, resident_in_cirebon

CIREBON, BANDUNG = "32.74", "32.73"
COMMENT = "Lampu jalan di depan pasar mati sejak seminggu."
def photo_sizes(harness: BotHarness, data: bytes, **override: Any) -> list[dict[str, Any]]:
    size = harness.fake.add_file(data, kind="photos")
    return [{**size, **override}]


def get_files(harness: BotHarness) -> int:
    return sum(1 for c in harness.fake.calls if c.method == "getFile")


async def commented(harness: BotHarness, user_id: int = 5101) -> tuple[Person, Any, int]:
    """A resident of Kota Cirebon who rated and commented: the thank-you message and the feedback id."""
    ani = await resident_in_cirebon(harness, user_id)
    await open_rating(ani)
    await ani.press("4")
    [thanks] = await ani.send(COMMENT)
    async with harness.db.unit_of_work() as s:
        row = (await s.exec(select(Feedback).where(Feedback.resident_id == user_id))).scalars().one()  # type: ignore[call-overload]
    return ani, thanks, row.id


async def evidence_of(harness: BotHarness, feedback_id: int) -> Evidence | None:
    async with harness.db.unit_of_work() as s:
        return await s.get(Evidence, feedback_id)


async def comment_of(harness: BotHarness, feedback_id: int) -> str | None:
    async with harness.db.unit_of_work() as s:
        row = await s.get(Feedback, feedback_id)
        return row.comment if row else None


async def test_a_photo_round_trips_without_metadata_to_the_regions_officials(harness: BotHarness) -> None:
    ani, thanks, fid = await commented(harness)
    assert ani.step_calls == ["editMessageReplyMarkup", "sendMessage"]  # the rating prompt loses its Skip; the offer
    # is in the thank-you with the ticket number
    number = ticket_in(thanks.text)
    assert "Nomor tiket" in thanks.text and "paling lambat" in thanks.text  # the due date stays
    assert "Ingin menambahkan foto atau lokasi? Jika tidak perlu, tekan Lewati." in thanks.text
    assert [t for t, _ in ani.buttons(thanks)] == ["📷 Tambah foto", "📍 Tambah lokasi", "Lewati"]

    answer, new = await ani.press("Tambah foto", thanks)
    assert new == [] and answer is not None and answer["show_alert"] and "data tersembunyi" in answer["text"].lower()

    original = jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as camera:  # the test's photo does carry what must go
        assert camera.getexif().get_ifd(ExifTags.IFD.GPSInfo) and "icc_profile" in camera.info
    fetched = get_files(harness)
    [stored_note] = await ani.send(None, photo=photo_sizes(harness, original))
    assert ani.step_calls == ["sendMessage"] and get_files(harness) == fetched + 1  # getFile, the download, one reply
    assert "foto sudah kami lampirkan pada tiket" in stored_note.text and number in stored_note.text
    assert "Kota Cirebon" in stored_note.text
    assert [t for t, _ in ani.buttons(stored_note)] == ["📍 Tambah lokasi", "Selesai"]

    row = await evidence_of(harness, fid)
    assert row is not None and row.photo is not None and row.photo_file is None
    stored = bytes(row.photo)
    assert stored != original and b"Exif" not in stored and b"KameraUji" not in stored and b"ICC-PROFIL" not in stored
    with Image.open(io.BytesIO(stored)) as kept:
        assert kept.format == "JPEG" and not kept.getexif() and "icc_profile" not in kept.info and "exif" not in kept.info
        assert kept.size == (1067, 1600) == (row.photo_width, row.photo_height)  # turned upright, then downscaled

    officer = await make_official(harness, 5201, CIREBON)
    [inbox] = await officer.send("/masukanbaru")
    assert "📷 Ada foto" in inbox.text
    await officer.press(f"Lihat foto {number}", inbox)
    assert officer.step_calls == ["answerCallbackQuery", "sendPhoto"]
    sent = officer.last
    assert sent.photo == stored and number in (sent.caption or "") and "jangan disebarkan" in (sent.caption or "")
    [single] = await officer.send(f"/masukanbaru {number}")
    assert "📷 Ada foto" in single.text and any("Lihat foto" in t for t, _ in officer.buttons(single))

    other = await make_official(harness, 5202, BANDUNG)  # another region: the same button, forged, shows nothing
    await other.send("/masukanbaru")
    answer, new = await other.press_data(other.last.message_id, f"v1:evp:{fid}")
    assert new == [] and answer is not None and "bukan di wilayah Anda" in answer["text"]
    assert not [m for m in harness.fake.sent(5202) if m.photo]
    answer, new = await ani.press_data(stored_note.message_id, f"v1:evp:{fid}")  # nor the resident, nor anyone else
    assert new == [] and answer is not None and "bukan di wilayah Anda" in answer["text"]

    [replaced] = await ani.send(None, photo=photo_sizes(harness, jpeg_with_gps(800, 600)))
    assert "menggantikan foto" in replaced.text
    row = await evidence_of(harness, fid)
    assert row is not None and (row.photo_width, row.photo_height) == (600, 800)  # one photo per comment
    assert await comment_of(harness, fid) == COMMENT


async def test_a_location_is_kept_at_kecamatan_precision_unless_the_resident_agrees(harness: BotHarness) -> None:
    ani, thanks, fid = await commented(harness, 5102)
    _answer, [ask] = await ani.press("Tambah lokasi", thanks)
    keyboard = ask.reply_markup or {}
    assert keyboard["keyboard"][0][0] == {"text": "📍 Kirim lokasi saya", "request_location": True}
    assert keyboard.get("one_time_keyboard") and "📎" in ask.text and "kecamatan" in ask.text
    answer, new = await ani.press("Tambah lokasi", thanks)  # a double tap: no second keyboard
    assert new == [] and answer is not None and "Kirim lokasi saya" in answer["text"]

    [question] = await ani.share_location(*POINT)
    assert ani.step_calls == ["sendMessage"]
    assert "Kecamatan Kejaksan" in question.text and "titik persisnya" in question.text
    assert [t for t, _ in ani.buttons(question)] == ["Ya, simpan titik persisnya", "Cukup kecamatan saja"]
    centre = shared().get(KEJAKSAN)
    assert centre is not None
    row = await evidence_of(harness, fid)
    assert row is not None and (row.district_code, row.exact) == (KEJAKSAN, False)
    assert (row.lat, row.lon) == (centre.lat, centre.lon) != POINT  # the centre, not the point shared

    _answer, [done] = await ani.press("Cukup kecamatan", question)
    assert "sebatas kecamatan" in done.text and (done.reply_markup or {}).get("remove_keyboard") is True
    answer, new = await ani.press("Cukup kecamatan", question)  # a double tap
    assert new == [] and answer is not None and answer["text"] == "Pilihan Anda sudah tersimpan."
    row = await evidence_of(harness, fid)
    assert row is not None and (row.lat, row.lon, row.exact) == (centre.lat, centre.lon, False)

    forged = f"v1:evx:{fid}:-6.91492:107.61521"  # a point elsewhere (Kota Bandung), with this ticket
    answer, new = await ani.press_data(question.message_id, forged)
    assert new == [] and answer is not None and "tidak berlaku" in answer["text"]

    [again] = await ani.share_location(*POINT)  # a second location replaces the first
    assert "menggantikan lokasi" in again.text
    _answer, [agreed] = await ani.press("Ya, simpan", again)
    assert "titik persisnya kami simpan" in agreed.text and (agreed.reply_markup or {}).get("remove_keyboard") is True
    row = await evidence_of(harness, fid)
    assert row is not None and (row.lat, row.lon, row.exact, row.district_code) == (*POINT, True, KEJAKSAN)
    answer, new = await ani.press("Ya, simpan", again)
    assert new == [] and answer is not None and answer["text"] == "Pilihan Anda sudah tersimpan."

    officer = await make_official(harness, 5203, CIREBON)
    [inbox] = await officer.send("/masukanbaru")
    assert "📍 Kec. Kejaksan, titik persis" in inbox.text and "Ada foto" not in inbox.text
    assert not any("Lihat foto" in t for t, _ in officer.buttons(inbox))

    harness.clock.advance(timedelta(hours=25))  # a day later, a location chooses the region again, as before
    [region_question] = await ani.share_location(*POINT)
    assert "Kota Cirebon" in region_question.text and "Ya, benar" in str(region_question.reply_markup)
    row = await evidence_of(harness, fid)
    assert row is not None and (row.lat, row.lon) == POINT  # unchanged


async def test_bad_input_gets_a_polite_answer_and_the_comment_stays(harness: BotHarness) -> None:
    ani, thanks, fid = await commented(harness, 5103)
    hint = "Silakan kirim foto (bukan sebagai berkas atau stiker) atau lokasi, atau tekan Lewati."
    [reply] = await ani.send(None, sticker={"file_id": "st1", "file_unique_id": "stu1", "type": "regular",
                                            "width": 512, "height": 512, "is_animated": False, "is_video": False})
    assert reply.text == hint
    pdf = harness.fake.add_file(b"%PDF-1.4 bukan foto", "surat.pdf")
    [reply] = await ani.send(None, document=pdf)
    assert reply.text == hint

    [reply] = await ani.send(None, photo=photo_sizes(harness, b"\xff\xd8\xff\xe0 rusak, bukan JPEG"))
    assert "tidak dapat kami buka sebagai foto" in reply.text and "Komentar Anda tetap tersimpan." in reply.text
    truncated = jpeg_with_gps(1200, 900)[:2000]
    [reply] = await ani.send(None, photo=photo_sizes(harness, truncated))
    assert "tidak dapat kami buka sebagai foto" in reply.text
    [reply] = await ani.send(None, photo=photo_sizes(harness, jpeg_with_gps(8, 8)))
    fetched = get_files(harness)
    assert "terlalu kecil" in reply.text
    [reply] = await ani.send(None, photo=photo_sizes(harness, jpeg_with_gps(400, 300), file_size=30 * 1024 * 1024))
    assert "terlalu besar" in reply.text and get_files(harness) == fetched  # not even fetched
    assert await evidence_of(harness, fid) is None and await comment_of(harness, fid) == COMMENT

    answer, _ = await ani.press_data(thanks.message_id, "v1:ev:999999:photo")  # someone else's, or no such ticket
    assert answer is not None and answer["show_alert"] and "tidak berlaku" in answer["text"]

    answer, new = await ani.press("Lewati", thanks)
    assert new == [] and answer is not None and answer["text"] == "Terima kasih. Masukan Anda sudah lengkap."
    assert ani.step_calls == ["answerCallbackQuery", "editMessageReplyMarkup"]
    answer, new = await ani.press_data(thanks.message_id, f"v1:ev:{fid}:skip")  # a double tap
    assert new == [] and answer is not None
    answer, new = await ani.press_data(thanks.message_id, f"v1:ev:{fid}:photo")  # an old button
    assert new == [] and answer is not None and "tidak berlaku" in answer["text"]

    [reply] = await ani.send(None, photo=photo_sizes(harness, jpeg_with_gps(400, 300)))  # no comment is waiting
    assert "tulis komentar Anda" in reply.text and "Tambah foto" in reply.text  # how a photo is added, not stored
    assert await evidence_of(harness, fid) is None and await comment_of(harness, fid) == COMMENT


async def test_text_after_the_offer_is_read_as_usual(harness: BotHarness) -> None:
    ani, _thanks, fid = await commented(harness, 5104)
    [reply] = await ani.send("Satu lagi: lampunya berkedip.")
    assert reply.text.startswith("Maaf, kami tidak memahami pesan itu.")  # as it is without the offer
    [reply] = await ani.send(None, photo=photo_sizes(harness, jpeg_with_gps(400, 300)))
    assert await evidence_of(harness, fid) is None  # the offer ended with the resident's next text


async def test_photos_in_a_folder_and_the_erasure_removes_them(harness: BotHarness, tmp_path: Path) -> None:
    folder = tmp_path / "foto"  # created by the bot on the first photo
    harness.settings.evidence_dir = str(folder)  # EVIDENCE_DIR, on the settings the running bot reads
    ani, _thanks, fid = await commented(harness, 5105)
    await ani.send(None, photo=photo_sizes(harness, jpeg_with_gps(640, 480)))
    await ani.share_location(*POINT)
    row = await evidence_of(harness, fid)
    assert row is not None and row.photo is None and row.photo_file is not None
    files = list(folder.iterdir())
    assert [f.name for f in files] == [row.photo_file] and len(row.photo_file) == 36  # a random name, ours
    with Image.open(files[0]) as kept:
        assert kept.format == "JPEG" and not kept.getexif()

    officer = await make_official(harness, 5204, CIREBON)
    [inbox] = await officer.send("/masukanbaru")
    await officer.press("Lihat foto", inbox)
    assert officer.last.photo == files[0].read_bytes()

    [second] = await ani.send(None, photo=photo_sizes(harness, jpeg_with_gps(500, 400)))
    assert "menggantikan foto" in second.text
    row = await evidence_of(harness, fid)
    assert row is not None and [f.name for f in folder.iterdir()] == [row.photo_file]  # the first file is gone

    [doc] = await ani.send("/dataku")
    assert doc.document is not None
    data = json.loads(doc.document[1])
    [ticket] = data["feedback"]
    assert ticket["evidence"]["photo_stored"] is True and ticket["evidence"]["location"]["kecamatan_code"] == KEJAKSAN
    assert ticket["evidence"]["location"]["precision"] == "centre of the kecamatan"
    assert "Foto yang ditambahkan: 1, lokasi yang ditambahkan: 1" in (doc.caption or "")

    [confirm] = await ani.send("/hapusdata")
    await ani.press("Ya, hapus", confirm)
    assert await evidence_of(harness, fid) is None and list(folder.iterdir()) == []


def test_reencode_refuses_what_is_not_a_sane_picture() -> None:
    huge = io.BytesIO()
    Image.new("1", (8000, 6000)).save(huge, "PNG")  # 48 megapixels in a small file: refused before decoding
    gif = io.BytesIO()
    Image.new("RGB", (100, 100)).save(gif, "GIF")
    for data, problem in ((huge.getvalue(), PhotoProblem.TOO_BIG), (b"x" * (DOWNLOAD_MAX + 1), PhotoProblem.TOO_BIG),
                          (gif.getvalue(), PhotoProblem.NOT_IMAGE), (b"", PhotoProblem.NOT_IMAGE)):
        with pytest.raises(BadPhoto) as refused:
            reencode(data)
        assert refused.value.problem is problem
    clear = io.BytesIO()
    Image.new("RGBA", (200, 100), (0, 0, 0, 0)).save(clear, "PNG")  # transparency becomes white
    photo = reencode(clear.getvalue())
    with Image.open(io.BytesIO(photo.jpeg)) as kept:
        assert kept.mode == "RGB" and kept.size == (200, 100) and kept.getpixel((5, 5)) == (255, 255, 255)


async def test_retention_takes_the_photo_and_location_with_the_old_comments_text(harness: BotHarness) -> None:
    ani, _thanks, fid = await commented(harness, 5106)
    await ani.send(None, photo=photo_sizes(harness, jpeg_with_gps(640, 480)))
    async with harness.db.unit_of_work() as s:
        assert await retention_store.delete_evidence(s, before=harness.clock() - timedelta(days=1)) == []
        assert await retention_store.anonymise_comments(s, before=harness.clock() - timedelta(days=1)) == 0
    assert await evidence_of(harness, fid) is not None  # a recent comment keeps its photo
    async with harness.db.unit_of_work() as s:
        assert await retention_store.delete_evidence(s, before=harness.clock() + timedelta(days=1)) == [None]  # in the row
        assert await retention_store.anonymise_comments(s, before=harness.clock() + timedelta(days=1)) == 1
    assert await evidence_of(harness, fid) is None and await comment_of(harness, fid) is None


async def test_a_photo_after_the_offer_ended_is_not_kept_and_says_so(harness: BotHarness) -> None:
    ani, thanks, fid = await commented(harness)
    await ani.press("Tambah foto", thanks)
    harness.clock.now = harness.clock() + timedelta(hours=25)  # the offer lasts a day
    [reply] = await ani.send(None, photo=photo_sizes(harness, jpeg_with_gps(400, 300)))
    assert "sudah berakhir" in reply.text and "Traceback" not in reply.text
    assert await evidence_of(harness, fid) is None and await comment_of(harness, fid) == COMMENT
