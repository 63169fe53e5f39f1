"""The erasure sweep: every row of every table the database has, searched for a person's id and texts.

It reads the tables and their columns from the database itself, not from the models: a table added later is
swept too, and a column of a type the sweep cannot search fails the test instead of being skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.types import JSON, Boolean, Date, DateTime, Float, Integer, LargeBinary, Numeric, String

from storage.db import Database

SKIPPED = (Boolean, Date, DateTime, Float, Numeric)  # can hold neither a Telegram id nor a text


@dataclass
class Sweep:
    tables: int = 0
    names: list[str] = field(default_factory=list)
    integer: int = 0  # columns compared with the id
    textual: int = 0  # columns searched for every text and the id written out
    skipped: int = 0  # booleans, dates, timestamps, floats
    found: list[str] = field(default_factory=list)

    def line(self) -> str:
        columns = self.integer + self.textual + self.skipped
        return (f"swept {self.tables} tables, {columns} columns: {self.integer} integer columns compared with the "
                f"id, {self.textual} text/JSON/binary columns searched for {{n}} needles, {self.skipped} "
                f"boolean/date/number columns that can hold neither; found: {self.found or 'nothing'}\n"
                f"  tables (columns): {', '.join(self.names)}")


def _columns(conn: Connection) -> dict[str, list[dict[str, Any]]]:
    inspector = inspect(conn)
    return {name: inspector.get_columns(name) for name in inspector.get_table_names()}


async def sweep(db: Database, telegram_id: int, texts: list[str]) -> Sweep:
    """Every row of every table: integer columns against the id, the others against the texts and the id."""
    needles = [*texts, str(telegram_id)]
    result = Sweep()
    async with db.engine.connect() as conn:
        for table, columns in sorted((await conn.run_sync(_columns)).items()):
            result.tables += 1
            result.names.append(f"{table}({len(columns)})")
            for column in columns:
                kind, name = column["type"], f'"{column["name"]}"'
                where = f"{table}.{column['name']}"
                if isinstance(kind, Integer):
                    result.integer += 1
                    sql = f'SELECT count(*) FROM "{table}" WHERE CAST({name} AS BIGINT) = :id'
                    if await conn.scalar(text(sql), {"id": telegram_id}):
                        result.found.append(where)
                elif isinstance(kind, String | JSON):
                    result.textual += 1
                    for needle in needles:
                        sql = f'SELECT count(*) FROM "{table}" WHERE CAST({name} AS TEXT) LIKE :pattern'
                        if await conn.scalar(text(sql), {"pattern": f"%{needle}%"}):
                            result.found.append(f"{where} ({needle[:20]})")
                elif isinstance(kind, LargeBinary):
                    result.textual += 1
                    values = (await conn.execute(text(f'SELECT {name} FROM "{table}" WHERE {name} IS NOT NULL'))).scalars()
                    for value in values:
                        result.found += [f"{where} ({n[:20]})" for n in needles if n.encode() in bytes(value)]
                elif isinstance(kind, SKIPPED):
                    result.skipped += 1
                else:
                    raise AssertionError(f"{where} has a type the sweep does not know: {kind!r}")
    return result
