"""Tests of the fake Bot API server itself (tests/support/fakebot/).

Most tests drive it with the real ``telegram.Bot`` so that what is checked is
what the bot code will experience; a few use a raw aiohttp client to check
request parsing and HTTP-level behaviour.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import random
import signal
import sys
import time
from collections.abc import AsyncIterator
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
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.support.fakebot import Call, FakeBotAPI, HtmlParseError, make_png, parse_html, utf16_len

USER_ID = 42


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    server = FakeBotAPI()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(api: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=api.bot_base_url, base_file_url=api.file_base_url) as client:
        yield client


@pytest.fixture
def user(api: FakeBotAPI) -> dict[str, Any]:
    """A user who has written to the bot, so the bot may message them."""
    person = api.user(USER_ID)
    api.push_update(api.message_update(person, "/start"))
    return person


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d or "?", callback_data=d)] for d in data])


# --------------------------------------------------------------------------- basics


async def test_get_me_derives_bot_from_token(bot: Bot, api: FakeBotAPI) -> None:
    me = await bot.get_me()
    assert me.id == 123456789 and me.is_bot and me.username == "quickwin_test_bot"
    assert api.url.startswith("http://127.0.0.1:") and api.port > 0
    assert api.counts["getMe"] == 2  # Bot.initialize() calls it too


async def test_wrong_token_and_unknown_method(api: FakeBotAPI, http: aiohttp.ClientSession) -> None:
    async with http.post(f"{api.url}/bot999:WRONG/getMe") as resp:
        assert resp.status == 401
        assert await resp.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    async with http.post(f"{api.bot_base_url}{api.token}/sendTelepathy") as resp:
        assert resp.status == 404
        assert (await resp.json())["description"] == "Not Found"
    assert len(api.errors) == 2


async def test_wrong_token_raises_invalid_token_in_ptb(api: FakeBotAPI) -> None:
    bot = Bot("999:WRONG", base_url=api.bot_base_url)
    try:
        with pytest.raises(InvalidToken):
            await bot.initialize()
    finally:
        await bot.shutdown()  # a failed initialize() leaves the HTTP client open


# --------------------------------------------------------------------------- long polling


async def test_long_poll_returns_promptly_when_update_pushed(bot: Bot, api: FakeBotAPI) -> None:
    person = api.user(7)
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.2)
    assert not poll.done()
    update_id = api.push_update(api.message_update(person, "halo"))
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 2
    assert [u.update_id for u in updates] == [update_id]
    assert updates[0].message is not None and updates[0].message.text == "halo"
    assert updates[0].message.chat.id == 7

    # Confirming with offset drops it; an empty long poll waits for its timeout.
    started = time.monotonic()
    assert await bot.get_updates(offset=update_id + 1, timeout=1) == ()
    assert time.monotonic() - started >= 0.9


async def test_get_updates_offset_and_limit(bot: Bot, api: FakeBotAPI) -> None:
    person = api.user(7)
    ids = [api.push_update(api.message_update(person, f"m{i}")) for i in range(5)]
    assert ids == sorted(ids) and len(set(ids)) == 5
    first = await bot.get_updates(limit=2)
    assert [u.update_id for u in first] == ids[:2]
    rest = await bot.get_updates(offset=ids[2])
    assert [u.update_id for u in rest] == ids[2:]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == ids[-1:]
    # message ids come from the chat's counter
    assert [u.message.message_id for u in rest if u.message] == [3, 4, 5]


async def test_stop_releases_pending_long_poll(http: aiohttp.ClientSession) -> None:
    server = FakeBotAPI()
    await server.start()
    url = f"{server.bot_base_url}{server.token}/getUpdates"
    poll = asyncio.create_task(http.post(url, json={"timeout": 30}))
    await asyncio.sleep(0.2)
    started = time.monotonic()
    await server.stop()
    async with await asyncio.wait_for(poll, 3) as resp:
        assert (await resp.json())["result"] == []
    assert time.monotonic() - started < 3


async def test_newer_poll_terminates_older_with_conflict(
    api: FakeBotAPI, http: aiohttp.ClientSession
) -> None:
    url = f"{api.bot_base_url}{api.token}/getUpdates"
    older = asyncio.create_task(http.post(url, json={"timeout": 10}))
    await asyncio.sleep(0.2)
    async with http.post(url, json={"timeout": 0}) as resp:
        assert (await resp.json())["ok"] is True
    async with await asyncio.wait_for(older, 2) as resp:
        assert resp.status == 409
    assert api.errors == []  # see module docstring: not a bot error


# --------------------------------------------------------------------------- sendMessage


async def test_send_message_records_parsed_html(
    bot: Bot, api: FakeBotAPI, user: dict[str, Any]
) -> None:
    sent = await bot.send_message(
        USER_ID,
        'Halo <b>Budi</b> &amp; <a href="https://example.id/?a=1&amp;b=2">tautan</a> 😀 <i>x</i>',
        parse_mode="HTML",
    )
    assert sent.text == "Halo Budi & tautan 😀 x"
    stored = api.sent(USER_ID)[-1]
    assert stored.message_id == sent.message_id == 2  # after the user's /start
    assert stored.text == sent.text
    assert stored.raw is not None and stored.raw.startswith("Halo <b>Budi</b>")
    assert stored.parse_mode == "HTML"
    link = next(e for e in stored.entities if e["type"] == "text_link")
    assert link["url"] == "https://example.id/?a=1&b=2"
    italic = next(e for e in stored.entities if e["type"] == "italic")
    assert italic["offset"] == utf16_len("Halo Budi & tautan 😀 ")  # emoji counts as 2
    assert api.errors == []


@pytest.mark.parametrize(
    ("text", "parse_mode"),
    [
        ("x" * 4096, None),
        ("😀" * 2048, None),  # 4096 UTF-16 units
        ("<b>" + "x" * 4096 + "</b>", "HTML"),  # tags do not count
        ("Tom &amp; Jerry &lt;3 &gt; &quot;q&quot; &#128512; &#x1F600;", "HTML"),
        ("a > b", "HTML"),  # Telegram accepts a bare '>'
        ('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>', "HTML"),
        ('<pre><code class="language-python">print(1)</code></pre>', "HTML"),
        ("<blockquote expandable>q</blockquote><u>u</u><s>s</s><code>c</code>", "HTML"),
        ("Tom & Jerry <b>", None),  # no parse mode: taken literally
    ],
)
async def test_send_message_accepted(
    bot: Bot, api: FakeBotAPI, user: dict[str, Any], text: str, parse_mode: str | None
) -> None:
    await bot.send_message(USER_ID, text, parse_mode=parse_mode)
    assert api.errors == []


@pytest.mark.parametrize(
    ("text", "parse_mode", "description"),
    [
        ("x" * 4097, None, "Bad Request: message is too long"),
        ("😀" * 2049, None, "Bad Request: message is too long"),  # 2049 chars, 4098 units
        ("<b>x</b>" + "y" * 4096, "HTML", "Bad Request: message is too long"),
        (
            "<script>alert(1)</script>",
            "HTML",
            'Bad Request: can\'t parse entities: Unsupported start tag "script" at byte offset 0',
        ),
        (
            "é<script>",
            "HTML",
            'Bad Request: can\'t parse entities: Unsupported start tag "script" at byte offset 2',
        ),
        (
            "<b>bold",
            "HTML",
            "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
        ),
        (
            "<b>x</i>",
            "HTML",
            ("Bad Request: can't parse entities: Unmatched end tag at byte offset 4, "
            'expected "</b>", found "</i>"'),
        ),
        ("Tom & Jerry", "HTML", "Bad Request: can't parse entities: Unsupported HTML entity"),
        ("&nbsp;", "HTML", "Bad Request: can't parse entities: Unsupported HTML entity"),
        (
            "a < b",
            "HTML",
            'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2',
        ),
        (
            "<span>x</span>",
            "HTML",
            'Bad Request: can\'t parse entities: Tag "span" must have class',
        ),
        ("<a>x</a>", "HTML", 'Bad Request: can\'t parse entities: Tag "a" must have'),
        ("   ", None, "Bad Request: message text is empty"),
        ("<b> </b>", "HTML", "Bad Request: message text is empty"),
        ("*bold*", "MarkdownV2", "Bad Request: fakebot: parse_mode 'MarkdownV2' is not supported"),
        ("x", "BBCode", "Bad Request: unsupported parse_mode"),
    ],
)
async def test_send_message_rejected(
    bot: Bot,
    api: FakeBotAPI,
    user: dict[str, Any],
    text: str,
    parse_mode: str | None,
    description: str,
) -> None:
    with pytest.raises(BadRequest):
        await bot.send_message(USER_ID, text, parse_mode=parse_mode)
    assert len(api.errors) == 1
    assert api.errors[0].startswith(f"sendMessage: {description}")
    assert api.calls[-1].ok is False and str(api.calls[-1].error).startswith(description)
    assert api.sent(USER_ID) == []


async def test_send_message_to_unknown_chat(bot: Bot, api: FakeBotAPI) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(31337, "halo")
    assert api.errors == [
        "sendMessage: Bad Request: chat not found (params: {'chat_id': 31337, 'text': 'halo'})"
    ]


async def test_callback_data_limit_is_64_bytes(
    bot: Bot, api: FakeBotAPI, user: dict[str, Any]
) -> None:
    await bot.send_message(USER_ID, "ok", reply_markup=keyboard("x" * 64))
    assert api.errors == []
    for data in ("x" * 65, "é" * 33):  # 33 characters but 66 bytes
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.send_message(USER_ID, "too long", reply_markup=keyboard(data))
    assert api.errors[-1].startswith("sendMessage: Bad Request: BUTTON_DATA_INVALID")
    assert len(api.errors) == 2


async def test_reply_markup_validation(
    api: FakeBotAPI, user: dict[str, Any], http: aiohttp.ClientSession
) -> None:
    url = f"{api.bot_base_url}{api.token}/sendMessage"
    cases: list[tuple[dict[str, Any], str | None]] = [
        ({"inline_keyboard": [[{"text": "a", "url": "https://example.id"}]]}, None),
        (
            {"inline_keyboard": [[{"text": "a", "url": "javascript:alert(1)"}]]},
            "BUTTON_URL_INVALID",
        ),
        ({"inline_keyboard": [[{"text": "a"}]]}, "Text buttons are unallowed"),
        (
            {"inline_keyboard": [[{"text": "a", "callback_data": "x", "url": "https://x.id"}]]},
            "exactly one",
        ),
        ({"inline_keyboard": [[{"text": "", "callback_data": "x"}]]}, "BUTTON_TEXT_INVALID"),
        (
            {"inline_keyboard": [[{"text": "a", "callback_data": str(i)} for i in range(101)]]},
            "too long",
        ),
        (
            {
                "keyboard": [["Ya", {"text": "Lokasi", "request_location": True}]],
                "resize_keyboard": True,
            },
            None,
        ),
        ({"keyboard": [[{"text": ""}]]}, "button text must be non-empty"),
        ({"remove_keyboard": True}, None),
        ({"force_reply": True}, None),
        ({"keyboard": [["a"]], "remove_keyboard": True}, "can't parse reply keyboard markup"),
    ]
    for markup, error in cases:
        async with http.post(
            url, json={"chat_id": USER_ID, "text": "t", "reply_markup": markup}
        ) as resp:
            body = await resp.json()
        if error is None:
            assert body["ok"], (markup, body)
        else:
            assert not body["ok"] and error in body["description"], (markup, body)
    stored = api.sent(USER_ID)
    assert [m.reply_markup for m in stored] == [markup for markup, error in cases if error is None]


# --------------------------------------------------------------------------- edits


async def test_edit_identical_is_rejected_and_changed_is_applied(
    bot: Bot, api: FakeBotAPI, user: dict[str, Any]
) -> None:
    msg = await bot.send_message(
        USER_ID, "<b>Pilih</b>", parse_mode="HTML", reply_markup=keyboard("a", "b")
    )

    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text(
            "<b>Pilih</b>",
            USER_ID,
            msg.message_id,
            parse_mode="HTML",
            reply_markup=keyboard("a", "b"),
        )
    assert len(api.errors) == 1 and "message is not modified" in api.errors[0]

    # Same text, other formatting: modified.
    await bot.edit_message_text(
        "<i>Pilih</i>", USER_ID, msg.message_id, parse_mode="HTML", reply_markup=keyboard("a", "b")
    )
    # Same text and formatting, other keyboard: modified.
    edited = await bot.edit_message_text(
        "<i>Pilih</i>", USER_ID, msg.message_id, parse_mode="HTML", reply_markup=keyboard("c")
    )
    assert isinstance(edited, Message) and edited.reply_markup == keyboard("c")
    stored = api.sent(USER_ID)[0]
    assert (stored.text, stored.raw, stored.edited) == ("Pilih", "<i>Pilih</i>", True)
    assert stored.entities == [{"type": "italic", "offset": 0, "length": 5}]
    assert stored.reply_markup == keyboard("c").to_dict()

    # editMessageText without reply_markup removes the keyboard.
    await bot.edit_message_text("Selesai", USER_ID, msg.message_id)
    assert api.sent(USER_ID)[0].reply_markup is None
    assert len(api.sent(USER_ID)) == 1
    assert len(api.errors) == 1


async def test_edit_reply_markup(bot: Bot, api: FakeBotAPI, user: dict[str, Any]) -> None:
    msg = await bot.send_message(USER_ID, "Pilih", reply_markup=keyboard("a"))
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_reply_markup(USER_ID, msg.message_id, reply_markup=keyboard("a"))
    await bot.edit_message_reply_markup(USER_ID, msg.message_id, reply_markup=None)
    assert api.sent(USER_ID)[0].reply_markup is None
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_reply_markup(USER_ID, msg.message_id, reply_markup=None)


async def test_edit_and_delete_missing_messages(
    bot: Bot, api: FakeBotAPI, user: dict[str, Any]
) -> None:
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", USER_ID, 999)
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("x", USER_ID, 1)  # the user's /start
    msg = await bot.send_message(USER_ID, "sementara")
    assert await bot.delete_message(USER_ID, msg.message_id) is True
    assert api.sent(USER_ID)[0].deleted
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(USER_ID, msg.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", USER_ID, msg.message_id)
    assert await bot.delete_message(USER_ID, 1) is True  # bots may delete incoming private messages
    assert len(api.errors) == 4


# --------------------------------------------------------------------------- callbacks


async def test_answer_callback_query_once(bot: Bot, api: FakeBotAPI, user: dict[str, Any]) -> None:
    msg = await bot.send_message(USER_ID, "Pilih", reply_markup=keyboard("yes"))
    update = api.callback_update(user, msg.message_id, "yes")
    api.push_update(update)
    (received,) = [u for u in await bot.get_updates() if u.callback_query]
    query = received.callback_query
    assert query is not None and query.data == "yes"
    assert isinstance(query.message, Message) and query.message.reply_markup == keyboard("yes")

    assert await bot.answer_callback_query(query.id, text="Tersimpan") is True
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("made-up")
    assert [a["text"] for a in api.callback_answers()] == ["Tersimpan"]
    assert api.callback_answers(query.id)[0]["callback_query_id"] == query.id
    assert len(api.errors) == 2

    other = api.callback_update(user, msg.message_id, "yes")["callback_query"]["id"]
    assert other != query.id
    with pytest.raises(BadRequest, match="Message_too_long"):
        await bot.answer_callback_query(other, text="x" * 201)


async def test_callback_update_needs_existing_bot_message(
    api: FakeBotAPI, user: dict[str, Any]
) -> None:
    with pytest.raises(LookupError):
        api.callback_update(user, 1, "x")  # message 1 is the user's own


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


# --------------------------------------------------------------------------- flood control


class FakeClock:
    """A ``clock`` for FakeBotAPI that only moves when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta durations.

    Without it PTB 22.x warns (PTBDeprecationWarning) inside ``RetryAfter.__init__``, and
    with ``filterwarnings = error`` a 429 then surfaces as that warning, not as RetryAfter.
    """
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
def clock(ptb_timedelta: None) -> FakeClock:
    return FakeClock()


@pytest.fixture
async def flood(clock: FakeClock) -> AsyncIterator[FakeBotAPI]:
    """Flood control on, time frozen, any chat writable (no update needed per chat)."""
    async with FakeBotAPI(flood_control=True, clock=clock, accept_any_chat=True) as server:
        yield server


@pytest.fixture
async def flood_bot(flood: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(flood.token, base_url=flood.bot_base_url) as client:
        yield client


def seconds(error: RetryAfter) -> float:
    """RetryAfter.retry_after: a timedelta with PTB_TIMEDELTA=1, else an int."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


