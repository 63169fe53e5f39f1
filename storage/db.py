"""Engine and session setup, the unit of work, and the migration runner."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import CompoundSelect, Result, Select, event, make_url, text
from sqlalchemy.exc import DBAPIError as DBAPIError  # re-exported: the turn's retry reads it, above storage/
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import sqlite_inline
from storage.migration_head import at_head
from storage.prepared import write_changes

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


async def run_select(
    session: AsyncSession, stmt: Select[*tuple[Any, ...]] | CompoundSelect[*tuple[Any, ...]]
) -> Result[*tuple[Any, ...]]:
    """Run a SQLAlchemy select() (or a union of them). Its rows are untyped: SQLModel types every primary key
    `int | None` (unset before the insert); the callers unpack rows into dataclasses that say what each column holds."""
    # sqlmodel's exec() runs any statement (its implementation takes an Executable), but its overloads name only
    # sqlmodel's own select(), whose overloads stop at four columns: the library's typing, not this call, is narrow.
    return await session.exec(stmt)  # type: ignore[call-overload]


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, inline: bool = True, writes: bool = True, **kwargs: Any) -> AsyncEngine:
    """Create the async engine; SQLite gets WAL, foreign keys and immediate write transactions.

    SQLite statements run on the event loop's thread (storage/sqlite_inline.py) unless `inline` is False;
    `writes=False` makes an engine for long read-only queries (plain deferred transactions, no write lock).
    """
    if is_sqlite(url):
        if inline:
            path = make_url(url).database or ":memory:"
            kwargs["async_creator"] = lambda: sqlite_inline.connect(path, check_same_thread=False)
            busy_ms = sqlite_inline.BUSY_MS
        else:
            kwargs["connect_args"] = {"timeout": 30}
            busy_ms = 30000
        engine = create_async_engine(url, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite's own comes only before a write).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.execute("PRAGMA synchronous=NORMAL")
            if not writes:
                cursor.execute("PRAGMA query_only=ON")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            if not writes:
                conn.exec_driver_sql("BEGIN")  # a read snapshot in WAL mode: it waits for nobody
                return
            # A deferred transaction that reads and then writes can fail at once with
            # "database is locked" under concurrency; taking the write lock up front makes
            # writers queue instead.
            if inline:
                sqlite_inline.begin_immediate(conn)  # waits for another process's lock off the loop
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    engine = create_async_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_after_idle(engine)
    return engine


PING_AFTER_IDLE_S = 1.0


def _ping_after_idle(engine: AsyncEngine) -> None:
    """Ping a pooled connection only when it has rested a while, instead of at every checkout (pre-ping).

    A busy bot takes connections back within milliseconds: a ping there is a round trip per update for
    nothing. A connection that rested may have been cut (a database restart, a proxy's idle timeout): it
    is pinged and, if dead, replaced before anyone uses it. One cut while busy fails its statement; the
    pool then drops every older connection, and a turn that met it is taken again (handlers/common.py).
    """

    @event.listens_for(engine.sync_engine.pool, "checkin")
    def _rested_since(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _ping_if_rested(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("checked_in")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return  # new, or back from work a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError(str(exc)) from exc
        if not alive:
            raise DisconnectionError("the connection did not answer a ping")


class Database:
    """Owns the engines; hands out one unit of work per update, and read-only sessions for long queries."""

    def __init__(self, url: str, *, inline: bool = True, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, inline=inline, **engine_kwargs)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        # On SQLite, summaries and exports read on a worker thread and never wait for the write lock, so a
        # query over a million rows holds up neither the event loop nor residents' updates.
        file_backed = is_sqlite(url) and (make_url(url).database or ":memory:") != ":memory:"
        self.read_engine = make_engine(url, inline=False, writes=False, **engine_kwargs) if file_backed else self.engine
        self._readers = async_sessionmaker(self.read_engine, class_=AsyncSession, expire_on_commit=False)
        # SQLite has one writer at a time. Queueing write transactions here, in arrival order,
        # beats SQLite's busy handler, which sleeps and retries and lets late comers overtake.
        self._sqlite_lock = asyncio.Lock() if is_sqlite(url) else None

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """Yield a session; commit if the block succeeds, roll back if it raises."""
        if self._sqlite_lock is None:
            async with self._transaction() as session:
                yield session
            return
        async with self._sqlite_lock, self._transaction() as session:
            yield session

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A session for long read-only work (summaries, exports, digests); nothing it does is committed."""
        async with self._readers() as session:
            try:
                yield session
            finally:
                await session.rollback()

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            try:
                yield session
                await write_changes(session)  # cheaper than the flush for what the block changed in loaded rows
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def ping(self) -> bool:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()


def alembic_config(url: str) -> Config:
    from alembic.config import Config  # here, not at the top: importing Alembic costs every start 0.3 s

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Apply pending migrations (blocking; runs its own event loop). At head already, Alembic is not loaded."""
    if revision == "head" and at_head(url, MIGRATIONS_DIR / "versions"):
        return
    from alembic import command  # only when there is something to migrate (see alembic_config)

    command.upgrade(alembic_config(url), revision)


async def upgrade_async(url: str, revision: str = "head") -> None:
    """Apply pending migrations from inside a running event loop."""
    await asyncio.to_thread(upgrade, url, revision)
