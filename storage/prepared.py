"""Statements compiled once and run as the driver's SQL: the hot path without SQLAlchemy's per-call work.

Every update runs the same few statements. Building a Core statement, finding it in SQLAlchemy's compiled
cache and loading its rows into ORM objects costs the bot more CPU than PostgreSQL or SQLite take to run it
(bench/README.md, "the resident in one statement"). `Prepared` takes a Core statement written with named
`bindparam`s, compiles it once per dialect, and runs it with `exec_driver_sql` on the session's connection:
the same transaction as the rest of the turn, the same errors (`DBAPIError`, which the turn's retry reads),
and every value passed through its column type's bind and result processors, so rows come back as the ORM
would give them (aware datetimes, JSON as dicts, booleans on SQLite).

Not for statements whose SQL depends on the values (`IN` lists, optional filters): those stay Core or ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ClauseElement, ColumnElement
from sqlalchemy.engine import Dialect
from sqlmodel.ext.asyncio.session import AsyncSession

Processor = Callable[[Any], Any] | None
_REQUIRED = object()


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the bind parameters, in the order the driver takes them
    defaults: tuple[Any, ...]  # a literal's value (`== "followup"`), or _REQUIRED for a `bindparam` without one
    binds: tuple[Processor, ...]
    results: tuple[Processor, ...]


class Prepared:
    """A statement with named parameters, compiled on first use per dialect and run as plain driver SQL."""

    def __init__(self, statement: ClauseElement, columns: Sequence[ColumnElement[Any]]) -> None:
        """`columns`: what each row holds, in order (the select's columns or the RETURNING list), for their types."""
        self.statement = statement
        self.columns = tuple(columns)
        self._compiled: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = self._compile(dialect)
        return found

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled: Any = self.statement.compile(dialect=dialect)
        if not dialect.positional or compiled.positiontup is None:
            raise ValueError(f"{dialect.name}: Prepared needs a driver with positional parameters")
        names = tuple(compiled.positiontup)
        params = [compiled.binds[name] for name in names]
        defaults = tuple(_REQUIRED if param.required else param.value for param in params)
        binds = tuple(param.type.dialect_impl(dialect).bind_processor(dialect) for param in params)
        results = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None) for column in self.columns)
        return _Compiled(compiled.string, names, defaults, binds, results)

    async def rows(self, session: AsyncSession, **params: Any) -> list[tuple[Any, ...]]:
        """Run it in the session's transaction; every row as a tuple of `columns`' values."""
        connection = await session.connection()
        plan = self.compiled(connection.dialect)
        values = (params[name] if default is _REQUIRED else params.get(name, default)
                  for name, default in zip(plan.names, plan.defaults, strict=True))
        args = tuple(value if process is None else process(value) for value, process in zip(values, plan.binds, strict=True))
        result = await connection.exec_driver_sql(plan.sql, args)
        if not plan.results:
            return []
        return [
            tuple(value if process is None else process(value) for value, process in zip(row, plan.results, strict=True))
            for row in result.all()
        ]

    async def first(self, session: AsyncSession, **params: Any) -> tuple[Any, ...] | None:
        found = await self.rows(session, **params)
        return found[0] if found else None
