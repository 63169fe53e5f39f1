"""Deadline figures on the dashboard (overview, the feedback list's count and filter) and in the data API."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.config import Settings
from bot.web.app import build_web_app
from storage.db import Database
from storage.models import Feedback, Program, TicketMessage
from tests.support.api_client import NOW as API_NOW
from tests.support.api_client import Client, call, new_token
from tests.support.dashboard_helpers import Browser, Seeded, Site
from tests.support.fakebot import FakeBotAPI
from tests.support.settings import make_settings

pytest_plugins = ["tests.support.dashboard_fixtures"]  # the site, seeded and officer fixtures

BANDUNG, CIREBON = "32.73", "32.74"
NOW = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)  # Wednesday, 12:00 WIB: due soon ends with Thursday 3 December


def utc(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def plain(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def ticket(program: int, region: str, comment: str, clock: datetime, due: datetime,
           answered: datetime | None = None) -> Feedback:
    return Feedback(program_id=program, region_code=region, rating=3, comment=comment, created_at=clock,
                    clock_at=clock, due_at=due, answered_at=answered)


async def add(db: Database, rows: list[Feedback], rejected: list[tuple[int, datetime]]) -> None:
    """The rows, and a resident's "Belum" on the rows[i] given."""
    async with db.unit_of_work() as s:
        s.add_all(rows)
        await s.flush()
        s.add_all([TicketMessage(feedback_id=rows[i].id, kind="satisfaction", status="belum", at=at) for i, at in rejected])


@pytest.fixture
def frozen(site: Site) -> Site:
    """The site's clock at NOW (before anyone signs in, so sessions follow the same clock)."""
    site.clock.now = NOW
    return site


@pytest.fixture
async def deadlines(frozen: Site, seeded: Seeded) -> Seeded:
    cirebon = seeded.cirebon
    await add(frozen.db, [
        ticket(seeded.bandung_health, BANDUNG, "lampu padam dijawab", utc(11, 26, 2), utc(11, 30, 17), utc(11, 27, 14)),  # on time, 36 h
        ticket(seeded.bandung_health, BANDUNG, "jalan berlubang belum dijawab", utc(11, 25, 17), utc(12, 1, 17)),  # overdue
        ticket(seeded.bandung_wifi, BANDUNG, "wifi segera jatuh tempo", utc(11, 27, 2), utc(12, 2, 17)),  # due soon
        ticket(seeded.bandung_wifi, BANDUNG, "wifi dijawab terlambat", utc(11, 26), utc(11, 30, 17), utc(12, 1, 5)),  # late, 125 h
        ticket(cirebon, CIREBON, "rahasia Cirebon terlambat", utc(11, 25), utc(11, 28)),  # another region's
    ], rejected=[(0, utc(11, 28))])
    return seeded


async def test_overview_shows_the_deadline_figures(deadlines: Seeded, officer: Browser) -> None:
    status, page = await officer.get("/dasbor?periode=7")
    assert status == 200
    text = plain(page)
    # settled: the answered two and the overdue one; one on time. Median of 36 h and 125 h: 80.5 h, 3.4 days.
    assert "Ditanggapi tepat waktu 33% dari 3 komentar" in text
    assert "Median waktu tanggapan pertama 3,4 hari" in text
    assert "Terlambat saat ini 1 " in text and "Segera jatuh tempo 1 hingga Kamis, 3 Desember 2026" in text
    assert "Tindak lanjut ditolak 1" in text
    assert "Batas waktu tanggapan per program" in text and "rahasia" not in page
    # the table: Bandung Sehat 1 overdue, 0 soon, 50% (1 of 2), 36 h; Wifi Taman 0, 1, 0% (0 of 1), 125 h = 5.2 days
    assert "Bandung Sehat 1 0 50% 1,5 hari 1" in text
    assert "Wifi Taman 0 1 0% 5,2 hari 0" in text
    assert 'href="/dasbor/masukan?wilayah=r32.73&amp;tenggat=terlambat"' in page


async def test_overview_with_nothing_to_count(frozen: Site, seeded: Seeded, officer: Browser) -> None:
    status, page = await officer.get("/dasbor?periode=30")
    text = plain(page)
    assert status == 200 and "Ditanggapi tepat waktu – belum ada data" in text
    assert "Median waktu tanggapan pertama – belum ada data" in text and "Terlambat saat ini 0" in text
    assert "Belum ada komentar dengan batas waktu tanggapan." in text


