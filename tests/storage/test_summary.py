"""The official's summary: figures on real SQLite and PostgreSQL, recurring topics, and the chart."""

from __future__ import annotations

import struct
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, select

from bot.render.chart import ChartLabels, build_figure, format_number, render_chart
from bot.services.topics import recurring_topics
from storage.db import Database
from storage.models import Feedback, Program, Region
from storage.summary import PRIOR_WEIGHT, summary_figures

CIREBON, DEPOK, SEMARANG = "32.74", "32.76", "33.74"
UNTIL = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)  # a Friday
WEEK = timedelta(days=7)


async def _programs(db: Database, region: str) -> list[int]:
    async with db.unit_of_work() as s:
        stmt = select(Program.id).where(Program.region_code == region).order_by(Program.id)
        return list((await s.exec(stmt)).scalars().all())  # type: ignore[call-overload]


async def _add(db: Database, rows: list[dict]) -> None:  # type: ignore[type-arg]
    async with db.unit_of_work() as s:
        s.add_all([Feedback(**{"status": "baru", **row}) for row in rows])


async def _figures(db: Database, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("until", UNTIL)
    kwargs.setdefault("since", UNTIL - WEEK)
    async with db.unit_of_work() as s:
        return await summary_figures(s, **kwargs)


async def _program(db: Database, region: str, name: str) -> int:
    async with db.unit_of_work() as s:
        program = Program(region_code=region, name=name, description="d", dimension="living")
        s.add(program)
        await s.flush()
        return int(program.id)  # type: ignore[arg-type]


async def test_period_figures_previous_period_waiting_and_scope(db: Database) -> None:
    pid = (await _programs(db, CIREBON))[0]
    other = await _program(db, "33.71", "Program Surakarta")  # a seeded region with programs
    day = timedelta(days=1)
    at = UNTIL - 2 * day
    await _add(db, [
        # this week: 5 4 4 2, plus an older rating of the same resident (superseded)
        {"region_code": CIREBON, "program_id": pid, "rating": 5, "created_at": at, "comment": "bagus",
         "status": "selesai"},
        {"region_code": CIREBON, "program_id": pid, "rating": 4, "created_at": at + timedelta(hours=1),
         "comment": "antrian lama"},
        {"region_code": CIREBON, "program_id": pid, "rating": 4, "created_at": at - day},
        # the period's first instant belongs to it
        {"region_code": CIREBON, "program_id": pid, "rating": 2, "created_at": UNTIL - WEEK},
        {"region_code": CIREBON, "program_id": pid, "rating": 1, "created_at": at - 2 * day, "superseded": True},
        # the week before: 1 3, one comment waiting
        {"region_code": CIREBON, "program_id": pid, "rating": 1, "created_at": at - WEEK, "comment": "rusak"},
        {"region_code": CIREBON, "program_id": pid, "rating": 3, "created_at": at - WEEK - day},
        # long ago, still waiting for an answer; and one at `until` itself, which is outside the period
        {"region_code": CIREBON, "program_id": pid, "rating": 5, "created_at": at - 10 * WEEK,
         "comment": "lama sekali"},
        {"region_code": CIREBON, "program_id": pid, "rating": 3, "created_at": UNTIL, "comment": "besok"},
        # another province's region, same week
        {"region_code": "33.71", "program_id": other, "rating": 1, "created_at": at, "comment": "buruk"},
        {"region_code": "33.71", "program_id": other, "rating": 1, "created_at": at, "comment": "buruk sekali"},
    ])
    figures = await _figures(db, region_codes=[CIREBON])
    assert figures.current.distribution == (1, 1, 0, 2, 1)
    assert (figures.current.ratings, figures.current.comments) == (5, 2)
    assert figures.current.average == pytest.approx(16 / 5)
    assert figures.previous is not None
    assert figures.previous.distribution == (1, 0, 1, 0, 0)
    assert (figures.previous.ratings, figures.previous.comments, figures.previous.average) == (2, 1, 2.0)
    assert figures.waiting == 4  # "antrian lama", "rusak", "lama sekali", "besok": never the other region's
    assert figures.comments == ["antrian lama", "bagus"]  # newest first
    assert [(p.program_id, p.count) for p in figures.programs] == [(pid, 4)]  # the superseded row is not ranked

    country = await _figures(db, region_codes=None)
    assert country.current.ratings == 7 and country.waiting == 6
    assert {p.region_code for p in country.programs} == {CIREBON, "33.71"}
    async with db.unit_of_work() as s:
        west_java = (await s.exec(select(Region.code).where(Region.province_code == "32"))).scalars().all()  # type: ignore[call-overload]
    province = await _figures(db, region_codes=west_java)
    assert province.current == figures.current and province.waiting == 4
    assert "buruk" not in province.comments

    everything = await _figures(db, region_codes=[CIREBON], since=None)
    assert everything.previous is None
    assert everything.current.ratings == 8 and everything.current.comments == 4
    assert everything.comments[0] == "antrian lama" and everything.comments[-1] == "lama sekali"

    empty = await _figures(db, region_codes=[DEPOK])
    assert empty.current.average is None and empty.current.distribution == (0, 0, 0, 0, 0)
    assert empty.programs == [] and empty.comments == [] and empty.waiting == 0
    assert all(n == 0 and avg is None for _, n, avg in empty.weekly)


async def test_ranking_uses_a_bayesian_average(db: Database) -> None:
    one_vote, steady, weak = (await _programs(db, CIREBON))[:3]
    removed = (await _programs(db, CIREBON))[3]
    at = UNTIL - timedelta(days=3)
    rows = [{"program_id": one_vote, "rating": 5}]
    rows += [{"program_id": steady, "rating": 5 if i < 18 else 4} for i in range(30)]  # average 4.6
    rows += [{"program_id": weak, "rating": 2} for _ in range(20)]
    rows += [{"program_id": steady, "rating": 1, "superseded": True} for _ in range(5)]
    rows += [{"program_id": removed, "rating": 5} for _ in range(50)]
    await _add(db, [{"region_code": CIREBON, "created_at": at, **row} for row in rows])
    async with db.unit_of_work() as s:
        program = await s.get(Program, removed)
        program.removed_at = UNTIL  # type: ignore[union-attr]
        s.add(program)

    ranking = (await _figures(db, region_codes=[CIREBON])).programs
    assert [p.program_id for p in ranking] == [steady, one_vote, weak]
    best, single = ranking[0], ranking[1]
    assert (best.count, best.average, single.count, single.average) == (30, pytest.approx(4.6), 1, 5.0)
    mean = (5 + 138 + 40) / 51  # the scope's mean over the ranked ratings
    assert single.score == pytest.approx((PRIOR_WEIGHT * mean + 5) / (PRIOR_WEIGHT + 1))
    assert best.score == pytest.approx((PRIOR_WEIGHT * mean + 138) / (PRIOR_WEIGHT + 30))
    assert best.name and best.region_code == CIREBON


async def test_weekly_buckets_follow_the_local_week(db: Database) -> None:
    pid = (await _programs(db, CIREBON))[0]
    sunday = datetime(2026, 3, 8, tzinfo=UTC)  # a Sunday
    await _add(db, [
        {"region_code": CIREBON, "program_id": pid, "rating": 4, "created_at": sunday.replace(hour=23, minute=30)},
        {"region_code": CIREBON, "program_id": pid, "rating": 2, "created_at": sunday.replace(hour=15, minute=30)},
        {"region_code": CIREBON, "program_id": pid, "rating": 5, "created_at": sunday.replace(hour=10)},
        {"region_code": CIREBON, "program_id": pid, "rating": 1, "created_at": datetime(2025, 12, 28, 10, tzinfo=UTC)},
    ])
    wit = (await _figures(db, region_codes=[CIREBON], zone="WIT")).weekly
    assert len(wit) == 12 and all(monday.weekday() == 0 for monday, _, _ in wit)
    assert wit[0][0] == date(2025, 12, 29) and wit[-1][0] == date(2026, 3, 16)
    by_week = {monday: (n, avg) for monday, n, avg in wit}
    # 23:30 and 15:30 UTC on Sunday are already Monday in WIT (UTC+9); 10:00 is still Sunday.
    assert by_week[date(2026, 3, 9)] == (2, 3.0)
    assert by_week[date(2026, 3, 2)] == (1, 5.0)
    assert by_week[date(2026, 3, 16)] == (0, None)
    assert sum(n for _, n, _ in wit) == 3  # the December rating is before the first week

    wib = {monday: (n, avg) for monday, n, avg in (await _figures(db, region_codes=[CIREBON], zone="WIB")).weekly}
    assert wib[date(2026, 3, 9)] == (1, 4.0)  # 15:30 UTC is 22:30 on Sunday in WIB
    assert wib[date(2026, 3, 2)] == (2, 3.5)
    with pytest.raises(ValueError):
        await _figures(db, region_codes=[CIREBON], zone="CET")


async def test_the_same_four_queries_however_much_feedback(db: Database) -> None:
    pid = (await _programs(db, CIREBON))[0]
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    async def run() -> int:
        statements.clear()
        event.listen(db.engine.sync_engine, "before_cursor_execute", record)
        try:
            await _figures(db, region_codes=None, since=None)
        finally:
            event.remove(db.engine.sync_engine, "before_cursor_execute", record)
        return len(statements)

    assert await run() == 4
    await _add(db, [
        {"region_code": CIREBON, "program_id": pid, "rating": 1 + i % 5, "created_at": UNTIL - timedelta(hours=7 * i),
         "comment": f"komentar {i}" if i % 2 else None}
        for i in range(300)
    ])
    assert await run() == 4


# --------------------------------------------------------------------------- topics


def test_topics_group_word_forms_and_count_each_comment_once() -> None:
    topics = recurring_topics(["Jalannya rusak!", "jalan rusak parah, jalan jalan", "perbaikan jalan"])
    assert topics == [("jalan", 3), ("jalan rusak", 2)]  # "rusak" only ever comes with "jalan"


def test_topics_drop_stop_words_urls_numbers_emoji_and_rare_words() -> None:
    comments = [
        "Saya sudah 3 kali ke sana dan tidak ada yang bisa 😡 https://contoh.id/antrian",
        "kami juga tidak bisa, tolong min!! 123",
        "the app is not working",
        "the app is still not working again",
        "sekali saja",
    ]
    assert recurring_topics(comments) == [("app working", 2)]


def test_topics_strip_particles_and_affixes_but_show_a_real_word() -> None:
    comments = [
        "Pelayanannya lambat",
        "pelayanan lambat di kantor",
        "Kami dilayani dengan ramah",
        "layanan daring sering error",
        "sekolahnya jauh",
        "sekolah dekat pasar",
        "Masalahnya antrian panjang",
        "masalah parkir",
        "Antriannya panjang sekali",
    ]
    topics = dict(recurring_topics(comments, limit=20))
    assert topics["pelayanan"] == 4  # pelayanan / layanan / dilayani, shown by the most frequent form
    assert topics["pelayanan lambat"] == 2 and "lambat" not in topics
    assert topics["sekolah"] == 2 and topics["masalah"] == 2  # never cut to "seko" or "masa"
    assert topics["antrian panjang"] == 2
    assert "pelayanannya" not in topics and "sekolahnya" not in topics


def test_topics_order_is_count_then_alphabetical_and_limited() -> None:
    comments = ["wifi taman", "wifi taman", "banjir", "banjir", "zebra cross", "zebra cross", "wifi"]
    assert recurring_topics(comments, limit=3) == [("wifi", 3), ("banjir", 2), ("wifi taman", 2)]
    assert recurring_topics([]) == []


# --------------------------------------------------------------------------- chart

LABELS = ChartLabels(
    title="Ringkasan Kota Cirebon", distribution_title="Sebaran nilai", trend_title="Tren mingguan",
    ratings_axis="Jumlah penilaian", average_axis="Rata-rata", stars_label="Nilai", no_data="Belum ada data",
)
WEEKS = [(date(2026, 1, 5) + i * WEEK, 1200 + 40 * i, 4.3 if i % 3 else None) for i in range(12)]


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def test_chart_is_a_small_png_of_the_expected_size() -> None:
    png = render_chart(distribution=[3, 10, 40, 1300, 900], weekly=WEEKS, labels=LABELS, decimal_comma=True)
    assert _png_size(png) == (1000, 600)
    assert len(png) < 150_000


def test_chart_renders_without_data() -> None:
    empty_weeks = [(monday, 0, None) for monday, _, _ in WEEKS]
    png = render_chart(distribution=[0, 0, 0, 0, 0], weekly=empty_weeks, labels=LABELS, decimal_comma=False)
    assert _png_size(png) == (1000, 600)
    fig = build_figure(distribution=[0] * 5, weekly=empty_weeks, labels=LABELS, decimal_comma=False)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert texts.count("Belum ada data") == 2


def _texts(decimal_comma: bool) -> set[str]:
    fig = build_figure(distribution=[3, 10, 40, 1300, 900], weekly=WEEKS, labels=LABELS, decimal_comma=decimal_comma)
    fig.canvas.draw()  # tick labels exist only once drawn
    found = {t.get_text() for t in fig.findobj(lambda o: hasattr(o, "get_text"))}  # type: ignore[attr-defined]
    found |= {t.get_text() for ax in fig.axes for t in ax.get_yticklabels()}
    return found


def test_chart_numbers_follow_the_decimal_mark() -> None:
    comma, point = _texts(True), _texts(False)
    assert {"4,3", "1.300", "Ringkasan Kota Cirebon", "Rata-rata"} <= comma
    assert {"4.3", "1,300"} <= point and "4,3" not in point
    assert format_number(1234.56, decimal_comma=True, decimals=1) == "1.234,6"
    assert format_number(1234.56, decimal_comma=False, decimals=1) == "1,234.6"
