""""Bukan kewenangan kami": an official forwards a ticket to another region or another body, through the real chat.

Kota Bandung is in WIB, Kota Denpasar in WITA. The move is made on Thursday 3 December 2026 at 23:30 WIB, which
is already Friday 4 December 00:30 in Denpasar: five working days from the Friday (no holiday falls in between)
end on Friday 11 December, so the first answer is due at midnight WITA after it, 2026-12-11 16:00 UTC. Counted
in Bandung's zone it would have been Thursday 10 December.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from storage.models import AuditEntry, Feedback, TicketForward
from tests.support.harness import BotHarness, Person
from tests.support.people import BANDUNG, CIREBON, add_bandung_program, feedback_of, make_official, resident_comment
from tests.support.sweep import sweep

ANA, OFFICER, DENPASAR_OFFICER, CIREBON_OFFICER = 7_123_456_701, 6301, 6302, 6303
DENPASAR = "51.71"
COMMENT = "Lampu jalan di Jalan Kenanga padam sejak seminggu"
REASON = "Jalan Kenanga yang dimaksud ada di Denpasar, bukan di Bandung."
MOVED_AT = datetime(2026, 12, 3, 16, 30, tzinfo=UTC)  # Thursday 23:30 WIB, Friday 00:30 WITA
DUE_IN_DENPASAR = datetime(2026, 12, 11, 16, 0, tzinfo=UTC)  # the end of Friday 11 December, WITA


async def commented(harness: BotHarness) -> tuple[Person, Person, Feedback]:
    """Ana's comment in Kota Bandung; Bandung's official has opened the inbox."""
    harness.clock.now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    await add_bandung_program(harness)
    ana = await resident_comment(harness, ANA, "kota bandung", "Kota Bandung", "Bandung Sehat", COMMENT)
    officer = await make_official(harness, OFFICER, BANDUNG)
    return ana, officer, await feedback_of(harness, ANA)


async def start_forward(officer: Person) -> Any:
    """/masukanbaru, then [↪ Bukan kewenangan kami]: the message with the choices."""
    [inbox] = await officer.send("/masukanbaru")
    _answer, [choices] = await officer.press("Bukan kewenangan kami", inbox)
    return choices


async def forwards(harness: BotHarness) -> list[TicketForward]:
    async with harness.db.unit_of_work() as s:
        return list((await s.exec(select(TicketForward).order_by(TicketForward.id))).scalars())  # type: ignore[call-overload]


async def forward_audit(harness: BotHarness) -> list[AuditEntry]:
    async with harness.db.unit_of_work() as s:
        stmt = select(AuditEntry).where(AuditEntry.action == "ticket.forward").order_by(AuditEntry.id)
        return list((await s.exec(stmt)).scalars())  # type: ignore[call-overload]


async def test_a_ticket_moved_to_another_region(harness: BotHarness) -> None:
    ana, officer, fb = await commented(harness)
    denpasar = await make_official(harness, DENPASAR_OFFICER, DENPASAR)
    [empty] = await denpasar.send("/masukanbaru")
    assert fb.ticket not in empty.text

    harness.clock.now = MOVED_AT
    choices = await start_forward(officer)
    assert fb.ticket in choices.text and "Pemerintah Kota Bandung" in choices.text
    assert [label for label, _data in officer.buttons(choices)] == [
        "Kabupaten/kota lain", "Pemerintah Provinsi Jawa Barat", "Kementerian/lembaga pusat",
        "Penyedia layanan (PLN, PDAM…)", "SP4N-LAPOR!"]
    _answer, [ask] = await officer.press("Kabupaten/kota lain", choices)
    assert "Ketik nama kabupaten/kota" in ask.text
    [same] = await officer.send("kota bandung")  # the ticket's own region is not offered
    assert "Tiket ini memang sudah berada di" in same.text and same.reply_markup is None
    [matches] = await officer.send("denpasar")
    assert ("Kota Denpasar (Bali) ★", f"v1:fwr:{fb.id}:{matches_nonce(officer, matches)}:{DENPASAR}") in officer.buttons(matches)
    _answer, [why] = await officer.press("Kota Denpasar", matches)
    assert "akan diteruskan kepada Pemerintah Kota Denpasar" in why.text and "Warga akan membaca alasan ini" in why.text

    [refused] = await officer.send("<b>Bukan</b> wilayah kami")
    assert "tanpa tag HTML" in refused.text
    [refused] = await officer.send("x" * 501)
    assert "terlalu panjang" in refused.text and "500" in refused.text
    heard_ana, heard_denpasar = len(ana.messages), len(denpasar.messages)
    [done] = await officer.send(REASON)
    assert done.text == (f"✅ Tiket {fb.ticket} sudah diteruskan kepada Pemerintah Kota Denpasar.\n"
                         "Tiket ini kini masuk ke daftar masukan baru petugas Kota Denpasar.\n"
                         "Warga sudah kami beri tahu ke mana tiketnya diteruskan dan apa alasannya.")

    [told] = ana.messages[heard_ana:]  # in plain words: where, why, by when, the same number
    assert told.text == "\n".join([
        "↪ Masukan Anda telah diteruskan",
        f"Nomor tiket: {fb.ticket} · Bandung Sehat",
        "",
        "Pemerintah Kota Bandung telah meneruskan masukan Anda kepada Pemerintah Kota Denpasar, yang berwenang "
        "menanganinya.",
        f"Alasan: {REASON}",
        "",
        "Pemerintah Kota Denpasar berupaya menanggapi paling lambat Jumat, 11 Desember 2026.",
        "Nomor tiket Anda tetap sama.",
    ])
    [notice] = denpasar.messages[heard_denpasar:]
    assert "Ada tiket yang diteruskan ke Kota Denpasar" in notice.text and fb.ticket in notice.text
    assert COMMENT in notice.text and REASON in notice.text and "Jumat, 11 Desember 2026" in notice.text
    assert (f"💬 Tanggapi {fb.ticket}", f"v1:ans:{fb.id}") in denpasar.buttons(notice)

    moved = await feedback_of(harness, ANA)
    assert (moved.region_code, moved.ticket, moved.status, moved.forwarded_to) == (DENPASAR, fb.ticket, "baru", None)
    assert moved.clock_at == MOVED_AT and moved.due_at == DUE_IN_DENPASAR
    [inbox] = await denpasar.send("/masukanbaru")
    assert fb.ticket in inbox.text and "Kota Denpasar" in inbox.text
    [inbox] = await officer.send("/masukanbaru")
    assert fb.ticket not in inbox.text
    [mine] = await ana.send("/masukan")
    assert "↪ Diteruskan kepada Pemerintah Kota Denpasar" in mine.text

    [row] = await forwards(harness)
    assert (row.feedback_id, row.official_id, row.from_region, row.to_region, row.body, row.reason, row.reference) == (
        fb.id, OFFICER, BANDUNG, DENPASAR, None, REASON, None)
    [entry] = await forward_audit(harness)
    assert (entry.actor_id, entry.target) == (OFFICER, str(fb.id))
    assert entry.detail == {"from_region": BANDUNG, "to_region": DENPASAR, "body": None, "reference": False}

    answer, new = await officer.press("Kota Denpasar", matches)  # the old button, pressed again
    assert new == [] and answer is not None and answer["show_alert"] and "sudah selesai" in answer["text"]
    answer, new = await officer.press("Bukan kewenangan kami", inbox_of(officer, fb.ticket))
    assert new == [] and answer is not None and "tidak ditemukan" in answer["text"]  # no longer Bandung's
    assert len(await forwards(harness)) == 1


def matches_nonce(officer: Person, message: Any) -> str:
    """The nonce the region buttons carry (the flow's, from the choices)."""
    return officer.buttons(message)[0][1].split(":")[3]


def inbox_of(officer: Person, ticket: str | None) -> Any:
    return next(m for m in reversed(officer.messages) if ticket and ticket in (m.text or "")
                and any("Bukan kewenangan" in label for label, _data in officer.buttons(m)))


async def test_forwarded_to_lapor_with_a_reference(harness: BotHarness) -> None:
    ana, officer, fb = await commented(harness)
    choices = await start_forward(officer)
    _answer, [why] = await officer.press("SP4N-LAPOR!", choices)
    assert "SP4N-LAPOR!, layanan pengaduan publik nasional" in why.text
    [ask] = await officer.send("Aduan ini menyangkut jalan nasional, kewenangan Kementerian PUPR.")
    assert "nomor laporan" in ask.text and ask.reply_markup is not None
    [refused] = await officer.send("<i>123</i>")
    assert "tanpa tag HTML" in refused.text
    [refused] = await officer.send("nomor 12345!")
    assert "Nomor laporan hanya boleh berisi" in refused.text
    heard = len(ana.messages)
    [done] = await officer.send("LAPOR-2026-00123")
    assert done.text.startswith(f"✅ Tiket {fb.ticket} sudah diteruskan kepada SP4N-LAPOR!")

    [told] = ana.messages[heard:]
    assert "Pemerintah Kota Bandung telah meneruskan masukan Anda kepada SP4N-LAPOR!" in told.text
    assert "Alasan: Aduan ini menyangkut jalan nasional, kewenangan Kementerian PUPR." in told.text
    assert "Nomor laporan di instansi tujuan: LAPOR-2026-00123" in told.text and "lapor.go.id" in told.text

    row = await feedback_of(harness, ANA)
    assert (row.region_code, row.ticket, row.forwarded_to) == (BANDUNG, fb.ticket, "lapor")
    [inbox] = await officer.send("/masukanbaru")
    assert fb.ticket not in inbox.text
    [periods] = await officer.send("/ringkasan")
    await officer.press("Sejak awal", periods)
    assert any("Menunggu tanggapan: 0 komentar baru" in (m.text or "") for m in officer.messages[-3:])
    [mine] = await ana.send("/masukan")
    assert "↪ Diteruskan kepada SP4N-LAPOR!, layanan pengaduan publik nasional · nomor laporan LAPOR-2026-00123" in mine.text
    [forward] = await forwards(harness)
    assert (forward.body, forward.to_region, forward.reference) == ("lapor", None, "LAPOR-2026-00123")
    [entry] = await forward_audit(harness)
    assert entry.detail == {"from_region": BANDUNG, "to_region": None, "body": "lapor", "reference": True}

    [found] = await officer.send(f"/masukanbaru {fb.ticket}")  # the ticket found by its number: forwarded already
    answer, new = await officer.press("Bukan kewenangan kami", found)
    assert new == [] and answer is not None and f"Tiket {fb.ticket} sudah diteruskan" in answer["text"]


async def test_a_double_tap_forwards_once(harness: BotHarness) -> None:
    ana, officer, _fb = await commented(harness)
    choices = await start_forward(officer)
    await officer.press("Pemerintah Provinsi Jawa Barat", choices)
    [ask] = await officer.send("Jalan provinsi, kewenangan Dinas PUPR Provinsi Jawa Barat.")
    skip = officer.button_data(ask, "Lewati")
    heard = len(ana.messages)
    _answer, [done] = await officer.press_data(ask.message_id, skip)
    assert "Pemerintah Provinsi Jawa Barat" in done.text
    answer, new = await officer.press_data(ask.message_id, skip)
    assert new == [] and answer is not None and "sudah selesai" in answer["text"]
    answer, new = await officer.press("Kementerian/lembaga pusat", choices)  # the first choices, again
    assert new == [] and answer is not None and "sudah selesai" in answer["text"]

    [told] = ana.messages[heard:]
    assert "kepada Pemerintah Provinsi Jawa Barat" in told.text and "Nomor laporan" not in told.text
    assert [(f.body, f.reference) for f in await forwards(harness)] == [("provinsi", None)]
    assert len(await forward_audit(harness)) == 1
    assert (await feedback_of(harness, ANA)).forwarded_to == "provinsi"


async def test_only_the_regions_officials_may_forward(harness: BotHarness) -> None:
    ana, officer, fb = await commented(harness)
    stranger = await make_official(harness, CIREBON_OFFICER, CIREBON)
    [inbox] = await stranger.send("/masukanbaru")
    answer, new = await stranger.press_data(inbox.message_id, f"v1:fwd:{fb.id}")  # a forged button
    assert new == [] and answer is not None and "tidak ditemukan" in answer["text"]

    choices = await start_forward(officer)  # Bandung's official starts; the stranger copies the nonce
    nonce = officer.button_data(choices, "SP4N-LAPOR!").split(":")[3]
    for data in (f"v1:fwt:{fb.id}:{nonce}:lapor", f"v1:fwr:{fb.id}:{nonce}:{CIREBON}", f"v1:fws:{fb.id}:{nonce}"):
        answer, new = await stranger.press_data(inbox.message_id, data)
        assert new == [] and answer is not None and "sudah selesai" in answer["text"]  # not the stranger's flow
    [reply] = await stranger.send("Bukan kewenangan kami")
    assert "diteruskan" not in reply.text

    answer, new = await ana.press_data(ana.last.message_id, f"v1:fwd:{fb.id}")  # nor the resident, on their own
    assert new == [] and answer is not None and "tidak ditemukan" in answer["text"]

    answer, new = await officer.press_data(choices.message_id, f"v1:fwt:{fb.id}:{'0' * 16}:lapor")  # an old nonce
    assert new == [] and answer is not None and "sudah selesai" in answer["text"]
    await officer.press("Kabupaten/kota lain", choices)
    answer, new = await officer.press_data(choices.message_id, f"v1:fwr:{fb.id}:{nonce}:{BANDUNG}")  # its own region
    assert new == [] and answer is not None and "sudah berada di Kota Bandung" in answer["text"]
    answer, new = await officer.press_data(choices.message_id, f"v1:fwr:{fb.id}:{nonce}:99.99")  # no such region
    assert new == [] and answer is not None and "tidak ditemukan" in answer["text"]
    [cancelled] = await officer.send("/batal")
    assert "Dibatalkan" in cancelled.text
    answer, _new = await officer.press_data(choices.message_id, f"v1:fwr:{fb.id}:{nonce}:{DENPASAR}")
    assert answer is not None and "sudah selesai atau sudah dibatalkan" in answer["text"]

    assert await forwards(harness) == [] and await forward_audit(harness) == []
    assert (await feedback_of(harness, ANA)).region_code == BANDUNG


async def test_erasure_leaves_nothing_of_a_forwarded_ticket(harness: BotHarness) -> None:
    ana, officer, fb = await commented(harness)
    choices = await start_forward(officer)
    await officer.press("SP4N-LAPOR!", choices)
    await officer.send(REASON)
    await officer.send("LAPOR-2026-00999")
    before = await sweep(harness.db, ANA, [COMMENT, "LAPOR-2026-00999"])
    assert any(f.startswith("ticket_forwards.reference") for f in before.found), before.found

    [confirm] = await ana.send("/hapusdata")
    await ana.press("Ya, hapus", confirm)
    after = await sweep(harness.db, ANA, [COMMENT, "LAPOR-2026-00999"])
    assert after.found == [], after.found
    [forward] = await forwards(harness)  # the official's record stays, on the anonymous rating
    assert (forward.feedback_id, forward.reason, forward.reference, forward.official_id) == (fb.id, REASON, None, OFFICER)


async def test_the_resident_reads_it_in_their_language(harness: BotHarness) -> None:
    harness.clock.now = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    await add_bandung_program(harness)
    ana = await resident_comment(harness, ANA, "kota bandung", "Kota Bandung", "Bandung Sehat", COMMENT, lang="en")
    officer = await make_official(harness, OFFICER, BANDUNG)
    choices = await start_forward(officer)
    await officer.press("Penyedia layanan", choices)
    await officer.send("Lampu jalan ini milik PLN.")
    heard = len(ana.messages)
    [done] = await officer.send("PLN-778899")
    assert "penyedia layanan yang berwenang (seperti PLN atau PDAM)" in done.text  # the official's language
    [told] = ana.messages[heard:]
    assert told.text.splitlines()[0] == "↪ Your feedback has been forwarded"
    assert ("The Government of Kota Bandung has passed your feedback on to the utility responsible (such as PLN or "
            "PDAM), because it is theirs to handle.") in told.text
    assert "Reason: Lampu jalan ini milik PLN." in told.text and "Reference number there: PLN-778899" in told.text
    [mine] = await ana.send("/masukan")
    assert "↪ Forwarded to the utility responsible (such as PLN or PDAM) · reference number PLN-778899" in mine.text
