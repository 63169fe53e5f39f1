"""`/dasbor/coba`: the bot in the browser, for officials to see it as a resident of their region would.

Routes (a session needed; every POST carries the CSRF token):

    /dasbor/coba                     the chat with the official's test resident (?kabkota=32.73: the location picker)
    /dasbor/coba/kirim        POST   send a message (teks) as the test resident
    /dasbor/coba/tekan        POST   press a button (pesan, data: its callback data) of one of the bot's messages
    /dasbor/coba/lokasi       POST   share the centre of a kecamatan (kecamatan=32.73.01) as the resident's location
    /dasbor/coba/gambar       POST   send a photo (multipart, field foto) as the resident, as Telegram's app does
    /dasbor/coba/ulang        POST   start again: the test resident's data is erased, the chat emptied
    /dasbor/coba/foto/{id}           a photo in that chat (the bot's, such as a chart, or the resident's)
    /dasbor/coba/berkas/{id}         a file the bot sent in that chat (/dataku)

The test resident is a real resident row with an id no Telegram user has (storage/simulated.py): what they rate
is counted in no figure, export or API, and no announcement's audience includes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from bot.i18n import N_
from bot.services import photos, residents
from bot.services.kecamatan import shared as kecamatan_index
from bot.telegram.standin import Chat
from bot.web.context import Ctx, Later, Page, Redirect, Refusal, bad_param
from bot.web.frame import add_flashes
from bot.web.keys import SIMULATOR
from bot.web.pages import secure, view
from bot.web.telegram_text import plain, telegram_html
from storage.residents import get_resident
from storage.simulated import simulated_resident

ID = r"{id:[0-9]{1,9}}"
TEXT_MAX = 4096  # what a Telegram client lets a person send in one message
add_flashes({
    "simgone": N_("That button is no longer there. Please use the latest message."),
    "simreset": N_("The test chat has been started again: the test resident's data is erased."),
    "simempty": N_("Please write a message first."),
    "simnophoto": N_("That file is not a picture. Please choose a photo (JPEG or PNG)."),
    "simphotosize": N_("Telegram does not accept this photo: it is larger than 10 MB, or too long and narrow. "
                       "Please choose another one."),
})


def _simulator(ctx: Ctx) -> Any:
    simulator = ctx.request.app.get(SIMULATOR)
    if simulator is None or simulator.application is None:
        raise Refusal(503, N_("The simulator is not running in this process. Please try again in a moment."))
    return simulator


def _chat(ctx: Ctx) -> tuple[Any, int, Chat]:
    simulator = _simulator(ctx)
    user_id = simulated_resident(ctx.actor.telegram_id)
    return simulator, user_id, simulator.standin.chat(user_id, first_name=ctx.t.gettext("Test resident"),
                                                      language=ctx.t.lang)


@view
async def page(ctx: Ctx) -> Page:
    """The chat, newest at the bottom, with the keyboard the phone would show."""
    simulator, user_id, chat = _chat(ctx)
    regions = await ctx.regions()
    picked = ctx.query.get("kabkota", "")
    if picked and picked not in {r.code for r in regions}:
        raise bad_param(N_("The region in the address is not valid: {value}"), value=picked[:20])
    kecamatan = kecamatan_index().by_region.get(picked, []) if picked else []
    messages = [{
        "id": m.message_id, "bot": m.from_bot, "edited": m.edited, "photo": m.photo is not None,
        "document": m.document[0] if m.document else None, "location": m.location,
        "html": telegram_html(m.text) if m.from_bot else plain(m.text), "rows": m.inline,
    } for m in chat.messages]
    return Page("simulator.html", {
        "page": "simulator", "messages": messages, "keyboard": chat.keyboard,
        "toast": simulator.standin.answers.pop(user_id, None), "regions": regions, "picked": picked,
        "kecamatan": sorted(kecamatan, key=lambda k: k.name), "text_max": TEXT_MAX,
    })


def _after(ctx: Ctx, user_id: int, update: dict[str, Any] | None, *, flash: str | None = None) -> Later | Redirect:
    if update is None:
        return Redirect("/dasbor/coba#akhir", flash=flash)
    simulator = _simulator(ctx)

    async def build() -> web.StreamResponse:  # after the commit: the bot uses its own transactions
        await simulator.run(user_id, update)
        return secure(web.Response(status=303, headers={"Location": "/dasbor/coba#akhir"}))

    return Later(build)


def _form(ctx: Ctx) -> Mapping[str, Any]:
    return ctx.form if ctx.form is not None else {}


def _number(ctx: Ctx, name: str, top: int) -> int:
    value = _form(ctx).get(name, "")
    if not (isinstance(value, str) and value.isascii() and value.isdigit() and int(value) <= top):
        raise bad_param(N_("The parameter {name} is not valid."), name=name)
    return int(value)


@view
async def send(ctx: Ctx) -> Later | Redirect:
    simulator, user_id, _ = _chat(ctx)
    text = str(_form(ctx).get("teks", "")).strip()
    if not text:
        return Redirect("/dasbor/coba#akhir", flash="simempty")
    ctx.audit("simulator_message")
    return _after(ctx, user_id, simulator.standin.message(user_id, text=text[:TEXT_MAX]))


@view
async def press(ctx: Ctx) -> Later | Redirect:
    simulator, user_id, _ = _chat(ctx)
    message_id, data = _number(ctx, "pesan", 10**9), str(_form(ctx).get("data", ""))
    update = simulator.standin.press(user_id, message_id, data) if 0 < len(data.encode()) <= 64 else None
    return _after(ctx, user_id, update, flash="simgone")


@view
async def share_location(ctx: Ctx) -> Later:
    simulator, user_id, _ = _chat(ctx)
    code = str(_form(ctx).get("kecamatan", ""))
    place = kecamatan_index().get(code)
    if place is None or place.region_code not in {r.code for r in await ctx.regions()}:
        raise bad_param(N_("Please choose a kecamatan of your region."))
    update = simulator.standin.message(user_id, location=(place.lat, place.lon))
    result = _after(ctx, user_id, update)
    assert isinstance(result, Later)
    return result


@view
async def send_photo(ctx: Ctx) -> Later | Redirect:
    """A photo as the phone sends one: Telegram delivers pictures only (a file is a document, not a photo), and only
    what it accepts as a photo (bot/services/photos.py, as for an announcement's photo)."""
    simulator, user_id, _ = _chat(ctx)
    upload = _form(ctx).get("foto")
    data = upload.file.read(photos.TELEGRAM_BYTES_MAX + 1) if isinstance(upload, FileField) else b""
    try:
        width, height = photos.telegram_size(data)
    except photos.BadPhoto as bad:
        return Redirect("/dasbor/coba#akhir", flash="simnophoto" if bad.problem is photos.PhotoProblem.NOT_IMAGE
                        else "simphotosize")
    ctx.audit("simulator_message")
    return _after(ctx, user_id, simulator.standin.message(user_id, photo=(data, width, height)))


@view
async def reset(ctx: Ctx) -> Redirect:
    simulator, user_id, _ = _chat(ctx)
    resident = await get_resident(ctx.db, telegram_id=user_id)
    if resident is not None:
        await residents.erase(ctx.db, resident, evidence_dir=ctx.deps.settings.evidence_dir)
    simulator.standin.forget(user_id)
    ctx.audit("simulator_reset")
    return Redirect("/dasbor/coba", flash="simreset")


def _file(kind: str) -> Any:
    @view
    async def serve(ctx: Ctx) -> Later:
        _, _, chat = _chat(ctx)
        shown = chat.find(int(ctx.request.match_info["id"]))
        body = (shown.photo if kind == "photo" else shown.document[1] if shown.document else None) if shown else None
        if shown is None or body is None:
            raise Refusal(404, N_("This file does not exist."))
        image = "image/png" if body.startswith(b"\x89PNG") else "image/jpeg"
        headers = {"Content-Type": image if kind == "photo" else "application/octet-stream"}
        if kind == "document" and shown.document:
            headers["Content-Disposition"] = "attachment; filename=\"" + shown.document[0].replace('"', "") + "\""

        async def build() -> web.StreamResponse:
            return web.Response(body=body, headers=headers)

        return Later(build)

    return serve


def setup(app: web.Application) -> None:
    """Register the simulator's routes."""
    app.router.add_get("/dasbor/coba", page)
    app.router.add_post("/dasbor/coba/kirim", send)
    app.router.add_post("/dasbor/coba/tekan", press)
    app.router.add_post("/dasbor/coba/lokasi", share_location)
    app.router.add_post("/dasbor/coba/gambar", send_photo)
    app.router.add_post("/dasbor/coba/ulang", reset)
    app.router.add_get(f"/dasbor/coba/foto/{ID}", _file("photo"))
    app.router.add_get(f"/dasbor/coba/berkas/{ID}", _file("document"))
