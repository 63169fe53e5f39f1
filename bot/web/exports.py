"""Exports of the filtered feedback as CSV and XLSX: pseudonymous, times in each region's zone.

Residents appear only by pseudonym. A comment can never run as a formula in the official's spreadsheet:
in CSV a value starting with =, +, -, @ gets a leading apostrophe; in XLSX every text cell is typed as text.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable
from datetime import datetime

from aiohttp import web
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from bot import catalog
from bot.feedback import ticket
from bot.i18n import N_, ZONES, Translator
from bot.tickets import pseudonym
from bot.web.pages import Ctx, Later, Refusal, view
from bot.web.views_feedback import checked_filter
from handlers.programs import label
from storage import dashboard as queries
from storage.dashboard import FeedbackRow

EXPORT_MAX = 50_000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADERS = (
    N_("Ticket number"), N_("Date and time"), N_("Time zone"), N_("Regency/city"), N_("Program"),
    N_("Rating (1–5)"), N_("Comment"), N_("Status"), N_("Satisfied"), N_("Resident (pseudonym)"),
)
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def as_text(value: str) -> str:
    """A value that no spreadsheet will evaluate as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def local(row: FeedbackRow) -> datetime:
    """The moment in the region's own zone, without tzinfo (spreadsheets have no zones)."""
    return row.created_at.astimezone(ZONES.get(row.timezone, ZONES["WIB"])).replace(tzinfo=None)


def _cells(t: Translator, key: bytes, row: FeedbackRow) -> list[object]:
    satisfied = {True: t.gettext("yes"), False: t.gettext("not yet"), None: ""}[row.satisfied]
    return [
        ticket(row.id), local(row), row.timezone, row.region_name, row.program_name, row.rating,
        row.comment or "", label(t, catalog.FEEDBACK_STATUSES, row.status), satisfied,
        pseudonym(key, row.resident_id) or t.gettext("(data deleted)"),
    ]


def to_csv(t: Translator, key: bytes, rows: list[FeedbackRow]) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheets pick the right encoding; RFC 4180 quoting."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([t.gettext(h) for h in HEADERS])
    for row in rows:
        cells = _cells(t, key, row)
        cells[1] = local(row).strftime("%Y-%m-%d %H:%M")
        writer.writerow([as_text(c) if isinstance(c, str) else c for c in cells])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(t: Translator, key: bytes, rows: list[FeedbackRow], title: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    bold = Font(bold=True)
    header = []
    for h in HEADERS:
        cell = WriteOnlyCell(sheet, value=t.gettext(h))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for value in _cells(t, key, row):
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
            elif isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _export(kind: str) -> Callable[[Ctx], object]:
    @view
    async def handler(ctx: Ctx) -> Later:
        flt, form = await checked_filter(ctx)
        rows = await queries.feedback_rows(ctx.db, flt, limit=EXPORT_MAX + 1)
        if len(rows) > EXPORT_MAX:
            raise Refusal(400, N_("More than {max} rows match. Please narrow the filter (for example the dates) "
                                  "and export again."), max=ctx.t.integer(EXPORT_MAX))
        active = {k: v for k, v in form.items() if v != "" and k != "wilayah"}
        ctx.audit("dashboard.export", form["wilayah"], format=kind, rows=len(rows), **active)
        t, key = ctx.t, ctx.deps.pseudonym_key
        day = ctx.now.astimezone(ZONES[ctx.scope.zone if ctx.scope else "WIB"]).date().isoformat()
        name = f"masukan-{form['wilayah']}-{day}.{kind}"

        async def build() -> web.StreamResponse:
            if kind == "csv":
                body, content_type = await asyncio.to_thread(to_csv, t, key, rows), CSV_TYPE
            else:
                body = await asyncio.to_thread(to_xlsx, t, key, rows, t.gettext("Feedback"))
                content_type = XLSX_TYPE
            return web.Response(body=body, headers={
                "Content-Type": content_type, "Content-Disposition": f'attachment; filename="{name}"',
            })

        return Later(build)

    handler.__doc__ = f"The filtered feedback as {kind.upper()}."
    return handler


export_csv = _export("csv")
export_xlsx = _export("xlsx")
