"""Exports of the filtered feedback as CSV and XLSX: pseudonymous, times in each region's zone.

Residents appear only by pseudonym. The matching rows are counted first (over EXPORT_MAX is refused before
any is loaded), then read in chunks of CHUNK, each in its own short unit of work, and written out as they
come: memory stays flat and no database lock is held while the browser downloads.

A comment can never run as a formula in the official's spreadsheet. CSV: every field is quoted, and a
formula character is disarmed with an apostrophe wherever a spreadsheet might start a cell, whichever
separator it splits on (Excel in the Indonesian locale splits on ";"). XLSX: every text cell is typed as text.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import IO

from aiohttp import web
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from bot.i18n import N_, Translator
from bot.render.programs import label
from bot.services import catalog
from bot.services.deps import Deps
from bot.services.tickets import pseudonym
from bot.web.context import Ctx, Later, Refusal
from bot.web.pages import secure, view
from bot.web.views_feedback import checked_filter
from storage import dashboard as queries
from storage.dashboard import FeedbackFilter, FeedbackRow
from storage.zones import zone_info

EXPORT_MAX = 50_000
CHUNK = 1_000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A formula character where a spreadsheet splitting on ";", "," or tab (or a broken line) would start a cell:
# after the separator and any spaces or double quotes.
AFTER_SEPARATOR = re.compile(r'([;,\t\r\n][ "]*)([=+\-@])')
CELL_MAX = 32_767  # Excel's limit for one cell
HEADERS = (
    N_("Ticket number"), N_("Date and time"), N_("Time zone"), N_("Regency/city"), N_("Program"),
    N_("Rating (1–5)"), N_("Comment"), N_("Status"), N_("Satisfied"), N_("Resident (pseudonym)"),
    N_("Photo attached"),  # whether there is one: the photo itself is only on the dashboard, never in an export
)
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def as_text(value: str) -> str:
    """A value that no spreadsheet evaluates as a formula, whatever separator it splits the line on.

    A value starting with = + - @ tab or CR (after any spaces or quotes) gets a leading apostrophe; inside,
    such a character after ";", ",", tab or a line break gets one too ("Rp 5.000,-" becomes "Rp 5.000,'-").
    """
    if value.startswith(FORMULA_START) or value.lstrip(' "').startswith(FORMULA_START):
        value = "'" + value
    return AFTER_SEPARATOR.sub(r"\1'\2", value)


def local(row: FeedbackRow) -> datetime:
    """The moment in the region's own zone, without tzinfo (spreadsheets have no zones)."""
    return row.created_at.astimezone(zone_info(row.timezone)).replace(tzinfo=None)


def _cells(t: Translator, key: bytes, row: FeedbackRow) -> list[str | int | datetime]:
    satisfied = {True: t.gettext("yes"), False: t.gettext("not yet"), None: ""}[row.satisfied]
    return [
        row.ticket, local(row), row.timezone, row.region_name, row.program_name, row.rating,
        row.comment or "", label(t, catalog.FEEDBACK_STATUSES, row.status), satisfied,
        pseudonym(key, row.region_code, row.resident_id, row.resident_salt) or t.gettext("(data deleted)"),
        t.gettext("yes") if row.has_photo else "",
    ]


def csv_rows(t: Translator, key: bytes, rows: list[FeedbackRow], *, header: bool = False) -> bytes:
    """Lines of the CSV: UTF-8 (the header with a byte-order mark, so spreadsheets pick the encoding), all quoted."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    if header:
        out.write("\ufeff")
        writer.writerow([as_text(t.gettext(h)) for h in HEADERS])
    for row in rows:
        cells = _cells(t, key, row)
        cells[1] = local(row).strftime("%Y-%m-%d %H:%M")
        writer.writerow([as_text(c) if isinstance(c, str) else c for c in cells])
    return out.getvalue().encode("utf-8")


def xlsx_text(value: str) -> str:
    """Text an XLSX cell can hold: no XML-illegal control characters, at most Excel's cell size."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)[:CELL_MAX]


