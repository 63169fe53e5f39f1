"""The texts that mention quiet hours say the configured ones, and say nothing when QUIET_HOURS is empty."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.i18n import I18n
from bot.render.broadcast import progress_text
from bot.services import broadcast as service
from bot.services.broadcast import Progress
from storage import officials as official_store
from storage.db import Database
from storage.models import Broadcast, Resident
from tests.support.fakebot import FakeBotAPI
from tests.support.harness import BotHarness
from tests.support.settings import ADMIN_ID, make_settings

BANDUNG = "32.73"
DAY = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 10:00 WIB
# What each setting makes the Indonesian texts say: nothing about the night without quiet hours.
NIGHT = {"": None, "22-6": "pukul 22.00–06.00 waktu setempat"}


@pytest.fixture(params=sorted(NIGHT))
async def quiet(request: pytest.FixtureRequest, fake: FakeBotAPI, db: Database, db_url: str) -> AsyncIterator[tuple[BotHarness, str | None]]:
    settings = make_settings(fake.url, db_url, admin_ids=str(ADMIN_ID), quiet_hours=request.param)
    h = BotHarness(fake, db, settings)
    h.clock.now = DAY
    await h.start()
    yield h, NIGHT[request.param]
    await h.stop()


def says_night(text: str, night: str | None) -> None:
    if night is None:
        assert "pukul" not in text and "malam" not in text and "ditunda" not in text, text
    else:
        assert night in text, text
        assert "jam malam" not in text  # that would be a curfew


async def test_the_subscription_question(quiet: tuple[BotHarness, str | None]) -> None:
    harness, night = quiet
    ani = harness.person(31001)
    await ani.send("/start")
    await ani.press("Saya setuju")
    [choices] = await ani.send("cirebon")
    await ani.press("Kota Cirebon", choices)
    assert "pengumuman resmi untuk Kota Cirebon" in choices.text and "Anda dapat berhenti kapan saja." in choices.text
    says_night(choices.text, night)


async def test_the_preview_and_the_progress(quiet: tuple[BotHarness, str | None]) -> None:
    harness, night = quiet
    async with harness.db.unit_of_work() as s:
        for rid in range(31101, 31104):
            s.add(Resident(telegram_id=rid, region_code=BANDUNG, consent_at=DAY, subscribed=True, language="id",
                           subscription_asked=True))
        await official_store.add_official(s, telegram_id=31199, region_codes=[BANDUNG])
    harness.fake.accept_any_chat = True
    officer = harness.person(31199)
    [menu] = await officer.send("/umumkan")
    await officer.press_data(menu.message_id, "v1:bcr:32.73")
    [photo_question] = await officer.send("Posyandu buka Sabtu")
    _answer, (_preview, confirm) = await officer.press_data(photo_question.message_id, "v1:bc:nophoto")
    assert confirm.text.startswith("Pratinjau pengumuman ada di atas. Pengumuman ini akan dikirim kepada 3 warga")
    says_night(confirm.text, night)

    async with harness.db.unit_of_work() as s:  # one still sending, recipients waiting
        audience = await service.resolve_audience(s, None, "region", BANDUNG)
        assert audience is not None
        b = await service.create(s, None, audience, text="Jadwal posyandu berubah", send_at=DAY)
        b.state, b.started_at = "sending", DAY
        s.add(b)
    [listing] = await harness.person(ADMIN_ID).send("/siaran")
    assert "menunggu 3" in listing.text
    says_night(listing.text, night)


@pytest.mark.parametrize(("window", "en", "id_"), [
    (None, None, None),
    ((21, 7), "Between 21:00 and 07:00 local time, sending waits until 07:00.", "Pada pukul 21.00–07.00 waktu setempat, pengiriman ditunda sampai pukul 07.00."),
    ((0, 5), "Between 00:00 and 05:00 local time, sending waits until 05:00.", "Pada pukul 00.00–05.00 waktu setempat, pengiriman ditunda sampai pukul 05.00."),
])
def test_progress_names_the_hours_in_each_language(window: tuple[int, int] | None, en: str | None, id_: str | None) -> None:
    i18n = I18n("id")
    p = Progress(Broadcast(id=7, audience="region", audience_code=BANDUNG, text="x", state="sending"), 10, 4, 0, 0, 6,
                 2.0, None)
    for lang, expected in (("en", en), ("id", id_)):
        text = progress_text(i18n.get(lang), p, window)
        lines = text.splitlines()
        if expected is None:
            assert len(lines) == 3, text  # head, figures, rate: no quiet-hours line
        else:
            assert expected in lines[-1], text


def test_an_empty_window_is_no_quiet_hours() -> None:
    assert make_settings("http://x", "sqlite+aiosqlite://", quiet_hours="").quiet_window is None
    assert make_settings("http://x", "sqlite+aiosqlite://", quiet_hours="7-7").quiet_window is None
    assert make_settings("http://x", "sqlite+aiosqlite://", quiet_hours="22-6").quiet_window == (22, 6)