async def test_flood_control_is_off_by_default(
    bot: Bot, api: FakeBotAPI, user: dict[str, Any]
) -> None:
    for i in range(40):  # far beyond 1/s per chat
        await bot.send_message(USER_ID, f"m{i}")
    assert len(api.sent(USER_ID)) == 40
    assert api.counts["429"] == 0 and api.rate_limited == [] and api.errors == []
    assert api.delivered == 40 and api.delivered_by_chat == {USER_ID: 40}


async def test_global_limit_answers_429_with_retry_after(
    flood_bot: Bot, flood: FakeBotAPI, clock: FakeClock, http: aiohttp.ClientSession
) -> None:
    for chat_id in range(1, 31):
        await flood_bot.send_message(chat_id, "pengumuman")
    with pytest.raises(RetryAfter) as excinfo:
        await flood_bot.send_message(31, "pengumuman")
    assert seconds(excinfo.value) == 1
    assert flood.sent(31) == [] and flood.delivered == 30
    assert flood.counts["429"] == 1 and flood.rate_limited == [("sendMessage", 31)]
    assert flood.errors == []  # a 429 is not a bot bug
    call = flood.calls[-1]
    assert (call.ok, call.error) == (False, "Too Many Requests: retry after 1")

    # The wire format, as Telegram sends it.  Still inside the grace period of the first 429
    # (time is frozen), so this is a request "already in flight", not an ignored retry_after.
    async with http.post(
        f"{flood.bot_base_url}{flood.token}/sendMessage", json={"chat_id": 32, "text": "x"}
    ) as resp:
        assert resp.status == 429
        assert await resp.json() == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 1",
            "parameters": {"retry_after": 1},
        }
    assert flood.errors == [] and flood.counts["429"] == 2

    # Other methods are not limited; after retry_after, sends go through again.
    await flood_bot.send_chat_action(31, "typing")
    await flood_bot.edit_message_text("diperbarui", 1, 1)
    clock.advance(1)
    await flood_bot.send_message(31, "pengumuman")
    assert [m.text for m in flood.sent(31)] == ["pengumuman"]
    assert flood.errors == []


