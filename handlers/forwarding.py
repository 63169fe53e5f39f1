""""Bukan kewenangan kami": an official forwards a ticket to another region or another body, step by step."""

from __future__ import annotations

import asyncio

from bot.render import forwarding as texts
from bot.render import keyboards as kb
from bot.render.callbacks import Callback
from bot.render.text import shorten
from bot.services import forwarding
from bot.services.forwarding import Outcome, Progress
from bot.services.search import normalise
from handlers import steps
from handlers.common import Turn, esc, in_turn
from handlers.region import SHOWN_QUERY_MAX, match_label


def _where(turn: Turn, progress: Progress) -> str:
    assert progress.ticket is not None and progress.target is not None
    return texts.destination(turn.t, progress.target, progress.ticket, progress.to_region)


def _refusal(turn: Turn, progress: Progress) -> str | None:
    """What to say when the step could not go on (None: it went on)."""
    _ = turn.t.gettext
    ticket = progress.ticket
    number = ticket.feedback.ticket if ticket is not None else ""
    match progress.outcome:
        case Outcome.GONE:
            return _("This feedback was not found, or it is not in your region.")
        case Outcome.ALREADY:
            return _("Ticket {ticket} has already been forwarded.").format(ticket=number)
        case Outcome.STALE:
            return _("This forwarding has already been finished or cancelled.")
        case Outcome.SAME_REGION:
            return _("Ticket {ticket} is already in {region}. Please type another regency or city.").format(
                ticket=number, region=esc(progress.to_region.name if progress.to_region else ""))
        case Outcome.NO_REGION:
            return _("That regency or city was not found. Please type its name again.")
        case Outcome.EMPTY:
            return _("The reason is empty. Please write it, or type /batal.")
        case Outcome.TOO_LONG:
            return _("The reason is too long: the limit is {max} characters. Please shorten it.").format(
                max=turn.t.integer(forwarding.REASON_MAX))
        case Outcome.HTML:
            return _("Please write it as plain text, without HTML tags such as &lt;b&gt;.")
        case Outcome.BAD_REFERENCE:
            return texts.bad_reference(turn.t)
    return None


def _next(turn: Turn, progress: Progress, *, pressed: bool) -> None:
    """Say what comes next, or why it cannot; a pressed button is answered (a refusal as an alert)."""
    refusal = _refusal(turn, progress)
    if refusal is not None:
        if pressed:
            turn.answer(refusal, alert=True)
        else:
            turn.reply(refusal)
        return
    if pressed:
        turn.answer()
    ticket = progress.ticket
    assert ticket is not None
    match progress.outcome:
        case Outcome.ASK_WHERE:
            turn.reply(*texts.ask_where(turn.t, ticket, progress.nonce))
        case Outcome.ASK_REGION:
            turn.reply(texts.ask_region(turn.t, ticket))
        case Outcome.ASK_REASON:
            turn.reply(texts.ask_reason(turn.t, ticket, _where(turn, progress)))
        case Outcome.ASK_REFERENCE:
            turn.reply(*texts.ask_reference(turn.t, ticket, _where(turn, progress), progress.nonce))
        case Outcome.DONE:
            _tell(turn, progress)


def _tell(turn: Turn, progress: Progress) -> None:
    """The forward is stored: the resident, the new region's officials and the official hear of it."""
    forwarded = progress.done
    assert forwarded is not None
    resident = forwarded.ticket.resident
    if resident is not None:
        turn.notify(
            resident.telegram_id, texts.resident_notice(turn.deps.i18n.recipient(resident), forwarded),
            undeliverable=turn.t.gettext(
                "The resident could not be reached on Telegram (they may have blocked the bot). The forward is saved."),
        )
    for official in forwarded.staff:
        turn.notify(official.telegram_id, *texts.staff_notice(turn.deps.i18n.recipient(official), forwarded))
    turn.reply(texts.done(turn.t, forwarded))


