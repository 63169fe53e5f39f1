"""Open data: the public figures as monthly CSV and JSON files, one dataset per kabupaten/kota and one national.

The numbers and their small-cell suppression are bot/services/public_figures.py's, the very ones the public page
shows: this module only lays them out as files. Each dataset has three files, named after it
(``quickwin-32-73.csv``, ``quickwin-32-73.json``, ``quickwin-32-73.metadata.json``), its metadata in the form
of Satu Data Indonesia (bot/services/opendata_meta.py).

- A region's dataset: per local calendar month (the last 12, the current one so far included), one row for the
  kabupaten/kota and one for each of its quick-win programs.
- The national dataset: per month, one row for every kabupaten/kota that has a program. No national total: the
  public figures give none (adding up cells would need the suppression of sums of its own).

The files are for machines: column names are fixed identifiers in Indonesian, as Satu Data portals name theirs;
dates are ISO (YYYY-MM-DD), decimals are written with a point, shares in percent. A suppressed figure is empty in
the CSV and null in the JSON, and its group's ``*_disembunyikan`` column (and ``disembunyikan``, any of them) says
so. Nothing personal is in them: counts, averages and shares only, never a comment, a name or an id of a resident.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import public_page
from bot.services.public_figures import Cell, ProgramFigures, PublicFigures, RegionFigures, public_figures

PREFIX = "quickwin"
NATIONAL = f"{PREFIX}-indonesia"
LEVEL_REGION, LEVEL_PROGRAM = "kabupaten_kota", "program"
COLUMNS = (
    "periode_mulai", "periode_selesai", "kode_provinsi", "nama_provinsi", "kode_kabupaten_kota",
    "nama_kabupaten_kota", "tingkat", "id_program", "nama_program",
    "jumlah_penilaian", "jumlah_warga_menilai", "rata_rata_penilaian", "penilaian_disembunyikan",
    "jumlah_komentar", "komentar_disembunyikan",
    "jumlah_komentar_jatuh_tempo", "jumlah_ditanggapi_tepat_waktu", "persentase_tepat_waktu",
    "tepat_waktu_disembunyikan", "disembunyikan",
)
SUFFIXES = {".csv": "text/csv; charset=utf-8", ".json": "application/json; charset=utf-8",
            ".metadata.json": "application/json; charset=utf-8"}


@dataclass(frozen=True, slots=True)
class Dataset:
    name: str  # a CKAN package name: 2-100 of a-z, 0-9, - and _
    region: RegionFigures | None  # None: the national dataset
    rows: list[dict[str, Any]]  # COLUMNS, in that order
    first: date  # the first day of the oldest month
    last: date  # the last day of the newest month
    now: datetime


def dataset_name(region_code: str) -> str:
    """``quickwin-32-73`` for Kota Bandung (Kemendagri code 32.73)."""
    return f"{PREFIX}-{region_code.replace('.', '-')}"


def month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _row(region: RegionFigures, cell: Cell, program: ProgramFigures | None) -> dict[str, Any]:
    assert cell.month is not None
    ratings, comments, on_time = cell.ratings, cell.comments, cell.on_time
    return {
        "periode_mulai": cell.month.isoformat(),
        "periode_selesai": month_end(cell.month).isoformat(),
        "kode_provinsi": region.code.split(".")[0],
        "nama_provinsi": region.province,
        "kode_kabupaten_kota": region.code,
        "nama_kabupaten_kota": region.name,
        "tingkat": LEVEL_PROGRAM if program else LEVEL_REGION,
        "id_program": program.id if program else None,
        "nama_program": program.name if program else None,
        "jumlah_penilaian": ratings.count,
        "jumlah_warga_menilai": ratings.residents,
        "rata_rata_penilaian": round(ratings.average, 2) if ratings.average is not None else None,
        "penilaian_disembunyikan": ratings.suppressed,
        "jumlah_komentar": comments.count,
        "komentar_disembunyikan": comments.suppressed,
        "jumlah_komentar_jatuh_tempo": on_time.settled,
        "jumlah_ditanggapi_tepat_waktu": on_time.on_time,
        "persentase_tepat_waktu": round(100 * on_time.share, 1) if on_time.share is not None else None,
        "tepat_waktu_disembunyikan": on_time.suppressed,
        "disembunyikan": ratings.suppressed or comments.suppressed or on_time.suppressed,
    }


def region_rows(region: RegionFigures) -> list[dict[str, Any]]:
    """Per month: the region's row, then its programs' by name."""
    rows = []
    for i, cell in enumerate(region.months):
        rows.append(_row(region, cell, None))
        rows.extend(_row(region, program.months[i], program) for program in region.programs)
    return rows


def _span(rows: Sequence[dict[str, Any]], now: datetime) -> tuple[date, date]:
    if not rows:
        return now.date(), now.date()
    return (date.fromisoformat(min(r["periode_mulai"] for r in rows)),
            date.fromisoformat(max(r["periode_selesai"] for r in rows)))


def datasets(figures: PublicFigures, *, national: bool = True) -> list[Dataset]:
    """The national dataset (unless `national` is False), then one per region, by province and name."""
    found: list[Dataset] = []
    if national:
        rows = [_row(region, cell, None) for region in figures.regions for cell in region.months]
        rows.sort(key=lambda r: r["periode_mulai"])  # stable: by month, then province and name
        found.append(Dataset(NATIONAL, None, rows, *_span(rows, figures.now), figures.now))
    for region in figures.regions:
        rows = region_rows(region)
        found.append(Dataset(dataset_name(region.code), region, rows, *_span(rows, figures.now), figures.now))
    return found


async def build_datasets(session: AsyncSession, *, now: datetime, region_codes: Sequence[str] | None = None
                         ) -> list[Dataset]:
    """Every dataset (None: the national one and every region's), or only the given regions'.

    What an admin hid from the public page (/dasbor/publik) is not published here either: a hidden region has no
    dataset and no row in the national one; a hidden national list means no national dataset."""
    hidden = await public_page.hidden_scopes(session)
    figures = await public_figures(session, region_codes=region_codes, now=now)
    figures = replace(figures, regions=[r for r in figures.regions if r.code not in hidden])
    return datasets(figures, national=region_codes is None and public_page.NATIONAL not in hidden)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""  # suppressed, or not applicable (the program columns of a region's row)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_bytes(dataset: Dataset) -> bytes:
    """UTF-8 (no byte order mark), a header row, RFC 4180 line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in dataset.rows:
        writer.writerow([_cell_text(row[c]) for c in COLUMNS])
    return out.getvalue().encode("utf-8")


def json_bytes(dataset: Dataset) -> bytes:
    """A list of objects with the CSV's columns, in the same order; suppressed figures null."""
    return (json.dumps([{c: row[c] for c in COLUMNS} for row in dataset.rows], ensure_ascii=False, indent=1)
            + "\n").encode("utf-8")


def split_filename(filename: str) -> tuple[str, str] | None:
    """``quickwin-32-73.metadata.json`` -> (``quickwin-32-73``, ``.metadata.json``); None if not one of ours."""
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if filename.endswith(suffix):
            name = filename[: -len(suffix)]
            if name == NATIONAL or (name.startswith(PREFIX + "-") and name[len(PREFIX) + 1:].replace("-", "").isdigit()):
                return name, suffix
    return None


def region_code_of(name: str) -> str | None:
    """The Kemendagri code of a region's dataset name (``quickwin-32-73`` -> ``32.73``); None for the national."""
    if name == NATIONAL:
        return None
    return name[len(PREFIX) + 1:].replace("-", ".")