async def test_global_window_slides(
    flood_bot: Bot, flood: FakeBotAPI, clock: FakeClock
) -> None:
    for chat_id in range(15):
        await flood_bot.send_message(1000 + chat_id, "a")
    clock.advance(0.6)
    for chat_id in range(15):
        await flood_bot.send_message(2000 + chat_id, "b")
    clock.advance(0.4)  # t = 1.0: the first 15 have left the window
    for chat_id in range(15):
        await flood_bot.send_message(3000 + chat_id, "c")
    with pytest.raises(RetryAfter) as excinfo:  # window frees at t = 1.6: 0.6 s → 1
        await flood_bot.send_message(4000, "d")
    assert seconds(excinfo.value) == 1
    assert flood.delivered == 45 and flood.errors == []


async def test_per_chat_burst_1_is_one_per_second(clock: FakeClock) -> None:
    async with (
        FakeBotAPI(flood_control=True, clock=clock, per_chat_burst=1) as server,
        Bot(server.token, base_url=server.bot_base_url) as client,
    ):
        for uid in (7, 8):
            server.push_update(server.message_update(server.user(uid), "/start"))
        await client.send_message(7, "satu")
        with pytest.raises(RetryAfter) as excinfo:
            await client.send_message(7, "dua")
        assert seconds(excinfo.value) == 1
        await client.send_message(8, "chat lain tidak terpengaruh")
        clock.advance(0.5)
        with pytest.raises(RetryAfter):  # 1/rate has not passed yet (and the penalty holds)
            await client.send_message(8, "terlalu cepat")
        clock.advance(0.5)
        await client.send_message(7, "dua")
        assert [m.text for m in server.sent(7)] == ["satu", "dua"]
        assert server.rate_limited == [("sendMessage", 7), ("sendMessage", 8)]
        assert server.errors == []
        # Photos and documents count too.
        with pytest.raises(RetryAfter):
            await client.send_photo(7, photo=make_png(2, 2))
        assert server.rate_limited[-1] == ("sendPhoto", 7)


async def test_paid_broadcast_does_not_starve_free_messages(
    flood_bot: Bot, flood: FakeBotAPI, clock: FakeClock
) -> None:
    for chat_id in range(1, 101):
        await flood_bot.send_message(chat_id, "berbayar", allow_paid_broadcast=True)
    assert flood.delivered == 100 and flood.counts["429"] == 0
    # Free messages have their own share: the paid traffic in the same second does not count...
    for chat_id in range(500, 530):
        await flood_bot.send_message(chat_id, "gratis")
    # ...but the free share itself is still 30/s,
    with pytest.raises(RetryAfter):
        await flood_bot.send_message(530, "gratis")
    # which does not stop paid messages,
    await flood_bot.send_message(601, "berbayar", allow_paid_broadcast=True)
    # but the per-chat limit still applies to them (burst 3, then 1/s).
    await flood_bot.send_message(1, "dua", allow_paid_broadcast=True)
    await flood_bot.send_message(1, "tiga", allow_paid_broadcast=True)
    with pytest.raises(RetryAfter):
        await flood_bot.send_message(1, "empat", allow_paid_broadcast=True)
    assert flood.rate_limited == [("sendMessage", 530), ("sendMessage", 1)]
    assert flood.delivered == 133 and flood.errors == []


