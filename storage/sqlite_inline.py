"""SQLite without a thread hop per statement: aiosqlite's API, each call run at once on the event loop's thread.

aiosqlite runs every statement on a worker thread and hands the result back through the event loop: for a
local file whose statements take microseconds, the hop (a queue, a thread switch, a loop wake-up) costs more
than the statement. Here the worker "queue" runs what it is given immediately, so SQLAlchemy's aiosqlite
dialect works unchanged and an awaited statement completes without suspending.

What could block the loop is waiting for another process's write lock: `begin_immediate()` tries
`BEGIN IMMEDIATE` with a short busy timeout and, while the database stays locked, waits *asynchronously*
before trying again. Long read-only queries (a summary over a million rows) belong on the threaded
engine (`Database.heavy_unit_of_work`), so they never hold up the loop.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Generator
from typing import Any

import aiosqlite
from sqlalchemy.util import await_only

BUSY_MS = 20  # how long one try may wait on the loop for a lock held by another process
LOCK_WAIT_S = 30.0  # how long a write transaction waits for the lock in all


class _RunNow:
    """Stands in for aiosqlite's queue to its worker thread: runs each call as it is put."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # noqa: BLE001  # handed to the awaiting caller, as the worker thread would
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    def __init__(self, connector: Callable[[], sqlite3.Connection], iter_chunk_size: int = 64) -> None:
        super().__init__(connector, iter_chunk_size)
        self._tx = _RunNow()  # type: ignore[assignment]

    def __await__(self) -> Generator[Any, None, aiosqlite.Connection]:
        return self._connect().__await__()  # no worker thread to start


def connect(database: str, **kwargs: Any) -> InlineConnection:
    """`aiosqlite.connect`, inline; for `create_async_engine(..., async_creator=...)`."""

    def connector() -> sqlite3.Connection:
        return sqlite3.connect(database, **kwargs)

    return InlineConnection(connector)


def begin_immediate(conn: Any, *, deadline_s: float = LOCK_WAIT_S) -> None:
    """Take SQLite's write lock for this transaction, waiting asynchronously while another process holds it."""
    deadline = time.monotonic() + deadline_s
    pause = 0.005
    while True:
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except Exception as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        await_only(asyncio.sleep(pause))  # SQLAlchemy's bridge: this greenlet waits, the loop goes on
        pause = min(pause * 2, 0.2)
