"""Text work is bounded and off the loop: hostile comments, slow topics, charts, "$" in names, 1 MB messages."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import matplotlib.mathtext
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.render.chart import ChartLabels, build_figure, render_chart
from bot.services import api_tokens
from bot.services.deps import Deps
from bot.services.feedback import COMMENT_MAX, DRAFT_TEXT_MAX
from bot.services.textwork import TextWork
from bot.services.topics import recurring_topics
from bot.web.app import build_web_app
from bot.web.keys import DEPS
from storage import officials as official_store
from storage.db import Database
from storage.models import Feedback, Program, Resident
from tests.support.dashboard_helpers import BANDUNG, Browser, Seeded, Site
from tests.support.fakebot import FakeBotAPI, StoredMessage
from tests.support.harness import BotHarness
from tests.support.people import open_rating, resident_in_cirebon
from tests.support.settings import make_settings

pytest_plugins = ["tests.support.dashboard_fixtures"]  # the site, seeded and officer fixtures

ROOT = Path(__file__).resolve().parents[2]
OFFICIAL, BYSTANDER = 8201, 8400
HOSTILE = ["@" * 1990] * 5 + [("😡🙏!?.,;@#-_()[]{}*&%$1 " * 100)[:1990]]
DOLLARS = "Program $x^2$ Hemat $$"

# --------------------------------------------------------------------------- the tokenizer



def test_the_topic_finder_takes_linear_time_whatever_the_text() -> None:
    # Apart, with a time limit: a pattern that backtracks again would hang this test for hours, not fail it.
    done = subprocess.run([sys.executable, "-m", "tests.support.textwork_linear"], capture_output=True, text=True, timeout=120,
                          check=True, cwd=ROOT)
    for case, (short, long) in json.loads(done.stdout).items():
        assert long <= 15 * short + 0.002, f"{case}: {short * 1000:.2f} ms for 2,000 characters, {long * 1000:.2f} ms for 20,000"
        assert long < 0.25, f"{case}: {long:.2f} s"


def test_topics_give_up_at_their_deadline_and_keep_real_words_apart() -> None:
    with pytest.raises(TimeoutError):
        recurring_topics(["jalan rusak"] * 100, deadline=time.monotonic() - 1)
    assert recurring_topics(HOSTILE * 300) == []  # 1,800 hostile comments: nothing to say, quickly
    # Why not Sastrawi (bench/topics.py): it stems "perbaikan" (repair) to "baik" (good), merging the two.
    topics = dict(recurring_topics(["pelayanan baik", "petugas baik", "mohon perbaikan jalan", "jalan belum diperbaiki"]))
    assert topics["baik"] == 2 and topics["perbaikan"] == 2


# --------------------------------------------------------------------------- the pool, the cache, the limits


def counting(calls: list[int], pause: float = 0.0) -> Callable[..., list[tuple[str, int]]]:
    def finder(comments: list[str], limit: int, *, deadline: float) -> list[tuple[str, int]]:
        calls.append(len(comments))
        time.sleep(pause)
        return recurring_topics(comments, limit, deadline=deadline)
    return finder


def busy_until_deadline(comments: list[str], limit: int, *, deadline: float) -> list[tuple[str, int]]:
    """CPU-bound Python, as the real finder on a flood of made-up words, that stops at its deadline."""
    while time.monotonic() < deadline:
        sum(i * i for i in range(2000))
    raise TimeoutError("busy")


async def test_topics_are_cached_per_scope_and_comments_and_shared_while_running() -> None:
    calls: list[int] = []
    work = TextWork(finder=counting(calls, pause=0.2), cache_size=2)
    comments = ["antrean lama", "antrean panjang"]
    first, second = await asyncio.gather(*(work.topics("r32.73/7", comments, limit=6, what="t") for _ in range(2)))
    assert first == second == [("antrean", 2)] and calls == [2]  # asked twice at once: computed once
    assert await work.topics("r32.73/7", comments, limit=6, what="t") == [("antrean", 2)] and calls == [2]
    await work.topics("r32.73/7", [*comments, "antrean ramai"], limit=6, what="t")  # a new comment: again
    assert calls == [2, 3]
    await work.topics("r32.74/7", comments, limit=6, what="t")
    await work.topics("r32.74/30", comments, limit=6, what="t")  # the third scope: r32.73/7 is forgotten
    await work.topics("r32.73/7", [*comments, "antrean ramai"], limit=6, what="t")
    assert calls == [2, 3, 2, 2, 3]
    work.close()


async def test_slow_topics_and_charts_are_left_out_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bot.services.textwork")
    work = TextWork(topics_seconds=0.3, chart_seconds=0.3, retry_after=60, workers=1, finder=busy_until_deadline)
    started = time.monotonic()
    slow, queued = await asyncio.gather(work.topics("r32.73/7", ["jalan"], limit=6, what="r32.73 (7 days)"),
                                        work.topics("r32.74/7", ["jalan"], limit=6, what="r32.74 (7 days)"))
    assert slow is None and queued is None and time.monotonic() - started < 1.0
    assert "recurring topics of r32.73 (7 days) gave up after 0.3 s on 1 comments" in caplog.text
    assert "recurring topics of r32.74 (7 days) not ready after 0.6 s" in caplog.text  # it waited behind the other
    started = time.monotonic()  # for a minute, that scope and period are not tried again, whatever the comments
    assert await work.topics("r32.73/7", ["jalan", "baru"], limit=6, what="r32.73 (7 days)") is None
    assert time.monotonic() - started < 0.05
    await asyncio.sleep(0.4)  # the queued one runs, gives up too
    def slow_drawing() -> bytes:
        time.sleep(1)
        return b"png"
    assert await work.chart(slow_drawing, what="program 7") is None
    assert "chart of program 7 not drawn within 0.3 s" in caplog.text
    assert await TextWork().chart(lambda: b"png", what="quick") == b"png"
    work.close()


# --------------------------------------------------------------------------- the service stays responsive


@dataclass
class Web:
    app: web.Application
    fake: FakeBotAPI
    db: Database
    base: str

    @property
    def deps(self) -> Deps:
        return self.app[DEPS]


@pytest.fixture
async def served(fake: FakeBotAPI, db: Database, db_url: str) -> AsyncIterator[Web]:
    """The web app (dashboard, API, health) with the bot inside it, polling the fake Bot API."""
    app = build_web_app(make_settings(fake.url, db_url), db=db, run_workers=False)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield Web(app, fake, db, str(server.make_url("")).rstrip("/"))
    finally:
        await server.close()


FROZEN_S = 5.0  # an answer later than this means the event loop was held


async def messages(fake: FakeBotAPI, chat_id: int, count: int, timeout: float = 30) -> list[StoredMessage]:
    async def enough() -> None:
        while len(fake.sent(chat_id)) < count:
            await asyncio.sleep(0.01)
    await asyncio.wait_for(enough(), timeout)
    return fake.sent(chat_id)


async def with_hostile_comments(w: Web) -> str:
    """Five comments of 1,990 "@" and one of emoji and punctuation in Kota Bandung; its official; an API token."""
    now = datetime.now(UTC)
    async with w.db.unit_of_work() as s:
        program = Program(region_code=BANDUNG, name="Bandung Sehat", description="d", dimension="living")
        s.add(program)
        await s.flush()
        s.add_all([Feedback(program_id=int(program.id or 0), region_code=BANDUNG, rating=1 + n % 5, comment=text,
                            created_at=now - timedelta(hours=n + 1)) for n, text in enumerate(HOSTILE)])
        await official_store.add_official(s, telegram_id=OFFICIAL, region_codes=[BANDUNG])
        created = await api_tokens.create_token(s, region_code=BANDUNG, label=None)
    assert created is not None
    return created.secret


async def timed(call: Any) -> tuple[float, Any]:
    started = time.monotonic()
    result = await call
    return time.monotonic() - started, result


async def get(http: aiohttp.ClientSession, url: str, **kw: Any) -> tuple[int, Any]:
    async with http.get(url, **kw) as r:
        return r.status, await r.json()


async def summary_and_bystander(w: Web, token: str) -> tuple[float, float, float, Any]:
    """The official asks for the 7-day summary; meanwhile a resident asks for help, and /healthz and the API are called."""
    officer, bystander = w.fake.user(OFFICIAL), w.fake.user(BYSTANDER)
    w.fake.push_update(w.fake.message_update(officer, "/ringkasan"))
    [chooser] = await messages(w.fake, OFFICIAL, 1)
    buttons = [b for row in (chooser.reply_markup or {})["inline_keyboard"] for b in row]
    press = next(b["callback_data"] for b in buttons if b["text"] == "7 hari")
    w.fake.push_update(w.fake.callback_update(officer, chooser.message_id, press))
    await asyncio.sleep(0.05)  # the summary is under way
    w.fake.push_update(w.fake.message_update(bystander, "/bantuan"))
    async with aiohttp.ClientSession() as http:
        (help_s, _), (health_s, health), (api_s, api) = await asyncio.gather(
            timed(messages(w.fake, BYSTANDER, 1)), timed(get(http, f"{w.base}/healthz")),
            timed(get(http, f"{w.base}/api/v1/regions/{BANDUNG}/summary", params={"period": "7"},
                      headers={"Authorization": f"Bearer {token}"})),
        )
    assert health == (200, {"status": "ok"}) and api[0] == 200
    return help_s, health_s, api_s, api[1]


async def test_hostile_comments_freeze_nobody(served: Web) -> None:
    token = await with_hostile_comments(served)
    help_s, health_s, api_s, api = await summary_and_bystander(served, token)
    # A freeze detector, not a speed test: a blocked event loop holds everyone for as long as the text work
    # runs (minutes with a backtracking pattern); served in turn, each answer comes within a second or so even
    # on a loaded two-core machine (1.2 s seen with a benchmark and two test suites beside it).
    assert help_s < FROZEN_S and health_s < FROZEN_S and api_s < FROZEN_S, (help_s, health_s, api_s)
    assert api["comments"] == 6 and api["topics"] == []
    _chooser, text, photo = await messages(served.fake, OFFICIAL, 3)
    assert "Ringkasan: Kota Bandung" in (text.text or "") and "Komentar: 6" in (text.text or "")
    assert photo.photo is not None


async def test_topics_past_their_time_limit_leave_the_summary_and_the_bystander_alone(
    served: Web, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.services.textwork")
    token = await with_hostile_comments(served)
    served.deps.textwork = TextWork(topics_seconds=1.5, chart_seconds=0.0, finder=busy_until_deadline)
    help_s, health_s, api_s, api = await summary_and_bystander(served, token)
    assert help_s < FROZEN_S and health_s < FROZEN_S, (help_s, health_s)
    assert api_s < 1.5 + FROZEN_S and api["topics"] is None  # it waited for the same work, at most its time limit
    _chooser, text, no_chart = await messages(served.fake, OFFICIAL, 3)
    assert "Ringkasan: Kota Bandung" in (text.text or "") and "belum tersedia" in (text.text or "")
    assert no_chart.photo is None and "Grafik belum dapat dibuat" in (no_chart.text or "")
    assert "recurring topics of r32.73 (7 days) gave up after 1.5 s on 6 comments" in caplog.text
    assert "chart of r32.73 (7 days) not drawn within 0.0 s" in caplog.text


# --------------------------------------------------------------------------- charts


def test_dollars_in_names_are_drawn_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_mathtext(*_args: Any, **_kw: Any) -> None:
        raise AssertionError("a name went to mathtext")
    monkeypatch.setattr(matplotlib.mathtext.MathTextParser, "parse", no_mathtext)
    labels = ChartLabels(title=f"{DOLLARS} · Kota Bandung", distribution_title="$", trend_title="$$",
                         ratings_axis="Rp $5", average_axis="a", stars_label="s", no_data="n")
    weeks = [(date(2026, 1, 5) + timedelta(days=7 * i), 3, 4.0) for i in range(12)]
    png = render_chart(distribution=[1, 2, 3, 4, 5], weekly=weeks, labels=labels, decimal_comma=True)
    assert png.startswith(b"\x89PNG")
    fig = build_figure(distribution=[1, 2, 3, 4, 5], weekly=weeks, labels=labels, decimal_comma=True)
    assert fig.get_suptitle() == f"{DOLLARS} · Kota Bandung"


async def test_a_program_named_with_dollars_has_its_chart_and_the_overview_its_topics(
    site: Site, seeded: Seeded, officer: Browser
) -> None:
    now = datetime.now(UTC)
    async with site.db.unit_of_work() as s:
        program = Program(region_code=BANDUNG, name=DOLLARS, description="d", dimension="living")
        s.add(program)
        await s.flush()
        s.add_all([Feedback(program_id=int(program.id or 0), region_code=BANDUNG, rating=3, comment=f"pendaftaran lambat {n}",
                            created_at=now - timedelta(hours=1)) for n in range(2)])
    async with officer.http.get(f"/dasbor/program/{program.id}/grafik.png") as r:
        assert r.status == 200 and r.content_type == "image/png"
    status, page = await officer.get("/dasbor?periode=7")
    assert status == 200 and "pendaftaran lambat (2)" in page  # topics found after the commit


# --------------------------------------------------------------------------- stored text is capped


async def test_a_one_megabyte_message_is_not_kept_whole(harness: BotHarness) -> None:
    huge = ("Jalan rusak di depan puskesmas. " * 32_768)[: 1 << 20]  # 1 MB: no Telegram client sends it, an update can
    p = await resident_in_cirebon(harness, 3101)
    await open_rating(p)
    await p.press("3")
    [reply] = await p.send(huge)
    assert "terlalu panjang" in reply.text and "1.048.575" in reply.text
    async with harness.db.unit_of_work() as s:
        resident = await s.get(Resident, 3101)
        assert resident is not None and len((resident.draft or {})["long_text"]) == DRAFT_TEXT_MAX
        assert (await s.exec(select(Feedback))).scalars().one().comment is None  # type: ignore[call-overload]
    await p.press("Simpan 2.000 karakter pertama", reply)
    async with harness.db.unit_of_work() as s:
        fb = (await s.exec(select(Feedback))).scalars().one()  # type: ignore[call-overload]
        assert fb.comment == huge.strip()[:COMMENT_MAX]
    async with harness.db.unit_of_work() as s:
        await official_store.add_official(s, telegram_id=3199, region_codes=["32.74"])
    officer = harness.person(3199)
    [menu] = await officer.send("/umumkan")
    await officer.press_data(menu.message_id, "v1:bcr:32.74")
    [problem] = await officer.send("<b></b>" * 150_000 + "Banjir")  # 1 MB of tags around 6 characters
    assert "terlalu panjang" in problem.text and "1050006" in problem.text
    async with harness.db.unit_of_work() as s:
        official = await s.get(Resident, 3199)
        assert official is not None and "text" not in (official.draft or {})


async def test_a_megabyte_of_accents_in_a_region_search_is_answered_at_once(harness: BotHarness) -> None:
    p = harness.person(3102)
    await p.send("/start")
    await p.press("Saya setuju")  # now asked for a regency or city
    started = time.monotonic()
    [reply] = await p.send("a" + "\u0301\u0316" * 60_000)  # NFKD sorts a run of accents in quadratic time: 20 s
    assert time.monotonic() - started < 2.0 and "tidak menemukan" in reply.text