async def test_paid_rate_is_a_limit_too(clock: FakeClock) -> None:
    async with (
        FakeBotAPI(flood_control=True, clock=clock, accept_any_chat=True, paid_rate=50) as server,
        Bot(server.token, base_url=server.bot_base_url) as client,
    ):
        for chat_id in range(50):
            await client.send_message(chat_id + 1, "x", allow_paid_broadcast=True)
        with pytest.raises(RetryAfter):
            await client.send_message(99, "x", allow_paid_broadcast=True)
        with pytest.raises(RetryAfter):  # within the penalty of the paid share
            await client.send_message(97, "x", allow_paid_broadcast=True)
        await client.send_message(98, "x")  # the free share is not under that penalty
        assert server.delivered == 51 and server.errors == []


async def test_sending_during_retry_after_is_an_error(
    flood_bot: Bot, flood: FakeBotAPI, clock: FakeClock
) -> None:
    for _ in range(3):  # the per-chat burst
        await flood_bot.send_message(7, "satu")
    with pytest.raises(RetryAfter):
        await flood_bot.send_message(7, "dua")
    clock.advance(0.05)  # within retry_after_grace: presumably already in flight
    with pytest.raises(RetryAfter):
        await flood_bot.send_message(7, "dua")
    assert flood.errors == []
    clock.advance(0.45)  # the bot was told to wait 1 s; it waited 0.5 s
    with pytest.raises(RetryAfter) as excinfo:
        await flood_bot.send_message(7, "dua")
    assert seconds(excinfo.value) == 1  # ceil(0.5)
    assert len(flood.errors) == 1
    assert flood.errors[0].startswith("ignored retry_after: sendMessage to chat 7 0.50s after")
    assert "retry_after=1 for chat 7" in flood.errors[0]
    await flood_bot.send_message(8, "chat lain")  # a per-chat penalty is for that chat only
    clock.advance(0.5)  # a bot that waits retry_after is fine
    await flood_bot.send_message(7, "dua")
    assert [m.text for m in flood.sent(7)] == ["satu"] * 3 + ["dua"]
    assert flood.counts["429"] == 3 and len(flood.errors) == 1


async def test_global_penalty_covers_every_chat(
    flood_bot: Bot, flood: FakeBotAPI, clock: FakeClock
) -> None:
    for chat_id in range(1, 31):
        await flood_bot.send_message(chat_id, "x")
    with pytest.raises(RetryAfter):
        await flood_bot.send_message(31, "x")
    clock.advance(0.9)  # the window is still full: the penalty holds whatever the chat
    with pytest.raises(RetryAfter):
        await flood_bot.send_message(99, "x")
    assert len(flood.errors) == 1 and "for the bot" in flood.errors[0]


async def test_flood_state_is_pruned(flood_bot: Bot, flood: FakeBotAPI, clock: FakeClock) -> None:
    flood.group(-100500)
    for chat_id in range(1, 61):
        await flood_bot.send_message(chat_id, "x", allow_paid_broadcast=True)
    await flood_bot.send_message(-100500, "grup")
    assert len(flood._chat_tat) == 60 and len(flood._group_times) == 1
    clock.advance(2)
    await flood_bot.send_message(1, "y")
    assert len(flood._chat_tat) == 1 and len(flood._tat_heap) == 1  # idle chats are forgotten
    assert len(flood._all_times) == 1 and len(flood._free_times) == 1
    assert len(flood._group_times) == 1  # a group is kept for group_window (60 s)
    clock.advance(60)
    await flood_bot.send_message(2, "z")
    assert flood._group_times == {} and len(flood._group_fifo) == 0


# --------------------------------------------------------------------------- fault injection


async def test_fail_next_variants(bot: Bot, api: FakeBotAPI, user: dict[str, Any]) -> None:
    api.fail_next("sendMessage", status=403, description="Forbidden: bot was blocked by the user")
    api.fail_next("sendMessage", status=400, description="Bad Request: chat not found")
    api.fail_next("sendMessage", status=500, description="Internal Server Error", times=2)
    api.fail_next("sendMessage", status=502, description="Bad Gateway")
    assert api.pending_failures == 5
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(USER_ID, "a")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(USER_ID, "b")
    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.send_message(USER_ID, "c")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(USER_ID, "d")
    assert api.pending_failures == 0
    await bot.send_message(USER_ID, "e")
    assert [m.text for m in api.sent(USER_ID)] == ["e"]
    assert api.errors == []  # injected failures are not bot bugs
    assert [status for _, _, status in api.injected] == [403, 400, 500, 500, 502]
    assert api.counts["sendMessage"] == 6 and api.delivered == 1


