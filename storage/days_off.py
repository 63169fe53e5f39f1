"""Days off an admin adds to the national calendar (a cuti bersama decreed late, a regional holiday), and their queries.

The national holidays themselves are not stored: they come from the `holidays` package
(bot/services/workdays.py). These rows come on top of them, for the whole country.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select
from sqlmodel import Field, SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import run_select

NAME_MAX = 100


class DayOff(SQLModel, table=True):
    """One day that is not worked anywhere in the country, besides the weekend and the national holidays."""

    __tablename__ = "days_off"

    day: date = Field(primary_key=True)
    name: str = Field(max_length=NAME_MAX)


async def put(session: AsyncSession, *, day: date, name: str) -> bool:
    """Add a day off, or rename it; True when it is new."""
    row = await session.get(DayOff, day)
    if row is None:
        session.add(DayOff(day=day, name=name))
        return True
    row.name = name
    session.add(row)
    return False


async def remove(session: AsyncSession, *, day: date) -> bool:
    """Remove an added day off; False when there was none."""
    result = await session.exec(delete(DayOff).where(col(DayOff.day) == day))
    return bool(result.rowcount)


async def all_days(session: AsyncSession) -> dict[date, str]:
    """Every added day off, by date."""
    rows = (await run_select(session, select(col(DayOff.day), col(DayOff.name)).order_by(col(DayOff.day)))).all()
    return dict(rows)
