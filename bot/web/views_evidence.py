"""The photo a resident added to a comment, for the officials who may see that ticket (GET /dasbor/masukan/{id}/foto).

Signed in, and within the official's regions (an admin sees every region): a ticket of another region, one
without a photo and one that does not exist all get the same 404, so the address says nothing about what exists
elsewhere. The photo is already re-encoded without metadata (bot/services/evidence.py); it is never cached.
"""

from __future__ import annotations

from aiohttp import web

from bot.i18n import N_
from bot.services import auth, evidence
from bot.web import inputs
from bot.web.context import Ctx, Later, Refusal
from bot.web.pages import view

ID_MAX = 2**31 - 1
NOT_FOUND = N_("This photo was not found, or it is not in your region.")


@view
async def photo(ctx: Ctx) -> Later:
    """The ticket's photo as a JPEG."""
    feedback_id = inputs.whole_number(ctx.request.match_info["id"], low=1, high=ID_MAX)
    row = await auth.feedback_for(ctx.db, ctx.actor, feedback_id) if feedback_id is not None else None
    if row is None or row.id is None:
        raise Refusal(404, NOT_FOUND)
    data = await evidence.photo_bytes(ctx.db, row.id, folder=ctx.deps.settings.evidence_dir)
    if data is None:
        raise Refusal(404, NOT_FOUND)
    body, name = data, f"foto-{row.ticket}.jpg"

    async def build() -> web.StreamResponse:
        return web.Response(body=body, content_type="image/jpeg", headers={"Content-Disposition": f'inline; filename="{name}"'})

    return Later(build)
