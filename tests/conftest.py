"""Fixtures: real SQLite and PostgreSQL databases, the fake Bot API server, and the real PTB application."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.telegram.runner import quiet_ptb_warnings
from storage.db import Database, upgrade
from storage.seed import load_seed
from tests.support.fakebot import FakeBotAPI
from tests.support.harness import BotHarness
from tests.support.settings import ADMIN_ID, PG_ADMIN_URL, TEST_TOKEN, make_settings, pg_admin

quiet_ptb_warnings()  # as the CLI does: RetryAfter.retry_after is a timedelta, without a warning
TABLES = (
    "broadcast_recipients", "broadcasts", "program_follows", "ticket_messages", "feedback", "residents", "programs", "official_regions", "officials", "invites",
    "audit_log", "digest_runs", "outbound_status", "login_tokens", "web_sessions", "api_tokens", "regions", "deployment_keys",
    "days_off", "ticket_forwards", "evidence", "public_hidden", "survey_answers", "survey_questions", "surveys",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db", default=os.environ.get("QUICKWIN_TEST_DB", "sqlite,postgresql"),
        help="comma-separated databases to run storage and end-to-end tests on (sqlite, postgresql)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        backends = [b.strip() for b in metafunc.config.getoption("--db").split(",") if b.strip()]
        metafunc.parametrize("backend", backends, scope="session")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL database of its own for this test run, migrated once, dropped at the end."""
    name = f"quickwin_test_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        asyncio.run(pg_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, Exception) as exc:  # noqa: BLE001 - any failure to reach the server
        if os.environ.get("QUICKWIN_REQUIRE_PG") == "1":
            pytest.fail(f"PostgreSQL is required but not reachable at {PG_ADMIN_URL}: {exc!r}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc!r}")
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    url = f"{base}/{name}"
    upgrade(url)
    yield url
    asyncio.run(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'quickwin.db'}"
        upgrade(url)
        return url
    if backend == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    raise pytest.UsageError(f"unknown database backend {backend!r}")


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    """A migrated, freshly seeded database (PostgreSQL tables are emptied between tests)."""
    database = Database(db_url)
    if db_url.startswith("postgresql"):
        async with database.unit_of_work() as session:
            await session.exec(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))  # type: ignore[call-overload]
    async with database.unit_of_work() as session:
        await load_seed(session)
    yield database
    await database.dispose()


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    server = FakeBotAPI(TEST_TOKEN)
    await server.start()
    yield server
    await server.stop()
    assert server.errors == [], "the bot sent requests Telegram would reject:\n" + "\n".join(server.errors)


@pytest.fixture
async def harness(fake: FakeBotAPI, db: Database, db_url: str) -> AsyncIterator[BotHarness]:
    """The real application, polling the fake server over HTTP."""
    h = BotHarness(fake, db, make_settings(fake.url, db_url, admin_ids=str(ADMIN_ID)))
    await h.start()
    yield h
    await h.stop()
