"""Is a database's schema at the newest migration? Answered without importing Alembic.

Importing Alembic (it brings Mako and Pygments) costs about 0.3 s, on every start; a database already
at head, the everyday restart, needs none of it. The head is read from the ``revision`` and
``down_revision`` lines of the migration files, the database's revisions from its ``alembic_version``
table. Whatever cannot be read for certain counts as "not at head", and Alembic then decides.
"""

from __future__ import annotations

import ast
import asyncio
import re
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=\n]+)?=\s*(.+?)\s*$", re.MULTILINE)


def head_revisions(versions_dir: Path) -> frozenset[str] | None:
    """The revisions no other migration builds on (one, without branches); None if a file is unclear."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions_dir.glob("*.py"):
        found = {m.group(1): m.group(2) for m in _ASSIGNMENT.finditer(path.read_text(encoding="utf-8"))}
        if "revision" not in found:
            continue  # __init__.py
        try:
            revision = ast.literal_eval(found["revision"])
            down = ast.literal_eval(found.get("down_revision", "None"))
        except (ValueError, SyntaxError):
            return None
        downs = down if isinstance(down, tuple | list) else () if down is None else (down,)
        if not isinstance(revision, str) or not all(isinstance(d, str) for d in downs):
            return None
        revisions.add(revision)
        parents.update(downs)
    heads = frozenset(revisions - parents)
    return heads or None


async def _current_revisions(url: str) -> frozenset[str] | None:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
            return frozenset(str(row[0]) for row in rows)
    except (SQLAlchemyError, OSError):  # no table yet, or no server: Alembic will say
        return None
    finally:
        await engine.dispose()


def current_revisions(url: str) -> frozenset[str] | None:
    """The revisions the database records (blocking; runs its own event loop)."""
    return asyncio.run(_current_revisions(url))


def at_head(url: str, versions_dir: Path) -> bool:
    """True when the database is known to be at every head of the migration files."""
    heads = head_revisions(versions_dir)
    return heads is not None and current_revisions(url) == heads
