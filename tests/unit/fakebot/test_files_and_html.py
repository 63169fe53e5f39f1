"""Tests of the fake Bot API itself (tests/support/fakebot/): files, commands and descriptions, request encodings, the call records, the HTML parser, a full PTB Application."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.support.fakebot import Call, FakeBotAPI, HtmlParseError, make_png, parse_html
from tests.support.fakebot_checks import USER_ID

# --------------------------------------------------------------------------- files


async def test_send_document_multipart_and_download(
    bot: Bot, api: FakeBotAPI, user: dict[str, Any]
) -> None:
    content = b"kode,nama\n1,Posyandu\n"
    msg = await bot.send_document(
        USER_ID, document=content, filename="program.csv", caption="<b>Data</b>", parse_mode="HTML"
    )
    assert msg.document is not None and msg.document.file_name == "program.csv"
    assert msg.caption == "Data"

    call = next(c for c in api.calls if c.method == "sendDocument")
    assert call.files == {"document": ("program.csv", content)}
    assert call.params["chat_id"] == USER_ID and call.params["caption"] == "<b>Data</b>"

    stored = api.sent(USER_ID)[-1]
    assert stored.document == ("program.csv", content)
    assert (stored.caption, stored.text, stored.raw) == ("Data", "Data", "<b>Data</b>")

    file = await bot.get_file(msg.document.file_id)
    assert bytes(await file.download_as_bytearray()) == content

    # Re-sending by file_id reuses the stored file.
    again = await bot.send_document(USER_ID, document=msg.document.file_id)
    assert (
        again.document is not None and again.document.file_unique_id == msg.document.file_unique_id
    )
    assert api.sent(USER_ID)[-1].document == ("program.csv", content)
    assert api.errors == []


async def test_send_photo_validates_image(bot: Bot, api: FakeBotAPI, user: dict[str, Any]) -> None:
    msg = await bot.send_photo(USER_ID, photo=make_png(4, 3))
    assert [(p.width, p.height) for p in msg.photo] == [(4, 3)]
    assert api.sent(USER_ID)[-1].photo == make_png(4, 3)

    jpeg = (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
        + b"\x00" * 9
        + b"\xff\xc0\x00\x11\x08\x00\x20\x00\x40\x03"
        + b"\x00" * 9
        + b"\xff\xd9"
    )
    msg = await bot.send_photo(USER_ID, photo=jpeg, caption="peta")
    assert [(p.width, p.height) for p in msg.photo] == [(64, 32)]

    await bot.send_photo(USER_ID, photo="https://example.id/peta.png")  # recorded, never fetched
    assert api.sent(USER_ID)[-1].photo is None
    assert api.errors == []

    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(USER_ID, photo=b"GIF89a not really")
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_photo(USER_ID, photo="no-such-file-id")
    assert len(api.errors) == 2


async def test_user_uploaded_file_can_be_fetched(
    bot: Bot, api: FakeBotAPI, user: dict[str, Any]
) -> None:
    photo = api.add_file(make_png(2, 2), kind="photos")
    api.push_update(api.message_update(user, None, photo=[photo], caption="lubang jalan"))
    updates = await bot.get_updates()
    message = updates[-1].message
    assert message is not None and message.photo[-1].width == 2
    file = await message.photo[-1].get_file()
    assert bytes(await file.download_as_bytearray()) == make_png(2, 2)


# --------------------------------------------------------------------------- commands, actions


async def test_set_my_commands(bot: Bot, api: FakeBotAPI) -> None:
    commands = [BotCommand("start", "Mulai"), BotCommand("cari_program", "Cari program quick-win")]
    await bot.set_my_commands(commands, language_code="id")
    await bot.set_my_commands(
        [BotCommand("start", "Start")], scope=BotCommandScopeAllPrivateChats()
    )
    assert await bot.get_my_commands(language_code="id") == tuple(commands)
    assert await bot.get_my_commands() == ()
    assert api.my_commands(language_code="id") == [c.to_dict() for c in commands]
    assert api.my_commands({"type": "all_private_chats"}) == [
        {"command": "start", "description": "Start"}
    ]

    for bad in (
        BotCommand("Start", "x"),
        BotCommand("/start", "x"),
        BotCommand("a" * 33, "x"),
        BotCommand("ok", ""),
        BotCommand("ok", "x" * 257),
    ):
        with pytest.raises(BadRequest, match="Bot_command"):
            await bot.set_my_commands([bad])
    with pytest.raises(BadRequest, match="Invalid language code"):
        await bot.set_my_commands(commands, language_code="indonesian")
    with pytest.raises(BadRequest, match="Bot_commands_too_much"):
        await bot.set_my_commands([BotCommand(f"c{i}", "d") for i in range(101)])
    assert len(api.errors) == 7
    assert api.my_commands(language_code="id") == [c.to_dict() for c in commands]


async def test_set_my_description_and_short_description(bot: Bot, api: FakeBotAPI) -> None:
    await bot.set_my_description("d" * 512, language_code="id")
    await bot.set_my_short_description("s" * 120)
    assert api.my_text("description", "id") == "d" * 512 and api.my_text("short_description") == "s" * 120
    assert api.my_text("description") == "" and api.my_text("short_description", "id") == ""
    with pytest.raises(BadRequest, match="too long"):
        await bot.set_my_description("d" * 513)
    with pytest.raises(BadRequest, match="too long"):
        await bot.set_my_short_description("s" * 121, language_code="en")
    with pytest.raises(BadRequest, match="Invalid language code"):
        await bot.set_my_description("d", language_code="indonesian")
    assert len(api.errors) == 3 and api.my_text("short_description", "en") == ""


async def test_send_chat_action(bot: Bot, api: FakeBotAPI, user: dict[str, Any]) -> None:
    assert await bot.send_chat_action(USER_ID, "typing") is True
    with pytest.raises(BadRequest):
        await bot.send_chat_action(USER_ID, "dancing")
    assert len(api.errors) == 1


# --------------------------------------------------------------------------- request encodings


async def test_request_encodings(
    api: FakeBotAPI, user: dict[str, Any], http: aiohttp.ClientSession
) -> None:
    base = f"{api.bot_base_url}{api.token}"
    markup = {"inline_keyboard": [[{"text": "Ya", "callback_data": "y"}]]}
    async with http.post(
        f"{base}/sendMessage",
        data={"chat_id": str(USER_ID), "text": "form", "reply_markup": json.dumps(markup)},
    ) as resp:
        assert (await resp.json())["ok"]
    as_json = {"chat_id": USER_ID, "text": "json", "reply_markup": markup}
    async with http.post(f"{base}/sendMessage", json=as_json) as resp:
        assert (await resp.json())["ok"]
    async with http.get(
        f"{base}/sendmessage", params={"chat_id": str(USER_ID), "text": "query"}
    ) as resp:
        assert (await resp.json())["ok"]  # method names are case-insensitive
    form = aiohttp.FormData()
    form.add_field("chat_id", str(USER_ID))
    form.add_field("document", b"%PDF-1.4", filename="a.pdf", content_type="application/pdf")
    async with http.post(f"{base}/sendDocument", data=form) as resp:
        result = (await resp.json())["result"]
        assert result["document"]["mime_type"] == "application/pdf"

    sends = [c for c in api.calls if c.method == "sendMessage"]
    assert [c.params["chat_id"] for c in sends] == [USER_ID] * 3  # typed, whatever the encoding
    assert sends[0].params["reply_markup"] == sends[1].params["reply_markup"] == markup
    assert [m.text for m in api.sent(USER_ID)][:3] == ["form", "json", "query"]

    broken = {"chat_id": str(USER_ID), "text": "x", "reply_markup": "{"}
    async with http.post(f"{base}/sendMessage", data=broken) as resp:
        assert (await resp.json())[
            "description"
        ] == "Bad Request: can't parse reply keyboard markup JSON object"
    assert len(api.errors) == 1


# --------------------------------------------------------------------------- records


async def test_wait_for_past_future_and_timeout(
    bot: Bot, api: FakeBotAPI, user: dict[str, Any]
) -> None:
    first = await api.wait_for(lambda c: c.method == "getMe")
    assert (
        isinstance(first, Call) and first.ok and first.response["username"] == "quickwin_test_bot"
    )

    waiting = asyncio.create_task(api.wait_for(lambda c: c.method == "sendMessage", timeout=2))
    await asyncio.sleep(0)
    await bot.send_message(USER_ID, "nanti")
    call = await waiting
    assert call.params["text"] == "nanti" and call.response["text"] == "nanti"

    with pytest.raises(TimeoutError) as excinfo:
        await api.wait_for(lambda c: c.method == "sendPhoto", timeout=0.1)
    message = str(excinfo.value)
    assert "no matching call within 0.1s" in message
    assert "getMe ok" in message and "sendMessage ok" in message


async def test_call_cap_and_counters(http: aiohttp.ClientSession) -> None:
    async with FakeBotAPI(max_calls=3) as capped, FakeBotAPI(record_calls=False) as silent:
        for server in (capped, silent):
            for _ in range(5):
                async with http.post(f"{server.bot_base_url}{server.token}/getMe") as resp:
                    assert resp.status == 200
        assert len(capped.calls) == 3 and capped.counts["getMe"] == 5
        assert silent.calls == [] and silent.counts["getMe"] == 5

        waiting = asyncio.create_task(
            silent.wait_for(lambda c: c.method == "getWebhookInfo", timeout=2)
        )
        await asyncio.sleep(0)
        async with http.post(f"{silent.bot_base_url}{silent.token}/getWebhookInfo") as resp:
            assert resp.status == 200
        assert (await waiting).response["pending_update_count"] == 0


# --------------------------------------------------------------------------- HTML parser


def test_parse_html_entities_and_offsets() -> None:
    text, entities = parse_html(
        '😀<b>a<i>b</i></b><pre><code class="language-py">x</code></pre>'
        '<blockquote expandable>q</blockquote><tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>'
    )
    assert text == "😀abxq👍"
    assert entities == [
        {"type": "bold", "offset": 2, "length": 2},
        {"type": "italic", "offset": 3, "length": 1},
        {"type": "pre", "offset": 4, "length": 1, "language": "py"},
        {"type": "expandable_blockquote", "offset": 5, "length": 1},
        {
            "type": "custom_emoji",
            "offset": 6,
            "length": 2,
            "custom_emoji_id": "5368324170671202286",
        },
    ]


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("</b>", "Unexpected end tag at byte offset 0"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ('<a href=x"y">x</a>', "Unexpected end of name token at byte offset 8"),
        ('<a href="x>y</a>', "Unclosed start tag at byte offset 0"),
        ("<b>&#55296;</b>", "Unsupported HTML entity"),  # a lone surrogate
        ("<b>&lt</b>", "Unsupported HTML entity"),
    ],
)
def test_parse_html_errors(source: str, error: str) -> None:
    with pytest.raises(HtmlParseError, match=error):
        parse_html(source)


# --------------------------------------------------------------------------- full Application


async def test_real_application_round_trip(api: FakeBotAPI) -> None:
    """The real Application: /start → keyboard → button press → answer + edit."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_html(
            "<b>Halo!</b> Pilih:",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data="yes")]]),
        )
        await update.message.reply_text(
            "Bagikan lokasi",
            reply_markup=ReplyKeyboardMarkup([[KeyboardButton("📍", request_location=True)]]),
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Oke")
        await query.edit_message_text(f"Dipilih: <i>{query.data}</i>", parse_mode="HTML")

    app = (
        ApplicationBuilder()
        .token(api.token)
        .base_url(api.bot_base_url)
        .base_file_url(api.file_base_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    person = api.user(7, "Siti")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0)
        api.push_update(api.message_update(person, "/start"))
        call = await api.wait_for(lambda c: c.method == "sendMessage")
        api.push_update(api.callback_update(person, call.response["message_id"], "yes"))
        await api.wait_for(lambda c: c.method == "editMessageText")
        await app.updater.stop()
        await app.stop()

    first, second = api.sent(7)
    assert (first.text, first.edited, first.reply_markup) == ("Dipilih: yes", True, None)
    assert (
        second.reply_markup is not None
        and second.reply_markup["keyboard"][0][0]["request_location"]
    )
    assert [a["text"] for a in api.callback_answers()] == ["Oke"]
    assert api.counts["deleteWebhook"] == 1
    assert api.errors == []