async def test_fail_next_default_descriptions_chat_and_other_methods(
    bot: Bot, api: FakeBotAPI, user: dict[str, Any]
) -> None:
    other = api.user(43)
    api.push_update(api.message_update(other, "/start"))
    api.fail_next("sendPhoto", status=403, chat_id=43)
    await bot.send_photo(USER_ID, photo=make_png())  # another chat: not affected
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_photo(43, photo=make_png())
    api.fail_next("getUpdates", status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.get_updates()
    assert len(await bot.get_updates()) == 2
    with pytest.raises(ValueError, match="does not implement"):
        api.fail_next("sendTelepathy", status=500)
    with pytest.raises(ValueError):
        api.fail_next("sendMessage", status=200)
    api.fail_next("sendMessage", status=500)
    api.clear_failures()
    await bot.send_message(USER_ID, "ok")
    assert api.errors == [] and api.injected == [("sendPhoto", 43, 403), ("getUpdates", None, 502)]


async def test_fail_next_429_starts_a_penalty(
    bot: Bot, api: FakeBotAPI, user: dict[str, Any], clock: FakeClock
) -> None:
    api.clock = clock  # flood control stays off: only the injected 429 limits
    api.fail_next("sendMessage", status=429, retry_after=5)
    with pytest.raises(RetryAfter) as excinfo:
        await bot.send_message(USER_ID, "a")
    assert seconds(excinfo.value) == 5
    assert api.calls[-1].error == "Too Many Requests: retry after 5"
    clock.advance(2)
    with pytest.raises(RetryAfter) as excinfo:
        await bot.send_message(USER_ID, "b")
    assert seconds(excinfo.value) == 3
    assert len(api.errors) == 1 and api.errors[0].startswith("ignored retry_after: sendMessage")
    await bot.send_chat_action(USER_ID, "typing")  # another method: not covered
    clock.advance(3)
    await bot.send_message(USER_ID, "c")
    assert [m.text for m in api.sent(USER_ID)] == ["c"]
    assert api.counts["429"] == 2 and api.rate_limited == [("sendMessage", USER_ID)] * 2


async def test_blocked_users_get_403(bot: Bot, api: FakeBotAPI, user: dict[str, Any]) -> None:
    api.blocked_users.add(USER_ID)
    with pytest.raises(Forbidden, match="Forbidden: bot was blocked by the user"):
        await bot.send_message(USER_ID, "halo")
    with pytest.raises(Forbidden):
        await bot.send_photo(USER_ID, photo=make_png())
    with pytest.raises(Forbidden):
        await bot.send_chat_action(USER_ID, "typing")
    assert api.sent(USER_ID) == [] and api.errors == [] and api.delivered == 0
    assert [status for _, _, status in api.injected] == [403, 403, 403]
    api.blocked_users.discard(USER_ID)
    await bot.send_message(USER_ID, "halo")
    assert len(api.sent(USER_ID)) == 1

    async with (
        FakeBotAPI(blocked_users=[5], accept_any_chat=True) as server,
        Bot(server.token, base_url=server.bot_base_url) as client,
    ):
        with pytest.raises(Forbidden):
            await client.send_message(5, "x")


# --------------------------------------------------------------------------- memory options


async def test_store_messages_false_keeps_counters_only() -> None:
    async with (
        FakeBotAPI(store_messages=False, record_calls=False) as server,
        Bot(server.token, base_url=server.bot_base_url) as client,
    ):
        server.push_update(server.message_update(server.user(7), "/start"))
        first = await client.send_message(7, "<b>satu</b>", parse_mode="HTML")
        second = await client.send_photo(7, photo=make_png(), caption="dua")
        assert (first.message_id, second.message_id) == (2, 3)
        assert first.text == "satu" and second.caption == "dua"
        assert server.sent(7) == [] and server.calls == []
        assert server.delivered == 2 and server.delivered_by_chat == {7: 2}
        with pytest.raises(BadRequest, match="Can't parse entities"):  # still validated
            await client.send_message(7, "<b>", parse_mode="HTML")
        with pytest.raises(BadRequest, match="Chat not found"):  # still only known chats
            await client.send_message(8, "x")
        assert server.delivered == 2 and len(server.errors) == 2


async def test_accept_any_chat(http: aiohttp.ClientSession) -> None:
    async with (
        FakeBotAPI(accept_any_chat=True) as server,
        Bot(server.token, base_url=server.bot_base_url) as client,
    ):
        msg = await client.send_message(555, "halo")
        assert msg.chat.id == 555 and msg.chat.type == "private" and msg.message_id == 1
        assert (await client.send_message(555, "lagi")).message_id == 2
        assert [m.text for m in server.sent(555)] == ["halo", "lagi"]
        await client.edit_message_text("diubah", 555, 1)
        group = await client.send_message(-1001234, "grup")
        assert group.chat.type == "supergroup"
        with pytest.raises(BadRequest, match="Message to edit not found"):
            await client.edit_message_text("x", 556, 1)
        assert len(server.errors) == 1
        assert server.errors[0].startswith("editMessageText: Bad Request: message to edit not found")

    # With store_messages=False no per-chat object is kept at all.
    async with FakeBotAPI(
        accept_any_chat=True, store_messages=False, record_calls=False
    ) as server:
        url = f"{server.bot_base_url}{server.token}/sendMessage"
        for chat_id in range(1, 301):
            async with http.post(url, json={"chat_id": chat_id, "text": "x"}) as resp:
                assert resp.status == 200
        async with http.post(url, json={"chat_id": 1, "text": "y"}) as resp:
            assert (await resp.json())["result"]["message_id"] == 2
        assert server._chats == {} and server.delivered == 301
        assert len(server.delivered_by_chat) == 300 and server.delivered_by_chat[1] == 2


# --------------------------------------------------------------------------- standalone


async def test_standalone_flags_and_control_api(http: aiohttp.ClientSession) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.fakebot", "--port", "0", "--flood", "--global-rate", "2",
        "--accept-any-chat", "--no-store-messages", "--blocked", "5,6",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        url = (await asyncio.wait_for(proc.stdout.readline(), 10)).decode().strip()
        assert "flood control: 2/s overall" in (await proc.stdout.readline()).decode()
        base = f"{url}/bot123456789:TEST-fakebot-token"
        statuses = []
        for chat_id in (1, 2, 3, 5):
            async with http.post(f"{base}/sendMessage", json={"chat_id": chat_id, "text": "x"}) as r:
                statuses.append(r.status)
        assert statuses == [200, 200, 429, 429]  # 2/s; then the penalty (5 is blocked too)
        async with http.post(
            f"{url}/_fake/fail", json={"method": "getMe", "status": 500}
        ) as r:
            assert (await r.json())["pending_failures"] == 1
        async with http.post(f"{base}/getMe") as r:
            assert r.status == 500
        async with http.get(f"{url}/_fake/stats") as r:
            stats = await r.json()
        assert stats["delivered"] == 2 and stats["rate_limited"] == 2 and stats["injected"] == 1
    finally:
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.wait(), 10)


# --------------------------------------------------------------------------- per-chat token bucket


async def send(
    http: aiohttp.ClientSession, server: FakeBotAPI, method: str = "sendMessage", **params: Any
) -> tuple[int, dict[str, Any]]:
    """One Bot API request over plain HTTP: (status, decoded body); sendMessage text "x" unless
    given."""
    if method == "sendMessage":
        params.setdefault("text", "x")
    async with http.post(f"{server.bot_base_url}{server.token}/{method}", json=params) as resp:
        return resp.status, await resp.json()


def retry_after(body: dict[str, Any]) -> int | None:
    return body.get("parameters", {}).get("retry_after")


