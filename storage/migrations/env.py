"""Alembic environment: runs migrations through the same async drivers the bot uses."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy import make_url, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from storage import (
    models,  # noqa: F401  (registers the tables on SQLModel.metadata)
    sqlite_inline,
)

config = context.config
target_metadata = SQLModel.metadata


def _configure(connection: Connection | None = None) -> None:
    context.configure(
        connection=connection,
        url=None if connection is not None else config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds tables
        compare_type=True,
    )


def _run_sync(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):  # statements on this thread, as the bot runs them: no hop to a worker thread each
        path = make_url(url).database or ":memory:"
        kwargs["async_creator"] = lambda: sqlite_inline.connect(path, check_same_thread=False)
    engine = create_async_engine(url, poolclass=pool.NullPool, **kwargs)
    async with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            await connection.exec_driver_sql("PRAGMA journal_mode=WAL")
            await connection.commit()  # else the migration runs inside this implicit transaction and is lost
        await connection.run_sync(_run_sync)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    _configure()
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
