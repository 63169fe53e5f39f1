"""Every handler, registered in one ordered list."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.render.callbacks import Callback, decode
from handlers import (
    account,
    broadcast,
    catalogue,
    closing,
    dashboard_login,
    evidence,
    evidence_officials,
    fallback,
    forwarding,
    inbox,
    moderation,
    officials,
    programs,
    rating,
    region,
    replies,
    start,
    subscriptions,
    summary,
    survey_create,
    survey_skm,
    surveys,
)
from handlers.context import BotContext

CallbackFn = Callable[[Update, BotContext, Callback], Awaitable[None]]

# Commands as shown in the menu (Indonesian names), with English aliases that also work.
COMMANDS: list[tuple[tuple[str, ...], Callable[[Update, BotContext], Coroutine[Any, Any, None]]]] = [
    (("start",), start.cmd_start),
    (("program", "programs"), programs.cmd_programs),
    (("masukan", "feedback"), account.cmd_my_feedback),
    (("wilayah", "region"), region.cmd_region),
    (("bahasa", "language"), account.cmd_language),
    (("bantuan", "help"), account.cmd_help),
    (("privasi", "privacy"), start.cmd_privacy),
    (("dataku", "mydata"), account.cmd_my_data),
    (("hapusdata", "deletedata"), account.cmd_erase),
    (("batal", "cancel"), account.cmd_cancel),
    (("langganan", "subscriptions"), subscriptions.cmd_subscriptions),
    (("survei", "surveys"), surveys.cmd_surveys),
    # officials and admins
    (("ringkasan", "summary"), summary.cmd_summary),
    (("masukanbaru", "inbox"), inbox.cmd_inbox),
    (("undang", "invite"), officials.cmd_invite),
    (("ringkasanmingguan", "digest"), officials.cmd_digest),
    (("umumkan", "announce"), broadcast.cmd_announce),
    (("buatsurvei", "newsurvey"), survey_create.cmd_create),
    (("siaran", "broadcasts"), broadcast.cmd_broadcasts),
    (("kelolaprogram", "programs_admin"), catalogue.cmd_manage),
    (("dasbor", "dashboard"), dashboard_login.cmd_dashboard),
]

CALLBACKS: dict[str, CallbackFn] = {
    "lang": account.on_language,
    "consent": start.on_consent,
    "privacy": start.on_read_more,
    "provs": region.on_provinces,
    "prov": region.on_province,
    "region": region.on_region_chosen,
    "search": region.on_search_again,
    "progs": programs.on_program_list,
    "prog": programs.on_program,
    "ask": rating.on_ask,
    "rate": rating.on_rate,
    "skip": rating.on_skip,
    "trim": rating.on_trim,
    "ev": evidence.on_step,
    "evx": evidence.on_exact,
    "evk": evidence.on_kecamatan,
    "evp": evidence_officials.on_show_photo,
    "mine": account.on_my_feedback,
    "erase": account.on_erase,
    "notify": programs.on_notify,
    "inbox": inbox.on_inbox,
    "ans": inbox.on_answer,
    "st": inbox.on_status,
    "mod": moderation.on_mark,
    "mute": moderation.on_mute,
    "fwd": forwarding.on_start,
    "fwt": forwarding.on_target,
    "fwr": forwarding.on_region,
    "fws": forwarding.on_skip,
    "reply": inbox.on_reply,
    "sat": closing.on_satisfaction,
    "close": closing.on_close,
    "fup": replies.on_offer,
    "sum": summary.on_summary,
    "sumprov": summary.on_province,
    "sub": subscriptions.on_subscribe,
    "subq": subscriptions.on_question,
    "unsub": subscriptions.on_unsubscribe,
    "follow": subscriptions.on_follow,
    "unsubp": subscriptions.on_unfollow,
    "bc": broadcast.on_step,
    "bcp": broadcast.on_province,
    "bcq": broadcast.on_whole_province,
    "bcr": broadcast.on_region,
    "bcg": broadcast.on_program,
    "bcx": broadcast.on_cancel,
    "pm": catalogue.on_program,
    "pms": catalogue.on_status,
    "pmn": catalogue.on_notify,
    "pmc": catalogue.on_close,
    "pa": catalogue.on_add,
    "pad": catalogue.on_dimension,
    "pe": catalogue.on_edit,
    "sva": surveys.on_answer,
    "svs": surveys.on_skip,
    "svc": surveys.on_continue,
    "svn": survey_create.on_scope,
    "svg": survey_create.on_program,
    "svk": survey_create.on_confirm,
    "svr": surveys.on_results,
    "sq": survey_skm.on_start,
    "sqp": survey_skm.on_program,
    "sqa": survey_skm.on_audience,
    "sqk": survey_skm.on_confirm,
}


async def on_callback(update: Update, context: BotContext) -> None:
    """Decode the button's data in one place and hand it to its flow."""
    query = update.callback_query
    assert query is not None
    cb = decode(query.data)
    if cb is not None and cb.action == "noop":
        await query.answer()
        return
    if cb is None or cb.action not in CALLBACKS:
        await fallback.on_stale_button(update, context)
        return
    await CALLBACKS[cb.action](update, context, cb)


def build_handlers() -> list[BaseHandler[Any, Any, Any]]:
    """The handlers in the order they are tried."""
    private = filters.ChatType.PRIVATE
    new_message = filters.UpdateType.MESSAGE
    handlers: list[BaseHandler[Any, Any, Any]] = [
        CommandHandler(names, fn, filters=private & new_message) for names, fn in COMMANDS
    ]
    handlers += [
        ChatMemberHandler(subscriptions.on_member_change, ChatMemberHandler.MY_CHAT_MEMBER),
        CallbackQueryHandler(on_callback),
        MessageHandler(private & new_message & filters.COMMAND, fallback.on_unknown_command),
        MessageHandler(private & new_message & filters.LOCATION, evidence.on_location),  # else region's
        MessageHandler(private & new_message & filters.TEXT, fallback.on_text),
        MessageHandler(private & new_message & ~filters.StatusUpdate.ALL, fallback.on_other_message),
    ]
    return handlers


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handlers(build_handlers())
