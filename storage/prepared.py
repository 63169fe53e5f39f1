"""Statements compiled once and run as the driver's SQL: the hot path without SQLAlchemy's per-call work.

Every update runs the same few statements. Building a Core statement, finding it in SQLAlchemy's compiled
cache and loading its rows into ORM objects costs the bot more CPU than PostgreSQL or SQLite take to run it
(bench/README.md, "the hot path without SQLAlchemy's per-statement work"). `Prepared` takes a Core statement written with named
`bindparam`s, compiles it once per dialect, and runs it with `exec_driver_sql` on the session's connection:
the same transaction as the rest of the turn, the same errors (`DBAPIError`, which the turn's retry reads),
and every value passed through its column type's bind and result processors, so rows come back as the ORM
would give them (aware datetimes, JSON as dicts, booleans on SQLite).

Not for statements whose SQL depends on the values (`IN` lists, optional filters): those stay Core or ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ClauseElement, ColumnElement, Table, bindparam, inspect, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapper, make_transient, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state
from sqlmodel.ext.asyncio.session import AsyncSession

M = TypeVar("M")
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
        if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
            # a column's Python-side default is computed by SQLAlchemy's execution, which this skips
            raise ValueError(f"{dialect.name}: give every column a value; Prepared does not fill in defaults")
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


def loaded(session: AsyncSession, model: type[M], values: dict[str, Any]) -> M:
    """An instance of `model` made from a row as the ORM makes one when it loads it (no validation, nothing
    marked changed), and put in the session: what a handler then changes is written at the commit. As with the
    ORM, an instance the session holds already is returned as it is."""
    mapper = inspect(model)
    key = mapper.identity_key_from_primary_key(tuple(values[column.key] for column in mapper.primary_key))
    held = session.identity_map.get(key)
    if held is not None:
        return held
    instance: M = mapper.class_manager.new_instance()
    instance_state(instance).dict.update(values)
    make_transient_to_detached(instance)
    session.add(instance)
    return instance


class Columns(Generic[M]):
    """A model's table columns in order, for a statement's select or RETURNING list, and a row of them made back
    into an instance of the model (`loaded`)."""

    def __init__(self, model: type[M]) -> None:
        self.model = model
        self.all = tuple(model.__table__.columns)  # type: ignore[attr-defined]
        self.keys = tuple(column.key for column in self.all)

    def load(self, session: AsyncSession, row: Sequence[Any]) -> M:
        """The instance whose columns start `row` (a statement may select more after them)."""
        return loaded(session, self.model, dict(zip(self.keys, row[: len(self.keys)], strict=True)))


# Per table and set of changed columns, its UPDATE: a handful of sets occur per table (a resident's screen; their
# state, draft and screen; a ticket's comment and due date…), each compiled once.
_UPDATES: dict[tuple[str, tuple[str, ...]], Prepared] = {}


def _update_of(mapper: Mapper[Any], changed: tuple[str, ...]) -> Prepared:
    found = _UPDATES.get((mapper.local_table.name, changed))  # type: ignore[attr-defined]
    if found is None:
        table: Table = mapper.local_table  # type: ignore[assignment]
        where = [column == bindparam(f"k_{column.key}", type_=column.type) for column in mapper.primary_key]
        values = {mapper.columns[key].name: bindparam(f"v_{key}", type_=mapper.columns[key].type) for key in changed}
        found = _UPDATES[(table.name, changed)] = Prepared(update(table).where(*where).values(values), ())
    return found


async def write_changes(session: AsyncSession) -> int:
    """Write what changed in the rows the session loaded, one compiled UPDATE per row, before the commit; the
    flush then has only new and deleted rows left. Rows in the order of their table and key, as the flush orders
    them; a changed key or a value that is a SQL expression is left to the flush. How many rows were written."""
    rows = []
    for instance in session.dirty:
        state = inspect(instance)
        changed = tuple(attr.key for attr in state.attrs if attr.history.has_changes())
        primary = {column.key for column in state.mapper.primary_key}
        if state.persistent and changed and not any(
            key in primary or isinstance(state.dict.get(key), ClauseElement) for key in changed
        ):
            rows.append((state.mapper.local_table.name, state.identity, state, changed))
    rows.sort(key=lambda row: (row[0], row[1]))
    for _table, identity, state, changed in rows:
        mapper = state.mapper
        keys = {f"k_{column.key}": value for column, value in zip(mapper.primary_key, identity, strict=True)}
        await _update_of(mapper, changed).rows(session, **keys, **{f"v_{key}": state.dict.get(key) for key in changed})
        _written(session, state.obj())
    return len(rows)


def _written(session: AsyncSession, instance: object) -> None:
    """Tell the session that `instance`'s changes are in the database already, so the flush leaves it alone."""
    session.expunge(instance)
    make_transient(instance)
    make_transient_to_detached(instance)  # its values now count as the stored ones
    session.add(instance)
