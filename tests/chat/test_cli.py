"""The command line, run as an operator would: `quickwin run` serving a Bot API server on 127.0.0.1, and the tools."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest

from tests.support.fakebot import FakeBotAPI
from tests.support.processes import env_for, quickwin
from tests.support.settings import TEST_TOKEN


def test_run_without_a_token_explains_how_to_get_one(tmp_path: Path) -> None:
    result = quickwin(tmp_path, "run")
    assert result.returncode == 2
    assert "BOT_TOKEN is not set" in result.stderr and "@BotFather" in result.stderr
    assert "Traceback" not in result.stderr
    result = quickwin(tmp_path, "run", BOT_TOKEN="not-a-token")
    assert result.returncode == 2 and "does not look like a Telegram bot token" in result.stderr


def test_db_upgrade_seed_and_import(tmp_path: Path) -> None:
    assert quickwin(tmp_path, "db", "upgrade").returncode == 0
    seeded = quickwin(tmp_path, "seed")
    assert seeded.returncode == 0 and "514 new regions, 29 new programs" in seeded.stdout
    assert "0 new regions, 0 new programs" in quickwin(tmp_path, "seed").stdout
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "region_code,name,description,dimension,agency,status,source_url\n"
        "32.73,Bandung Sehat,Layanan kesehatan,living,,berjalan,\n"
        "32.73,,Tanpa nama,living,,,\n"
        "32.73,Lain,Deskripsi,galaxy,,,\n",
        encoding="utf-8",
    )
    result = quickwin(tmp_path, "import", str(bad))
    assert result.returncode == 1
    assert "Nothing imported" in result.stderr and "line 3: name is empty" in result.stderr
    assert "line 4: dimension 'galaxy'" in result.stderr
    good = tmp_path / "good.csv"
    good.write_text(bad.read_text(encoding="utf-8").splitlines()[0] + "\n32.73,Bandung Sehat,Layanan kesehatan,living,,,\n", encoding="utf-8")
    result = quickwin(tmp_path, "import", str(good))
    assert result.returncode == 0 and "Imported 1 program(s)" in result.stdout
    missing = quickwin(tmp_path, "import", str(tmp_path / "nope.csv"))
    assert missing.returncode == 2 and "Cannot read" in missing.stderr


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
async def test_quickwin_run_serves_residents_through_a_local_bot_api(tmp_path: Path, stop_signal: int) -> None:
    fake = FakeBotAPI(TEST_TOKEN)
    await fake.start()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", cwd=tmp_path,
        env=env_for(tmp_path, BOT_TOKEN=TEST_TOKEN, TELEGRAM_API_URL=fake.url, LOG_LEVEL="WARNING"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        # Queued before the bot polls, as Telegram keeps updates while a bot is down.
        user = fake.user(5001, language_code="id")
        fake.push_update(fake.message_update(user, "/start"))
        await fake.wait_for(lambda c: c.method == "sendMessage" and c.ok, timeout=60)
        [greeting] = fake.sent(5001)
        assert "Selamat datang di Quick Win Bot" in greeting.text
        fake.push_update(fake.callback_update(user, greeting.message_id, "v1:consent:yes"))
        await fake.wait_for(lambda c: c.method == "sendMessage" and c.ok and "kabupaten" in str(c.params.get("text")), timeout=30)
    finally:
        if proc.returncode is None:
            proc.send_signal(stop_signal)
        _out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
        await fake.stop()
    assert proc.returncode == 0, err.decode()
    assert (tmp_path / "cli.db").exists()


def test_official_roster_from_the_command_line(tmp_path: Path) -> None:
    assert quickwin(tmp_path, "seed").returncode == 0
    added = quickwin(tmp_path, "official", "add", "--telegram-id", "4242", "--region", "32.73", "--region", "32.74")
    assert added.returncode == 0 and "4242 is now official of: 32.73, 32.74" in added.stdout
    bad = quickwin(tmp_path, "official", "add", "--telegram-id", "4243", "--region", "99.99")
    assert bad.returncode == 2 and "Unknown region code(s): 99.99" in bad.stderr
    listed = quickwin(tmp_path, "official", "list")
    assert "4242\tofficial\tdigest on\t32.73, 32.74" in listed.stdout
    assert quickwin(tmp_path, "official", "remove", "--telegram-id", "4242", "--region", "32.74").returncode == 0
    assert "4242\tofficial\tdigest on\t32.73" in quickwin(tmp_path, "official", "list").stdout
    assert quickwin(tmp_path, "official", "remove", "--telegram-id", "4242").returncode == 0
    assert "No officials yet" in quickwin(tmp_path, "official", "list").stdout
    assert quickwin(tmp_path, "official", "remove", "--telegram-id", "4242").returncode == 1


def test_broadcast_and_export_from_the_command_line(tmp_path: Path) -> None:
    assert quickwin(tmp_path, "seed").returncode == 0
    text = tmp_path / "pengumuman.html"
    text.write_text("<b>Layanan Dukcapil</b> buka hari Sabtu.", encoding="utf-8")
    made = quickwin(tmp_path, "broadcast", "--region", "32.74", "--text-file", str(text), "--at", "2030-01-06 09:00")
    assert made.returncode == 0, made.stderr
    assert "Broadcast 1 to 0 recipients (Kota Cirebon) will be sent at 2030-01-06 09:00 WIB" in made.stdout
    status = quickwin(tmp_path, "broadcast", "status", "1")
    assert status.returncode == 0 and "Broadcast 1: scheduled" in status.stdout and "[" in status.stdout
    assert "no bot process has reported in the last minute" in status.stdout
    assert quickwin(tmp_path, "broadcast", "cancel", "1").returncode == 0
    assert "cancelled" in quickwin(tmp_path, "broadcast", "status", "1").stdout
    bad = tmp_path / "rusak.html"
    bad.write_text("<b>tidak ditutup", encoding="utf-8")
    refused = quickwin(tmp_path, "broadcast", "--all", "--text-file", str(bad))
    assert refused.returncode == 2 and "Telegram would refuse this text" in refused.stderr
    assert quickwin(tmp_path, "broadcast", "--region", "32.74").returncode == 2  # no text
    exported = quickwin(tmp_path, "export-programs", "--region", "32.74")
    assert exported.returncode == 0
    lines = exported.stdout.strip().splitlines()
    assert lines[0] == "region_code,name,description,dimension,agency,status,source_url,source_date" and len(lines) == 5
    assert all(line.endswith(",2017-11-02") for line in lines[1:])  # the source's date, as import reads it
    copy = tmp_path / "programs.csv"
    copy.write_text(exported.stdout.replace("32.74,", "32.73,"), encoding="utf-8")
    assert "Imported 4 program(s)" in quickwin(tmp_path, "import", str(copy)).stdout  # the export imports
