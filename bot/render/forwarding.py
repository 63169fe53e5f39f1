"""What the "bukan kewenangan kami" flow says: to the official forwarding, to the resident, to the new region."""

from __future__ import annotations

from html import escape as esc

from telegram import InlineKeyboardMarkup

from bot.i18n import Translator
from bot.render import keyboards as kb
from bot.render.notices import government, quote
from bot.services import deadlines
from bot.services.forwarding import REASON_MAX, REFERENCE_MAX, REGION, Forwarded
from bot.services.tickets import Ticket
from storage.models import Region
from storage.statuses import ForwardBody

LAPOR = "SP4N-LAPOR!"  # the service's own name, the same in every language


def body_name(t: Translator, body: str, province: str) -> str:
    """Another body, as a sentence names it: "Pemerintah Provinsi Jawa Barat"."""
    if body == ForwardBody.PROVINCE:
        return t.gettext("the Government of {province} Province").format(province=province)
    if body == ForwardBody.NATIONAL:
        return t.gettext("the national ministry or agency responsible")
    if body == ForwardBody.UTILITY:
        return t.gettext("the utility responsible (such as PLN or PDAM)")
    return t.gettext("{lapor}, the national public complaints service").format(lapor=LAPOR)


def destination(t: Translator, target: str, ticket: Ticket, region: Region | None) -> str:
    """Where the ticket goes, as a sentence names it (escaped HTML)."""
    if target == REGION:
        assert region is not None
        return esc(t.gettext("the {government}").format(government=government(t, region.name)))
    return esc(body_name(t, target, ticket.region.province))


def ask_where(t: Translator, ticket: Ticket, nonce: str) -> tuple[str, InlineKeyboardMarkup]:
    fid = ticket.feedback.id
    assert fid is not None
    text = t.gettext(
        "Is ticket <b>{ticket}</b> ({program}) not for the {government} to handle? Choose where it belongs. "
        "/batal cancels."
    ).format(ticket=ticket.feedback.ticket, program=esc(ticket.program.name),
             government=esc(government(t, ticket.region.name)))
    rows = [
        [kb.button(t.gettext("Another regency or city"), "fwt", fid, nonce, REGION)],
        [kb.button(t.gettext("Government of {province} Province").format(province=ticket.region.province),
                   "fwt", fid, nonce, ForwardBody.PROVINCE)],
        [kb.button(t.gettext("A national ministry or agency"), "fwt", fid, nonce, ForwardBody.NATIONAL)],
        [kb.button(t.gettext("A utility (PLN, PDAM…)"), "fwt", fid, nonce, ForwardBody.UTILITY)],
        [kb.button(LAPOR, "fwt", fid, nonce, ForwardBody.LAPOR)],
    ]
    return text, kb.fixed(*rows)


def ask_region(t: Translator, ticket: Ticket) -> str:
    return t.gettext(
        "Type the name of the regency or city that should handle ticket {ticket}, for example <i>Kota Denpasar</i>."
    ).format(ticket=ticket.feedback.ticket)


def ask_reason(t: Translator, ticket: Ticket, where: str) -> str:
    return t.gettext(
        "Ticket <b>{ticket}</b> will be forwarded to {where}. Why is it theirs to handle? The resident will read "
        "this reason. Up to {max} characters; /batal cancels."
    ).format(ticket=ticket.feedback.ticket, where=where, max=t.integer(REASON_MAX))


def ask_reference(t: Translator, ticket: Ticket, where: str, nonce: str) -> tuple[str, InlineKeyboardMarkup]:
    fid = ticket.feedback.id
    assert fid is not None
    text = t.gettext(
        "If {where} has already given this complaint a reference number, type it. If not, press Skip."
    ).format(where=where)
    return text, kb.fixed([kb.button(t.gettext("Skip"), "fws", fid, nonce)])


def bad_reference(t: Translator) -> str:
    return t.gettext(
        "A reference number may only contain letters, digits, spaces and the signs # . / : _ -, up to {max} "
        "characters. Please type it again, or press Skip."
    ).format(max=t.integer(REFERENCE_MAX))


