"""SQLite statements on the event loop's thread (storage/sqlite_inline.py), and readers that wait for no writer."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from storage import residents as store
from storage.db import Database, upgrade_async


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[tuple[Database, Path]]:
    path = tmp_path / "inline.db"
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade_async(url)
    database = Database(url)
    yield database, path
    await database.dispose()


async def test_statements_need_no_worker_thread(sqlite_db: tuple[Database, Path]) -> None:
    db, _path = sqlite_db
    before = set(threading.enumerate())  # threads of earlier tests may end meanwhile: only new ones count
    for n in range(5):
        async with db.unit_of_work() as session:
            resident = await store.ensure_resident(session, telegram_id=700 + n)
            resident.language = "id"
            store.touch(session, resident)
    assert set(threading.enumerate()) - before == set()  # aiosqlite would have started a thread per connection
    async with db.unit_of_work() as session:
        assert (await session.exec(text("SELECT count(*) FROM residents"))).scalar_one() == 5  # type: ignore[call-overload]


async def test_another_process_lock_is_waited_for_without_stopping_the_loop(sqlite_db: tuple[Database, Path]) -> None:
    db, path = sqlite_db
    locked, release = threading.Event(), threading.Event()

    def other_process() -> None:  # another program holding SQLite's write lock for a while
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        locked.set()
        release.wait(5)
        conn.execute("COMMIT")
        conn.close()

    holder = threading.Thread(target=other_process)
    holder.start()
    assert await asyncio.to_thread(locked.wait, 5)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    running = asyncio.create_task(ticker())
    asyncio.get_running_loop().call_later(0.5, release.set)
    async with db.unit_of_work() as session:  # waits for the other writer's commit
        resident = await store.ensure_resident(session, telegram_id=800)
        store.touch(session, resident)
    running.cancel()
    holder.join()
    assert ticks >= 10  # the loop went on while the write lock was taken elsewhere
    async with db.unit_of_work() as session:
        assert await store.get_resident(session, telegram_id=800) is not None


async def test_readers_wait_for_no_writer_and_cannot_write(sqlite_db: tuple[Database, Path]) -> None:
    db, _path = sqlite_db
    async with db.unit_of_work() as session:
        store.touch(session, await store.ensure_resident(session, telegram_id=900))
    async with db.unit_of_work() as session:  # a write transaction holds the lock…
        await session.exec(text("UPDATE residents SET language = 'en'"))  # type: ignore[call-overload]
        async with db.reading() as reader:  # …and a reader still reads, the last committed state
            language = (await reader.exec(text("SELECT language FROM residents"))).scalar_one()  # type: ignore[call-overload]
    assert language is None
    async with db.reading() as reader:
        with pytest.raises(OperationalError):
            await reader.exec(text("DELETE FROM residents"))  # type: ignore[call-overload]
