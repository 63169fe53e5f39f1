"""Start-up as an operator meets it: Telegram unreachable, a rejected token, Ctrl-C, webhook URLs."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings
from tests.support.fakebot import FakeBotAPI
from tests.support.processes import env_for
from tests.support.settings import TEST_TOKEN


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def start_bot(tmp_path: Path, api_url: str, command: str = "run") -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", command, cwd=tmp_path,
        env=env_for(tmp_path, BOT_TOKEN=TEST_TOKEN, TELEGRAM_API_URL=api_url, LOG_LEVEL="INFO",
                    WEB_HOST="127.0.0.1", WEB_PORT=str(free_port())),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def read_until(proc: asyncio.subprocess.Process, needle: str, timeout: float = 60) -> list[str]:
    lines: list[str] = []
    assert proc.stderr is not None
    async with asyncio.timeout(timeout):
        while True:
            line = (await proc.stderr.readline()).decode()
            assert line, f"the bot ended before saying {needle!r}:\n" + "".join(lines)
            lines.append(line)
            if needle in line:
                return lines


async def test_unreachable_telegram_at_start_is_waited_for(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = await start_bot(tmp_path, url)
    try:
        lines = await read_until(proc, "unreachable")
        assert url in lines[-1] and "retrying until it answers" in lines[-1]
        await asyncio.sleep(2)
        assert proc.returncode is None  # still trying
        async with FakeBotAPI(TEST_TOKEN, port=port) as fake:
            fake.push_update(fake.message_update(fake.user(5101, language_code="id"), "/start"))
            await fake.wait_for(lambda c: c.method == "sendMessage" and c.ok, timeout=60)
            proc.send_signal(signal.SIGTERM)
            _out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
        assert proc.returncode == 0
        text = "".join(lines) + err.decode()
        assert "Traceback" not in text
        assert text.count("retrying until it answers") == 1  # one line, not one per attempt
        assert "reachable again" in text
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_ctrl_c_while_waiting_for_telegram_stops_quietly(tmp_path: Path) -> None:
    proc = await start_bot(tmp_path, f"http://127.0.0.1:{free_port()}")
    try:
        await read_until(proc, "unreachable")
        proc.send_signal(signal.SIGINT)
        _out, err = await asyncio.wait_for(proc.communicate(), timeout=30)
        assert proc.returncode in (0, 130) and "Traceback" not in err.decode()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


@pytest.mark.parametrize("command", ["run", "serve"])
async def test_a_rejected_token_exits_2_without_a_traceback(tmp_path: Path, command: str) -> None:
    async with FakeBotAPI("7000002:another-token-the-server-knows") as fake:
        proc = await start_bot(tmp_path, fake.url, command)
        _out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    text = err.decode()
    assert proc.returncode == 2, text
    assert "Telegram rejected BOT_TOKEN" in text and "@BotFather" in text
    assert "Traceback" not in text and TEST_TOKEN.split(":")[1] not in text  # the secret is not printed


def test_http_webhooks_only_with_a_self_hosted_bot_api() -> None:
    common = {"_env_file": None, "bot_token": TEST_TOKEN, "webhook_secret": "s" * 32,
              "webhook_url": "http://10.0.0.5:8443/telegram/webhook"}
    local = load_settings(Settings, telegram_api_url="http://127.0.0.1:8081", **common)
    assert local.webhook_url == "http://10.0.0.5:8443/telegram/webhook"
    with pytest.raises(ConfigError, match="https://"):
        load_settings(Settings, telegram_api_url="https://api.telegram.org", **common)  # settings only: no call