async def test_per_chat_bucket_allows_a_burst_then_the_rate(
    flood: FakeBotAPI, clock: FakeClock, http: aiohttp.ClientSession
) -> None:
    statuses = [(await send(http, flood, chat_id=7))[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]  # per_chat_burst=3 at once
    status, body = await send(http, flood, chat_id=8)  # another chat: its own bucket
    assert status == 200
    assert flood.rate_limited == [("sendMessage", 7)] and flood.rate_limited_at == [clock.now]

    # Then per_chat_rate (1/s) sustained: TAT = t0+3, tau = 2 → one more at t0+1, t0+2, ...
    for _ in range(3):
        clock.advance(1)
        assert (await send(http, flood, chat_id=7))[0] == 200
        status, body = await send(http, flood, chat_id=7)
        assert (status, retry_after(body)) == (429, 1)
    assert flood.errors == []  # each retry came within the grace period: "in flight"

    # Idle long enough (TAT in the past), the chat may burst again and its state is gone.
    clock.advance(10)
    assert (await send(http, flood, chat_id=8))[0] == 200  # any send prunes
    assert 7 not in flood._chat_tat
    assert [(await send(http, flood, chat_id=7))[0] for _ in range(4)] == [200, 200, 200, 429]
    assert flood.errors == [] and flood.counts["429"] == 5


async def test_per_chat_bucket_retry_after_is_ceil_of_the_wait(
    clock: FakeClock, http: aiohttp.ClientSession
) -> None:
    async with FakeBotAPI(
        flood_control=True, clock=clock, accept_any_chat=True, per_chat_rate=0.25, per_chat_burst=2
    ) as server:  # T = 4 s, tau = 4 s
        assert [(await send(http, server, chat_id=5))[0] for _ in range(2)] == [200, 200]
        status, body = await send(http, server, chat_id=5)  # TAT = t0+8: allowed from t0+4
        assert (status, retry_after(body)) == (429, 4)
        assert body["description"] == "Too Many Requests: retry after 4"
        clock.advance(2.5)  # the bot ignores retry_after=4: still 1.5 s to go → 2
        status, body = await send(http, server, chat_id=5)
        assert (status, retry_after(body)) == (429, 2)
        assert len(server.errors) == 1 and "retry_after=4 for chat 5" in server.errors[0]
        clock.advance(1.5)
        assert (await send(http, server, chat_id=5))[0] == 200  # t0+4; TAT = t0+12
        clock.advance(0.5)
        status, body = await send(http, server, chat_id=5)  # allowed from t0+8: 3.5 s → 4
        assert (status, retry_after(body)) == (429, 4)
        assert server.rate_limited_at == [clock.now - 4.5, clock.now - 2, clock.now]


async def test_per_chat_state_stays_flat_with_100000_chats(clock: FakeClock) -> None:
    """100,000 chats at 10,000 messages/s: only the chats of the last second are remembered.

    Driven through the server's gate directly, as 100,000 HTTP requests would take minutes.
    """
    server = FakeBotAPI(
        flood_control=True, clock=clock, global_rate=1e6, accept_any_chat=True, store_messages=False
    )
    peak = 0
    for chat_id in range(1, 100_001):
        params = {"chat_id": chat_id, "text": "x"}
        sent_at, drop = server._gate("sendMessage", params)
        assert sent_at is not None and drop is None
        server._note_delivery("sendMessage", params, sent_at)
        peak = max(peak, len(server._chat_tat), len(server._tat_heap))
        clock.advance(1e-4)
    assert peak <= 10_001  # T = 1 s at 1e-4 s per message
    clock.advance(1)
    server._gate("sendMessage", {"chat_id": 1, "text": "x"})  # any send prunes
    assert server._chat_tat == {} and server._tat_heap == []
    assert server.max_in_window(1.0) == 10_000


# --------------------------------------------------------------------------- groups


async def test_group_messages_callbacks_and_sends(
    api: FakeBotAPI, user: dict[str, Any], http: aiohttp.ClientSession
) -> None:
    grup = api.group(-1001234567890, title="Warga RT 05")
    assert grup == {"id": -1001234567890, "type": "supergroup", "title": "Warga RT 05"}
    assert api.group(-4242)["type"] == "group"
    with pytest.raises(ValueError, match="negative"):
        api.group(42)
    member = api.user(77, "Budi")
    api.push_update(api.message_update(member, "/start@quickwin_test_bot", chat=grup))
    status, body = await send(http, api, "getUpdates")
    message = body["result"][-1]["message"]
    assert message["chat"] == grup and message["from"]["id"] == 77 and message["message_id"] == 1

    status, body = await send(
        http, api, chat_id=grup["id"], text="Halo grup",
        reply_markup={"inline_keyboard": [[{"text": "Ya", "callback_data": "ya"}]]},
    )  # fmt: skip
    assert status == 200 and body["result"]["chat"] == grup and body["result"]["message_id"] == 2
    assert [m.text for m in api.sent(grup["id"])] == ["Halo grup"]

    update = api.callback_update(member, 2, "ya", chat=grup)
    query = update["callback_query"]
    assert query["message"]["chat"] == grup and query["from"]["id"] == 77
    api.push_update(update)
    assert (await send(http, api, "answerCallbackQuery", callback_query_id=query["id"]))[0] == 200
    with pytest.raises(LookupError):
        api.callback_update(member, 2, "ya")  # not in the member's private chat
    # A press in a group does not open the member's private chat to the bot.
    status, body = await send(http, api, chat_id=77)
    assert status == 400 and body["description"] == "Bad Request: chat not found"
    # A group the fake never heard of is unknown; one seen in an update is known.
    assert (await send(http, api, chat_id=-999))[0] == 400
    api.push_update(api.message_update(member, "hai", chat={"id": -999, "type": "group", "title": "X"}))
    assert (await send(http, api, chat_id=-999))[0] == 200
    assert len(api.errors) == 2


async def test_group_flood_is_a_sliding_window(
    flood: FakeBotAPI, clock: FakeClock, http: aiohttp.ClientSession
) -> None:
    g, other = -100111, -100222
    t0 = clock.now
    for _ in range(10):  # far beyond the private burst: the bucket does not apply to groups
        assert (await send(http, flood, chat_id=g))[0] == 200
    clock.advance(30)
    for _ in range(10):
        assert (await send(http, flood, chat_id=g))[0] == 200
    status, body = await send(http, flood, chat_id=g)  # 20 in the last 60 s: frees at t0+60
    assert (status, retry_after(body)) == (429, 30)
    assert (await send(http, flood, chat_id=other))[0] == 200  # the penalty is for that group
    assert (await send(http, flood, chat_id=5))[0] == 200
    clock.advance(1)
    status, body = await send(http, flood, chat_id=g)
    assert (status, retry_after(body)) == (429, 29)
    assert flood.errors[-1].startswith(f"ignored retry_after: sendMessage to chat {g} 1.00s after")
    clock.advance(29)  # t0+60: the first ten have left the window
    for _ in range(10):
        assert (await send(http, flood, chat_id=g))[0] == 200
    status, body = await send(http, flood, chat_id=g)
    assert (status, retry_after(body)) == (429, 30)
    assert flood.rate_limited_at == [t0 + 30, t0 + 31, t0 + 60]
    assert flood.delivered_by_chat[g] == 30 and len(flood.errors) == 1


async def test_group_limit_and_window_are_options(clock: FakeClock, http: aiohttp.ClientSession) -> None:
    async with FakeBotAPI(
        flood_control=True, clock=clock, accept_any_chat=True, group_limit=2, group_window=5.0
    ) as server:
        assert [(await send(http, server, chat_id=-3))[0] for _ in range(3)] == [200, 200, 429]
        assert retry_after((await send(http, server, chat_id=-4))[1]) is None
        clock.advance(5)
        assert (await send(http, server, chat_id=-3))[0] == 200
    with pytest.raises(ValueError):
        FakeBotAPI(group_limit=0)
    with pytest.raises(ValueError):
        FakeBotAPI(per_chat_burst=0)


# --------------------------------------------------------------------------- paid share


async def test_free_messages_count_toward_the_paid_ceiling(
    clock: FakeClock, http: aiohttp.ClientSession
) -> None:
    async with FakeBotAPI(
        flood_control=True, clock=clock, accept_any_chat=True, global_rate=30, paid_rate=50
    ) as server:
        for chat_id in range(1, 26):
            assert (await send(http, server, chat_id=chat_id))[0] == 200
        for chat_id in range(101, 126):
            assert (await send(http, server, chat_id=chat_id, allow_paid_broadcast=True))[0] == 200
        # 25 free + 25 paid = 50 messages in the second: the paid ceiling is reached...
        status, body = await send(http, server, chat_id=200, allow_paid_broadcast=True)
        assert (status, retry_after(body)) == (429, 1)
        # ...while free messages are checked against the 30/s of free messages only.
        for chat_id in range(26, 31):
            assert (await send(http, server, chat_id=chat_id))[0] == 200
        assert (await send(http, server, chat_id=31))[0] == 429
        assert server.max_in_window(1.0) == 55
        assert server.max_in_window(1.0, paid=True) == 25
        assert server.max_in_window(1.0, paid=False) == 30
        clock.advance(1)
        assert (await send(http, server, chat_id=200, allow_paid_broadcast=True))[0] == 200
        assert (await send(http, server, chat_id=31))[0] == 200
        assert server.errors == [] and server.rate_limited_at == [clock.now - 1] * 2


# --------------------------------------------------------------------------- random faults


def statuses_of(server: FakeBotAPI, method: str = "getMe") -> list[int]:
    return [status for m, _, status in server.injected if m == method]


async def test_fail_randomly_is_reproducible(http: aiohttp.ClientSession) -> None:
    async def run(seed: int) -> tuple[list[bool], FakeBotAPI]:
        async with FakeBotAPI() as server:
            fault = server.fail_randomly("getMe", status=502, probability=0.3, seed=seed)
            failed = []
            for _ in range(40):
                status, _ = await send(http, server, "getMe")
                failed.append(status == 502)
                assert status in (200, 502)
            assert (fault.draws, fault.hits) == (40, sum(failed))
            assert server.errors == [] and statuses_of(server) == [502] * sum(failed)
            return failed, server

    first, _ = await run(7)
    again, _ = await run(7)
    rng = random.Random(7)
    assert first == again == [rng.random() < 0.3 for _ in range(40)]
    other, _ = await run(8)
    assert other != first
    assert 0 < sum(first) < 40


async def test_fail_randomly_several_registrations_and_clear(
    api: FakeBotAPI, user: dict[str, Any], http: aiohttp.ClientSession
) -> None:
    sends = api.fail_randomly(["sendMessage", "sendphoto"], status=500, probability=1.0, seed=1)
    getme = api.fail_randomly("getMe", status=403, probability=1.0)
    never = api.fail_randomly("getMe", status=400, probability=0.0)
    assert sends.methods == {"sendMessage", "sendPhoto"}
    status, body = await send(http, api, chat_id=USER_ID)
    assert (status, body["description"]) == (500, "Internal Server Error")
    status, body = await send(http, api, "getMe")
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")
    assert (getme.draws, never.draws, never.hits) == (1, 1, 0)
    api.fail_next("getMe", status=502)  # fail_next goes first; the random ones still draw
    assert (await send(http, api, "getMe"))[0] == 502
    assert (getme.draws, getme.hits) == (2, 2)
    assert api.sent(USER_ID) == [] and api.errors == []
    assert api.injected == [("sendMessage", USER_ID, 500), ("getMe", None, 403), ("getMe", None, 502)]
    api.clear_failures()
    assert api.random_failures == []
    assert (await send(http, api, chat_id=USER_ID))[0] == 200
    assert (await send(http, api, "getMe"))[0] == 200
    for bad in (
        lambda: api.fail_randomly("sendTelepathy", status=500, probability=0.5),
        lambda: api.fail_randomly("getMe", status=500, probability=1.5),
        lambda: api.fail_randomly("getMe", status=200, probability=0.5),
        lambda: api.fail_randomly("getMe", status=0, probability=0.5),
        lambda: api.fail_randomly("getMe", status=500, probability=0.5, drop="after"),
        lambda: api.fail_randomly("getMe", status=0, probability=0.5, drop="sideways"),  # type: ignore[arg-type]
        lambda: api.fail_randomly([], status=500, probability=0.5),
    ):
        with pytest.raises(ValueError):
            bad()


async def test_random_429_penalises_the_chat_or_the_method(
    clock: FakeClock, http: aiohttp.ClientSession
) -> None:
    async with FakeBotAPI(clock=clock, accept_any_chat=True) as server:
        server.fail_randomly("sendMessage", status=429, probability=1.0)
        status, body = await send(http, server, chat_id=7)
        assert (status, retry_after(body)) == (429, 1)
        server.clear_failures()  # the penalty stays
        assert (await send(http, server, chat_id=8))[0] == 200  # only chat 7 is penalised
        clock.advance(0.5)
        assert (await send(http, server, chat_id=7))[0] == 429
        assert server.errors[-1].startswith("ignored retry_after: sendMessage to chat 7")
        clock.advance(0.5)
        assert (await send(http, server, chat_id=7))[0] == 200

        # No chat_id (answerCallbackQuery): the penalty is for that method across the bot.
        person = server.user(9)
        server.push_update(server.message_update(person, "/start"))
        message = (await send(http, server, chat_id=9, text="Pilih", reply_markup={
            "inline_keyboard": [[{"text": "Ya", "callback_data": "ya"}]]}))[1]["result"]
        queries = [
            server.callback_update(person, message["message_id"], "ya")["callback_query"]["id"]
            for _ in range(2)
        ]
        server.fail_randomly("answerCallbackQuery", status=429, probability=1.0, retry_after=3)
        status, body = await send(http, server, "answerCallbackQuery", callback_query_id=queries[0])
        assert (status, retry_after(body)) == (429, 3)
        server.clear_failures()
        clock.advance(1)
        status, body = await send(http, server, "answerCallbackQuery", callback_query_id=queries[1])
        assert (status, retry_after(body)) == (429, 2)
        assert "for the bot (answerCallbackQuery)" in server.errors[-1]
        assert (await send(http, server, chat_id=9))[0] == 200  # other methods are not covered
        clock.advance(2)
        assert (await send(http, server, "answerCallbackQuery", callback_query_id=queries[1]))[0] == 200
        assert server.rate_limited == [
            ("sendMessage", 7), ("sendMessage", 7), ("answerCallbackQuery", None),
            ("answerCallbackQuery", None),
        ]  # fmt: skip
        assert server.rate_limited_at == [1000.0, 1000.5, 1001.0, 1002.0]


# --------------------------------------------------------------------------- dropped connections


async def test_dropped_connection_over_plain_http(
    api: FakeBotAPI, user: dict[str, Any], http: aiohttp.ClientSession
) -> None:
    api.fail_next("sendMessage", status=0, drop="before")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await send(http, api, chat_id=USER_ID, text="sebelum")
    assert api.sent(USER_ID) == [] and api.calls[-1].ok is False
    assert api.calls[-1].error == "fakebot: connection dropped before the request was executed"

    api.fail_next("sendMessage", status=0, drop="after", times=2)
    for text in ("sesudah", "lagi"):
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await send(http, api, chat_id=USER_ID, text=text)
    assert [m.text for m in api.sent(USER_ID)] == ["sesudah", "lagi"]  # delivered all the same
    assert api.calls[-1].ok is True and api.calls[-1].response["text"] == "lagi"

    # "after" on getUpdates: the updates were handed out, but are not confirmed, so come again.
    api.fail_next("getUpdates", status=0, drop="after")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await send(http, api, "getUpdates")
    assert [u["message"]["text"] for u in (await send(http, api, "getUpdates"))[1]["result"]] == ["/start"]

    assert api.dropped == [
        ("sendMessage", USER_ID, "before"), ("sendMessage", USER_ID, "after"),
        ("sendMessage", USER_ID, "after"), ("getUpdates", None, "after"),
    ]  # fmt: skip
    assert [status for _, _, status in api.injected] == [0, 0, 0, 0]
    assert api.errors == [] and api.counts["sendMessage"] == 3 and api.delivered == 2
    with pytest.raises(ValueError):
        api.fail_next("sendMessage", status=0)
    with pytest.raises(ValueError):
        api.fail_next("sendMessage", status=500, drop="before")


async def test_dropped_connection_is_a_network_error_in_ptb(
    bot: Bot, api: FakeBotAPI, user: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api.fail_next("sendMessage", status=0, drop="before")
    with pytest.raises(NetworkError, match="Server disconnected without sending a response"):
        await bot.send_message(USER_ID, "tidak terkirim")
    assert api.sent(USER_ID) == []
    api.fail_next("sendMessage", status=0, drop="after")
    with pytest.raises(NetworkError):
        await bot.send_message(USER_ID, "terkirim, tanpa jawaban")
    assert [m.text for m in api.sent(USER_ID)] == ["terkirim, tanpa jawaban"]

    api.fail_randomly("sendMessage", status=0, drop="before", probability=1.0)
    with pytest.raises(NetworkError):
        await bot.send_message(USER_ID, "acak")
    api.clear_failures()
    await bot.send_message(USER_ID, "normal")  # the client recovers on a new connection
    assert [m.text for m in api.sent(USER_ID)][-1] == "normal"
    assert api.errors == []
    noisy = [
        r for r in caplog.records
        if r.levelno >= logging.WARNING or r.exc_info or r.name.startswith("aiohttp")
    ]  # fmt: skip
    assert noisy == []


# --------------------------------------------------------------------------- outages


async def test_go_down_and_come_back_keep_state(api: FakeBotAPI, user: dict[str, Any]) -> None:
    port = api.port
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
        _, body = await send(http, api, "getUpdates")
        confirmed = body["result"][-1]["update_id"] + 1
        assert (await send(http, api, chat_id=USER_ID, text="sebelum"))[0] == 200
        poll = asyncio.create_task(send(http, api, "getUpdates", offset=confirmed, timeout=30))
        await asyncio.sleep(0.1)
        await api.go_down()
        assert api.is_down and api._polls == []
        with pytest.raises(aiohttp.ClientError):  # the held poll ends without an answer
            await asyncio.wait_for(poll, 2)
        with pytest.raises(aiohttp.ClientConnectorError):  # connection refused
            await send(http, api, "getMe")
        await api.go_down()  # already down: nothing happens
        update_id = api.push_update(api.message_update(user, "selama gangguan"))

        await api.come_back()
        assert not api.is_down and api.port == port
        _, body = await send(http, api, "getUpdates", offset=confirmed)
        assert [u["update_id"] for u in body["result"]] == [update_id]
        assert [m.text for m in api.sent(USER_ID)] == ["sebelum"]
        assert (await send(http, api, chat_id=USER_ID, text="sesudah"))[0] == 200
        assert [m.text for m in api.sent(USER_ID)] == ["sebelum", "sesudah"]
        assert api.counts["sendMessage"] == 2 and api.counts["getUpdates"] == 3
    ((down, up),) = api.outages
    assert up is not None and down <= up
    assert api.errors == []


async def test_down_for_with_ptb(bot: Bot, api: FakeBotAPI, user: dict[str, Any]) -> None:
    back = await api.down_for(0.3)
    assert api.is_down
    # A pooled keep-alive connection that the outage closed gives ReadError/RemoteProtocolError,
    # a new one ConnectError (refused): NetworkError either way.
    causes = []
    for _ in range(5):
        with pytest.raises(NetworkError, match=r"ReadError|RemoteProtocolError|ConnectError") as excinfo:
            await bot.send_message(USER_ID, "gagal")
        causes.append(str(excinfo.value))
        if "ConnectError" in causes[-1]:
            break
    assert "ConnectError" in causes[-1], causes
    await asyncio.wait_for(back, 2)
    assert not api.is_down
    await bot.send_message(USER_ID, "kembali")
    assert [m.text for m in api.sent(USER_ID)] == ["kembali"]
    ((down, up),) = api.outages
    assert up is not None and up - down >= 0.3
    # come_back() before the scheduled return cancels it.
    back = await api.down_for(30)
    await api.come_back()
    await asyncio.sleep(0)
    assert back.cancelled() and len(api.outages) == 2 and api.outages[-1][1] is not None


# --------------------------------------------------------------------------- delivery records


async def test_delivery_times_are_bounded_and_kept_without_messages(
    clock: FakeClock, http: aiohttp.ClientSession
) -> None:
    async with FakeBotAPI(
        clock=clock, accept_any_chat=True, store_messages=False, record_calls=False, delivery_log=5
    ) as server:  # flood control off: times are logged all the same
        for i in range(8):
            assert (await send(http, server, chat_id=i + 1, allow_paid_broadcast=i % 2 == 1))[0] == 200
            clock.advance(0.25)
        await send(http, server, "sendChatAction", chat_id=1, action="typing")  # not a message
        assert list(server.free_delivery_times) == [1000.0, 1000.5, 1001.0, 1001.5]
        assert list(server.paid_delivery_times) == [1000.25, 1000.75, 1001.25, 1001.75]
        assert server.max_in_window(1.0) == 4  # (t-1, t]: four deliveries 0.25 s apart
        assert server.max_in_window(0.5, paid=False) == 1
        assert server.max_in_window(2.0) == 8
        for _ in range(20):
            await send(http, server, chat_id=1)
        assert len(server.free_delivery_times) == 5 and server.max_in_window(1.0, paid=False) == 5
        with pytest.raises(ValueError):
            server.max_in_window(0)


# --------------------------------------------------------------------------- standalone, new options


async def test_standalone_new_options_and_control_endpoints() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.fakebot", "--port", "0", "--flood", "--accept-any-chat",
        "--per-chat-burst", "2", "--group-limit", "2", "--group-window", "60",
        stdout=asyncio.subprocess.PIPE,
    )
    connector = aiohttp.TCPConnector(force_close=True)
    try:
        assert proc.stdout is not None
        url = (await asyncio.wait_for(proc.stdout.readline(), 10)).decode().strip()
        line = (await proc.stdout.readline()).decode()
        assert "(burst 2), 2 per 60s per group" in line
        base = f"{url}/bot123456789:TEST-fakebot-token"
        async with aiohttp.ClientSession(connector=connector) as http:

            async def status_of(method: str, **params: Any) -> int:
                async with http.post(f"{base}/{method}", json=params) as r:
                    return r.status

            assert [await status_of("sendMessage", chat_id=1, text="x") for _ in range(3)] == [200, 200, 429]
            assert [await status_of("sendMessage", chat_id=-5, text="x") for _ in range(3)] == [200, 200, 429]
            async with http.post(
                f"{url}/_fake/fail_randomly", json={"methods": ["getMe"], "status": 503, "probability": 1}
            ) as r:
                assert (await r.json())["random_failures"] == 1
            assert await status_of("getMe") == 503
            async with http.post(f"{url}/_fake/fail", json={"method": "getMe", "status": 0, "drop": "before"}) as r:
                assert r.status == 200
            with pytest.raises(aiohttp.ServerDisconnectedError):
                await status_of("getMe")
            async with http.post(f"{url}/_fake/clear_failures") as r:
                assert r.status == 200
            assert await status_of("getMe") == 200

            async with http.post(f"{url}/_fake/down", json={}) as r:
                assert r.status == 400  # the duration is mandatory
            async with http.post(f"{url}/_fake/down", json={"seconds": 0.4}) as r:
                assert (await r.json()) == {"down_for": 0.4}
            await asyncio.sleep(0.1)
            with pytest.raises(aiohttp.ClientConnectorError):
                await status_of("getMe")
            await asyncio.sleep(0.5)
            assert await status_of("getMe") == 200

            proc.send_signal(signal.SIGUSR1)  # down ...
            await asyncio.sleep(0.2)
            with pytest.raises(aiohttp.ClientConnectorError):
                await status_of("getMe")
            proc.send_signal(signal.SIGUSR2)  # ... and up again
            await asyncio.sleep(0.2)
            async with http.get(f"{url}/_fake/stats") as r:
                stats = await r.json()
        assert stats["delivered"] == 4 and stats["rate_limited"] == 2 and stats["dropped"] == 1
        assert stats["max_per_second"] == 4 and len(stats["outages"]) == 2
        assert all(up is not None for _, up in stats["outages"])
    finally:
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.wait(), 10)
