"""A survey's live results in the dashboard, and its answers as CSV and XLSX.

Routes (404 for a survey the official may not see, as for one that does not exist):

    /dasbor/survei/{id}               GET   per question counts and shares, the 1–5 distribution and average,
                                            the written answers by pseudonym, the response rate, a chart
    /dasbor/survei/{id}/jawaban.csv   GET   one row per answer, pseudonymous, local time with its zone
    /dasbor/survei/{id}/jawaban.xlsx  GET   the same as a spreadsheet

The exports disarm formulas as the feedback export does (bot.web.exports.as_text; every XLSX text cell is text).
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from bot.i18n import N_, Translator
from bot.services import survey_console, survey_results
from bot.services import surveys as service
from bot.services.survey_console import Given
from bot.services.survey_results import Results
from bot.web import inputs
from bot.web.context import Ctx, Later, Page, Refusal
from bot.web.exports import CSV_TYPE, XLSX_TYPE, as_text, xlsx_text
from bot.web.pages import secure, view
from storage.models import Survey
from storage.statuses import QuestionKind
from storage.zones import zone_info

ID = r"{id:[0-9]{1,12}}"
ID_MAX = 2**31 - 1
NOT_FOUND = N_("This survey was not found, or it is not yours to see.")
HEADERS = (N_("Survey number"), N_("Question"), N_("Answer"), N_("Date and time"), N_("Time zone"),
           N_("Resident (pseudonym)"))
TAGS = re.compile(r"<[^>]*>")
BAR_HEIGHT = 8


async def _visible(ctx: Ctx) -> Survey:
    survey_id = inputs.whole_number(ctx.request.match_info["id"], low=1, high=ID_MAX)
    survey = await survey_console.visible(ctx.db, ctx.actor, survey_id) if survey_id else None
    if survey is None:
        raise Refusal(404, NOT_FOUND)
    return survey


def _percent(t: Translator, share: float) -> str:
    return t.integer(round(share * 100)) + "%"


def _question_rows(t: Translator, results: Results) -> list[dict[str, Any]]:
    """Each question's lines (an option or a scale value: its count, share and bar) and figures."""
    out = []
    for r in results.questions:
        q = r.question
        names = ([str(o) for o in q.options or []] if q.kind == QuestionKind.CHOICE
                 else [t.integer(v) for v in range(1, 6)] if q.kind == QuestionKind.SCALE else [])
        lines = [{"name": name, "count": t.integer(r.counts[i]), "share": _percent(t, r.share(i)),
                  "width": round(r.share(i) * 100, 1), "y": i * (BAR_HEIGHT + 4)} for i, name in enumerate(names)]
        out.append({"q": q, "lines": lines, "answered": t.integer(r.answered), "skipped": t.integer(r.skipped),
                    "average": t.decimal(r.average) if r.average is not None else None,
                    "height": max(1, len(lines)) * (BAR_HEIGHT + 4)})
    return out


@view
async def results(ctx: Ctx) -> Page:
    """The survey's figures as they stand now."""
    survey = await _visible(ctx)
    await ctx.resolve_scope()
    sid = service.ident(survey)
    figures = await survey_results.results(ctx.db, survey)
    audience = await survey_console.audience_of(ctx.db, survey)
    written: dict[int, list[Given]] = {}
    for given in await survey_console.answers(ctx.db, ctx.deps.pseudonym_key, sid, texts_only=True):
        written.setdefault(given.row.position, []).append(given)
    ctx.audit("dashboard.survey", str(sid))
    t = ctx.t
    return Page("survey_results.html", {
        "page": "surveys", "s": survey, "ref": survey_console.ref(sid), "audience": audience,
        "open": service.is_open(survey, ctx.now), "closes": t.datetime(survey.closes_at, audience.zone),
        "reached": t.integer(figures.reached), "answered": t.integer(figures.respondents),
        "rate": _percent(t, figures.rate), "questions": _question_rows(t, figures), "written": written,
        "bar": BAR_HEIGHT, "when": lambda at: t.datetime(at, audience.zone),
    })


def _answer(t: Translator, g: Given) -> str:
    r = g.row
    if r.skipped:
        return t.gettext("skipped")
    if r.choice is not None and r.options and 0 <= r.choice < len(r.options):
        return r.options[r.choice]
    if r.scale is not None:
        return t.integer(r.scale)
    return r.text if r.text is not None else t.gettext("(data deleted)")


def _cells(t: Translator, ref: str, zone: str, g: Given) -> list[str | datetime]:
    r = g.row
    local = r.answered_at.astimezone(zone_info(zone)).replace(tzinfo=None)
    return [ref, f"{r.position}. {TAGS.sub('', r.question)}", _answer(t, g), local, zone,
            g.who or t.gettext("(data deleted)")]


def csv_bytes(t: Translator, ref: str, zone: str, rows: list[Given]) -> bytes:
    """UTF-8 with a byte-order mark, every field quoted and disarmed (bot.web.exports.as_text)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow([as_text(t.gettext(h)) for h in HEADERS])
    for g in rows:
        cells = _cells(t, ref, zone, g)
        writer.writerow([as_text(c) if isinstance(c, str) else c.strftime("%Y-%m-%d %H:%M") for c in cells])
    return out.getvalue().encode("utf-8")


def xlsx_bytes(t: Translator, ref: str, zone: str, rows: list[Given]) -> bytes:
    """One sheet; every text cell typed as text, so "=…" is never a formula."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(ref)
    sheet.append([t.gettext(h) for h in HEADERS])
    for g in rows:
        cells = []
        for value in _cells(t, ref, zone, g):
            cell = WriteOnlyCell(sheet, value=xlsx_text(value) if isinstance(value, str) else value)
            if isinstance(value, str):
                cell.data_type = "s"
            else:
                cell.number_format = "yyyy-mm-dd hh:mm"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _export(kind: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    @view
    async def handler(ctx: Ctx) -> Later:
        survey = await _visible(ctx)
        sid = service.ident(survey)
        zone = (await survey_console.audience_of(ctx.db, survey)).zone
        rows = await survey_console.answers(ctx.db, ctx.deps.pseudonym_key, sid)
        ctx.audit("dashboard.survey_export", str(sid), format=kind, rows=len(rows))
        ref, t = survey_console.ref(sid), ctx.t
        headers = {"Content-Disposition": f'attachment; filename="survei-{sid}.{kind}"'}

        async def build() -> web.StreamResponse:  # after the commit: the file is written off the event loop
            write = csv_bytes if kind == "csv" else xlsx_bytes
            body = await asyncio.to_thread(write, t, ref, zone, rows)
            return secure(web.Response(body=body, headers={"Content-Type": CSV_TYPE if kind == "csv" else XLSX_TYPE,
                                                           **headers}))

        return Later(build)

    handler.__doc__ = f"The survey's answers as {kind.upper()}."
    return handler


export_csv = _export("csv")
export_xlsx = _export("xlsx")


def setup(app: web.Application) -> None:
    """Register this page's routes."""
    app.router.add_get(f"/dasbor/survei/{ID}", results)
    app.router.add_get(f"/dasbor/survei/{ID}/jawaban.csv", export_csv)
    app.router.add_get(f"/dasbor/survei/{ID}/jawaban.xlsx", export_xlsx)