async def test_feedback_list_counts_and_filters_by_deadline(deadlines: Seeded, officer: Browser) -> None:
    status, page = await officer.get("/dasbor/masukan")
    assert status == 200
    assert "Terlambat: 1 · Segera jatuh tempo: 1" in plain(page)
    status, page = await officer.get("/dasbor/masukan?tenggat=terlambat")
    assert status == 200 and "jalan berlubang belum dijawab" in page
    assert "wifi segera" not in page and "lampu padam" not in page and "rahasia" not in page
    assert '<option value="terlambat" selected>' in page
    status, page = await officer.get("/dasbor/masukan?tenggat=segera")
    assert status == 200 and "wifi segera jatuh tempo" in page and "jalan berlubang" not in page
    status, page = await officer.get(f"/dasbor/masukan?tenggat=terlambat&program={deadlines.bandung_wifi}")
    assert status == 200 and "Terlambat: 0 · Segera jatuh tempo: 1" in plain(page)
    status, page = await officer.get("/dasbor/masukan?tenggat=besok")
    assert status == 400 and "tenggat" in page


# --------------------------------------------------------------------------- the data API


@pytest.fixture
def settings(fake: FakeBotAPI, db_url: str) -> Settings:
    return make_settings(fake.url, db_url)


@pytest.fixture
async def client(settings: Settings, db: Database) -> AsyncIterator[Client]:
    app = build_web_app(settings, db=db, clock=lambda: API_NOW, run_workers=False)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c


async def test_api_summary_carries_the_deadline_figures(client: Client, db: Database) -> None:
    # API_NOW is Friday 20 March 2026 12:00 WIB, a cuti bersama of Idul Fitri; the next working day is Wednesday 25.
    token = await new_token(db, CIREBON)
    async with db.unit_of_work() as s:
        pid, name = (await s.exec(select(Program.id, Program.name).where(Program.region_code == CIREBON)
                                  .order_by(Program.id))).first()  # type: ignore[call-overload, misc]

    def at(day: int, month: int = 3) -> datetime:
        return datetime(2026, month, day, 1, tzinfo=UTC)

    await add(db, [
        ticket(pid, CIREBON, "x", at(2), at(7), at(3)),  # on time, 24 h
        ticket(pid, CIREBON, "y", at(4), at(9), at(11)),  # late, 168 h
        ticket(pid, CIREBON, "z", at(10), at(16)),  # overdue
        ticket(pid, CIREBON, "w", at(18), datetime(2026, 3, 25, 16, tzinfo=UTC)),  # due soon
        ticket(pid, CIREBON, "v", at(18), datetime(2026, 3, 26, 16, tzinfo=UTC)),  # due after Wednesday
        ticket(pid, CIREBON, "p", at(2, 2), at(6, 2), at(3, 2)),  # the 30 days before: on time, 24 h
    ], rejected=[(0, at(5))])
    status, body, _ = await call(client, f"/api/v1/regions/{CIREBON}/summary", token)
    assert status == 200
    period = {"settled": 3, "answered_on_time": 1, "answered": 2, "on_time_share": 0.33,
              "median_first_answer_hours": 96.0, "rejected_closures": 1}
    before = {"settled": 1, "answered_on_time": 1, "answered": 1, "on_time_share": 1.0,
              "median_first_answer_hours": 24.0, "rejected_closures": 0}
    assert body["deadlines"] == {
        **period, "overdue": 1, "due_soon": 1, "due_soon_until": "2026-03-26T00:00:00+07:00", "previous": before,
        "programs": [{"id": pid, "name": name, "overdue": 1, "due_soon": 1, **period, "previous": before}],
    }
    status, body, _ = await call(client, f"/api/v1/regions/{CIREBON}/summary", token, period="all")
    assert body["deadlines"]["previous"] is None and body["deadlines"]["settled"] == 4
    token = await new_token(db, BANDUNG)
    status, body, _ = await call(client, f"/api/v1/regions/{BANDUNG}/summary", token)
    assert body["deadlines"]["on_time_share"] is None and body["deadlines"]["median_first_answer_hours"] is None
    assert (body["deadlines"]["overdue"], body["deadlines"]["programs"]) == (0, [])


async def test_each_ticket_shows_its_deadline(deadlines: Seeded, officer: Browser) -> None:
    status, page = await officer.get("/dasbor/masukan")
    text = plain(page)
    assert status == 200
    assert "jalan berlubang belum dijawab" in text and "Terlambat (batas waktu Selasa, 1 Desember 2026)" in text
    assert "Tanggapi paling lambat Rabu, 2 Desember 2026." in text  # the wifi ticket, due by the end of today
    assert text.count("Terlambat (batas") == 1  # answered tickets show no deadline
