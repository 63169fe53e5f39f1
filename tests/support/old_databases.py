"""A database of its own, migrated only up to an old revision: for the tests of what a migration does to rows."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.db import upgrade_async
from tests.support.settings import PG_ADMIN_URL, pg_admin


@contextlib.asynccontextmanager
async def database_at(revision: str, backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """Its URL, on SQLite (a file in `tmp_path`) or PostgreSQL (a database created and dropped here)."""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        name = None
    else:
        name = f"quickwin_at_{revision}_{secrets.token_hex(4)}"
        try:
            await pg_admin(f'CREATE DATABASE "{name}"')
        except (OSError, Exception) as exc:  # noqa: BLE001 - any failure to reach the server
            pytest.skip(f"PostgreSQL not reachable: {exc!r}")
        url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1) + f"/{name}"
    try:
        await upgrade_async(url, revision)
        yield url
    finally:
        if name is not None:
            await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
