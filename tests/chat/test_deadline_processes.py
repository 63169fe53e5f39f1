"""Two `quickwin run` processes on one database: every overdue notice goes out once, not once per process."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage import officials as official_store
from storage.db import Database
from storage.models import Feedback, Program, Resident
from tests.support.fakebot import FakeBotAPI
from tests.support.processes import env_for
from tests.support.settings import TEST_TOKEN

BANDUNG = "32.73"
OFFICIAL, COORDINATOR = 8101, 8102
TICKETS = 12


async def overdue_tickets(db: Database) -> None:
    """TICKETS comments of Kota Bandung whose first answer was due 9 hours ago (told 8 hours after); an official and a coordinator."""
    now = datetime.now(UTC)
    async with db.unit_of_work() as s:
        await official_store.add_official(s, telegram_id=OFFICIAL, region_codes=[BANDUNG])
        await official_store.add_official(s, telegram_id=COORDINATOR, region_codes=[BANDUNG], coordinator=True)
        for who in (OFFICIAL, COORDINATOR):  # both have talked to the bot before
            s.add(Resident(telegram_id=who, language="id"))
        program = Program(region_code=BANDUNG, name="Bandung Sehat", description="d", dimension="living")
        s.add(program)
        await s.flush()
        for n in range(TICKETS):
            s.add(Feedback(program_id=program.id, region_code=BANDUNG, rating=2, comment=f"Keluhan {n}",
                           clock_at=now - timedelta(days=9), due_at=now - timedelta(hours=9)))


async def test_two_processes_send_each_overdue_notice_once(db: Database, db_url: str, tmp_path: Path) -> None:
    await overdue_tickets(db)
    fake = FakeBotAPI(TEST_TOKEN, accept_any_chat=True)  # the officials have written to the bot before
    await fake.start()
    env = env_for(tmp_path, BOT_TOKEN=TEST_TOKEN, TELEGRAM_API_URL=fake.url, LOG_LEVEL="WARNING",
                  DATABASE_URL=db_url)
    procs = [
        await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "run", cwd=tmp_path, env=env,
                                             stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        for _ in range(2)
    ]

    def told(chat_id: int, words: str) -> int:
        return sum(words in (m.text or "") for m in fake.sent(chat_id))

    try:
        await fake.wait_for(lambda _c: told(COORDINATOR, "terlambat") >= TICKETS, timeout=60)
        await asyncio.sleep(3)  # time for a second process to send what it should not
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.terminate()
        outputs = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), timeout=60)
        await fake.stop()
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()
    assert told(OFFICIAL, "Terlambat") == TICKETS and told(COORDINATOR, "terlambat") == TICKETS
    async with db.unit_of_work() as s:
        rows = (await s.exec(Feedback.__table__.select())).all()  # type: ignore[attr-defined, call-overload]
    assert all(row.overdue_at is not None for row in rows)
