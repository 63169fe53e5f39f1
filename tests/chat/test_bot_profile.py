"""What Telegram shows before /start and on the bot's profile: set at start-up, in both languages, within limits."""

from __future__ import annotations

from bot.app import DESCRIPTION, SHORT_DESCRIPTION
from tests.support.harness import BotHarness

LIMITS = {"description": 512, "short_description": 120}
METHODS = {"setMyDescription": "description", "setMyShortDescription": "short_description"}


async def test_description_and_short_description_in_both_languages(harness: BotHarness) -> None:
    fake = harness.fake
    texts = {(key, lang): fake.my_text(key, lang) for key in LIMITS for lang in ("", "id", "en")}
    assert all(0 < len(text) <= LIMITS[key] for (key, _lang), text in texts.items()), texts
    # English is the msgid; Indonesian is the default for everyone whose Telegram is in another language.
    assert texts["description", "en"] == DESCRIPTION and texts["short_description", "en"] == SHORT_DESCRIPTION
    for key in LIMITS:
        assert texts[key, ""] == texts[key, "id"] != texts[key, "en"]
    description, short = texts["description", "id"], texts["short_description", "id"]
    assert description.startswith("Quick Win Bot menampilkan program quick win kabupaten/kota Anda.")
    assert "kami teruskan kepada petugas pemerintah daerah" in description and "persetujuan" in description
    assert short.startswith("Lihat dan nilai program quick win kabupaten/kota Anda")
    # Sent once per language at start-up, through the same path as the command menu.
    calls = [c for c in fake.calls if c.method in METHODS]
    assert sorted((c.method, c.params.get("language_code") or "") for c in calls) == sorted(
        (m, lang) for m in METHODS for lang in ("", "id", "en")), [(c.method, c.params) for c in calls]
    assert {c.method for c in fake.calls if c.method.startswith("set")} == {"setMyCommands", *METHODS}
