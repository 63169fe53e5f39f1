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

from bot.i18n import N_, Translator
from bot.services import broadcast
from bot.services.auth import Actor, may_manage_catalogue
from bot.services.catalog import DIMENSIONS, PROGRAM_STATUSES
from storage import programs as program_store
from storage import regions as region_store
from storage.seed import PROGRAM_COLUMNS, insert_programs
from storage.statuses import ProgramStatus

REQUIRED = ("region_code", "name", "description", "dimension")
MAX_LEN = {"name": 200, "description": 2000, "agency": 200, "source_url": 500}
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


# Each reason an importer refuses, with the values it names: English for the CLI, translated in the dashboard.
REASONS = {
    "missing_columns": N_("missing column(s): {columns}; expected {expected}"),
    "unknown_columns": N_("unknown column(s): {columns}"),
    "empty": N_("{column} is empty"),
    "extra_fields": N_("more fields than columns"),
    "too_long": N_("{column} is longer than {limit} characters"),
    "dimension": N_("dimension '{value}' is not one of {allowed}"),
    "status": N_("status '{value}' is not one of {allowed}"),
    "source_url": N_("source_url must start with http:// or https://"),
    "source_date": N_("source_date '{value}' is not a date written YYYY-MM-DD"),
    "duplicate": N_("same program as line {first}"),
    "no_rows": N_("the file has no rows"),
    "unknown_region": N_("region_code '{value}' is not a known Kemendagri code"),
    "not_your_region": N_("region_code '{value}' is not one of your regions"),
    "name_taken": N_("a program with this name already exists in this region"),
}


@dataclass(frozen=True)
class Problem:
    """One reason a row (or the header, line 1) is refused: a kind of REASONS and the values it names."""

    line: int
    kind: str
    values: tuple[tuple[str, str | int], ...] = ()

    def reason(self, t: Translator | None = None) -> str:
        """In English (the CLI's words), or in the reader's language with its numbers."""
        number: Callable[[int], str] = t.integer if t is not None else str
        message = t.gettext(REASONS[self.kind]) if t is not None else REASONS[self.kind]
        return message.format(**{k: number(v) if isinstance(v, int) else v for k, v in self.values})


def problem(line: int, kind: str, **values: str | int) -> Problem:
    return Problem(line, kind, tuple(values.items()))


@dataclass
class ImportReport:
    rows: int = 0
    imported: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[tuple[int, str]]:
        """(line number, reason in English), as the CLI prints them."""
        return [(p.line, p.reason()) for p in self.problems]

    @property
    def ok(self) -> bool:
        return not self.problems


def source_date(text: str, problems: list[Problem], line: int = 0) -> date | None:
    """The day the source was published, as YYYY-MM-DD (a problem is noted otherwise)."""
    if ISO_DAY.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:  # 2019-02-30
            pass
    problems.append(problem(line, "source_date", value=text))
    return None


def parse(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[tuple[int, str]]]:
    """Rows with their line numbers, and the problems found without the database (in English)."""
    rows, problems = parse_problems(text)
    return rows, [(p.line, p.reason()) for p in problems]


def parse_problems(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[Problem]]:
    """Rows with their line numbers, and the problems found without the database."""
    errors: list[Problem] = []
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [], [problem(1, "missing_columns", columns=", ".join(missing), expected=", ".join(PROGRAM_COLUMNS))]
    unknown = [h for h in header if h not in PROGRAM_COLUMNS]
    if unknown:
        errors.append(problem(1, "unknown_columns", columns=", ".join(unknown)))
    rows: list[tuple[int, dict[str, Any]]] = []
    seen: dict[tuple[str, str], int] = {}
    for raw in reader:
        line = reader.line_num
        row = {k: (raw.get(k) or "").strip() or None for k in PROGRAM_COLUMNS}
        problems = [problem(line, "empty", column=c) for c in REQUIRED if not row[c]]
        if None in raw:
            problems.append(problem(line, "extra_fields"))
        for column, limit in MAX_LEN.items():
            value = row[column]
            if value and len(value) > limit:
                problems.append(problem(line, "too_long", column=column, limit=limit))
        if row["dimension"] and row["dimension"] not in DIMENSIONS:
            problems.append(problem(line, "dimension", value=row["dimension"], allowed=", ".join(DIMENSIONS)))
        row["status"] = row["status"] or ProgramStatus.RUNNING
        if row["status"] not in PROGRAM_STATUSES:
            problems.append(problem(line, "status", value=str(row["status"]), allowed=", ".join(PROGRAM_STATUSES)))
        if row["source_url"] and urlsplit(row["source_url"]).scheme not in ("http", "https"):
            problems.append(problem(line, "source_url"))
        if row["source_date"]:
            row["source_date"] = source_date(row["source_date"], problems, line)
        key = (row["region_code"] or "", row["name"] or "")
        if all(key) and key in seen:
            problems.append(problem(line, "duplicate", first=seen[key]))
        seen.setdefault(key, line)
        errors += problems
        rows.append((line, row))
    if not rows and not errors:
        errors.append(problem(1, "no_rows"))
    return rows, errors


async def import_programs(
    session: AsyncSession, text: str, *, notice: Callable[[str], str] | None = None, now: datetime | None = None,
    actor: Actor | None = None,
) -> ImportReport:
    """Validate everything first; write only if every row is good.

    With `actor` (the dashboard) a row for a region the actor may not manage is a bad row; without (the CLI, run
    by the operator) every known region may be written. `notice(region name)` words the message for residents
    who asked to hear when their region lists its first program; it is queued for each region that had none until now.
    """
    rows, errors = parse_problems(text)
    report = ImportReport(rows=len(rows), problems=list(errors))
    codes = {row["region_code"] for _, row in rows if row["region_code"]}
    known = {code for code in codes if await region_store.get_region(session, code=code) is not None}
    allowed = {code for code in known if actor is None or may_manage_catalogue(actor, code)}
    existing = await program_store.existing_program_names(session, region_codes=allowed)
    for line, row in rows:
        if row["region_code"] and row["region_code"] not in known:
            report.problems.append(problem(line, "unknown_region", value=row["region_code"]))
        elif row["region_code"] and row["region_code"] not in allowed:
            report.problems.append(problem(line, "not_your_region", value=row["region_code"]))
        elif (row["region_code"], row["name"]) in existing:
            report.problems.append(problem(line, "name_taken"))
    report.problems.sort(key=lambda p: (p.line, p.reason()))
    if report.problems:
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