@in_turn
async def on_start(turn: Turn, cb: Callback) -> None:
    """[↪ Bukan kewenangan kami] under a ticket."""
    progress = await forwarding.start(turn.session, await turn.actor(), turn.resident, cb.int(0))
    _next(turn, progress, pressed=True)


@in_turn
async def on_target(turn: Turn, cb: Callback) -> None:
    """Where the ticket belongs: another regency or city, or another body."""
    progress = await forwarding.choose(turn.session, await turn.actor(), turn.resident, cb.int(0), cb.str(1), cb.str(2))
    _next(turn, progress, pressed=True)


@in_turn
async def on_region(turn: Turn, cb: Callback) -> None:
    """One of the regions matching the typed name."""
    progress = await forwarding.pick_region(
        turn.session, await turn.actor(), turn.resident, cb.int(0), cb.str(1), cb.str(2))
    _next(turn, progress, pressed=True)


@in_turn
async def on_skip(turn: Turn, cb: Callback) -> None:
    """[Lewati]: no reference number at the other body."""
    progress = await forwarding.refer(
        turn.session, await turn.actor(), turn.resident, None, now=turn.now,
        default_days=turn.deps.settings.answer_days, feedback_id=cb.int(0), nonce=cb.str(1))
    _next(turn, progress, pressed=True)


async def on_choose_text(turn: Turn, _text: str) -> None:
    """Text while the buttons wait for a choice."""
    turn.reply(turn.t.gettext("Please choose one of the buttons above, or type /batal."))


async def on_region_text(turn: Turn, text: str) -> None:
    """The other region's name: offer the regions it matches, as the residents' search finds them."""
    _ = turn.t.gettext
    progress = await forwarding.naming(turn.session, await turn.actor(), turn.resident)
    if progress.outcome is not Outcome.ASK_REGION:
        _next(turn, progress, pressed=False)
        return
    ticket = progress.ticket
    assert ticket is not None and ticket.feedback.id is not None
    if not normalise(text):
        turn.reply(texts.ask_region(turn.t, ticket))
        return
    found = await asyncio.to_thread(turn.deps.regions.find, text)  # off the loop: the first search reads the places
    shown = esc(shorten(text.strip(), SHOWN_QUERY_MAX))
    matches = [m for m in found.matches if m.region.code != ticket.region.code]
    if not matches:
        turn.reply(
            _("“{query}” is the ticket's own region, {region}. Please type another regency or city.").format(
                query=shown, region=esc(ticket.region.name))
            if found.matches else
            _("No regency or city called “{query}” was found. Please check the spelling and type it again, "
              "or type /batal.").format(query=shown)
        )
        return
    rows = [[kb.button(match_label(m), "fwr", ticket.feedback.id, progress.nonce, m.region.code)] for m in matches]
    turn.reply(_("Choose the regency or city for ticket {ticket}:").format(ticket=ticket.feedback.ticket),
               kb.markup(*rows))


async def on_reason_text(turn: Turn, text: str) -> None:
    """The reason, which the resident reads."""
    progress = await forwarding.explain(turn.session, await turn.actor(), turn.resident, text, now=turn.now,
                                        default_days=turn.deps.settings.answer_days)
    _next(turn, progress, pressed=False)


async def on_reference_text(turn: Turn, text: str) -> None:
    """The reference number at the other body."""
    progress = await forwarding.refer(turn.session, await turn.actor(), turn.resident, text, now=turn.now,
                                      default_days=turn.deps.settings.answer_days)
    _next(turn, progress, pressed=False)


steps.register(forwarding.CHOOSING, text=on_choose_text, hint=steps.WRITE_AS_TEXT)
steps.register(forwarding.NAMING, text=on_region_text, hint=steps.WRITE_AS_TEXT)
steps.register(forwarding.EXPLAINING, text=on_reason_text, hint=steps.WRITE_AS_TEXT)
steps.register(forwarding.REFERRING, text=on_reference_text, hint=steps.WRITE_AS_TEXT)
