"""The simulator (/dasbor/coba): the real bot in the browser, through the in-process stand-in of the Bot API.

A browser walks a resident's journey (the same texts the Telegram tests see); the test resident's rating reaches
no summary, export or data API; the stand-in refuses what Telegram refuses.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from bot.telegram.standin import ApiError, StandIn
from storage.models import Feedback
from storage.simulated import TEST_MARK, simulated_resident
from tests.support.browser import shot
from tests.support.dashboard_helpers import Seeded, Site

pytest_plugins = ["tests.support.dashboard_fixtures", "tests.support.browser_fixtures"]  # site, seeded, phone


async def _bubbles(page: Any) -> list[str]:
    return await page.locator("article.bubble.bot .sim-text").all_inner_texts()


async def _press(page: Any, label: str) -> None:
    await page.locator("article.bubble.bot").last.get_by_role("button", name=label).first.click()
    await page.wait_for_load_state()


async def _say(page: Any, text: str) -> None:
    await page.fill("form.sim-send textarea[name=teks]", text)
    await page.locator("form.sim-send").get_by_role("button", name="Kirim").click()
    await page.wait_for_load_state()


@pytest.mark.usefixtures("browser_available")
async def test_an_official_walks_a_resident_journey_in_the_simulator(site: Site, seeded: Seeded, phone: Any) -> None:
    page = phone
    await page.goto(await site.login_url(8201))
    await page.get_by_role("button", name="Masuk").click()
    await page.wait_for_url("**/dasbor")
    await page.get_by_role("link", name="Coba bot").click()
    await page.get_by_role("heading", name="Coba bot").wait_for()

    await _say(page, "/start")
    assert "Selamat datang" in (await _bubbles(page))[-1]
    await shot(page, "00-start", "simulator")
    await _press(page, "Saya setuju")
    last = (await _bubbles(page))[-1]
    assert last.startswith("Terima kasih, persetujuan Anda sudah tercatat.")  # the greeting, edited in place
    assert "Di kabupaten atau kota mana Anda tinggal?" in last
    await _say(page, "bandung")
    await _press(page, "Kota Bandung")
    assert (await _bubbles(page))[-1].startswith("Kabupaten/kota Anda sekarang Kota Bandung, Jawa Barat.")
    await _press(page, "Tidak, terima kasih")
    assert "Program quick win di Kota Bandung" in (await _bubbles(page))[-1]
    await shot(page, "01-programs", "simulator")
    await _press(page, "Bandung Sehat")
    await _press(page, "Beri nilai")
    assert "1 = sangat kurang, 5 = sangat baik." in (await _bubbles(page))[-1]
    await _press(page, "5")
    await _say(page, "Coba dari simulator: <b>antrean</b> & 🙂")
    texts = await _bubbles(page)
    number = re.search(r"\b3273-[0-9A-Z]{5}\b", texts[-1])
    assert number is not None, texts[-1]
    await shot(page, "02-ticket", "simulator")
    # What the resident typed is shown as text, never as markup.
    assert "Coba dari simulator: <b>antrean</b> & 🙂" in await page.locator("article.bubble.me").last.inner_text()

    async with site.db.unit_of_work() as s:
        [row] = (await s.exec(select(Feedback).where(Feedback.ticket == number.group(0)))).scalars()  # type: ignore[call-overload]
    assert row.resident_id == simulated_resident(8201) and row.moderation == TEST_MARK
    # Out of the dashboard's list, its exports and the figures.
    officer = await site.signed_in(8201)
    _, listing = await officer.get("/dasbor/masukan")
    assert number.group(0) not in listing
    _, exported = await officer.get("/dasbor/ekspor.csv")
    assert number.group(0) not in exported
    _, overview = await officer.get("/dasbor")
    assert "Coba dari simulator" not in overview
    await officer.close()

    await page.get_by_role("button", name="Mulai lagi (hapus warga uji)").click()
    await page.wait_for_load_state()
    assert await page.locator("article.bubble").count() == 0


def test_the_stand_in_refuses_what_telegram_refuses() -> None:
    standin = StandIn()
    standin.chat(5)
    with pytest.raises(ApiError, match="chat not found"):
        standin.call("sendMessage", {"chat_id": 6, "text": "hai"}, {})
    with pytest.raises(ApiError, match="can't parse entities"):
        standin.call("sendMessage", {"chat_id": 5, "text": "<b>hai", "parse_mode": "HTML"}, {})
    with pytest.raises(ApiError, match="too long"):
        standin.call("sendMessage", {"chat_id": 5, "text": "x" * 4097}, {})
    with pytest.raises(ApiError, match="BUTTON_DATA_INVALID"):
        standin.call("sendMessage", {"chat_id": 5, "text": "hai", "reply_markup": {
            "inline_keyboard": [[{"text": "A", "callback_data": "x" * 65}]]}}, {})
    sent = standin.call("sendMessage", {"chat_id": 5, "text": "<b>hai</b>", "parse_mode": "HTML"}, {})
    with pytest.raises(ApiError, match="not modified"):
        standin.call("editMessageText", {"chat_id": 5, "message_id": sent["message_id"], "text": "<b>hai</b>",
                                         "parse_mode": "HTML"}, {})
    with pytest.raises(ApiError, match="query is too old"):
        standin.call("answerCallbackQuery", {"callback_query_id": "nope"}, {})
    with pytest.raises(ApiError, match="Not Found"):
        standin.call("sendSomething", {}, {})
