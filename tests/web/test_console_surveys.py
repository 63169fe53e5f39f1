"""Surveys in the dashboard (/dasbor/survei): the form, its preview and confirm through the survey engine, the
list and the results by who may see them, and the answers' CSV/XLSX, on SQLite and PostgreSQL.

An official creates a survey that the sender delivers to exactly their region's subscribers; the results page
equals counts made by hand from answers recorded through the service; the exports are pseudonymous and
disarm formulas; an official of another region gets a 404 (or a refused audience) on every route.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.services.deps import DEPS_KEY
from bot.services.tickets import pseudonym
from bot.workers.broadcast_sender import Sender
from storage import surveys as survey_store
from storage.db import Database
from storage.models import Resident, Survey, SurveyQuestion
from tests.support.console import KEY, PEOPLE, ConsoleSite, broadcasts, console_site, subscribers
from tests.support.dashboard_helpers import BANDUNG, CIREBON, Browser, Seeded
from tests.support.fakebot import FakeBotAPI
from tests.support.settings import ADMIN_ID
from tests.support.survey_console import OUTSIDERS, answer, confirm, form, outsiders, sent_survey

pytest_plugins = ["tests.support.dashboard_fixtures"]
PSEUDONYM = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}")


@pytest.fixture
async def site(fake: FakeBotAPI, db: Database, db_url: str) -> AsyncIterator[ConsoleSite]:
    async for running in console_site(fake, db, db_url):
        yield running


async def _surveys(site: ConsoleSite) -> list[Survey]:
    async with site.db.unit_of_work() as s:
        return list((await s.exec(select(Survey).order_by(Survey.id))).scalars())  # type: ignore[call-overload]


async def test_an_official_creates_a_survey_that_reaches_exactly_their_region(
        site: ConsoleSite, seeded: Seeded, officer: Browser) -> None:
    await subscribers(site)
    await outsiders(site)
    status, page = await officer.get("/dasbor/survei")
    assert status == 200 and 'value="r32.73"' in page and 'value="r32.74"' not in page and 'value="all"' not in page
    assert 'href="/dasbor/survei?wilayah=' in page or 'href="/dasbor/survei"' in page  # the nav link

    bad = form("<div>Survei</div>", "r32.73", [("Apa kabar?", "skala", ""), ("Pilih satu", "pilihan", "Saja")],
               tanggal="2020-01-01")
    async with officer.http.post("/dasbor/survei/pratinjau", data={"csrf": officer.csrf, **bad}) as r:
        refused = await r.text()
        assert r.status == 400
    for field in ("judul", "o2", "tanggal"):  # each bad field named, next to it
        assert f'id="salah-{field}"' in refused, field
    assert 'id="salah-t1"' not in refused and 'id="salah-sasaran"' not in refused
    assert 'value="&lt;div&gt;Survei&lt;/div&gt;"' in refused and ">Saja</textarea>" in refused  # kept as typed
    async with officer.http.post("/dasbor/survei/pratinjau",
                                 data={"csrf": officer.csrf, **form("Survei", "r32.74", [("Apa?", "skala", "")])}) as r:
        assert r.status == 400 and 'id="salah-sasaran"' in await r.text()  # another region's audience
    assert await _surveys(site) == []

    fields = form("<b>Survei layanan</b> & loket", "r32.73",
                  [("Layanan mana yang Anda pakai?", "pilihan", "KTP\nPajak\n\nKesehatan"),
                   ("Seberapa puas Anda?", "skala", "")], pengantar="Satu menit saja.")
    preview, created = await confirm(officer, fields)
    assert "<b>Survei layanan</b> &amp; loket" in preview and "Satu menit saja." in preview
    assert "Layanan mana yang Anda pakai?" in preview and '<div class="tg-button">Pajak</div>' in preview
    assert "5 warga" in preview  # the five subscribers of Kota Bandung, counted before sending
    key = KEY.search(preview).group(1)  # type: ignore[union-attr]
    async with officer.http.post("/dasbor/survei/pratinjau",
                                 data={"csrf": officer.csrf, **fields, "kunci": key, "langkah": "ubah"}) as r:
        back = await r.text()  # "Ubah": the form again, filled in as it was
        assert r.status == 200 and ">KTP\nPajak\n\nKesehatan</textarea>" in back and "Satu menit saja.</textarea>" in back
    [survey] = await _surveys(site)
    assert created.status == 303 and created.headers["Location"] == f"/dasbor/survei/{survey.id}"
    again = await officer.post("/dasbor/survei", {**fields, "kunci": KEY.search(preview).group(1)})  # type: ignore[union-attr]
    assert again.status == 303 and len(await _surveys(site)) == 1  # a double submit creates one survey
    assert survey.created_by == 8201 and survey.audience == "region" and survey.audience_code == "32.73"
    assert survey.closes_at.isoformat().endswith("10:00:00+00:00")  # 17:00 WIB
    async with site.db.unit_of_work() as s:
        qs = list((await s.exec(select(SurveyQuestion).where(SurveyQuestion.survey_id == survey.id)  # type: ignore[call-overload]
                                .order_by(SurveyQuestion.position))).scalars())
    assert [(q.kind, q.options) for q in qs] == [("choice", ["KTP", "Pajak", "Kesehatan"]), ("scale", None)]
    [b] = await broadcasts(site)
    assert b.survey_id == survey.id and b.total == 5

    assert await Sender(site.ptb).tick()
    for rid in PEOPLE:
        [m] = site.fake.sent(rid)
        assert "Survei layanan & loket" in m.text and "Layanan mana yang Anda pakai?" in m.text
    assert all(site.fake.sent(rid) == [] for rid in OUTSIDERS)
    assert (8201, "survey.create", str(survey.id)) in [(e.actor_id, e.action, e.target) for e in await site.audit()]


async def test_the_results_page_and_exports_equal_counts_by_hand(site: ConsoleSite, seeded: Seeded,
                                                                officer: Browser) -> None:
    await subscribers(site)
    sid = await sent_survey(site)
    a, b, c, _d, e = PEOPLE
    await answer(site, sid, a, choice=0, scale=5, text="Antrean <script>alert(1)</script> lebih cepat")
    await answer(site, sid, b, choice=1, scale=4, text='=HYPERLINK("http://x","klik")')
    await answer(site, sid, c, choice=0, scale=None, text=None)
    await answer(site, sid, e, choice=2, scale=4, text=None)

    status, page = await officer.get(f"/dasbor/survei/{sid}")
    assert status == 200
    # question 1: KTP 2 of 4, Pajak 1, Kesehatan 1; question 2: 4 twice, 5 once, one skip, average 13/3
    assert "<tr><td>KTP</td><td>2</td><td>50%</td></tr>" in page
    assert "<tr><td>Pajak</td><td>1</td><td>25%</td></tr>" in page and "<tr><td>Kesehatan</td><td>1</td><td>25%</td></tr>" in page
    assert "<tr><td>4</td><td>2</td><td>67%</td></tr>" in page and "<tr><td>5</td><td>1</td><td>33%</td></tr>" in page
    assert "<tr><td>1</td><td>0</td><td>0%</td></tr>" in page and "4,3" in page
    assert '<dd data-field="reached">5</dd>' in page and '<dd data-field="answered">4</dd>' in page
    assert '<dd data-field="rate">80%</dd>' in page and "<svg" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    async with site.db.unit_of_work() as s:
        residents = {r.telegram_id: r for r in (await s.exec(select(Resident))).scalars()}  # type: ignore[call-overload]
    key = site.ptb.bot_data[DEPS_KEY].pseudonym_key
    for rid in (a, b):  # the written answers, by the pseudonym the feedback list shows
        assert f"— {pseudonym(key, BANDUNG, rid, residents[rid].pseudonym_salt)}," in page
    assert all(str(rid) not in page for rid in PEOPLE)  # never a Telegram id

    async with officer.http.get(f"/dasbor/survei/{sid}/jawaban.csv") as r:
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/csv")
        text = (await r.read()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 + 4 * 3  # a header, then every answer and skip of the four residents
    assert all(row[0] == f"SV-{sid:06d}" and row[4] == "WIB" and PSEUDONYM.fullmatch(row[5]) for row in rows[1:])
    assert [row[2] for row in rows if "HYPERLINK" in row[2]] == ["'=HYPERLINK(\"http://x\",\"klik\")"]
    assert sorted(row[2] for row in rows if row[1].startswith("1.")) == ["KTP", "KTP", "Kesehatan", "Pajak"]
    assert all(str(rid) not in text for rid in PEOPLE)
    async with officer.http.get(f"/dasbor/survei/{sid}/jawaban.xlsx") as r:
        assert r.status == 200
        book = load_workbook(io.BytesIO(await r.read()))
    sheet = book.worksheets[0]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert [(c.value, c.data_type) for c in cells] == [('=HYPERLINK("http://x","klik")', "s")]  # text, not a formula
    assert sheet.max_row == 13
    actions = [(e.action, e.target) for e in await site.audit()]
    assert ("dashboard.survey_export", str(sid)) in actions

    async with site.db.unit_of_work() as s:  # resident a erases their data: their answers stay as numbers only
        await survey_store.erase_answers(s, resident_id=a)
    async with officer.http.get(f"/dasbor/survei/{sid}/jawaban.csv") as r:
        rows = list(csv.reader(io.StringIO((await r.read()).decode("utf-8-sig"))))
    assert len(rows) == 13 and sum(row[5] == "(data sudah dihapus)" for row in rows) == 3
    assert "Antrean" not in str(rows)
    _status, page = await officer.get(f"/dasbor/survei/{sid}")
    assert "<tr><td>KTP</td><td>2</td><td>50%</td></tr>" in page and "Antrean" not in page


async def test_the_list_follows_who_may_see_and_other_regions_get_404(site: ConsoleSite, seeded: Seeded,
                                                                       officer: Browser) -> None:
    await subscribers(site)
    mine = await sent_survey(site, by=8201)
    by_admin = await sent_survey(site, by=ADMIN_ID)  # to Bandung, by someone else: Bandung's officials see it
    theirs = await sent_survey(site, region=CIREBON, by=8202)
    followers = await sent_survey(site, program=seeded.bandung_wifi, by=ADMIN_ID)  # a Bandung program's followers
    _status, page = await officer.get("/dasbor/survei")
    assert all(f'href="/dasbor/survei/{sid}"' in page for sid in (mine, by_admin, followers))
    assert f'href="/dasbor/survei/{theirs}"' not in page
    status, _ = await officer.get(f"/dasbor/survei/{followers}")
    assert status == 200
    admin = await site.signed_in(ADMIN_ID)
    _status, page = await admin.get("/dasbor/survei")
    assert all(f'href="/dasbor/survei/{sid}"' in page for sid in (mine, by_admin, theirs, followers))
    await admin.close()

    cirebon = await site.signed_in(8202)
    status, page = await cirebon.get("/dasbor/survei")
    assert status == 200 and f'href="/dasbor/survei/{mine}"' not in page and f'href="/dasbor/survei/{theirs}"' in page
    for sid in (mine, followers):
        for path in ("", "/jawaban.csv", "/jawaban.xlsx"):
            status, _ = await cirebon.get(f"/dasbor/survei/{sid}{path}")
            assert status == 404, path
    status, _ = await cirebon.get("/dasbor/survei/999999")
    assert status == 404
    r = await cirebon.post("/dasbor/survei/pratinjau", form("Survei", "r32.73", [("Apa?", "skala", "")]))
    assert r.status == 400
    r = await cirebon.post("/dasbor/survei", {**form("Survei", "r32.73", [("Apa?", "skala", "")]),
                                              "kunci": "x" * 24})
    assert r.status == 400 and len(await _surveys(site)) == 4
    await cirebon.close()
    r = await officer.post("/dasbor/survei/pratinjau", form("Survei", "r32.73", [("Apa?", "skala", "")]), csrf="wrong")
    assert r.status == 403

    _status, page = await officer.get("/dasbor/survei")
    row = page.split(f'id="survei-{mine}"')[1].split("</tr>")[0]
    assert "dibuka sampai" in row and "WIB" in row
    async with site.db.unit_of_work() as s:  # its end has passed: shown closed, on the list and on its page
        closing = await s.get(Survey, mine)
        assert closing is not None
        closing.closes_at = site.clock() - timedelta(minutes=1)
    _status, page = await officer.get("/dasbor/survei")
    assert "sudah ditutup" in page.split(f'id="survei-{mine}"')[1].split("</tr>")[0]
    _status, page = await officer.get(f"/dasbor/survei/{mine}")
    assert "sudah ditutup" in page and "dibuka sampai" not in page
