"""Tests of the fake Bot API itself (tests/support/fakebot/): the Bot API methods: tokens, long polling, sendMessage and its checks, edits, callback answers."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    Message,
)
from telegram.error import BadRequest, InvalidToken

from tests.support.fakebot import FakeBotAPI, utf16_len
from tests.support.fakebot_checks import USER_ID, keyboard

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
