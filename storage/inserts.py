"""INSERT … ON CONFLICT DO NOTHING, in the dialect of the session's database (PostgreSQL or SQLite)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


def insert_or_ignore(
    session: AsyncSession, model: type[SQLModel], values: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *, on: Sequence[str] | None = None,
) -> postgresql.Insert | sqlite.Insert:
    """The statement inserting `values` (one row or many) into `model`'s table, skipping rows that conflict.

    `on` names the unique columns whose conflict is ignored; None ignores any conflict. The caller executes it
    (and may add `.returning(...)` first).
    """
    if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
        return postgresql.insert(model).values(values).on_conflict_do_nothing(index_elements=on)
    return sqlite.insert(model).values(values).on_conflict_do_nothing(index_elements=on)