def done(t: Translator, forwarded: Forwarded) -> str:
    """The official's confirmation."""
    ticket = forwarded.ticket
    forward = forwarded.forward
    where = destination(t, forward.body or REGION, ticket, ticket.region if forward.to_region else None)
    lines = [t.gettext("✅ Ticket {ticket} has been forwarded to {where}.").format(ticket=ticket.feedback.ticket, where=where)]
    if forward.to_region:
        lines.append(t.gettext("It is now among the new comments of the officials of {region}.").format(
            region=esc(ticket.region.name)))
    if ticket.resident is None:
        lines.append(t.gettext("The resident has deleted their data, so they cannot be told."))
    else:
        lines.append(t.gettext("We have told the resident where it went and why."))
    return "\n".join(lines)


def resident_notice(rt: Translator, forwarded: Forwarded) -> str:
    """What the resident reads, in their language: where their feedback went, why, and what comes next."""
    ticket, forward = forwarded.ticket, forwarded.forward
    old = esc(government(rt, forwarded.from_region.name))
    lines = [
        rt.gettext("↪ <b>Your feedback has been forwarded</b>"),
        rt.gettext("Ticket number: {ticket} · {program}").format(ticket=ticket.feedback.ticket, program=esc(ticket.program.name)),
        "",
    ]
    if forward.to_region:
        new = esc(government(rt, ticket.region.name))
        lines.append(rt.gettext("The {old} has passed your feedback on to the {new}, which is responsible for it.")
                     .format(old=old, new=new))
        lines.append(rt.gettext("Reason: {reason}").format(reason=esc(forward.reason)))
        if (due := deadlines.due_day(ticket.feedback, ticket.region.timezone)) is not None:
            lines += ["", rt.gettext("The {government} aims to answer by {day} at the latest.").format(
                government=new, day=rt.day(due))]
        lines.append(rt.gettext("Your ticket number stays the same."))
        return "\n".join(lines)
    where = esc(body_name(rt, forward.body or "", forwarded.from_region.province))
    lines.append(rt.gettext("The {old} has passed your feedback on to {where}, because it is theirs to handle.")
                 .format(old=old, where=where))
    lines.append(rt.gettext("Reason: {reason}").format(reason=esc(forward.reason)))
    if forward.reference:
        lines.append(rt.gettext("Reference number there: <b>{reference}</b>").format(reference=esc(forward.reference)))
    lines.append("")
    if forward.body == ForwardBody.LAPOR and forward.reference:
        lines.append(rt.gettext("You can follow it on {lapor} (lapor.go.id) with that number.").format(lapor=LAPOR))
    else:
        lines.append(rt.gettext("The follow-up is now theirs. Your ticket number stays the same; see it with /masukan."))
    return "\n".join(lines)


def staff_notice(ot: Translator, forwarded: Forwarded) -> tuple[str, InlineKeyboardMarkup]:
    """What the new region's officials read, in their language, with the ticket's answer button."""
    ticket = forwarded.ticket
    fid = ticket.feedback.id
    assert fid is not None
    lines = [
        ot.gettext("📥 <b>A ticket forwarded to {region}</b>").format(region=esc(ticket.region.name)),
        ot.gettext("Ticket {ticket} · {program}, forwarded by the {old}.").format(
            ticket=ticket.feedback.ticket, program=esc(ticket.program.name),
            old=esc(government(ot, forwarded.from_region.name))),
    ]
    if ticket.feedback.comment:
        lines.append(f"<i>{quote(ticket.feedback.comment)}</i>")
    lines += ["", ot.gettext("Reason: {reason}").format(reason=esc(forwarded.forward.reason))]
    if (due := deadlines.due_day(ticket.feedback, ticket.region.timezone)) is not None:
        lines.append(ot.gettext("Please answer by {day} at the latest. It is among the new comments in /masukanbaru.")
                     .format(day=ot.day(due)))
    answer = kb.button(ot.gettext("💬 Answer {ticket}").format(ticket=ticket.feedback.ticket), "ans", fid)
    return "\n".join(lines), kb.fixed([answer])


def feedback_line(t: Translator, *, body: str | None, moved: bool, region_name: str, province: str,
                  reference: str | None) -> str | None:
    """The resident's own list (/masukan): where a forwarded ticket went."""
    if body:
        where = esc(body_name(t, body, province))
        if reference:
            return t.gettext("↪ Forwarded to {where} · reference number {reference}").format(
                where=where, reference=esc(reference))
        return t.gettext("↪ Forwarded to {where}").format(where=where)
    if moved:
        return t.gettext("↪ Forwarded to the {government}").format(government=esc(government(t, region_name)))
    return None
