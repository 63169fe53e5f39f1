"""The dashboard's forms and exports: answers and statuses reach the resident as from the chat; refusals change nothing."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import openpyxl
from sqlalchemy import select, update

from storage.models import Feedback, TicketMessage
from tests.support.dashboard_helpers import ANA, BANDUNG, BUDI, CIREBON, CITRA, Browser, Seeded, Site, local_day
from tests.support.settings import ADMIN_ID

pytest_plugins = ["tests.support.dashboard_fixtures"]  # the site, seeded and officer fixtures

ANTREAN = "Antrean <panjang> & lama"  # Ana's, in English
RAMAH = "Dokternya ramah"  # Budi's, in Indonesian
FORMULA = '=HYPERLINK("http://x") wifi mati'  # Citra's
HEADER_ID = ["Nomor tiket", "Tanggal dan waktu", "Zona waktu", "Kabupaten/Kota", "Program", "Nilai (1–5)", "Komentar",
             "Status", "Puas", "Warga (nama samaran)", "Ada foto"]


async def messages(site: Site, feedback_id: int) -> list[TicketMessage]:
    async with site.db.unit_of_work() as s:
        stmt = select(TicketMessage).where(TicketMessage.feedback_id == feedback_id)
        return list((await s.exec(stmt)).scalars())  # type: ignore[call-overload]


async def test_an_answer_reaches_the_resident_in_their_language(site: Site, seeded: Seeded, officer: Browser) -> None:
    fid = seeded.tickets[ANTREAN]
    r = await officer.post(f"/dasbor/masukan/{fid}/jawab",
                           {"teks": "Loket tambahan dibuka mulai Senin.", "kembali": "/dasbor/masukan?nilai=2"})
    assert r.status == 303 and r.headers["Location"] == f"/dasbor/masukan?nilai=2#tiket-{fid}"
    notice = site.fake.sent(ANA)[-1]
    assert "Answer from the Government of Kota Bandung" in notice.text  # Ana reads English
    number = (await site.feedback(fid)).ticket
    assert number in notice.text and ANTREAN in notice.text and "Loket tambahan dibuka mulai Senin." in notice.text
    assert "Reply" in str(notice.reply_markup)
    assert (await site.feedback(fid)).status == "diproses"

    _, page = await officer.get("/dasbor/masukan?nilai=2")
    assert f"Tanggapan Anda untuk {number} sudah dikirim kepada warga." in page
    assert "Tanggapan:" in page and "Loket tambahan dibuka mulai Senin." in page
    assert "sudah dikirim kepada warga" not in (await officer.get("/dasbor/masukan"))[1]  # shown once
    assert [e.action for e in await site.audit()].count("ticket.answer") == 1


async def test_status_changes_tell_the_resident(site: Site, seeded: Seeded, officer: Browser) -> None:
    fid = seeded.tickets[RAMAH]
    before = len(site.fake.sent(BUDI))
    r = await officer.post(f"/dasbor/masukan/{fid}/status", {"status": "diproses", "kembali": "/dasbor/masukan"})
    assert r.status == 303
    assert "sedang menindaklanjuti masukan Anda" in site.fake.sent(BUDI)[-1].text
    for note in ("", "   ", "x" * 1001):  # done needs a short note of what was done
        r = await officer.post(f"/dasbor/masukan/{fid}/status", {"status": "selesai", "catatan": note})
        assert r.status == 400, len(note)
    assert (await site.feedback(fid)).status == "diproses" and len(site.fake.sent(BUDI)) == before + 1
    done = {"status": "selesai", "catatan": "Petugas <loket> diberi pelatihan & teguran.", "kembali": "/dasbor/masukan"}
    r = await officer.post(f"/dasbor/masukan/{fid}/status", done)
    question = site.fake.sent(BUDI)[-1]
    assert "telah selesai menangani" in question.text and (await site.feedback(fid)).ticket in question.text
    assert "Yang sudah dilakukan:\nPetugas <loket> diberi pelatihan & teguran." in question.text
    assert "v1:sat:" in str(question.reply_markup)  # the resident can say whether they are satisfied
    assert (await site.feedback(fid)).status == "selesai"
    assert "Petugas &lt;loket&gt; diberi pelatihan &amp; teguran." in (await officer.get("/dasbor/masukan"))[1]
    r = await officer.post(f"/dasbor/masukan/{fid}/status", done)
    assert r.status == 303 and len(site.fake.sent(BUDI)) == before + 2  # unchanged: nobody is told twice
    assert "sudah memiliki status tersebut" in (await officer.get("/dasbor/masukan"))[1]
    assert [m.status for m in await messages(site, fid)] == ["diproses", "selesai"]


async def test_forms_refuse_forgeries_other_regions_and_bad_input(site: Site, seeded: Seeded, officer: Browser) -> None:
    fid, cirebon = seeded.tickets[ANTREAN], seeded.tickets["rahasia Cirebon"]
    sent = {who: len(site.fake.sent(who)) for who in (ANA, BUDI, CITRA)}
    other = await site.signed_in(8202)  # the official of Cirebon, with a CSRF token of their own
    await other.get("/dasbor")
    for csrf in ("", "forged", other.csrf):
        for action, data in (("jawab", {"teks": "Halo"}), ("status", {"status": "selesai"})):
            r = await officer.post(f"/dasbor/masukan/{fid}/{action}", data, csrf=csrf)
            assert r.status == 403, (csrf, action)
    for target in (cirebon, 999_999, 999_999_999_999):
        for action, data in (("jawab", {"teks": "Halo"}), ("status", {"status": "selesai"})):
            r = await officer.post(f"/dasbor/masukan/{target}/{action}", data)
            assert r.status == 404, (target, action)
    assert (await officer.post(f"/dasbor/masukan/{fid}/jawab", {"teks": "   "})).status == 400
    assert (await officer.post(f"/dasbor/masukan/{fid}/jawab", {"teks": "x" * 2001})).status == 400
    for bad in ("baru", "tutup", ""):
        assert (await officer.post(f"/dasbor/masukan/{fid}/status", {"status": bad})).status == 400, bad
    async with officer.http.post(f"/dasbor/masukan/{fid}/jawab", data={"csrf": officer.csrf, "teks": "x" * 2001}) as r:
        assert "terlalu panjang: 2.001 karakter" in await r.text()
    assert {who: len(site.fake.sent(who)) for who in sent} == sent  # nobody was told anything
    assert (await site.feedback(fid)).status == "baru" and (await site.feedback(cirebon)).status == "baru"
    assert await messages(site, fid) == [] and await messages(site, cirebon) == []
    await other.close()


async def test_the_way_back_stays_on_the_dashboard(site: Site, seeded: Seeded, officer: Browser) -> None:
    fid = seeded.tickets[ANTREAN]
    for back in ("https://evil.example/x", "//evil.example/dasbor", "/dasbor/../keluar?x", "/dasbor\\evil", "javascript:x"):
        r = await officer.post(f"/dasbor/masukan/{fid}/status", {"status": "diproses", "kembali": back})
        assert r.headers["Location"] in (f"/dasbor/masukan#tiket-{fid}",), back


async def test_an_answer_for_a_resident_who_erased_their_data_is_kept(site: Site, seeded: Seeded, officer: Browser) -> None:
    fid = seeded.tickets[FORMULA]
    async with site.db.unit_of_work() as s:
        await s.exec(update(Feedback).where(Feedback.id == fid).values(resident_id=None))  # type: ignore[call-overload]
    before = len(site.fake.sent(CITRA))
    r = await officer.post(f"/dasbor/masukan/{fid}/jawab", {"teks": "Sudah diperbaiki.", "kembali": "/dasbor/masukan"})
    assert r.status == 303 and len(site.fake.sent(CITRA)) == before
    assert "karena warga sudah menghapus datanya" in (await officer.get("/dasbor/masukan"))[1]
    assert [m.text for m in await messages(site, fid)] == ["Sudah diperbaiki."]


async def test_csv_export_is_pseudonymous_in_local_time_and_safe(site: Site, seeded: Seeded, officer: Browser) -> None:
    async with officer.http.get("/dasbor/ekspor.csv") as r:
        assert r.status == 200 and r.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert r.headers["Content-Disposition"] == f'attachment; filename="masukan-r32.73-{local_day(0)}.csv"'
        body = await r.read()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == HEADER_ID
    by_comment = {row[6]: row for row in rows[1:]}
    assert set(by_comment) == {ANTREAN, RAMAH, "'" + FORMULA, ""}  # Bandung only; the formula made harmless
    for resident_id in (ANA, BUDI, CITRA):
        assert str(resident_id).encode() not in body
    ana = by_comment[ANTREAN]
    fb = await site.feedback(seeded.tickets[ANTREAN])
    assert ana[0] == fb.ticket and ana[2] == "WIB" and ana[3] == "Kota Bandung" and ana[5] == "2" and ana[7] == "baru"
    assert ana[1] == (fb.created_at + timedelta(hours=7)).strftime("%Y-%m-%d %H:%M")
    assert ana[9] == await site.pseudonym(BANDUNG, ANA) and ana[9] != await site.pseudonym(CIREBON, ANA)
    async with officer.http.get("/dasbor/ekspor.csv?nilai=5&q=ramah") as r:
        assert [row[6] for row in csv.reader(io.StringIO((await r.read()).decode("utf-8-sig")))][1:] == [RAMAH]
    export = [e for e in await site.audit() if e.action == "dashboard.export"][-1]
    assert export.target == "r32.73" and export.detail == {"format": "csv", "rows": 1, "nilai": 5, "q": "ramah"}


async def test_xlsx_export_with_each_regions_zone(site: Site, seeded: Seeded) -> None:
    admin = await site.signed_in(ADMIN_ID)
    await admin.get("/dasbor?lang=en")  # the headers follow the session's language
    async with admin.http.get("/dasbor/ekspor.xlsx?wilayah=all") as r:
        assert r.status == 200 and r.content_type.endswith("spreadsheetml.sheet")
        assert r.headers["Content-Disposition"].startswith('attachment; filename="masukan-all-')
        book = openpyxl.load_workbook(io.BytesIO(await r.read()))
    sheet = book.active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Ticket number" and rows[0][9] == "Resident (pseudonym)"
    by_comment = {row[6]: row for row in rows[1:]}
    assert len(rows) == 7 and "rahasia Cirebon" in by_comment
    denpasar = by_comment["Pelayanan cepat di Denpasar"]
    fb = await site.feedback(seeded.tickets["Pelayanan cepat di Denpasar"])
    assert denpasar[2] == "WITA" and denpasar[1] == (fb.created_at + timedelta(hours=8)).replace(tzinfo=None, microsecond=denpasar[1].microsecond)
    formula_row = next(row for row in sheet.iter_rows(min_row=2) if str(row[6].value).endswith("wifi mati"))
    assert formula_row[6].data_type == "s" and formula_row[6].value == FORMULA  # text, never a formula
    assert all(str(ANA) not in str(cell) for row in rows for cell in row)
    await admin.close()


async def test_every_official_action_is_logged(site: Site, seeded: Seeded, officer: Browser) -> None:
    fid = seeded.tickets[RAMAH]
    for path in ("/dasbor", "/dasbor/program", f"/dasbor/program/{seeded.bandung_health}", "/dasbor/masukan?nilai=5",
                 "/dasbor/ekspor.xlsx"):
        async with officer.http.get(path) as r:
            assert r.status == 200, path
    await officer.post(f"/dasbor/masukan/{fid}/jawab", {"teks": "Terima kasih."})
    await officer.post(f"/dasbor/masukan/{fid}/status", {"status": "selesai", "catatan": "Sudah ditangani."})
    await officer.post("/keluar", {})
    actions = [(e.actor_id, e.action) for e in await site.audit() if e.actor_id == 8201]
    assert [a for _, a in actions] == [
        "dashboard.link", "dashboard.login", "dashboard.feedback",  # the fixture's first page
        "summary.view", "dashboard.programs", "dashboard.program", "dashboard.feedback", "dashboard.export",
        "ticket.answer", "ticket.close", "dashboard.logout",
    ]
    assert re.fullmatch(r"\d+", str(fid))
