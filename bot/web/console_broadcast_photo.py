"""An announcement's optional photo in the dashboard: checked once, kept in this process between the form, the
preview and the confirm button, shown from the dashboard itself.

A browser cannot send a file again without the official choosing it again, so the photo posted with the form is
checked (bot/services/photos.py: as Telegram takes it, then cleaned of EXIF and re-encoded as a JPEG) and kept
here under (the session's hash, the key of the page that shows it). Each preview, or the form shown again to
change it, gets a new key and the photo moves to it; the page's forms carry the key and `berfoto=1`. The store
is bounded (BYTES_KEPT in all, the oldest dropped first): a photo no longer kept makes the form "expired", and the
official previews again. Like the preview keys (console_broadcasts.USED_KEYS), it lives in this process only.

Route:

    /dasbor/pengumuman/foto/{key}    GET   the photo of one of the official's own previews (404 for anyone else)
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from bot.i18n import N_, Translator
from bot.services import photos
from bot.services.photos import BadPhoto, PhotoProblem
from bot.web.context import Ctx, Later, Refusal
from bot.web.pages import view

BYTES_KEPT = 50 * 1024 * 1024  # all the photos waiting between a form and its confirm button, in this process
EXPIRED = N_("This form has expired. Please preview the announcement again.")
NO_PHOTO = N_("This photo is no longer kept. Please preview the announcement again.")
PROBLEMS = {
    PhotoProblem.NOT_IMAGE: N_("That file is not a picture. Please choose a photo (JPEG or PNG)."),
    PhotoProblem.TOO_BIG: N_("The photo is too large. Telegram accepts photos of at most {megabytes} MB."),
    PhotoProblem.TOO_SMALL: N_("That file is not a picture. Please choose a photo (JPEG or PNG)."),
    PhotoProblem.SHAPE: N_("Telegram does not accept a photo of {width} × {height} pixels: its width and height "
                           "together may be at most {sides} pixels, and its long side at most {ratio} times the "
                           "short one."),
}


class PhotoStore:
    """Photos by (session hash, page key), oldest first; at most `limit` bytes in all."""

    def __init__(self, limit: int = BYTES_KEPT) -> None:
        self.limit = limit
        self._photos: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._bytes = 0

    def put(self, owner: str, key: str, jpeg: bytes) -> None:
        self.pop(owner, key)
        self._photos[(owner, key)] = jpeg
        self._bytes += len(jpeg)
        while self._bytes > self.limit:
            _, dropped = self._photos.popitem(last=False)
            self._bytes -= len(dropped)

    def get(self, owner: str, key: str) -> bytes | None:
        return self._photos.get((owner, key))

    def pop(self, owner: str, key: str) -> bytes | None:
        jpeg = self._photos.pop((owner, key), None)
        if jpeg is not None:
            self._bytes -= len(jpeg)
        return jpeg

    @property
    def size(self) -> int:
        return self._bytes


PHOTOS = web.AppKey("broadcast_photos", PhotoStore)


def problem_text(t: Translator, bad: BadPhoto) -> str:
    """Why Telegram would not take the photo, in the official's words (numbers written in their language)."""
    width, height = bad.size or (0, 0)
    return t.gettext(PROBLEMS[bad.problem]).format(
        megabytes=t.integer(photos.TELEGRAM_BYTES_MAX // (1024 * 1024)), width=t.integer(width),
        height=t.integer(height), sides=t.integer(photos.TELEGRAM_SIDES_MAX), ratio=t.integer(photos.TELEGRAM_RATIO_MAX))


def _store(ctx: Ctx) -> PhotoStore:
    return ctx.request.app[PHOTOS]


def _uploaded(ctx: Ctx) -> bytes | None:
    """The file posted in the field foto; None when none was chosen (a browser then sends an empty part)."""
    upload = ctx.form.get("foto") if ctx.form is not None else None
    if not isinstance(upload, FileField):
        return None
    data = upload.file.read(photos.TELEGRAM_BYTES_MAX + 1)
    return data or None


def _flag(ctx: Ctx, name: str) -> bool:
    return ctx.form is not None and ctx.form.get(name) == "1"


def kept(ctx: Ctx, key: str) -> bytes | None:
    """The photo of the page the form came from: None when it has none; the polite "expired" refusal when it had one
    that is no longer kept (or the key is not one this session was given)."""
    if not _flag(ctx, "berfoto"):
        return None
    jpeg = _store(ctx).get(ctx.session.session_hash, key) if key else None
    if jpeg is None:
        raise Refusal(400, EXPIRED)
    return jpeg


async def from_form(ctx: Ctx, key: str) -> tuple[bytes | None, str | None]:
    """The photo the form asks for, and why a new one is refused (or None).

    A new file replaces the kept one; "remove photo" drops it; otherwise the kept one stays."""
    data = _uploaded(ctx)
    if data is not None:
        try:
            photo = await asyncio.to_thread(photos.for_announcement, data)
        except BadPhoto as bad:
            return kept(ctx, key), problem_text(ctx.t, bad)
        return photo.jpeg, None
    if _flag(ctx, "hapus_foto"):
        if key:
            _store(ctx).pop(ctx.session.session_hash, key)
        return None, None
    return kept(ctx, key), None


def keep(ctx: Ctx, old_key: str, new_key: str, jpeg: bytes | None) -> None:
    """The photo now belongs to the page with the new key (a new preview, or the form shown again)."""
    store = _store(ctx)
    if old_key:
        store.pop(ctx.session.session_hash, old_key)
    if jpeg is not None:
        store.put(ctx.session.session_hash, new_key, jpeg)


def spend(ctx: Ctx, key: str) -> None:
    """The announcement is created: its photo is in the database now."""
    _store(ctx).pop(ctx.session.session_hash, key)


@view
async def serve(ctx: Ctx) -> Later:
    """The photo of one of this session's own previews, from the dashboard itself (the CSP allows no data: URL)."""
    jpeg = _store(ctx).get(ctx.session.session_hash, ctx.request.match_info["key"])
    if jpeg is None:
        raise Refusal(404, NO_PHOTO)

    async def build() -> web.StreamResponse:
        return web.Response(body=jpeg, content_type="image/jpeg")

    return Later(build)


def setup(app: web.Application, key_pattern: str) -> None:
    """The store, and the photo's route."""
    app[PHOTOS] = PhotoStore()
    app.router.add_get(f"/dasbor/pengumuman/foto/{{key:{key_pattern}}}", serve)


def shown(draft: dict[str, Any], key: str, jpeg: bytes | None) -> None:
    """What the templates need: the key of the kept photo (its address and the forms' `berfoto`), or None."""
    draft["foto"] = key if jpeg is not None else None
