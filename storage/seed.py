"""Ship-with data: every kabupaten/kota, the smart-city programs, everyday names (see seed/ATTRIBUTION.md)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.inserts import insert_or_ignore
from storage.models import Program, Region, utcnow

SEED_DIR = Path(__file__).resolve().parent / "seed"
PROGRAM_COLUMNS = ("region_code", "name", "description", "dimension", "agency", "status", "source_url", "source_date")


def read_regions(path: Path = SEED_DIR / "regions.csv") -> list[dict[str, Any]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [
            {
                "code": row["code"], "name": row["name"], "kind": row["kind"], "province": row["province"],
                "province_code": row["province_code"], "timezone": row["timezone"],
                "lat": float(row["lat"]), "lon": float(row["lon"]),
                "cohort_year": int(row["cohort_year"]) if row["cohort_year"] else None,  # empty: in no cohort
            }
            for row in csv.DictReader(f)
        ]


def read_aliases(path: Path = SEED_DIR / "aliases.csv") -> list[tuple[str, str]]:
    """(everyday name, region code): Solo → 33.72; each row also names its source."""
    with path.open(encoding="utf-8", newline="") as f:
        return [(row["alias"], row["region_code"]) for row in csv.DictReader(f)]


def seed_date(text: str | None) -> date | None:
    """A source's date as programs.csv gives it: YYYY-MM-DD, or YYYY-MM where only the month is known
    (kept as the 1st; only the year is shown); empty for an undated source."""
    if not text:
        return None
    return date.fromisoformat(text if len(text) > 7 else f"{text}-01")


def read_programs(path: Path = SEED_DIR / "programs.csv") -> list[dict[str, Any]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = [{key: (row.get(key) or None) for key in PROGRAM_COLUMNS} for row in csv.DictReader(f)]
    return [{**row, "source_date": seed_date(row["source_date"])} for row in rows]


async def insert_programs(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Insert programs, skipping any (region, name) already present; returns how many were new."""
    if not rows:
        return 0
    now = utcnow()
    values = [{**row, "created_at": now} for row in rows]
    stmt = insert_or_ignore(session, Program, values, on=["region_code", "name"])
    result = await session.exec(stmt)
    return int(result.rowcount or 0)


async def load_seed(session: AsyncSession) -> tuple[int, int]:
    """Load regions and programs idempotently; returns (regions added, programs added)."""
    stmt = insert_or_ignore(session, Region, read_regions(), on=["code"])
    regions_added = int((await session.exec(stmt)).rowcount or 0)
    await session.flush()
    programs_added = await insert_programs(session, read_programs())
    return regions_added, programs_added
