"""/ringkasan: a region's (or, for admins, a province's or the country's) summary, with a chart."""

from __future__ import annotations

import functools

from bot.render import keyboards as kb
from bot.render.callbacks import Callback
from bot.render.summary import PERIOD_LABELS, deliver_summary
from bot.services import auth, officials, summaries
from bot.services.auth import Actor
from handlers.common import Turn, esc, in_turn
from handlers.officials import not_an_official


def period_buttons(turn: Turn, token: str) -> list[list]:
    return [[kb.button(turn.t.gettext(PERIOD_LABELS[d]), "sum", token, d) for d in summaries.PERIODS]]


@in_turn
async def cmd_summary(turn: Turn) -> None:
    """/ringkasan: choose what to summarise, then the period."""
    _ = turn.t.gettext
    actor = await turn.actor()
    if not actor.is_official:
        not_an_official(turn)
        return
    if auth.may_see_summary(actor, "country"):
        provinces: dict[str, str] = {}
        for region in await officials.regions_of(turn.session, actor):
            provinces.setdefault(region.province_code, region.province)
        grid = [kb.button(name, "sumprov", code) for code, name in sorted(provinces.items(), key=lambda i: i[1])]
        turn.reply(
            _("Which summary would you like? The whole country, or choose a province:"),
            kb.markup([kb.button(_("🇮🇩 All of Indonesia"), "sum", "all", "x")], *[grid[i : i + 2] for i in range(0, len(grid), 2)]),
        )
        return
    regions = await officials.regions_of(turn.session, actor)
    if len(regions) == 1:
        turn.reply(_("Summary for <b>{scope}</b>: choose the period.").format(scope=esc(regions[0].name)),
                   kb.markup(*period_buttons(turn, f"r{regions[0].code}")))
        return
    turn.reply(_("Which region?"), kb.markup(*[[kb.button(r.name, "sum", f"r{r.code}", "x")] for r in regions]))


@in_turn
async def on_province(turn: Turn, cb: Callback) -> None:
    """An admin chose a province: the whole province, or one of its regions."""
    _ = turn.t.gettext
    actor = await turn.actor()
    scope = await summaries.resolve_scope(turn.session, actor, f"p{cb.str(0)}")
    if scope is None:
        turn.answer(_("You may not see this summary."), alert=True)
        return
    regions = [r for r in await officials.regions_of(turn.session, actor) if r.province_code == cb.str(0)]
    turn.edit(
        _("<b>{province}</b>: the whole province, or one region?").format(province=esc(scope.name)),
        kb.markup([kb.button(_("All of {province}").format(province=scope.name), "sum", scope.token, "x")],
                  *[[kb.button(r.name, "sum", f"r{r.code}", "x")] for r in regions]),
    )


@in_turn
async def on_summary(turn: Turn, cb: Callback) -> None:
    """Show the period buttons, or the summary itself; every press re-checks what the user may see."""
    _ = turn.t.gettext
    actor = await turn.actor()
    scope = await summaries.resolve_scope(turn.session, actor, cb.str(0))
    if scope is None:
        turn.answer(_("You may not see this summary."), alert=True)
        return
    if cb.str(1) == "x":
        turn.edit(_("Summary for <b>{scope}</b>: choose the period.").format(scope=esc(scope.name)),
                  kb.markup(*period_buttons(turn, scope.token)))
        return
    turn.answer()
    turn.later(functools.partial(_summarize_and_send, turn, actor, scope, int(cb.str(1))))


async def _summarize_and_send(turn: Turn, actor: Actor, scope: summaries.Scope, days: int) -> None:
    """After the turn's commit: the figures are read in a read-only session (on SQLite off the event loop)."""
    async with turn.deps.db.reading() as session:
        summary = await summaries.summarize(session, actor, scope, days=days, now=turn.now)
    await deliver_summary(turn.context.bot, turn.chat_id, turn.t, turn.deps.textwork, summary)
