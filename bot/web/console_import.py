"""Importing programs from a CSV file in the dashboard: the check of `quickwin import`, all or nothing, and an
official's rows only for their own regions.

Routes (every POST needs its CSRF token):

    /dasbor/program/impor              GET   the upload form, with the columns explained
    /dasbor/program/impor              POST  multipart, berkas=<the file>: every bad row listed, or all rows written
    /dasbor/program/impor/contoh.csv   GET   a template: the header line and one example row
"""

from __future__ import annotations

import csv
import html
import io
from typing import Any

from aiohttp import web

from bot.i18n import N_
from bot.render.programs import label
from bot.services import catalog, importer
from bot.web import inputs
from bot.web.context import Ctx, Later, Page, Redirect
from bot.web.frame import add_flashes
from bot.web.pages import view
from storage.seed import PROGRAM_COLUMNS

FILE_MAX = 1024 * 1024  # 1 MB: some thousands of programs, far more than a region lists
REGIONS_LISTED = 12  # an official's own region codes, named on the page (an admin's would be every region)
FIRST_PROGRAMS = N_("🎉 Good news: {region} now lists its quick-win programs. See them and rate them: /program")
COLUMN_HELP = (
    ("region_code", True, N_("The region's Kemendagri code, such as 32.73 for Kota Bandung.")),
    ("name", True, N_("The program's name, as the region calls it (at most 200 characters).")),
    ("description", True, N_("What the program does, in plain words for residents (at most 2,000 characters).")),
    ("dimension", True, N_("One of the smart-city dimensions, written with its code:")),
    ("agency", False, N_("The agency that runs it, such as Dinas Kesehatan.")),
    ("status", False, N_("One of these codes (running if left empty):")),
    ("source_url", False, N_("Where the program is described, starting with http:// or https://.")),
    ("source_date", False, N_("The day that source was published, written YYYY-MM-DD.")),
)

TOO_LARGE = N_("The file is larger than 1 MB. Please split it into smaller files and import them one by one.")

add_flashes({"pgimported": N_("Programs imported: {count}. Residents can now see and rate them in the chat.")})


def _page(ctx: Ctx, status: int = 200, **data: Any) -> Page:
    t = ctx.t
    return Page("program_import.html", {
        "page": "programs", "columns": COLUMN_HELP, "file_max": "1 MB", "problems": [], "error": None,
        "rows": None,
        "codes": {"dimension": [(k, label(t, catalog.DIMENSIONS, k)) for k in catalog.DIMENSIONS],
                  "status": [(k, label(t, catalog.PROGRAM_STATUSES, k)) for k in catalog.PROGRAM_STATUSES]},
        **data,
    }, status=status)


async def _own_regions(ctx: Ctx) -> list[tuple[str, str]]:
    """An official's regions (code, name), named on the page; none for an admin, who may import into any."""
    return [] if ctx.actor.is_admin else [(r.code, r.name) for r in (await ctx.regions())[:REGIONS_LISTED]]


@view
async def import_form(ctx: Ctx) -> Page:
    """The upload form and what each column holds."""
    await ctx.resolve_scope()
    ctx.audit("dashboard.program_import")
    return _page(ctx, own=await _own_regions(ctx))


def _text(upload: object) -> tuple[str | None, str | None]:
    """The file's text, or why it is refused (an msgid): none chosen, not a CSV, too large, not UTF-8."""
    if not isinstance(upload, web.FileField) or not upload.filename:
        return None, N_("Please choose the CSV file to import.")
    if not upload.filename.lower().endswith(".csv"):
        return None, N_("This file is not a CSV file. In your spreadsheet, choose Save as › CSV UTF-8 "
                        "(comma-separated values), then choose that file.")
    data = upload.file.read(FILE_MAX + 1)
    if len(data) > FILE_MAX:
        return None, TOO_LARGE
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, N_("The file is not written in UTF-8. In your spreadsheet, choose Save as › CSV UTF-8, "
                        "then try again.")
    if not inputs.clean(text, free_text=True):
        return None, N_("This file is not a CSV file: it holds characters that a table of text never holds.")
    return text, None


@view
async def import_file(ctx: Ctx) -> Page | Redirect:
    """Check every row (the scope too) before writing any; write all of them only if none is bad."""
    await ctx.resolve_scope()
    own = await _own_regions(ctx)
    text, refused = _text(ctx.form.get("berkas") if ctx.form is not None else None)
    if text is None:
        status = 413 if refused == TOO_LARGE else 400
        return _page(ctx, status=status, own=own, error=ctx.t.gettext(refused or ""))
    words = ctx.deps.i18n.get(ctx.deps.settings.default_language)  # as `quickwin import` words it

    def notice(region: str) -> str:
        return words.gettext(FIRST_PROGRAMS).format(region=html.escape(region))

    report = await importer.import_programs(ctx.db, text, notice=notice, now=ctx.now, actor=ctx.actor)
    if not report.ok:
        ctx.audit("program.import_refused", rows=report.rows, problems=len(report.problems))
        problems = [(ctx.t.integer(p.line), p.reason(ctx.t)) for p in report.problems]
        return _page(ctx, status=400, own=own, problems=problems, rows=ctx.t.integer(report.rows))
    ctx.audit("program.import", rows=report.rows, imported=report.imported)
    codes = {row["region_code"] for _, row in importer.parse_problems(text)[0]}
    where = f"?wilayah=r{next(iter(codes))}" if len(codes) == 1 else ""
    return Redirect(f"/dasbor/program{where}", flash=f"pgimported-{report.imported}")


def template_csv(region_code: str, example: dict[str, str]) -> str:
    """The header line of `quickwin import` and one example row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(PROGRAM_COLUMNS)
    writer.writerow([region_code if c == "region_code" else example.get(c, "") for c in PROGRAM_COLUMNS])
    return out.getvalue()


@view
async def template(ctx: Ctx) -> Later:
    """A CSV with the columns and one example row, for the official's first region."""
    regions = await ctx.regions()
    _ = ctx.t.gettext
    body = template_csv(regions[0].code if regions else "32.73", {
        "name": _("Example: mobile civil registration service"),
        "description": _("Officers come to the kelurahan office so residents can renew their ID card and family card."),
        "dimension": "governance", "agency": _("Population and Civil Registration Agency"), "status": "berjalan",
        "source_url": "https://example.org/layanan-keliling", "source_date": "2025-01-15",
    })

    async def build() -> web.StreamResponse:
        return web.Response(body=body.encode("utf-8"), headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="contoh-program.csv"',
        })

    return Later(build)


def setup(app: web.Application) -> None:
    """Register this page's routes (called by console_programs.setup)."""
    app.router.add_get("/dasbor/program/impor", import_form)
    app.router.add_post("/dasbor/program/impor", import_file)
    app.router.add_get("/dasbor/program/impor/contoh.csv", template)
