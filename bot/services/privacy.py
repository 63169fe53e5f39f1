"""The privacy notice (UU No. 27 Tahun 2022 on Personal Data Protection): a short first screen and the full text.

The first screen says what is kept, why, who sees it and asks for consent, short enough to read before
answering; [Read more] and /privasi show the full notice: the controller and how to reach them, purpose,
legal basis (consent), what is stored and what is not, who sees it, how long it is kept, and every right
with the command that exercises it. Changing what the notice promises means raising NOTICE_VERSION:
residents who agreed to an earlier version are asked again on their next message.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from bot.i18n import Translator

NOTICE_VERSION = 4  # 1: before the controller, the retention period and every right were named; 2: before photos
# and locations added to a comment were kept; 3: before survey answers were kept
RETENTION_MONTHS = 24  # the default of the RETENTION_MONTHS setting
FIRST_SCREEN_MAX = 500  # characters as shown: fits a phone screen with the buttons


@dataclass(frozen=True, slots=True)
class Controller:
    """Who is responsible for the data (pengendali data pribadi), from DATA_CONTROLLER and DATA_CONTROLLER_CONTACT."""

    name: str | None
    contact: str | None
    retention_months: int = RETENTION_MONTHS


def first_screen(t: Translator, *, greeting: bool = True) -> str:
    """What, why, who sees it, and the consent question: the greeting of a new resident (or, mid-way, the notice)."""
    _ = t.gettext
    return "\n\n".join([
        _("Welcome to <b>Quick Win Bot</b>! 👋 Here you can rate the quick-win programs of your regency or city "
          "and send comments, so your local government learns how they work for residents.")
        if greeting else _("<b>Privacy notice</b>"),
        _("We keep your Telegram ID, the regency/city and language you choose, your ratings and comments, and "
          "your survey answers. Officials of your regency/city and the national admins see them under a pseudonym, never your name "
          "or account."),
        _("Do you agree to this? Processing is based on your consent (Law No. 27 of 2022)."),
    ])


def renewal_screen(t: Translator) -> str:
    """To a resident who agreed to an earlier notice: what changed, and the question again."""
    _ = t.gettext
    return "\n\n".join([
        _("<b>Our privacy notice has changed.</b> It now says that we keep your answers to surveys and what "
          "remains of them after /hapusdata, how we keep the photos and locations you may add to a comment, who "
          "is responsible for your data, how long it is kept, and how to use each of your rights. Please read it "
          "and tell us whether you agree."),
        _("Do you agree to this? Processing is based on your consent (Law No. 27 of 2022)."),
    ])


def full_notice(t: Translator, controller: Controller) -> str:
    """The whole notice, under Telegram's 4,096 characters in either language."""
    _ = t.gettext
    unset = _("(not yet set by the operator)")
    name = html.escape(controller.name) if controller.name else unset
    contact = html.escape(controller.contact) if controller.contact else unset
    months = t.integer(controller.retention_months)
    return "\n".join([
        _("<b>Privacy notice</b>"),
        "",
        _("<b>Who is responsible:</b> {controller} is the controller of the personal data this bot keeps. "
          "Contact: {contact}.").format(controller=name, contact=contact),
        _("<b>Purpose:</b> so your local government learns how its quick-win programs work for residents, "
          "answers your comments, and sends you the announcements you asked for."),
        _("<b>Legal basis:</b> your consent, under Law No. 27 of 2022 on Personal Data Protection. "
          "Without it you can still read the programs."),
        _("<b>What we store:</b> your Telegram ID, the regency/city and language you choose, your ratings, "
          "comments and replies with the officials' answers, the programs and announcements you follow, your "
          "answers to surveys, and a text you have not finished. If you add them to a comment: one photo, without its hidden data "
          "(such as where and when it was taken), and one location, kept only as its kecamatan unless you "
          "agree to keep the exact point."),
        _("<b>What we do not store:</b> your name, username or phone number, and the location you share to "
          "find your regency/city: it is used for that and not kept."),
        _("<b>Who sees it:</b> officials of your regency/city and the national admins, under a pseudonym, never "
          "your name or Telegram account. Ratings and comments also appear, under the same pseudonym, in the "
          "officials' exports and the data API; photos never do, and other residents never see them. If your "
          "comment is for another regency/city, the officials may move it there, and its officials see it then."),
        _("<b>How long:</b> comments and replies older than {months} months are anonymised; if you have not "
          "written for {months} months, your data is removed.").format(months=months),
        "",
        _("<b>Your rights</b>"),
        _("• See all your data: /dataku"),
        _("• Correct it: /wilayah (regency/city), /bahasa (language). To correct a comment, rate the program "
          "again with the right comment (the latest one counts), or reply on its ticket."),
        _("• Delete it: /hapusdata (your survey answers then stay in the results only as numbers, without your "
          "ID or what you wrote)"),
        _("• Withdraw your consent: /hapusdata (we then stop processing and delete your data)"),
        _("• Object: /langganan stops announcements; for anything else write to {contact}, or use /hapusdata.")
        .format(contact=contact),
        "",
        _("If you are under 18, please ask a parent or guardian to agree for you."),
        _("/privasi shows this notice again."),
    ])