class XlsxSheet:
    """A write-only workbook (openpyxl streams its rows to a temporary file), filled chunk by chunk."""

    def __init__(self, t: Translator, key: bytes, title: str) -> None:
        self.t, self.key = t, key
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet(xlsx_text(title)[:31])
        bold = Font(bold=True)
        header = []
        for h in HEADERS:
            cell = WriteOnlyCell(self.sheet, value=t.gettext(h))
            cell.font = bold
            header.append(cell)
        self.sheet.append(header)

    def add(self, rows: list[FeedbackRow]) -> None:
        for row in rows:
            cells = []
            for value in _cells(self.t, self.key, row):
                if isinstance(value, str):
                    value = xlsx_text(value)
                cell = WriteOnlyCell(self.sheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
                elif isinstance(value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                cells.append(cell)
            self.sheet.append(cells)

    def save(self, file: IO[bytes]) -> None:
        self.book.save(file)


async def chunks(deps: Deps, flt: FeedbackFilter, *, limit: int | None = None) -> AsyncIterator[list[FeedbackRow]]:
    """The filtered rows (at most `limit`, default EXPORT_MAX), newest first, CHUNK at a time, each chunk read
    in a read-only session of its own (on SQLite off the event loop, waiting for no writer)."""
    limit = EXPORT_MAX if limit is None else limit
    before: int | None = None
    while limit > 0:
        size = min(CHUNK, limit)
        async with deps.db.reading() as db:
            rows = await queries.feedback_rows(db, flt, limit=size, before_id=before)
        if rows:
            yield rows
        if len(rows) < size:
            return
        before, limit = rows[-1].id, limit - len(rows)


async def _stream_csv(ctx: Ctx, flt: FeedbackFilter, headers: dict[str, str]) -> web.StreamResponse:
    t, key = ctx.t, ctx.deps.pseudonym_key
    response = secure(web.StreamResponse(headers={"Content-Type": CSV_TYPE, **headers}))
    await response.prepare(ctx.request)
    await response.write(csv_rows(t, key, [], header=True))
    async for rows in chunks(ctx.deps, flt):
        await response.write(await asyncio.to_thread(csv_rows, t, key, rows))
    await response.write_eof()
    return response


async def _stream_xlsx(ctx: Ctx, flt: FeedbackFilter, headers: dict[str, str]) -> web.StreamResponse:
    sheet = XlsxSheet(ctx.t, ctx.deps.pseudonym_key, ctx.t.gettext("Feedback"))
    async for rows in chunks(ctx.deps, flt):
        await asyncio.to_thread(sheet.add, rows)
    with tempfile.TemporaryFile() as file:
        await asyncio.to_thread(sheet.save, file)
        size = file.tell()
        file.seek(0)
        response = secure(web.StreamResponse(headers={"Content-Type": XLSX_TYPE, "Content-Length": str(size), **headers}))
        await response.prepare(ctx.request)
        while block := await asyncio.to_thread(file.read, 64 * 1024):
            await response.write(block)
    await response.write_eof()
    return response


def _export(kind: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    @view
    async def handler(ctx: Ctx) -> Later:
        flt, form = await checked_filter(ctx)
        total = await queries.count_feedback(ctx.db, flt)  # counted, not loaded
        if total > EXPORT_MAX:
            raise Refusal(400, N_("More than {max} rows match. Please narrow the filter (for example the dates) "
                                  "and export again."), max=ctx.t.integer(EXPORT_MAX))
        active = {k: v for k, v in form.items() if v != "" and k != "wilayah"}
        ctx.audit("dashboard.export", form["wilayah"], format=kind, rows=total, **active)
        day = ctx.now.astimezone(zone_info(ctx.scope.zone if ctx.scope else None)).date().isoformat()
        headers = {"Content-Disposition": f'attachment; filename="masukan-{form["wilayah"]}-{day}.{kind}"'}

        async def build() -> web.StreamResponse:  # after the commit: the rows are read in chunks of their own
            return await (_stream_csv if kind == "csv" else _stream_xlsx)(ctx, flt, headers)

        return Later(build)

    handler.__doc__ = f"The filtered feedback as {kind.upper()}."
    return handler


export_csv = _export("csv")
export_xlsx = _export("xlsx")
