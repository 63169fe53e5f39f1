"""The test run's constants (token, admin, PostgreSQL server) and the bot's settings for a test."""

from __future__ import annotations

import os

import asyncpg

from bot.config import Settings

TEST_TOKEN = "7000001:test-token-for-the-local-fake-server"
ADMIN_ID = 900001
PG_ADMIN_URL = os.environ.get("QUICKWIN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")

# Plain tests run against the fake without flood control: no need to space one chat's messages a
# second apart. The flood tests (test_outbound*.py) use Telegram's real limits.
FAST_CHATS = {"telegram_chat_rate": 1000.0, "telegram_chat_burst": 20}


async def pg_admin(sql: str) -> None:
    """One statement on the PostgreSQL server's maintenance database (CREATE or DROP DATABASE)."""
    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def make_settings(api_url: str, db_url: str, **extra: object) -> Settings:
    extra = {**FAST_CHATS, **extra}
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=TEST_TOKEN,  # type: ignore[arg-type]
        telegram_api_url=api_url,
        database_url=db_url,
        **extra,  # type: ignore[arg-type]
    )
