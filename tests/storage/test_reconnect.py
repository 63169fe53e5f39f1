"""A database restart cuts the pool's connections: a busy turn is taken again, a rested connection is replaced.

The pool pings a connection only when it rested (storage/db.py), so PostgreSQL's backends are cut here with
`pg_terminate_backend`, as a restart of the server would.
"""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy import text

from storage import db as db_module
from storage.models import Resident
from tests.support.harness import BotHarness
from tests.support.people import newcomer


async def _cut_every_connection(url: str) -> int:
    """Terminate every other backend of this database; the number cut."""
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return len(await conn.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"))
    finally:
        await conn.close()


async def test_a_turn_that_loses_its_connection_is_taken_again(harness: BotHarness, db_url: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite has no connection to lose")
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_S", 3600.0)  # busy: nothing is pinged before use
    ani = await newcomer(harness, 7401)
    assert await _cut_every_connection(db_url) >= 1
    [listing] = await ani.send("/program")
    assert "Kota Bandung" in listing.text  # the program list, not the apology
    async with harness.db.unit_of_work() as s:
        resident = await s.get(Resident, 7401)
    assert resident is not None and resident.region_code == "32.73"


async def test_a_rested_connection_is_pinged_and_replaced(harness: BotHarness, db_url: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite has no connection to lose")
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_S", 0.05)
    async with harness.db.unit_of_work() as s:
        await s.exec(text("SELECT 1"))  # type: ignore[call-overload]
    assert await _cut_every_connection(db_url) >= 1
    await asyncio.sleep(0.1)  # it rested: pinged at its next checkout, found dead, replaced
    async with harness.db.unit_of_work() as s:  # not a turn: nothing would take it again
        assert (await s.exec(text("SELECT 2"))).scalar() == 2  # type: ignore[call-overload]
