"""The operator's log holds no secrets, even at LOG_LEVEL=DEBUG: no bot token, no login or invitation link."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from pathlib import Path

import pytest

from bot.logs import redact
from tests.support.fakebot import FakeBotAPI
from tests.support.processes import env_for
from tests.support.settings import TEST_TOKEN

ADMIN = 990_001
LOOKS_REAL = "123456789:" + "AAE" + "abcdefghijklmnopqrstuvwxyz012345"  # shaped like a real token, made up


def test_redact_covers_tokens_urls_and_links() -> None:
    text = (f"POST http://127.0.0.1:1/bot{TEST_TOKEN}/sendMessage https://x.go.id/masuk?token=abcDEF123_- "
            f"https://t.me/qw_bot?start=inv_Zx9 Bearer qwk_s3cr3t {LOOKS_REAL}")
    clean = redact(text, [TEST_TOKEN])
    for secret in (TEST_TOKEN, "abcDEF123_-", "inv_Zx9", "qwk_s3cr3t", LOOKS_REAL.split(":")[1]):
        assert secret not in clean, secret
    assert "/sendMessage" in clean and "masuk?token=[redacted]" in clean


@pytest.mark.parametrize("libraries", ["INFO", "DEBUG"])
async def test_debug_logs_hold_no_token_and_no_link(tmp_path: Path, libraries: str) -> None:
    log_file = (tmp_path / "bot.log").open("wb")  # a pipe would fill up at DEBUG and stall the bot
    async with FakeBotAPI(TEST_TOKEN) as fake:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", cwd=tmp_path,
            env=env_for(tmp_path, BOT_TOKEN=TEST_TOKEN, TELEGRAM_API_URL=fake.url, LOG_LEVEL="DEBUG", LOG_LIBRARIES=libraries,
                        ADMIN_IDS=str(ADMIN), PUBLIC_URL="https://dasbor.example.go.id"),
            stdout=asyncio.subprocess.DEVNULL, stderr=log_file,
        )
        try:
            admin = fake.user(ADMIN, language_code="id")
            for text in ("/start", "/dasbor", "/undang 32.73"):
                fake.push_update(fake.message_update(admin, text))
            await fake.wait_for(lambda c: c.ok and "start=" in str(c.params.get("text", "")), timeout=60)
            await fake.wait_for(lambda c: c.ok and "masuk?token=" in str(c.params.get("text", "")), timeout=60)
        finally:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), timeout=60)
            log_file.close()
        sent = " ".join(m.text or "" for m in fake.sent(ADMIN))
    log = (tmp_path / "bot.log").read_text(encoding="utf-8")
    assert proc.returncode == 0, log[-2000:]
    assert "INFO quickwin: starting" in log
    if libraries == "INFO":  # capped unless asked: no request, no update, no message text
        assert "DEBUG telegram" not in log and "Selamat datang" not in log
    else:  # asked for: every request and update is there, the secrets still are not
        assert "DEBUG telegram" in log and "sendMessage" in log
    secrets = re.findall(r"(?:token|start)=([A-Za-z0-9_-]{8,})", sent)
    assert len(secrets) == 2, sent
    for secret in (*secrets, TEST_TOKEN, TEST_TOKEN.split(":")[1]):
        assert secret not in log, f"{secret!r} is in the log"
