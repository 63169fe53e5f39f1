"""The privacy notice: a short first screen, the full notice naming the controller, retention and every right."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from bot.config import ConfigError, Settings
from bot.i18n import I18n
from bot.services.privacy import FIRST_SCREEN_MAX, NOTICE_VERSION, Controller, first_screen, full_notice
from handlers.common import plain
from storage.models import Resident
from tests.support.harness import BotHarness
from tests.support.settings import TEST_TOKEN

CONTROLLER = Controller("Dinas Kominfo Kota Bandung", "ppid@bandung.go.id", 24)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_first_screen_is_short_and_the_full_notice_complete(lang: str) -> None:
    t = I18n("id").get(lang)
    assert len(plain(first_screen(t))) < FIRST_SCREEN_MAX
    notice = plain(full_notice(t, CONTROLLER))
    assert len(notice) < 4096
    for needle in ("Dinas Kominfo Kota Bandung", "ppid@bandung.go.id", "24", "27", "18",
                   "/dataku", "/wilayah", "/bahasa", "/hapusdata", "/langganan", "/privasi"):
        assert needle in notice, needle
    if lang == "id":
        for needle in ("persetujuan Anda", "Menarik persetujuan", "keberatan", "Memperbaiki", "lokasi",
                       "admin nasional", "API data", "dianonimkan"):
            assert needle in notice, needle


def test_a_controller_is_required_with_telegrams_own_bot_api() -> None:
    production = Settings(_env_file=None, bot_token=TEST_TOKEN)  # type: ignore[call-arg, arg-type]
    with pytest.raises(ConfigError, match="DATA_CONTROLLER and DATA_CONTROLLER_CONTACT must be set"):
        production.require_data_controller()
    Settings(_env_file=None, bot_token=TEST_TOKEN, data_controller="Diskominfo",  # type: ignore[call-arg, arg-type]
             data_controller_contact="ppid@example.go.id").require_data_controller()
    Settings(_env_file=None, bot_token=TEST_TOKEN,  # type: ignore[call-arg, arg-type]
             telegram_api_url="http://127.0.0.1:8081").require_data_controller()  # a local server or the fake


async def test_read_more_privasi_and_a_changed_notice(harness: BotHarness) -> None:
    ani = harness.person(1301)
    [greeting] = await ani.send("/start")
    assert len(greeting.text) < FIRST_SCREEN_MAX and "Pengendali" not in greeting.text
    await ani.press("Baca selengkapnya", greeting)
    assert "Pengendali data" in greeting.text and "/hapusdata" in greeting.text  # the same message, in full
    assert len(greeting.text) < 4096
    await ani.press("Saya setuju", greeting)
    await ani.choose_region("kota bandung", "Kota Bandung")
    [notice] = await ani.send("/privasi")
    assert "Pengendali data" in notice.text and "Anda memberikan persetujuan pada" in notice.text
    assert ani.buttons(notice) == []

    async with harness.db.unit_of_work() as s:  # the notice changed since Ani agreed
        older = update(Resident).where(Resident.telegram_id == 1301).values(consent_version=1)  # type: ignore[arg-type]
        await s.exec(older)  # type: ignore[call-overload]
    [asked] = await ani.send("halo")
    assert "diperbarui" in asked.text and len(asked.text) < FIRST_SCREEN_MAX
    assert [t for t, _ in ani.buttons(asked)][:2] == ["Saya setuju", "Nanti saja"]
    await ani.press("Saya setuju", asked)
    [reply] = await ani.send("halo")
    assert "diperbarui" not in reply.text
    async with harness.db.unit_of_work() as s:
        resident = await s.get(Resident, 1301)
        assert resident is not None and resident.consent_version == NOTICE_VERSION
