"""`quickwin import FILE.csv`: a region's own programs, validated row by row, imported all or nothing."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import broadcast
from bot.services.catalog import DIMENSIONS, PROGRAM_STATUSES
from storage import programs as program_store
from storage import regions as region_store
from storage.seed import PROGRAM_COLUMNS, insert_programs
from storage.statuses import ProgramStatus

REQUIRED = ("region_code", "name", "description", "dimension")
MAX_LEN = {"name": 200, "description": 2000, "agency": 200, "source_url": 500}
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)

    @property
    def ok(self) -> bool:
        return not self.errors


def source_date(text: str, problems: list[str]) -> date | None:
    """The day the source was published, as YYYY-MM-DD (a problem is noted otherwise)."""
    if ISO_DAY.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:  # 2019-02-30
            pass
    problems.append(f"source_date {text!r} is not a date written YYYY-MM-DD")
    return None


def parse(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[tuple[int, str]]]:
    """Rows with their line numbers, and the problems found without the database."""
    errors: list[tuple[int, str]] = []
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [], [(1, f"missing column(s): {', '.join(missing)}; expected {', '.join(PROGRAM_COLUMNS)}")]
    unknown = [h for h in header if h not in PROGRAM_COLUMNS]
    if unknown:
        errors.append((1, f"unknown column(s): {', '.join(unknown)}"))
    rows: list[tuple[int, dict[str, Any]]] = []
    seen: dict[tuple[str, str], int] = {}
    for raw in reader:
        line = reader.line_num
        row = {k: (raw.get(k) or "").strip() or None for k in PROGRAM_COLUMNS}
        problems = [f"{c} is empty" for c in REQUIRED if not row[c]]
        if None in raw:
            problems.append("more fields than columns")
        for column, limit in MAX_LEN.items():
            value = row[column]
            if value and len(value) > limit:
                problems.append(f"{column} is longer than {limit} characters")
        if row["dimension"] and row["dimension"] not in DIMENSIONS:
            problems.append(f"dimension {row['dimension']!r} is not one of {', '.join(DIMENSIONS)}")
        row["status"] = row["status"] or ProgramStatus.RUNNING
        if row["status"] not in PROGRAM_STATUSES:
            problems.append(f"status {row['status']!r} is not one of {', '.join(PROGRAM_STATUSES)}")
        if row["source_url"] and urlsplit(row["source_url"]).scheme not in ("http", "https"):
            problems.append("source_url must start with http:// or https://")
        if row["source_date"]:
            row["source_date"] = source_date(row["source_date"], problems)
        key = (row["region_code"] or "", row["name"] or "")
        if all(key) and key in seen:
            problems.append(f"same program as line {seen[key]}")
        seen.setdefault(key, line)
        errors += [(line, p) for p in problems]
        rows.append((line, row))
    if not rows and not errors:
        errors.append((1, "the file has no rows"))
    return rows, errors


async def import_programs(
    session: AsyncSession, text: str, *, notice: Callable[[str], str] | None = None, now: datetime | None = None
) -> ImportReport:
    """Validate everything first; write only if every row is good.

    `notice(region name)` words the message for residents who asked to hear when their region
    lists its first program; it is queued for each region that had none until now.
    """
    rows, errors = parse(text)
    report = ImportReport(rows=len(rows), errors=list(errors))
    codes = {row["region_code"] for _, row in rows if row["region_code"]}
    known = {code for code in codes if await region_store.get_region(session, code=code) is not None}
    existing = await program_store.existing_program_names(session, region_codes=known)
    for line, row in rows:
        if row["region_code"] and row["region_code"] not in known:
            report.errors.append((line, f"region_code {row['region_code']!r} is not a known Kemendagri code"))
        elif (row["region_code"], row["name"]) in existing:
            report.errors.append((line, "a program with this name already exists in this region"))
    report.errors.sort()
    if report.errors:
        return report
    empty_before = [code for code in sorted(known) if not await program_store.region_has_programs(session, region_code=code)]
    report.imported = await insert_programs(session, [row for _, row in rows])
    if notice is not None:
        for code in empty_before:
            region = await region_store.get_region(session, code=code)
            await broadcast.announce_first_programs(
                session, code, text=notice(region.name if region else code), now=now or datetime.now(UTC)
            )
    return report
