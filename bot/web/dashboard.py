"""The officials' dashboard: server-rendered pages in Bahasa Indonesia (English switchable), usable on a phone.

Routes (GET unless marked POST; every /dasbor address needs a session, every POST its CSRF token):

    /masuk?token=…                     a login link from /dasbor in the chat: a page with a "Masuk" button
    /masuk                      POST   that button: spend the link, start a session (ending this browser's other one)
    /masuk                             how to get a link (also the page after signing out)
    /keluar                     POST   sign out
    /dasbor                            overview: the /ringkasan figures (?wilayah=r32.73|p32|all, ?periode=7|30|0)
    /dasbor/grafik.png                 the overview's chart
    /dasbor/program                    programs table (?urut=nama|nilai|jumlah|komentar|baru, ?arah=naik|turun)
    /dasbor/program/{id}               a program: figures, weekly trend, latest comments
    /dasbor/program/{id}/grafik.png    its chart
    /dasbor/masukan                    feedback (?program=, ?nilai=1-5, ?status=, ?dari=, ?sampai=, ?q=, ?hal=)
    /dasbor/masukan/{id}/jawab  POST   answer a ticket (the resident is told in the chat)
    /dasbor/masukan/{id}/status POST   mark it diproses or selesai (the resident is told)
    /dasbor/masukan/{id}/tanda  POST   mark it spam or abusive, or remove the mark (tanda=spam|abusive|none)
    /dasbor/masukan/{id}/foto          the photo the resident added (the official's regions only; else 404)
    /dasbor/ekspor.csv, .xlsx          the filtered feedback, pseudonymous
    /publik, /publik/{code}            the public page, no login (bot/web/views_public.py); /dasbor/publik its switches

Any page takes ?lang=id|en to switch the session's language. Every parameter is checked: a malformed one, or
one with a control character, is a 400 page that says which.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.services.evidence import kecamatan_name
from bot.web import (
    console_audit,
    console_broadcasts,
    console_officials,
    console_programs,
    console_survey_results,
    console_surveys,
    exports,
    views_evidence,
    views_feedback,
    views_login,
    views_overview,
    views_programs,
    views_public,
    views_public_admin,
    views_simulator,
)
from bot.web.pages import JINJA

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
ID = r"{id:[0-9]{1,12}}"  # ASCII digits: \d would also take "²", which int() refuses


def environment_options() -> dict[str, object]:
    """The Jinja2 settings, shared with the catalogue test so extraction sees what rendering sees."""
    return {
        "autoescape": True,  # every value is HTML-escaped unless a template says otherwise (none does)
        "undefined": jinja2.StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
    }


def setup(app: web.Application) -> None:
    """Register the dashboard's routes on the app."""
    env = aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(TEMPLATES), app_key=JINJA, **environment_options())  # type: ignore[arg-type]
    env.globals["kecamatan_name"] = kecamatan_name  # a ticket's location, by its kecamatan code
    # Opening a link spends nothing; only the landing page's POST does. (No HEAD: nothing to check there.)
    app.router.add_get("/masuk", views_login.login, allow_head=False)
    app.router.add_post("/masuk", views_login.sign_in)
    app.router.add_post("/keluar", views_login.logout)
    app.router.add_get("/dasbor", views_overview.overview)
    app.router.add_get("/dasbor/grafik.png", views_overview.overview_chart)
    app.router.add_get("/dasbor/program", views_programs.programs)
    app.router.add_get(f"/dasbor/program/{ID}", views_programs.program)
    app.router.add_get(f"/dasbor/program/{ID}/grafik.png", views_programs.program_chart)
    app.router.add_get("/dasbor/masukan", views_feedback.feedback)
    app.router.add_post(f"/dasbor/masukan/{ID}/jawab", views_feedback.answer)
    app.router.add_post(f"/dasbor/masukan/{ID}/status", views_feedback.status)
    app.router.add_post(f"/dasbor/masukan/{ID}/tanda", views_feedback.mark)
    app.router.add_get(f"/dasbor/masukan/{ID}/foto", views_evidence.photo)
    app.router.add_get("/dasbor/ekspor.csv", exports.export_csv)
    app.router.add_get("/dasbor/ekspor.xlsx", exports.export_xlsx)
    for console in (console_broadcasts, console_surveys, console_survey_results, console_programs, console_officials,
                    console_audit, views_simulator, views_public, views_public_admin):
        console.setup(app)  # each registers its own routes (see its docstring)
    app.router.add_static("/dasbor/static", STATIC, name="dashboard-static")
