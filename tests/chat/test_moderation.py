"""Abuse handling: spam and abusive marks leave the figures, mutes refuse and expire, the word list asks for review."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.services import moderation
from bot.services.auth import Actor
from bot.services.review_words import flagged
from storage.db import Database
from storage.models import AuditEntry, Feedback, Program, Resident
from storage.summary import summary_figures
from storage.zones import ZONES
from tests.support.dashboard_helpers import BANDUNG, BUDI, Browser, Seeded, Site
from tests.support.harness import BotHarness, Person
from tests.support.people import make_official
from tests.support.people import newcomer as resident  # a consented resident of Kota Bandung
from tests.support.processes import quickwin
from tests.support.settings import ADMIN_ID

pytest_plugins = ["tests.support.dashboard_fixtures"]  # the site, seeded and officer fixtures

ANA, DODI = 7201, 7202


async def bandung(h: BotHarness) -> None:
    async with h.db.unit_of_work() as s:
        s.add(Program(region_code=BANDUNG, name="Bandung Sehat", description="Kesehatan daring.", dimension="living"))


async def comment(p: Person, stars: str, text: str) -> list[object]:
    await p.send("/program")
    await p.press("Bandung Sehat")
    await p.press("⭐")
    await p.press(stars)
    return await p.send(text)


async def figures(h: BotHarness):  # type: ignore[no-untyped-def]
    async with h.db.unit_of_work() as s:
        return await summary_figures(s, region_codes=[BANDUNG], since=None, until=datetime.now(UTC) + timedelta(days=1))


async def row_of(h: BotHarness, user_id: int) -> Feedback:
    async with h.db.unit_of_work() as s:
        return (await s.exec(select(Feedback).where(Feedback.resident_id == user_id))).scalars().one()  # type: ignore[call-overload]


async def audit(db) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    async with db.unit_of_work() as s:
        return list((await s.exec(select(AuditEntry).order_by(AuditEntry.id))).scalars())  # type: ignore[call-overload]


def wib(at: datetime) -> str:
    at = at.replace(second=0, microsecond=0) + timedelta(minutes=1)  # shown rounded up to the minute
    return at.astimezone(ZONES["WIB"]).strftime("%H.%M") + " WIB"


async def test_a_comment_marked_as_spam_leaves_the_figures_and_the_inbox(harness: BotHarness) -> None:
    await bandung(harness)
    ana, dodi = await resident(harness, ANA), await resident(harness, DODI)
    await comment(ana, "1", "Beli obat murah di situs kami, promo hari ini")
    await comment(dodi, "5", "Dokternya ramah dan cepat")
    before = await figures(harness)
    assert (before.current.ratings, before.current.comments, before.current.average, before.waiting) == (2, 2, 3.0, 2)

    officer = await make_official(harness, 6100, BANDUNG)
    [inbox] = await officer.send("/masukanbaru")
    assert "Tandai spam" in str(inbox.reply_markup) and "Tandai kasar" in str(inbox.reply_markup)
    assert "Bisukan" not in str(inbox.reply_markup)  # muting is for admins
    heard = len(harness.fake.sent(ANA))
    answer, _ = await officer.press("Tandai spam", inbox)  # the first item's button: Ana's, the oldest
    assert answer is not None and "ditandai sebagai spam" in answer["text"]
    assert "Beli obat murah" not in officer.last.text and "Dokternya ramah" in officer.last.text

    after = await figures(harness)
    assert (after.current.ratings, after.current.comments, after.current.average, after.waiting) == (1, 1, 5.0, 1)
    assert after.comments == ["Dokternya ramah dan cepat"]  # the topics are found in these
    assert [(p.count, p.average) for p in after.programs] == [(1, 5.0)]
    assert len(harness.fake.sent(ANA)) == heard  # the resident is told nothing
    [page] = await ana.send("/program")
    assert "5,0" in page.text  # residents' own view of the program leaves it out too
    marked = await row_of(harness, ANA)
    assert (marked.moderation, marked.comment) == ("spam", "Beli obat murah di situs kami, promo hari ini")  # kept
    entry = [e for e in await audit(harness.db) if e.action == "feedback.spam"]
    assert [(e.actor_id, e.target) for e in entry] == [(6100, str(marked.id))]


async def test_only_the_regions_officials_can_mark(harness: BotHarness) -> None:
    await bandung(harness)
    ana = await resident(harness, ANA)
    await comment(ana, "2", "Antrean lama")
    row = await row_of(harness, ANA)
    cirebon = await make_official(harness, 6200, "32.74")
    [msg] = await cirebon.send("/bantuan")
    for who in (cirebon, ana):
        answer, _ = await who.press_data(msg.message_id if who is cirebon else ana.last.message_id, f"v1:mod:{row.id}:spam")
        assert answer is not None and "tidak ditemukan" in answer["text"]
    assert (await row_of(harness, ANA)).moderation is None
    assert not [e for e in await audit(harness.db) if e.action.startswith("feedback.")]


async def test_a_mute_from_the_command_line_refuses_ratings_and_comments_and_expires(
    harness: BotHarness, db_url: str, tmp_path: Path
) -> None:
    await bandung(harness)
    ana = await resident(harness, ANA)
    await ana.send("/program")
    await ana.press("Bandung Sehat")
    await ana.press("⭐")
    await ana.press("4")  # now writing a comment

    done = quickwin(tmp_path, "resident", "mute", "--telegram-id", str(ANA), "--hours", "24", "--reason",
                    "iklan\nberulang", DATABASE_URL=db_url)
    assert done.returncode == 0, done.stderr
    assert "muted until" in done.stdout
    assert f"{ANA}\tmuted until" in quickwin(tmp_path, "resident", "muted", DATABASE_URL=db_url).stdout
    assert quickwin(tmp_path, "resident", "mute", "--telegram-id", "99", DATABASE_URL=db_url).returncode == 1
    assert quickwin(tmp_path, "resident", "mute", "--telegram-id", str(ANA), "--hours", "0",
                    DATABASE_URL=db_url).returncode == 2
    async with harness.db.unit_of_work() as s:
        until = (await s.get(Resident, ANA)).muted_until  # type: ignore[union-attr]
    assert until is not None and timedelta(hours=23) < until - datetime.now(UTC) <= timedelta(hours=24)

    [refusal] = await ana.send("Iklan: beli obat murah")
    assert "belum dapat kami terima sampai" in refusal.text and wib(until) in refusal.text
    assert (await row_of(harness, ANA)).comment is None
    [listing] = await ana.send("/program")  # reading still works
    assert "Bandung Sehat" in str(listing.reply_markup)
    await ana.press("Bandung Sehat")
    _, [refusal] = await ana.press("⭐")
    assert "belum dapat kami terima" in refusal.text

    harness.clock.now = until + timedelta(seconds=1)
    await ana.press("⭐")
    await ana.press("5")
    async with harness.db.unit_of_work() as s:
        ratings = (await s.exec(select(Feedback.rating).where(Feedback.resident_id == ANA))).scalars().all()  # type: ignore[call-overload]
    assert sorted(ratings) == [4, 5]
    entries = [e for e in await audit(harness.db) if e.action == "resident.mute"]
    assert [(e.actor_id, e.target, e.detail["reason"], e.detail["hours"]) for e in entries] == [  # type: ignore[index]
        (None, f"resident:{ANA}", "iklan berulang", 24)]

    harness.clock.now = None
    quickwin(tmp_path, "resident", "mute", "--telegram-id", str(ANA), DATABASE_URL=db_url)
    assert "can rate and comment again" in quickwin(tmp_path, "resident", "unmute", "--telegram-id", str(ANA),
                                                    DATABASE_URL=db_url).stdout
    assert "Nobody is muted." in quickwin(tmp_path, "resident", "muted", DATABASE_URL=db_url).stdout
    assert [e.action for e in await audit(harness.db)][-1] == "resident.unmute"


async def test_an_admin_mutes_from_the_inbox_and_an_erasure_forgets_whom(harness: BotHarness) -> None:
    await bandung(harness)
    ana = await resident(harness, ANA)
    await comment(ana, "1", "Iklan pinjaman cepat tanpa jaminan")
    row = await row_of(harness, ANA)
    officer = await make_official(harness, 6100, BANDUNG)
    [inbox] = await officer.send("/masukanbaru")
    answer, _ = await officer.press_data(inbox.message_id, f"v1:mute:{row.id}")
    assert answer is not None and "tidak dapat Anda gunakan" in answer["text"]

    admin = harness.person(ADMIN_ID)
    [inbox] = await admin.send("/masukanbaru")
    heard = len(harness.fake.sent(ANA))
    answer, _ = await admin.press("Bisukan", inbox)
    assert answer is not None and "tidak dapat memberi penilaian atau komentar sampai" in answer["text"]
    assert len(harness.fake.sent(ANA)) == heard
    await ana.send("/program")
    await ana.press("Bandung Sehat")
    _, [refusal] = await ana.press("⭐")
    assert "belum dapat kami terima" in refusal.text

    [confirm] = await ana.send("/hapusdata")
    await ana.press("Ya, hapus", confirm)
    [entry] = [e for e in await audit(harness.db) if e.action == "resident.mute"]
    assert (entry.actor_id, entry.target, entry.detail["feedback"]) == (ADMIN_ID, "resident:erased", row.id)  # type: ignore[index]


async def test_the_word_list_flags_for_review_and_hides_nothing(harness: BotHarness) -> None:
    await bandung(harness)
    ana, dodi = await resident(harness, ANA), await resident(harness, DODI)
    [ticket] = await comment(ana, "1", "Petugasnya g0bl0kkk semua, antrean 3 jam")
    assert "Nomor tiket" in ticket.text  # received like any other
    await comment(dodi, "4", "Pelayanan cepat, terima kasih")
    assert (await row_of(harness, ANA)).needs_review is True
    assert (await row_of(harness, DODI)).needs_review is False
    officer = await make_official(harness, 6100, BANDUNG)
    [inbox] = await officer.send("/masukanbaru")
    assert inbox.text.count("Perlu ditinjau") == 1 and "g0bl0kkk" in inbox.text
    assert (await figures(harness)).current.comments == 2  # still counted until an official decides

    await officer.press("Tanggapi", inbox)  # Dodi's reply after an answer is screened too
    await officer.send("Terima kasih, kami tambah loket.")
    async with harness.db.unit_of_work() as s:
        dodi_row = (await s.exec(select(Feedback).where(Feedback.resident_id == DODI))).scalars().one()  # type: ignore[call-overload]
    assert dodi_row.needs_review is False
    officer2 = await make_official(harness, 6101, BANDUNG)
    [inbox] = await officer2.send("/masukanbaru")
    await officer2.press_data(inbox.message_id, f"v1:ans:{dodi_row.id}")
    await officer2.send("Mohon maaf atas antreannya.")
    await dodi.press("Balas", dodi.last)
    await dodi.send("Dasar b*ngsat, masih lama")
    assert (await row_of(harness, DODI)).needs_review is True


async def test_only_an_admin_mutes_and_a_mute_never_shortens(db: Database) -> None:
    now = datetime.now(UTC)
    async with db.unit_of_work() as s:
        s.add(Resident(telegram_id=ANA, region_code=BANDUNG, consent_at=now))
        s.add(Program(id=900, region_code=BANDUNG, name="P", description="d", dimension="living"))
        await s.flush()
        s.add(Feedback(id=900, resident_id=ANA, program_id=900, region_code=BANDUNG, rating=1, comment="x"))
    official = Actor(telegram_id=6100, is_admin=False, region_codes=frozenset({BANDUNG}))
    admin = Actor(telegram_id=ADMIN_ID, is_admin=True, region_codes=frozenset())
    async with db.unit_of_work() as s:
        assert await moderation.mute_author(s, official, 900, now=now) == (None, None)
        long = await moderation.mute(s, actor_id=None, telegram_id=ANA, hours=72, reason=None, now=now)
        _, until = await moderation.mute_author(s, admin, 900, now=now)  # 24 hours: the 72 stand
    assert until == long == now + timedelta(hours=72)


def test_the_word_list_sees_through_disguises_in_linear_time() -> None:
    for text in ("dasar ANJIIING!", "b@ngs4t kalian", "a n j i n g", "a.n.j.i.n.g", "tololnya petugas",
                 "ｇｏｂｌｏｋ", "b*ngsat", "kampret2", "Goblok-goblok", "BRENGSEKKK"):
        assert flagged(text), text
    for text in ("Pelayanan lambat sekali", "Pantai Kuta bersih", "taman kota sudah bagus", "harga 5*",
                 "kebijakan ini bodoh", "ada bangkai tikus di selokan", "a*u", "tahun 2024 antre 3 jam"):
        assert not flagged(text), text
    start = time.perf_counter()
    flagged("@" * 200_000)
    flagged("a " * 100_000)
    assert time.perf_counter() - start < 1.0


async def test_the_dashboard_marks_and_unmarks(site: Site, seeded: Seeded, officer: Browser) -> None:
    fid, cirebon = seeded.tickets["Dokternya ramah"], seeded.tickets["rahasia Cirebon"]
    heard = len(site.fake.sent(BUDI))
    r = await officer.post(f"/dasbor/masukan/{fid}/tanda", {"tanda": "abusive", "kembali": "/dasbor/masukan"})
    assert r.status == 303 and r.headers["Location"] == f"/dasbor/masukan#tiket-{fid}"
    assert (await site.feedback(fid)).moderation == "abusive"
    _, page = await officer.get("/dasbor/masukan")
    assert "sudah diberi tanda" in page and ">Kasar</span>" in page and "Hapus tanda" in page
    async with site.db.unit_of_work() as s:
        f = await summary_figures(s, region_codes=[BANDUNG], since=None, until=datetime.now(UTC) + timedelta(days=1))
    assert f.current.ratings == 3 and "Dokternya ramah" not in f.comments  # of Bandung's four
    assert len(site.fake.sent(BUDI)) == heard

    assert (await officer.post(f"/dasbor/masukan/{fid}/tanda", {"tanda": "palsu"})).status == 400
    assert (await officer.post(f"/dasbor/masukan/{cirebon}/tanda", {"tanda": "spam"})).status == 404
    assert (await officer.post(f"/dasbor/masukan/{fid}/tanda", {"tanda": "spam"}, csrf="forged")).status in (400, 403)
    assert (await site.feedback(cirebon)).moderation is None
    r = await officer.post(f"/dasbor/masukan/{fid}/tanda", {"tanda": "none", "kembali": "/dasbor/masukan"})
    assert r.status == 303 and (await site.feedback(fid)).moderation is None
    actions = [(e.action, e.target) for e in await site.audit() if e.action.startswith("feedback.")]
    assert actions == [("feedback.abusive", str(fid)), ("feedback.unmark", str(fid))]
