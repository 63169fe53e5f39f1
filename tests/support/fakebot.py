"""A fake Telegram Bot API server for end-to-end tests and benchmarks.

The real python-telegram-bot stack (``Bot``/``Application`` → httpx → HTTP)
talks to this aiohttp server on 127.0.0.1 instead of the real Bot API, so the
tests exercise request encoding, response decoding, long polling and error
handling exactly as in production.  The server is deliberately *strict*: it
rejects what Telegram rejects (bad HTML, over-long texts, oversized callback
data, "message is not modified" edits, ...) and records every rejection in
:attr:`FakeBotAPI.errors`, so a test can simply assert that list is empty.

Typical use::

    api = FakeBotAPI()
    await api.start()
    app = (ApplicationBuilder().token(api.token)
           .base_url(api.bot_base_url).base_file_url(api.file_base_url).build())
    ...
    user = api.user(42)
    api.push_update(api.message_update(user, "/start"))
    call = await api.wait_for(lambda c: c.method == "sendMessage")
    assert api.sent(42)[-1].text == "Selamat datang!"
    assert api.errors == []
    await api.stop()

Records:

* ``calls``   - every request, in completion order (``Call.at`` is the
  arrival time, so long polls may look "out of order").  ``Call.response`` is
  the ``result`` payload of a successful call and ``None`` for a failed one.
* ``errors``  - one human-readable line per rejected request.  A getUpdates
  terminated by a newer getUpdates (HTTP 409, as Telegram does) is *not* an
  error here: PTB cancels its pending poll on shutdown and immediately polls
  once more, so the "conflict" only ever hits an abandoned request.
* ``counts``  - requests per method, kept even when ``record_calls=False``.
* ``sent(chat_id)``         - the bot's messages with their current state.
* ``callback_answers()``    - params of accepted answerCallbackQuery calls.
* ``my_commands(...)``      - what setMyCommands stored.
* ``my_text(key, ...)``     - what setMyDescription / setMyShortDescription stored
  (key "description" or "short_description"), by language_code.
* ``rate_limited`` / ``rate_limited_at`` - (method, chat_id) of every 429 answer
  (flood control, penalties and injected ones alike) and, in a parallel list,
  the ``clock`` reading when it was given.
* ``free_delivery_times`` / ``paid_delivery_times`` - ``clock`` readings of
  the messages delivered by the message-creating methods (``FLOOD_METHODS``),
  without / with ``allow_paid_broadcast``; kept whatever ``flood_control``,
  ``store_messages`` and ``record_calls`` say, but only the last
  ``delivery_log`` (default 200,000) of each.  ``max_in_window(seconds=1.0,
  *, paid=None)`` is the most of them within any ``seconds`` (an event exactly
  ``seconds`` older than another is outside its window, as for flood
  control): all messages, or only the paid (``paid=True``) or free
  (``paid=False``) ones.
* ``injected``, ``dropped``, ``outages`` - see fault injection and outages.

Helpers: ``add_file()`` registers a file "uploaded by a user" (for
``message_update(user, photo=[...])``/``document=...``; the bot can getFile and
download it), ``make_png(w, h)`` builds a valid PNG for sendPhoto.
Memory: ``record_calls=False`` keeps no Call objects (``counts`` and
``wait_for`` on future calls still work); ``max_calls`` caps ``calls``,
dropping the oldest.  Confirmed updates are forgotten, as in Telegram.
``store_messages=False`` keeps no StoredMessage either: only ``delivered``
(a total) and ``delivered_by_chat`` (chat id -> count), which are kept in
every mode.  ``accept_any_chat=True`` lets the bot write to chats that never
sent an update (synthetic private chats, or groups for negative ids; no
per-chat object is created for them unless messages are stored), so a
benchmark can address 100,000 chats.

Groups: a negative chat id is a group chat (``-100...`` a supergroup).
``group(chat_id, title="Grup")`` registers one the bot is a member of and
returns its Chat object; the bot may send there at once.
``message_update(user, text, chat=<that Chat object>)`` is a member's message
in the group (message ids follow the group's counter), and
``callback_update(user, message_id, data, chat=<Chat object or id>)`` a
member's press on the bot's message there.  Neither opens the member's
private chat to the bot.  A group first seen in a pushed update (any Chat
object with a negative id) becomes known as well.

Flood control (off by default; ``flood_control=True``) imitates Telegram's
limits on the message-creating methods (``FLOOD_METHODS``: sendMessage,
sendPhoto, sendDocument, sendMediaGroup, copyMessage, forwardMessage).  Only
delivered messages count, at the ``clock`` reading taken when their request
arrived.  A request is checked against:

* its share of the bot-wide traffic, a sliding window of one second (longer
  for rates below 1/s: 1/rate seconds, one message): a free message (no
  ``allow_paid_broadcast``) against at most ``global_rate`` (default 30) *free*
  messages; a paid one (``allow_paid_broadcast=true``) against at most
  ``paid_rate`` (default 1000) messages *paid and free together*.  So a paid
  broadcast at 500/s does not starve free replies, but free messages still
  count toward the paid ceiling.
* its chat.  A private chat (positive id) has a token bucket (GCRA):
  ``per_chat_burst`` (default 3) messages at once, then ``per_chat_rate``
  (default 1.0) per second sustained.  With emission interval T = 1/rate and
  tolerance tau = (burst - 1) * T, a message arriving at ``now`` is allowed
  iff now >= TAT - tau (TAT, the theoretical arrival time, is ``now`` for a
  chat without state), and its delivery sets TAT = max(TAT, now) + T; a
  refused one gets retry_after = ceil(TAT - tau - now), at least 1.
  ``per_chat_burst=1`` means strictly one message per 1/rate seconds.  A
  chat's state is forgotten once its TAT is in the past (it is then the same
  as none), so memory follows the chats of the last few seconds only.  A
  group (negative id) instead has a sliding window: at most ``group_limit``
  (default 20) messages in any ``group_window`` (default 60.0) seconds;
  retry_after is then the whole seconds until the window frees.  The private
  bucket does not apply to groups.  Both kinds apply to paid messages too.

A request over a limit is answered 429 ``Too Many Requests: retry after N``
with ``parameters.retry_after = N`` (whole seconds, >= 1), is not delivered,
and is counted in ``counts["429"]``, ``rate_limited`` and ``rate_limited_at``
- not in ``errors``.  As in Telegram, the 429 starts a penalty: until
``retry_after`` has elapsed, every request in its scope is answered 429 as
well.  The scopes: the free share of the bot (free messages), the paid share
(paid messages), or the chat or group (free and paid messages to it).  Such
a request - one the bot made although it had been told to wait - *is*
recorded in ``errors`` as ``"ignored retry_after: ..."``, except within
``retry_after_grace`` seconds of the 429 (requests already in flight).
``clock`` (default ``time.monotonic``) drives all of this, so tests can
control time; the limits are attributes and may be changed between requests.

Fault injection (always available; checked in this order: running
penalties, ``fail_next``, ``fail_randomly``, flood control, blocked chats).
``fail_next(method, status=..., description=..., chat_id=..., times=...,
retry_after=..., drop=None)`` makes the next matching request(s) fail with
that status, and a send to a chat in ``blocked_users`` is answered 403
"Forbidden: bot was blocked by the user".  ``fail_randomly(methods, *,
status, probability, seed=0, retry_after=None, description=None, drop=None)``
fails requests of ``methods`` (a method name or an iterable of names, matched
case-insensitively) at random, reproducibly: each registration has its own
``random.Random(seed)`` and draws one number per request of its methods that
passes authentication and parameter parsing (before any check, so also for a
request that a penalty or an earlier failure answers); the request fails iff
that number is below ``probability``.  Several registrations may be live at
once (``random_failures``, in order; the first that hits answers; each
returned ``RandomFault`` counts its ``draws`` and ``hits``).
``clear_failures()`` forgets every ``fail_next`` and ``fail_randomly``
registration (running penalties and ``blocked_users`` stay).  Injected
failures execute nothing, are not errors, and are listed in ``injected`` as
(method, chat_id, status).  An injected 429 defaults to retry_after=1 and
starts a penalty exactly like a real one: with ``fail_next``, for its
``chat_id``, or else bot-wide (for a send: the request's share, free or
paid; for another method: that method); with ``fail_randomly``, for the
request's chat (its chat_id) or, for a request without chat_id
(answerCallbackQuery), for that method across the bot.  A penalty for a
chat covers the sends to it (for a send) or that method's requests to it.  Every 429 counts in ``counts["429"]``, ``rate_limited`` and
``rate_limited_at``.

Dropped connections: ``status=0`` with ``drop="before"`` or ``drop="after"``
(``Drop = Literal["before", "after"]``; each requires the other) closes the
TCP connection instead of answering, with no HTTP response at all.
``"before"``: the request is not executed (nothing delivered, an update
offset not confirmed); its Call has ``ok=False`` and ``error =
DROPPED_BEFORE``.  ``"after"``: the request goes through the remaining checks
and its handler as usual (a message IS delivered, a 429 or 400 is recorded
as usual), then the connection is closed instead of answering.  Both are
listed in ``injected`` (status 0) and in ``dropped`` as (method, chat_id,
drop).  httpx sees ``RemoteProtocolError: Server disconnected without
sending a response``, which PTB raises as ``NetworkError``; aiohttp's client
raises ``ServerDisconnectedError``.  aiohttp's server logs nothing for it.

Outages: ``await go_down()`` makes the server unreachable: it stops
listening (new connections are refused: PTB ``NetworkError`` from
``httpx.ConnectError``), closes every open connection (a request in progress
or a pooled keep-alive connection fails with a network error) and so ends
held getUpdates polls (their handlers are cancelled; no update is lost, as
none is confirmed).  ``await come_back()`` listens again on the same host
and port; all state is kept (chats, messages, queued updates - ``push_update``
works while down - counters, penalties, failures).  ``await
down_for(seconds)`` goes down and schedules ``come_back()`` after ``seconds``
of real time (asyncio.sleep, not ``clock``); it returns that task, and an
earlier ``come_back()`` cancels it.  ``is_down`` tells which; ``outages``
lists (down at, back at or None while down) ``clock`` readings.  Both are
no-ops when already in the requested state.  Webhook deliveries (requests
*from* the fake to the bot) are not affected.

PTB note: python-telegram-bot 22.x reads ``RetryAfter.retry_after`` in the
exception's constructor, which warns (PTBDeprecationWarning) unless the
environment has ``PTB_TIMEDELTA=1``; under ``filterwarnings = error`` a 429
then surfaces as that warning instead of RetryAfter.  Tests that provoke 429s
set ``PTB_TIMEDELTA=1`` (then ``retry_after`` is a ``timedelta``).

Deliberate deviations from the real server (all "stricter" or "simpler"):

* HTML: a bare ``&`` is rejected (Telegram tolerates it, its docs do not);
  ``<a>`` without ``href`` is rejected; a bare ``>`` is accepted as Telegram
  does.  MarkdownV2/Markdown are rejected outright (not implemented).
* Inline buttons must carry exactly one action field.
* Photos must be PNG/JPEG whose dimensions can be read from the header.
* Inline messages and channels are not modelled; groups only as above (no
  members, rights, join/leave updates or migration to a supergroup).  Every
  positive chat id is the private chat of a user that sent an update (or,
  with ``accept_any_chat``, a synthetic chat).  sendMediaGroup, copyMessage
  and forwardMessage are not implemented (404), although flood control would
  count them.
* Texts are trimmed of surrounding whitespace (as Telegram does) before the
  empty/length checks; entity offsets are UTF-16 code units.

Run standalone for manual trials::

    python -m tests.support.fakebot --port 8081 --token 123:TEST [--flood] [--global-rate 30]
        [--per-chat-rate 1] [--per-chat-burst 3] [--group-limit 20] [--group-window 60]
        [--paid-rate 1000] [--accept-any-chat] [--no-store-messages] [--blocked 5,6]

which also exposes a tiny control API under ``/_fake/`` (see ``_fake_*``):
``message`` (a ``chat_id`` makes it a group message), ``callback``,
``sent/{chat_id}``, ``errors``, ``stats``, ``block``, ``fail`` (``fail_next``,
``drop`` included), ``fail_randomly``, ``clear_failures`` and ``down``
(``{"seconds": N}``: ``down_for(N)``; the control API goes down too, hence
the mandatory duration).  SIGUSR1 / SIGUSR2 make the standalone server go
down / come back.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import collections
import contextlib
import heapq
import itertools
import json
import math
import mimetypes
import os
import random
import re
import signal
import struct
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal, Self
from urllib.parse import urlsplit

from aiohttp import BodyPartReader, web

__all__ = [
    "FLOOD_METHODS",
    "Call",
    "Drop",
    "FakeBotAPI",
    "HtmlParseError",
    "RandomFault",
    "StoredMessage",
    "make_png",
    "parse_html",
    "utf16_len",
]

JSON = dict[str, Any]
FileValue = bytes | tuple[str, bytes]
# How an injected dropped connection behaves: closed before or after executing the request.
Drop = Literal["before", "after"]

DEFAULT_TOKEN = "123456789:TEST-fakebot-token"
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_ANSWER = 200
MAX_UPLOAD = 50 * 1024 * 1024  # Telegram's upload limit for bots

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply "
    "markup are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
BLOCKED = "Forbidden: bot was blocked by the user"

# Methods that create messages: the ones Telegram's flood limits are about.
FLOOD_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "copyMessage", "forwardMessage"}
)
# Methods answered 403 for a chat in ``blocked_users``.
_BLOCKABLE_METHODS = FLOOD_METHODS | {"sendChatAction"}
# Default descriptions for fail_next(), by status.
_FAULT_DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    403: BLOCKED,
    500: "Internal Server Error",
    502: "Bad Gateway",
}
_DROP_MODES = ("before", "after")
DROPPED_BEFORE = "fakebot: connection dropped before the request was executed"
_EARLY = 1e-3  # a request this close to the end of a penalty is not early
_EPS = 1e-9  # float slack: an event exactly one window old has left the window

_json_dumps = partial(json.dumps, ensure_ascii=False)


# --------------------------------------------------------------------------- records


@dataclass(slots=True)
class Call:
    """One request the bot made, as the server understood it."""

    method: str
    params: dict[str, Any]
    files: dict[str, FileValue]
    ok: bool
    error: str | None
    response: Any
    at: float


@dataclass(slots=True)
class StoredMessage:
    """A message the bot sent, in its *current* state (edits applied).

    ``text`` is what the user sees: the parsed plain text of the message, or of
    the caption for media messages (``caption`` holds the latter too).  ``raw``
    is the text/caption exactly as the bot sent it, markup included.
    """

    chat_id: int
    message_id: int
    date: int
    text: str | None
    raw: str | None
    parse_mode: str | None
    entities: list[JSON] = field(default_factory=list)
    reply_markup: JSON | None = None
    caption: str | None = None
    document: tuple[str, bytes] | None = None
    photo: bytes | None = None
    file_id: str | None = None  # the document/photo as Telegram would name it
    edited: bool = False
    deleted: bool = False
    edit_date: int | None = None

    @property
    def inline_markup(self) -> JSON | None:
        """The inline keyboard attached to the message, if any.

        Reply keyboards belong to the chat, not the message: they are kept in
        ``reply_markup`` for assertions but are neither returned in Message
        objects nor affected by edits.
        """
        markup = self.reply_markup
        return markup if markup is not None and "inline_keyboard" in markup else None


@dataclass(slots=True)
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    filename: str | None
    content: bytes | None  # None for URLs we refuse to fetch
    mime_type: str | None
    width: int | None = None
    height: int | None = None


@dataclass(slots=True)
class _Chat:
    info: JSON
    next_message_id: int = 1
    bot_messages: dict[int, StoredMessage] = field(default_factory=dict)
    user_message_ids: set[int] = field(default_factory=set)
    seen: bool = False  # the user sent us an update, so the bot may write here

    def allocate_message_id(self) -> int:
        # One counter per private chat, shared by both sides, as in Telegram.
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass(slots=True)
class _Poll:
    """A getUpdates request currently held open."""

    wake: asyncio.Future[None]
    conflicted: bool = False


@dataclass(slots=True)
class _Fault:
    """A failure registered with ``fail_next``."""

    method: str
    status: int  # 0 for a dropped connection
    description: str
    chat_id: int | str | None
    times: int
    retry_after: int | None
    drop: Drop | None = None


@dataclass(slots=True, eq=False)
class RandomFault:
    """A registration of ``FakeBotAPI.fail_randomly``: it is live while in ``random_failures``.

    ``draws`` counts the requests of its methods it drew a number for, ``hits`` the draws
    below ``probability``: each of those requests failed as registered, unless something
    checked earlier answered it (a running penalty, a ``fail_next`` registration, or an
    earlier registration that hit too).
    """

    methods: frozenset[str]
    status: int  # 0 for a dropped connection
    probability: float
    seed: int
    retry_after: int | None
    description: str
    drop: Drop | None
    rng: random.Random = field(repr=False)
    draws: int = 0
    hits: int = 0


class _Dropped(Exception):
    """Raised by the gate: close the connection without executing the request."""


# A penalty after a 429: (scope, chat or None) -> (until, announced at, retry_after).
_BanKey = tuple[str, Any]


def _limit(rate: float) -> tuple[float, int]:
    """(window seconds, messages allowed in it) for a rate in messages per second."""
    if rate <= 0:
        raise ValueError("rates must be positive")
    window = max(1.0, 1.0 / rate)
    return window, max(1, int(rate * window + 1e-9))


def _window_wait(times: Sequence[float], now: float, window: float, cap: int) -> float | None:
    """Seconds until one more event fits in the sliding window; None if it fits now.

    ``times`` is sorted and holds no event older than ``window`` that matters.
    """
    start = bisect.bisect_right(times, now - window + _EPS)
    count = len(times) - start
    if count < cap:
        return None
    return times[start + count - cap] + window - now


def _whole_seconds(seconds: float) -> int:
    return max(1, math.ceil(seconds - 1e-9))


class ApiError(Exception):
    """Becomes a ``{"ok": false}`` response."""

    def __init__(
        self,
        description: str,
        code: int = 400,
        *,
        record: bool = True,
        parameters: JSON | None = None,
        line: str | None = None,
    ) -> None:
        super().__init__(description)
        self.description = description
        self.code = code
        self.record = record  # whether it belongs in FakeBotAPI.errors
        self.parameters = parameters  # Telegram's ResponseParameters, e.g. retry_after
        self.line = line  # the FakeBotAPI.errors line, instead of the default one


def _bad(description: str) -> ApiError:
    return ApiError(f"Bad Request: {description}")


# --------------------------------------------------------------------------- text helpers


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram uses for limits and offsets."""
    return len(text.encode("utf-16-le")) // 2


class HtmlParseError(ValueError):
    """Telegram's "can't parse entities" error, without the prefix."""


# Tag → entity type.  Telegram's HTML subset, nothing more.
_HTML_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_SPACE = " \t\r\n\x0b\x0c"
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8}));")
_PLAIN_RUN_RE = re.compile(r"[^<&]+")
_NAME_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")


@dataclass(slots=True)
class _OpenTag:
    name: str
    start: int  # UTF-16 offset in the output text
    attrs: dict[str, str]
    language: str | None = None  # <pre>: set by a nested <code class="language-...">


class _HtmlParser:
    """Strict parser for Telegram's HTML parse mode.

    Modelled on TDLib's ``parse_html`` so that the error texts match the ones
    the real Bot API returns; stricter where noted in the module docstring.
    """

    def __init__(self, source: str) -> None:
        self.s = source
        self.out: list[str] = []
        self.pos16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[JSON] = []

    def _byte_offset(self, index: int) -> int:
        return len(self.s[:index].encode("utf-8"))

    def _emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.pos16 += utf16_len(chunk)

    def _entity(self, i: int) -> tuple[str, int]:
        """Decode the character entity at ``s[i] == "&"``; return (char, next index)."""
        m = _ENTITY_RE.match(self.s, i)
        if m is not None:
            named, dec, hexa = m.groups()
            if named:
                return _NAMED_ENTITIES[named], m.end()
            code = int(dec) if dec else int(hexa, 16)
            if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                return chr(code), m.end()
        snippet = self.s[i : i + 10].split(";")[0]
        raise HtmlParseError(
            f'Unsupported HTML entity "{snippet}" at byte offset {self._byte_offset(i)}; '
            'escape "&" as "&amp;"'
        )

    def parse(self) -> tuple[str, list[JSON]]:
        s, n, i = self.s, len(self.s), 0
        while i < n:
            run = _PLAIN_RUN_RE.match(s, i)
            if run is not None:
                self._emit(run.group())
                i = run.end()
            elif s[i] == "&":
                char, i = self._entity(i)
                self._emit(char)
            elif s.startswith("</", i):
                i = self._end_tag(i)
            else:
                i = self._start_tag(i)
        if self.stack:
            raise HtmlParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def _start_tag(self, begin: int) -> int:
        s, n = self.s, len(self.s)
        offset = self._byte_offset(begin)
        unclosed = HtmlParseError(f"Unclosed start tag at byte offset {offset}")
        i = begin + 1
        while i < n and s[i] not in _HTML_SPACE and s[i] != ">":
            i += 1
        if i >= n:
            raise unclosed
        name = s[begin + 1 : i].lower()
        if name not in _HTML_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {offset}')

        attrs: dict[str, str] = {}
        while True:
            while i < n and s[i] in _HTML_SPACE:
                i += 1
            if i >= n:
                raise unclosed
            if s[i] == ">":
                i += 1
                break
            attr_begin = i
            while i < n and s[i] not in _HTML_SPACE and s[i] not in "=>":
                i += 1
            attr = s[attr_begin:i].lower()
            if not attr:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset {offset}'
                )
            while i < n and s[i] in _HTML_SPACE:
                i += 1
            if i >= n:
                raise unclosed
            if s[i] != "=":
                if attr == "expandable":  # <blockquote expandable> has no value
                    attrs[attr] = ""
                    continue
                raise HtmlParseError(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{name}" at byte offset {offset}'
                )
            i += 1
            while i < n and s[i] in _HTML_SPACE:
                i += 1
            if i >= n:
                raise unclosed
            if s[i] in "'\"":
                quote = s[i]
                i += 1
                value: list[str] = []
                while i < n and s[i] != quote:
                    if s[i] == "&":
                        char, i = self._entity(i)
                        value.append(char)
                    else:
                        value.append(s[i])
                        i += 1
                if i >= n:
                    raise unclosed
                i += 1
                attrs[attr] = "".join(value)
            else:
                token_begin = i
                while i < n and s[i] in _NAME_TOKEN_CHARS:
                    i += 1
                if i >= n:
                    raise unclosed
                if s[i] not in _HTML_SPACE and s[i] != ">":
                    raise HtmlParseError(
                        f"Unexpected end of name token at byte offset {self._byte_offset(token_begin)}"
                    )
                attrs[attr] = s[token_begin:i].lower()

        tag = _OpenTag(name, self.pos16, attrs)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        if name == "a" and not attrs.get("href"):
            raise HtmlParseError(
                f'Tag "a" must have a non-empty "href" attribute at byte offset {offset}'
            )
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise HtmlParseError(
                f'Tag "tg-emoji" must have a numeric "emoji-id" attribute at byte offset {offset}'
            )
        if name == "code" and attrs.get("class", "").startswith("language-"):
            tag.language = attrs["class"][len("language-") :]
        self.stack.append(tag)
        return i

    def _end_tag(self, begin: int) -> int:
        s, n = self.s, len(self.s)
        offset = self._byte_offset(begin)
        if not self.stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {offset}")
        i = begin + 2
        while i < n and s[i] not in _HTML_SPACE and s[i] != ">":
            i += 1
        name = s[begin + 2 : i].lower()
        while i < n and s[i] in _HTML_SPACE:
            i += 1
        if i >= n or s[i] != ">":
            raise HtmlParseError(f"Unclosed end tag at byte offset {offset}")
        top = self.stack.pop()
        if name and name != top.name:
            raise HtmlParseError(
                f'Unmatched end tag at byte offset {offset}, expected "</{top.name}>", '
                f'found "</{name}>"'
            )
        self._close(top)
        return i + 1

    def _close(self, tag: _OpenTag) -> None:
        parent = self.stack[-1] if self.stack else None
        if tag.name == "code" and tag.language is not None and parent and parent.name == "pre":
            # <pre><code class="language-x"> is a single "pre" entity with a language.
            parent.language = tag.language
            return
        length = self.pos16 - tag.start
        if length <= 0:
            return  # Telegram drops empty entities
        entity: JSON = {"type": _HTML_TAGS[tag.name], "offset": tag.start, "length": length}
        if tag.name == "a":
            entity["url"] = tag.attrs["href"]
        elif tag.name == "pre" and tag.language:
            entity["language"] = tag.language
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.attrs["emoji-id"]
        elif tag.name == "blockquote" and "expandable" in tag.attrs:
            entity["type"] = "expandable_blockquote"
        self.entities.append(entity)


def parse_html(source: str) -> tuple[str, list[JSON]]:
    """Parse Telegram HTML into (plain text, entities); raises HtmlParseError."""
    return _HtmlParser(source).parse()


def _strip_text(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Trim surrounding whitespace like Telegram does, shifting entities along."""
    stripped = text.strip(_HTML_SPACE)
    if stripped == text:
        return text, entities
    lead = len(text) - len(text.lstrip(_HTML_SPACE))  # ASCII only: 1 char == 1 unit
    end = utf16_len(stripped)
    kept: list[JSON] = []
    for entity in entities:
        start = max(0, entity["offset"] - lead)
        stop = min(end, entity["offset"] + entity["length"] - lead)
        if stop > start:
            kept.append({**entity, "offset": start, "length": stop - start})
    return stripped, kept


def _image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG or JPEG, read from its header; None if neither."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if not data.startswith(b"\xff\xd8"):
        return None
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, *range(0xD0, 0xDA)):  # markers without a length field
            i += 2
            continue
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # start of frame
            if i + 9 > len(data):
                return None
            height = int.from_bytes(data[i + 5 : i + 7], "big")
            width = int.from_bytes(data[i + 7 : i + 9], "big")
            return width, height
        i += 2 + length
    return None


def make_png(width: int = 1, height: int = 1) -> bytes:
    """A valid RGB PNG of the given size, for sendPhoto tests and message_update photos."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


def _synthetic_chat(chat_id: int) -> JSON:
    """Chat info for a chat the server never saw (``accept_any_chat``)."""
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": f"Chat {chat_id}"}


def _short(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------- request params

# How form values (always strings) map back to typed values.  JSON bodies arrive
# typed already, but Telegram also accepts JSON-encoded strings there.
_INT_FIELDS = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "cache_time",
        "message_thread_id",
        "max_connections",
        "from_chat_id",
        "reply_to_message_id",
    }
)
_FLOAT_FIELDS = frozenset({"timeout"})
_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "disable_web_page_preview",
        "disable_content_type_detection",
        "has_spoiler",
        "allow_sending_without_reply",
        "show_caption_above_media",
        "allow_paid_broadcast",
    }
)
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "link_preview_options",
        "reply_parameters",
        "menu_button",
    }
)


def _coerce(name: str, value: Any) -> Any:
    if isinstance(value, str):
        if name in _JSON_FIELDS:
            try:
                return json.loads(value)
            except ValueError:
                if name == "reply_markup":
                    raise _bad("can't parse reply keyboard markup JSON object") from None
                raise _bad(f"can't parse {name} JSON object") from None
        if name in _INT_FIELDS:
            try:
                return int(value)
            except ValueError:
                return value  # e.g. "@channel" - the handler reports it
        if name in _FLOAT_FIELDS:
            try:
                return float(value)
            except ValueError:
                raise _bad(f"invalid {name} specified") from None
        if name in _BOOL_FIELDS:
            return value.strip().lower() in ("true", "1")
    return value


_ACTION_FIELDS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_REPLY_BUTTON_REQUESTS = (
    "request_contact",
    "request_location",
    "request_poll",
    "request_users",
    "request_chat",
    "web_app",
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_LANGUAGE_RE = re.compile(r"^([a-z]{2})?$")
_SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)


def _validate_markup(markup: Any, *, inline_only: bool = False) -> JSON | None:
    """Check reply_markup as Telegram would; return it unchanged when valid."""
    if markup is None:
        return None
    bad_json = _bad("can't parse reply keyboard markup JSON object")
    if not isinstance(markup, dict):
        raise bad_json
    kinds = [
        k for k in ("inline_keyboard", "keyboard", "remove_keyboard", "force_reply") if k in markup
    ]
    if len(kinds) != 1:
        raise bad_json
    kind = kinds[0]
    if inline_only and kind != "inline_keyboard":
        raise _bad("only inline keyboards can be attached to edited messages")

    if kind == "inline_keyboard":
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise _bad(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        if sum(len(r) for r in rows) > 100:
            raise _bad("reply markup is too long")
        for button in itertools.chain.from_iterable(rows):
            _validate_inline_button(button)
    elif kind == "keyboard":
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise _bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
        if not any(rows):
            raise _bad("keyboard must be non-empty")
        for button in itertools.chain.from_iterable(rows):
            _validate_reply_button(button)
        placeholder = markup.get("input_field_placeholder")
        if placeholder is not None and not 1 <= len(placeholder) <= 64:
            raise _bad("input field placeholder must be 1-64 characters long")
    elif kind == "remove_keyboard":
        if markup["remove_keyboard"] is not True:
            raise bad_json
    elif markup["force_reply"] is not True:
        raise bad_json
    return markup


def _validate_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _bad("BUTTON_TEXT_INVALID")
    actions = [k for k in _ACTION_FIELDS if k in button]
    if not actions:
        raise _bad(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise _bad(
            "can't parse inline keyboard button: exactly one of the optional fields must be "
            f"used, got {', '.join(actions)}"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise _bad("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        parts = urlsplit(url) if isinstance(url, str) else None
        if (
            parts is None
            or parts.scheme.lower() not in ("http", "https", "tg")
            or (parts.scheme.lower() != "tg" and not parts.netloc)
        ):
            raise _bad("BUTTON_URL_INVALID")


def _validate_reply_button(button: Any) -> None:
    if isinstance(button, str):
        text: Any = button
    elif isinstance(button, dict):
        text = button.get("text")
        requests = [k for k in _REPLY_BUTTON_REQUESTS if button.get(k)]
        if len(requests) > 1:
            raise _bad(
                f"can't parse keyboard button: at most one of {', '.join(requests)} may be used"
            )
    else:
        raise _bad("can't parse keyboard button: KeyboardButton must be a String or an Object")
    if not isinstance(text, str) or not text.strip():
        raise _bad("can't parse keyboard button: button text must be non-empty")


# --------------------------------------------------------------------------- the server


class FakeBotAPI:
    """An in-process imitation of the Telegram Bot API (see module docstring)."""

    def __init__(
        self,
        token: str | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_user: dict[str, Any] | None = None,
        record_calls: bool = True,
        max_calls: int | None = 20_000,
        flood_control: bool = False,
        global_rate: float = 30.0,
        per_chat_rate: float = 1.0,
        per_chat_burst: int = 3,
        group_limit: int = 20,
        group_window: float = 60.0,
        paid_rate: float = 1000.0,
        retry_after_grace: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
        store_messages: bool = True,
        accept_any_chat: bool = False,
        blocked_users: Iterable[int] = (),
        delivery_log: int = 200_000,
    ) -> None:
        if min(global_rate, per_chat_rate, paid_rate) <= 0:
            raise ValueError("rates must be positive")
        if per_chat_burst < 1 or group_limit < 1:
            raise ValueError("per_chat_burst and group_limit must be at least 1")
        if group_window <= 0:
            raise ValueError("group_window must be positive")
        self.token = token or DEFAULT_TOKEN
        self.host = host
        self.port = port
        prefix = self.token.split(":", 1)[0]
        self.bot_user: JSON = {
            "id": int(prefix) if prefix.isdigit() else 1,
            "is_bot": True,
            "first_name": "QuickWin Test",
            "username": "quickwin_test_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.bot_user.update(bot_user or {})

        self.record_calls = record_calls
        self.max_calls = max_calls
        self.calls: list[Call] = []
        # Called with every finished request, in order (the benchmarks route them to the chats they watch),
        # and with the method and parameters of every request as it arrives, before any check.
        self.observers: list[Callable[[Call], None]] = []
        self.arrival_observers: list[Callable[[str, JSON], None]] = []
        self.errors: list[str] = []
        self.counts: collections.Counter[str] = collections.Counter()
        self.webhook_url = ""
        self.webhook_secret = ""
        # Where updates for an active webhook are really POSTed: the bot's local address, standing
        # in for the HTTPS reverse proxy that WEBHOOK_URL names. None: updates wait for getUpdates.
        self.webhook_target: str | None = None
        self.webhook_deliveries: list[tuple[int, int]] = []  # (update_id, HTTP status or 0 for no answer)
        self._deliveries: set[asyncio.Task[None]] = set()
        self._client: Any = None

        self._chats: dict[int, _Chat] = {}
        self._updates: collections.deque[JSON] = collections.deque()
        # Updates Telegram sends again although they were confirmed (see ``redeliver``).
        self._redeliveries: collections.deque[JSON] = collections.deque()
        self._next_update_id = 1
        self._polls: list[_Poll] = []
        self._callback_queries: dict[str, bool] = {}  # id -> answered
        self._callback_answers: list[JSON] = []
        self._callback_ids = itertools.count(1)
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._bot_texts: dict[tuple[str, str], str] = {}  # (description | short_description, language_code)
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._file_ids = itertools.count(1)
        self._waiters: list[tuple[Callable[[Call], bool], asyncio.Future[Call]]] = []
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._closing = False
        # Outages (go_down/come_back): (down at, back at or None while down), clock readings.
        self.outages: list[tuple[float, float | None]] = []
        self._return_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()  # control-API work that outlives its request

        # Delivery counters (kept whatever store_messages says) and the memory switches.
        self.store_messages = store_messages
        self.accept_any_chat = accept_any_chat
        self.delivered = 0
        self.delivered_by_chat: dict[int, int] = {}  # chat id -> messages delivered there

        # Delivery times of the message-creating methods (clock readings), bounded; see max_in_window.
        self.free_delivery_times: collections.deque[float] = collections.deque(maxlen=delivery_log)
        self.paid_delivery_times: collections.deque[float] = collections.deque(maxlen=delivery_log)

        # Flood control: limits, clock, and the state of the delivered messages.
        self.flood_control = flood_control
        self.global_rate = global_rate
        self.per_chat_rate = per_chat_rate
        self.per_chat_burst = per_chat_burst
        self.group_limit = group_limit
        self.group_window = group_window
        self.paid_rate = paid_rate
        self.retry_after_grace = retry_after_grace
        self.clock = clock
        self.rate_limited: list[tuple[str, int | None]] = []  # (method, chat_id) of every 429
        self.rate_limited_at: list[float] = []  # the clock reading of every 429, parallel to it
        self._all_times: collections.deque[float] = collections.deque()  # paid and free, all chats
        self._free_times: collections.deque[float] = collections.deque()  # free ones only
        # Private chats: theoretical arrival time (GCRA), only while it is in the future.
        self._chat_tat: dict[int, float] = {}
        self._tat_heap: list[tuple[float, int, int]] = []  # (TAT, seq, chat), to forget idle chats
        # Groups: delivery times within group_window, only for groups with one.
        self._group_fifo: collections.deque[tuple[float, int]] = collections.deque()
        self._group_times: dict[int, collections.deque[float]] = {}
        self._bans: dict[_BanKey, tuple[float, float, int]] = {}
        self._ban_heap: list[tuple[float, int, _BanKey]] = []
        self._ban_seq = itertools.count()

        # Fault injection.
        self.blocked_users: set[int] = set(blocked_users)
        self.injected: list[tuple[str, int | None, int]] = []  # (method, chat_id, status; 0: drop)
        self.dropped: list[tuple[str, int | None, Drop]] = []  # (method, chat_id, "before"/"after")
        self._faults: list[_Fault] = []
        self.random_failures: list[RandomFault] = []  # live fail_randomly registrations, in order

        handlers: dict[str, Callable[[JSON, dict[str, FileValue]], Any]] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setMyDescription": partial(self._set_bot_text, "description", 512),
            "setMyShortDescription": partial(self._set_bot_text, "short_description", 120),
            "setChatMenuButton": self._accept,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendDocument": partial(self._send_media, "document"),
            "sendPhoto": partial(self._send_media, "photo"),
            "sendChatAction": self._send_chat_action,
            "getFile": self._get_file,
        }
        # Telegram matches method names case-insensitively.
        self._handlers = {name.lower(): (name, fn) for name, fn in handlers.items()}

    # ----------------------------------------------------------------- lifecycle

    @property
    def url(self) -> str:
        """Server root, e.g. ``http://127.0.0.1:43123`` (valid after start())."""
        return f"http://{self.host}:{self.port}"

    @property
    def bot_base_url(self) -> str:
        """Value for ``Bot(base_url=...)`` / ``ApplicationBuilder().base_url(...)``."""
        return f"{self.url}/bot"

    @property
    def file_base_url(self) -> str:
        """Value for ``Bot(base_file_url=...)``, needed to download files."""
        return f"{self.url}/file/bot"

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_UPLOAD)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_post("/_fake/message", self._fake_message)
        app.router.add_post("/_fake/callback", self._fake_callback)
        app.router.add_get("/_fake/sent/{chat_id}", self._fake_sent)
        app.router.add_get("/_fake/errors", self._fake_errors)
        app.router.add_post("/_fake/fail", self._fake_fail)
        app.router.add_post("/_fake/fail_randomly", self._fake_fail_randomly)
        app.router.add_post("/_fake/clear_failures", self._fake_clear_failures)
        app.router.add_post("/_fake/down", self._fake_down)
        app.router.add_post("/_fake/block", self._fake_block)
        app.router.add_get("/_fake/stats", self._fake_stats)
        # handler_cancellation: when PTB cancels a long poll (on shutdown) the
        # client disconnects; cancel the handler instead of holding it open.
        self._runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=2.0
        )
        await self._runner.setup()
        await self._listen()
        self.port = self._runner.addresses[0][1]  # the real port when port=0
        self._closing = False

    async def _listen(self) -> None:
        assert self._runner is not None
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self._site = site

    async def stop(self) -> None:
        self._closing = True
        self._wake_polls()  # pending long polls return [] right away
        for task in [*self._deliveries, *self._tasks]:
            task.cancel()
        if self._return_task is not None:
            self._return_task.cancel()
            self._return_task = None
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self._site = None
        if self.outages and self.outages[-1][1] is None:
            self.outages[-1] = (self.outages[-1][0], self.clock())

    # ----------------------------------------------------------------- outages

    @property
    def is_down(self) -> bool:
        """True between go_down() and come_back()."""
        return self._runner is not None and self._site is None

    async def go_down(self) -> None:
        """Become unreachable, keeping all state (see module docstring); no-op when down."""
        if self._runner is None:
            raise RuntimeError("the server is not running")
        site, self._site = self._site, None
        if site is None:
            return
        self.outages.append((self.clock(), None))
        await site.stop()  # no longer listening: new connections are refused
        for connection in self._runner.server.connections if self._runner.server else ():
            transport = connection.transport
            if transport is not None:
                transport.close()  # pending writes are flushed, then the peer sees the close
        # Closing the transports cancels their handlers (handler_cancellation); give held
        # getUpdates polls a moment to end, so that nothing of the old server is left running.
        for _ in range(100):
            if not self._polls:
                break
            await asyncio.sleep(0.005)

    async def come_back(self) -> None:
        """Listen again on the same host and port, state kept; no-op when not down."""
        task, self._return_task = self._return_task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
        if not self.is_down:
            return
        await self._listen()
        if self.outages and self.outages[-1][1] is None:
            self.outages[-1] = (self.outages[-1][0], self.clock())

    async def down_for(self, seconds: float) -> asyncio.Task[None]:
        """go_down() now and come_back() after ``seconds`` of real time (asyncio.sleep, not
        ``clock``); returns the task that brings the server back (await it to wait for that)."""
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        await self.go_down()

        async def back() -> None:
            await asyncio.sleep(seconds)
            await self.come_back()

        if self._return_task is not None:
            self._return_task.cancel()
        self._return_task = asyncio.get_running_loop().create_task(back())
        return self._return_task

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ----------------------------------------------------------------- feeding updates

    def user(
        self, user_id: int, first_name: str = "Warga", language_code: str | None = "id", **kw: Any
    ) -> JSON:
        """A Telegram User object for a (human) user."""
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code is not None:
            user["language_code"] = language_code
        user.update(kw)
        return user

    def _chat_for(self, user: JSON) -> _Chat:
        info: JSON = {"id": user["id"], "type": "private", "first_name": user.get("first_name", "")}
        for key in ("last_name", "username"):
            if key in user:
                info[key] = user[key]
        chat = self._chats.get(user["id"])
        if chat is None:
            chat = self._chats[user["id"]] = _Chat(info)
        else:
            chat.info = info
        return chat

    def group(self, chat_id: int, title: str = "Grup") -> JSON:
        """A group chat the bot is a member of; returns its Chat object.

        ``chat_id`` must be negative (``-100...``: a supergroup, otherwise a basic group).  The
        bot may send there at once, as after being added to a group; pass the returned object
        as ``message_update(user, text, chat=...)`` for a member's message in it.
        """
        if not isinstance(chat_id, int) or isinstance(chat_id, bool) or chat_id >= 0:
            raise ValueError("group chat ids are negative integers")
        info = _synthetic_chat(chat_id)
        info["title"] = title
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat(info)
        else:
            chat.info = info
        chat.seen = True
        return dict(info)

    def _group_for(self, info: JSON) -> _Chat:
        chat_id = info.get("id")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool) or chat_id >= 0:
            raise ValueError(f"not a group chat: {info!r} (group chat ids are negative)")
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat({**_synthetic_chat(chat_id), **info})
        return chat

    def message_update(
        self, user: JSON, text: str | None = None, *, chat: JSON | None = None, **fields: Any
    ) -> JSON:
        """An update with a message from ``user`` (not yet pushed): in the private chat with
        the user, or in the group ``chat`` (a Chat object from ``group()``)."""
        target = self._chat_for(user) if chat is None or chat.get("id") == user["id"] else self._group_for(chat)
        message_id = target.allocate_message_id()
        target.user_message_ids.add(message_id)
        message: JSON = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": dict(target.info),
            "from": user,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/") and "entities" not in fields:
                command = text.split(maxsplit=1)[0]
                message["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
                ]
        message.update(fields)
        return {"message": message}

    def callback_update(
        self, user: JSON, message_id: int, data: str, *, chat: JSON | int | None = None
    ) -> JSON:
        """An update with ``user``'s button press on the bot's message ``message_id``: in the
        private chat with the user, or in the group ``chat`` (its Chat object or id)."""
        chat_id = user["id"] if chat is None else chat["id"] if isinstance(chat, dict) else chat
        target = self._chat_for(user) if chat_id == user["id"] else self._chats.get(chat_id)
        stored = target.bot_messages.get(message_id) if target is not None else None
        if stored is None or stored.deleted:
            raise LookupError(f"the bot has no message {message_id} in chat {chat_id}")
        query_id = f"{self.bot_user['id']}{next(self._callback_ids):010d}"
        self._callback_queries[query_id] = False
        instance = f"-{user['id']}" if chat_id == user["id"] else str(chat_id)
        return {
            "callback_query": {
                "id": query_id,
                "from": user,
                "message": self._message_json(stored),
                "chat_instance": f"{instance}{self.bot_user['id']}",
                "data": data,
            }
        }

    def push_update(self, update: JSON) -> int:
        """Queue an update for getUpdates (or POST it to the webhook); fills ``update_id`` if missing."""
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        self._observe(update)
        if self.webhook_url and self.webhook_target:
            task = asyncio.get_running_loop().create_task(self._post_to_webhook(update))
            self._deliveries.add(task)
            task.add_done_callback(self._deliveries.discard)
            return int(update["update_id"])
        self._updates.append(update)
        self._wake_polls()
        return int(update["update_id"])

    async def post_webhook(self, update: JSON, *, secret: str | None = None, target: str | None = None) -> int:
        """POST one update to a webhook as Telegram would (with ``secret``, default the registered one);
        returns the HTTP status."""
        import aiohttp

        self._observe(update)  # the bot may now write to this chat, as after any real update
        if self._client is None:
            self._client = aiohttp.ClientSession()
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret if secret is None else secret}
        url = target or self.webhook_target
        assert url, "no webhook target set"
        try:
            async with self._client.post(url, json=update, headers=headers, timeout=aiohttp.ClientTimeout(total=10)) as r:
                return r.status
        except (TimeoutError, aiohttp.ClientError):
            return 0

    async def _post_to_webhook(self, update: JSON) -> None:
        """Deliver like Telegram: retry a few times while the webhook fails."""
        for attempt in range(5):
            status = await self.post_webhook(update)
            self.webhook_deliveries.append((int(update["update_id"]), status))
            if 200 <= status < 300:
                return
            await asyncio.sleep(0.2 * (attempt + 1))

    def push_update_id(self) -> int:
        """A fresh update id, for an update delivered by hand (``post_webhook``)."""
        update_id = self._next_update_id
        self._next_update_id += 1
        return update_id

    def redeliver(self, update: JSON) -> None:
        """Hand out an update once more, with its old ``update_id``, although it was confirmed.

        Telegram does this after a webhook timeout, or when a bot stopped after handling an
        update but before confirming it: the bot must not act on it twice.
        """
        self._redeliveries.append(update)
        self._wake_polls()

    def _observe(self, update: JSON) -> None:
        """Mark the chats an update comes from as known, so the bot may write there."""
        for key in ("message", "edited_message", "callback_query"):
            obj = update.get(key)
            if not isinstance(obj, dict):
                continue
            sender = obj.get("from")
            if key == "callback_query":
                message = obj.get("message")
                info = message.get("chat") if isinstance(message, dict) else None
                if isinstance(info, dict) and isinstance(info.get("id"), int) and info["id"] < 0:
                    self._chats.setdefault(info["id"], _Chat(dict(info))).seen = True
                elif isinstance(sender, dict):  # a press in the private chat with the sender
                    self._chat_for(sender).seen = True
                continue
            chat_info = obj.get("chat")
            if isinstance(chat_info, dict) and "id" in chat_info:
                chat = self._chats.setdefault(chat_info["id"], _Chat(dict(chat_info)))
                chat.seen = True
                message_id = obj.get("message_id")
                if isinstance(message_id, int):
                    chat.user_message_ids.add(message_id)
                    chat.next_message_id = max(chat.next_message_id, message_id + 1)

    def add_file(
        self, content: bytes, filename: str | None = None, *, kind: str = "documents"
    ) -> JSON:
        """Register a file as if a user had uploaded it; returns the file object
        (file_id, file_unique_id, file_size, plus file_name / width+height) to put
        into a message_update(document=..., photo=[...]). The bot can getFile it."""
        return self._file_json(self._store_file(content, filename, None, kind))

    # ----------------------------------------------------------------- records

    def observe(self, observer: Callable[[Call], None]) -> None:
        """Call `observer` with every request the fake has finished (answered or refused), as it finishes."""
        self.observers.append(observer)

    def observe_arrivals(self, observer: Callable[[str, JSON], None]) -> None:
        """Call `observer(method, params)` with every request as it arrives (a long poll: when it starts)."""
        self.arrival_observers.append(observer)

    def pending_updates(self) -> int:
        """Updates queued for getUpdates and not yet confirmed."""
        return len(self._updates)

    def drop_pending_updates(self) -> None:
        self._updates.clear()

    def sent(self, chat_id: int) -> list[StoredMessage]:
        """The bot's messages in ``chat_id``, oldest first, current state (incl. deleted)."""
        chat = self._chats.get(chat_id)
        return list(chat.bot_messages.values()) if chat else []

    def callback_answers(self, query_id: str | None = None) -> list[JSON]:
        """Params of every accepted answerCallbackQuery, optionally for one query."""
        return [
            a
            for a in self._callback_answers
            if query_id is None or a["callback_query_id"] == query_id
        ]

    def my_text(self, key: str, language_code: str = "") -> str:
        """The description or short_description stored for language_code ("" = the default)."""
        return self._bot_texts.get((key, language_code), "")

    def my_commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """The commands setMyCommands stored for (scope, language_code)."""
        return list(self._commands.get(self._commands_key(scope, language_code), []))

    # ----------------------------------------------------------------- fault injection

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        description: str | None = None,
        chat_id: int | None = None,
        times: int = 1,
        retry_after: int | None = None,
        drop: Drop | None = None,
    ) -> None:
        """Make the next ``times`` requests of ``method`` (to ``chat_id``, or any) fail.

        They are answered ``status`` with ``description`` (default by status, e.g. 403 →
        "Forbidden: bot was blocked by the user", 429 → "Too Many Requests: retry after N")
        and ``parameters.retry_after`` when given (429 defaults to retry_after=1, which PTB
        turns into ``RetryAfter``).  Nothing is delivered, nothing goes to ``errors``; the
        failure is listed in ``injected``.  A 429 starts a penalty like a real one: for
        ``chat_id``, or for the whole bot, until ``retry_after`` has elapsed.  Registrations
        are used in order; several may be pending at once.

        ``status=0`` with ``drop="before"`` or ``drop="after"`` drops the connection instead
        of answering (see module docstring); ``drop`` requires ``status=0`` and vice versa.
        """
        name = self._method_name(method)
        status, description, retry_after = self._fault_answer(status, description, retry_after, drop)
        if times < 1:
            raise ValueError("times must be at least 1")
        self._faults.append(_Fault(name, status, description, chat_id, times, retry_after, drop))

    def fail_randomly(
        self,
        methods: str | Iterable[str],
        *,
        status: int,
        probability: float,
        seed: int = 0,
        retry_after: int | None = None,
        description: str | None = None,
        drop: Drop | None = None,
    ) -> RandomFault:
        """Fail each request of ``methods`` with ``probability``, reproducibly (see module
        docstring); returns the registration, live while it is in ``random_failures``.

        ``status``/``description``/``retry_after``/``drop`` mean what they mean for
        ``fail_next``; a random 429 (retry_after default 1) starts a penalty for the
        request's chat, or, for a request without ``chat_id``, for its method across the bot.
        """
        names = [methods] if isinstance(methods, str) else list(methods)
        if not names:
            raise ValueError("no methods given")
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be between 0 and 1")
        status, description, retry_after = self._fault_answer(status, description, retry_after, drop)
        fault = RandomFault(
            methods=frozenset(self._method_name(name) for name in names),
            status=status,
            probability=probability,
            seed=seed,
            retry_after=retry_after,
            description=description,
            drop=drop,
            rng=random.Random(seed),
        )
        self.random_failures.append(fault)
        return fault

    def _method_name(self, method: str) -> str:
        entry = self._handlers.get(method.lower())
        if entry is None:
            raise ValueError(f"fakebot does not implement {method!r}")
        return entry[0]

    @staticmethod
    def _fault_answer(
        status: int, description: str | None, retry_after: int | None, drop: str | None
    ) -> tuple[int, str, int | None]:
        """Validate an injected failure; return (status, description, retry_after) to use."""
        if drop is not None:
            if drop not in _DROP_MODES:
                raise ValueError(f"drop must be one of {_DROP_MODES} or None")
            if status != 0:
                raise ValueError("a dropped connection has no status: pass status=0 with drop")
            return 0, "", None
        if status == 0:
            raise ValueError('status=0 means a dropped connection: pass drop="before" or "after"')
        if not 400 <= status <= 599:
            raise ValueError("status must be an HTTP error status (400-599), or 0 with drop")
        if status == 429 and retry_after is None:
            retry_after = 1
        if retry_after is not None and retry_after < 1:
            raise ValueError("retry_after must be at least 1")
        if description is None:
            description = (
                f"Too Many Requests: retry after {retry_after}"
                if status == 429
                else _FAULT_DESCRIPTIONS.get(status, f"Error {status}")
            )
        return status, description, retry_after

    def clear_failures(self) -> None:
        """Forget pending ``fail_next`` registrations and every ``fail_randomly`` one
        (``blocked_users`` and running penalties stay)."""
        self._faults.clear()
        self.random_failures.clear()

    @property
    def pending_failures(self) -> int:
        """How many ``fail_next`` failures are still to come."""
        return sum(f.times for f in self._faults)

    def _gate(self, method: str, params: JSON) -> tuple[float | None, Drop | None]:
        """Penalties, injected failures, flood limits and blocked chats, before the handler.

        Raises the ApiError to answer with (or _Dropped); returns (the clock reading when the
        request is a flood-controlled send that may go ahead, to note it once it is delivered;
        "after" when the connection is to be dropped once the request has been executed).
        """
        for observer in self.arrival_observers:
            observer(method, params)
        chat_id = params.get("chat_id")
        chat = chat_id if isinstance(chat_id, (int, str)) and not isinstance(chat_id, bool) else None
        sending = method in FLOOD_METHODS
        flood = self.flood_control and sending
        if not (self._bans or self._faults or self.random_failures or flood or self.blocked_users):
            return None, None
        paid = sending and params.get("allow_paid_broadcast") is True
        now = self.clock()
        drawn = self._draw(method) if self.random_failures else None
        if self._bans:
            self._check_bans(method, chat, sending, paid, now)
        drop: Drop | None = None
        fault = self._take_fault(method, chat) if self._faults else None
        if fault is not None:
            scope = "paid" if paid and fault.chat_id is None else self._scope(method, sending)
            drop = self._inject(
                method, chat, fault.status, fault.description, fault.retry_after, fault.drop,
                (scope, fault.chat_id), now,
            )  # fmt: skip
        elif drawn is not None:
            drop = self._inject(
                method, chat, drawn.status, drawn.description, drawn.retry_after, drawn.drop,
                (self._scope(method, sending), chat), now,
            )  # fmt: skip
        if flood:
            self._check_flood(method, chat, paid, now)
        if chat in self.blocked_users and method in _BLOCKABLE_METHODS:
            self.injected.append((method, chat, 403))
            raise ApiError(BLOCKED, 403, record=False)
        return (now if flood else None), drop

    @staticmethod
    def _scope(method: str, sending: bool) -> str:
        return "send" if sending else method

    def _ban_keys(self, method: str, chat: Any, sending: bool, paid: bool) -> list[_BanKey]:
        """The penalties that stop this request: the bot-wide one of its share (free sends,
        paid sends, or the method) and the one of its chat."""
        scope = self._scope(method, sending)
        keys: list[_BanKey] = [("paid", None)] if paid else [(scope, None)]
        if chat is not None:
            keys.append((scope, chat))
        return keys

    def _check_bans(self, method: str, chat: Any, sending: bool, paid: bool, now: float) -> None:
        heap = self._ban_heap
        while heap and heap[0][0] - _EARLY <= now:  # forget the penalties that are over
            until, _, key = heapq.heappop(heap)
            ban = self._bans.get(key)
            if ban is not None and ban[0] == until:
                del self._bans[key]
        for key in self._ban_keys(method, chat, sending, paid):
            ban = self._bans.get(key)
            if ban is None or now >= ban[0] - _EARLY:
                continue
            until, announced, seconds = ban
            retry = _whole_seconds(until - now)
            line = None
            if now - announced >= self.retry_after_grace:
                if key[1] is not None:
                    where = f"chat {key[1]}"
                elif key[0] == "send":
                    where = "the bot"
                else:
                    where = f"the bot ({'paid broadcasts' if key[0] == 'paid' else key[0]})"
                line = (
                    f"ignored retry_after: {method} to chat {chat} "
                    f"{now - announced:.2f}s after a 429 with retry_after={seconds} for {where} "
                    f"({until - now:.2f}s too early)"
                )
            raise ApiError(
                f"Too Many Requests: retry after {retry}",
                429,
                record=line is not None,
                parameters={"retry_after": retry},
                line=line,
            )

    def _ban(self, key: _BanKey, now: float, seconds: int) -> None:
        until = now + seconds
        current = self._bans.get(key)
        if current is not None and current[0] >= until:
            return
        self._bans[key] = (until, now, seconds)
        heapq.heappush(self._ban_heap, (until, next(self._ban_seq), key))

    def _take_fault(self, method: str, chat: Any) -> _Fault | None:
        """Use up one matching ``fail_next`` registration, the oldest."""
        for index, fault in enumerate(self._faults):
            if fault.method == method and (fault.chat_id is None or fault.chat_id == chat):
                fault.times -= 1
                if fault.times <= 0:
                    del self._faults[index]
                return fault
        return None

    def _draw(self, method: str) -> RandomFault | None:
        """Every registration for ``method`` draws; the first whose number is below its
        probability fails the request."""
        chosen = None
        for fault in self.random_failures:
            if method in fault.methods:
                fault.draws += 1
                if fault.rng.random() < fault.probability:
                    fault.hits += 1
                    if chosen is None:
                        chosen = fault
        return chosen

    def _inject(
        self,
        method: str,
        chat: Any,
        status: int,
        description: str,
        retry_after: int | None,
        drop: Drop | None,
        ban_key: _BanKey,
        now: float,
    ) -> Drop | None:
        """Apply an injected failure: raise its answer (or _Dropped); return "after" for a
        connection to drop once the request has been executed."""
        self.injected.append((method, chat, status))
        if drop is not None:
            self.dropped.append((method, chat, drop))
            if drop == "before":
                raise _Dropped
            return drop
        parameters = None
        if retry_after is not None:
            parameters = {"retry_after": retry_after}
            if status == 429:
                self._ban(ban_key, now, retry_after)
        raise ApiError(description, status, record=False, parameters=parameters)

    def _check_flood(self, method: str, chat: Any, paid: bool, now: float) -> None:
        self._prune_flood(now)
        if paid:  # the paid ceiling counts every message, paid or free
            window, cap = _limit(self.paid_rate)
            wait = _window_wait(self._all_times, now, window, cap)
            key: _BanKey = ("paid", None)
        else:  # the free share counts free messages only
            window, cap = _limit(self.global_rate)
            wait = _window_wait(self._free_times, now, window, cap)
            key = ("send", None)
        if wait is None and isinstance(chat, int):
            key = ("send", chat)
            if chat < 0:  # a group: sliding window
                times = self._group_times.get(chat)
                if times:
                    wait = _window_wait(times, now, self.group_window, self.group_limit)
            else:  # a private chat: token bucket (GCRA)
                tat = self._chat_tat.get(chat)
                if tat is not None:
                    allowed_at = tat - (self.per_chat_burst - 1) / self.per_chat_rate
                    if now < allowed_at - _EPS:
                        wait = allowed_at - now
        if wait is None:
            return
        retry = _whole_seconds(wait)
        self._ban(key, now, retry)
        raise ApiError(
            f"Too Many Requests: retry after {retry}",
            429,
            record=False,
            parameters={"retry_after": retry},
        )

    def _prune_flood(self, now: float) -> None:
        """Forget what no longer limits anything, so memory follows recent traffic only."""
        keep = max(_limit(self.paid_rate)[0], _limit(self.global_rate)[0])
        for times in (self._all_times, self._free_times):
            while times and times[0] <= now - keep + _EPS:
                times.popleft()
        fifo, groups = self._group_fifo, self._group_times
        while fifo and fifo[0][0] <= now - self.group_window + _EPS:
            _, old = fifo.popleft()
            entries = groups[old]
            entries.popleft()
            if not entries:
                del groups[old]
        heap, tats = self._tat_heap, self._chat_tat
        while heap and heap[0][0] <= now:  # TAT in the past: the chat is idle, as if unknown
            tat, _, old = heapq.heappop(heap)
            if tats.get(old) == tat:
                del tats[old]

    def _note_delivery(self, method: str, params: JSON, sent_at: float | None) -> None:
        """A request succeeded: if it created a message, log its time and, under flood
        control, let it fill the limits (``sent_at`` is the gate's clock reading then)."""
        if method not in FLOOD_METHODS:
            return
        paid = params.get("allow_paid_broadcast") is True
        now = self.clock() if sent_at is None else sent_at
        (self.paid_delivery_times if paid else self.free_delivery_times).append(now)
        if sent_at is None:
            return
        self._all_times.append(now)
        if not paid:
            self._free_times.append(now)
        chat = params.get("chat_id")
        if not isinstance(chat, int) or isinstance(chat, bool):
            return
        if chat < 0:
            self._group_fifo.append((now, chat))
            self._group_times.setdefault(chat, collections.deque()).append(now)
        else:
            tat = max(self._chat_tat.get(chat, now), now) + 1.0 / self.per_chat_rate
            self._chat_tat[chat] = tat
            heapq.heappush(self._tat_heap, (tat, next(self._ban_seq), chat))

    def max_in_window(self, seconds: float = 1.0, *, paid: bool | None = None) -> int:
        """The most messages delivered within any ``seconds`` of ``clock`` time (an event
        exactly ``seconds`` older than another is outside its window, as for flood control),
        computed from ``free_delivery_times``/``paid_delivery_times``: all messages, or only
        the paid (``paid=True``) or free (``paid=False``) ones."""
        if seconds <= 0:
            raise ValueError("seconds must be positive")
        if paid is None:
            times = sorted(itertools.chain(self.free_delivery_times, self.paid_delivery_times))
        else:
            times = sorted(self.paid_delivery_times if paid else self.free_delivery_times)
        best = start = 0
        for end, at in enumerate(times):
            while times[start] <= at - seconds + _EPS:
                start += 1
            best = max(best, end - start + 1)
        return best

    async def wait_for(self, predicate: Callable[[Call], bool], timeout: float = 5.0) -> Call:
        """The first call matching ``predicate``, recorded or still to come."""
        for call in self.calls:
            if predicate(call):
                return call
        future: asyncio.Future[Call] = asyncio.get_running_loop().create_future()
        waiter = (predicate, future)
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            raise TimeoutError(self._timeout_message(timeout)) from None
        finally:
            self._waiters.remove(waiter)

    def _timeout_message(self, timeout: float, last: int = 15) -> str:
        total = sum(self.counts.values())
        lines = [f"no matching call within {timeout:g}s; {total} request(s) so far"]
        recent = self.calls[-last:]
        if recent:
            lines.append(f"last {len(recent)} recorded call(s):")
            for call in recent:
                status = "ok" if call.ok else f"FAILED {call.error}"
                lines.append(f"  {call.method} {status} {_short(call.params)}")
        elif not self.record_calls:
            lines.append(f"(calls are not recorded; counts: {dict(self.counts)})")
        if self.errors:
            lines.append(f"errors: {self.errors[-5:]}")
        return "\n".join(lines)

    def _record(self, call: Call, error_line: str | None) -> None:
        if error_line is not None:
            self.errors.append(error_line)
        if self.record_calls:
            self.calls.append(call)
            if self.max_calls is not None and len(self.calls) > self.max_calls:
                del self.calls[: len(self.calls) - self.max_calls]
        for predicate, future in self._waiters:
            if future.done():
                continue
            try:
                if predicate(call):
                    future.set_result(call)
            except Exception as exc:  # noqa: BLE001 - surface a broken predicate in the test
                future.set_exception(exc)
        for observer in self.observers:
            observer(call)

    # ----------------------------------------------------------------- HTTP plumbing

    def _reply(
        self, ok: bool, payload: Any, code: int = 200, parameters: JSON | None = None
    ) -> web.Response:
        if ok:
            body: JSON = {"ok": True, "result": payload}
        else:
            body = {"ok": False, "error_code": code, "description": payload}
            if parameters:
                body["parameters"] = parameters
        return web.json_response(body, status=code, dumps=_json_dumps)

    async def _handle_api(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        raw_method = request.match_info["method"]
        entry = self._handlers.get(raw_method.lower())
        method = entry[0] if entry else raw_method
        self.counts[method] += 1
        params: JSON = {}
        files: dict[str, FileValue] = {}
        drop: Drop | None = None
        try:
            if request.match_info["token"] != self.token:
                raise ApiError("Unauthorized", 401)
            if entry is None:
                raise ApiError("Not Found", 404)
            params, files = await self._read_params(request)
            sent_at, drop = self._gate(method, params)
            result = entry[1](params, files)
            if asyncio.iscoroutine(result):
                result = await result
            self._note_delivery(method, params, sent_at)
        except _Dropped:
            self._record(Call(method, params, files, False, DROPPED_BEFORE, None, arrived), None)
            return self._drop_connection(request)
        except ApiError as exc:
            error_line = None
            if exc.record:
                error_line = exc.line or f"{method}: {exc.description} (params: {_short(params, 300)})"
            if exc.code == 429:
                self.counts["429"] += 1
                chat_id = params.get("chat_id")
                self.rate_limited.append((method, chat_id if isinstance(chat_id, int) else None))
                self.rate_limited_at.append(self.clock())
            self._record(
                Call(method, params, files, False, exc.description, None, arrived), error_line
            )
            if drop is not None:
                return self._drop_connection(request)
            return self._reply(False, exc.description, exc.code, exc.parameters)
        self._record(Call(method, params, files, True, None, result, arrived), None)
        if drop is not None:
            return self._drop_connection(request)
        return self._reply(True, result)

    @staticmethod
    def _drop_connection(request: web.Request) -> web.Response:
        """Close the connection without an HTTP response.

        The client sees the peer close the connection (httpx: RemoteProtocolError "Server
        disconnected without sending a response", PTB: NetworkError).  aiohttp then fails to
        write the returned response into the closed transport, which it treats as a client
        disconnection (no log, no traceback).
        """
        transport = request.transport
        if transport is not None:
            transport.close()
        return web.Response(status=204)  # never sent

    async def _read_params(self, request: web.Request) -> tuple[JSON, dict[str, FileValue]]:
        """Parse query string + body the ways Telegram accepts them."""
        raw: JSON = dict(request.query)
        files: dict[str, FileValue] = {}
        content_type = request.content_type
        if content_type == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue
                if part.filename is not None:
                    data = bytes(await part.read(decode=True))
                    files[part.name] = (part.filename, data) if part.filename else data
                else:
                    raw[part.name] = await part.text()
        elif content_type == "application/x-www-form-urlencoded":
            raw.update((k, v) for k, v in (await request.post()).items() if isinstance(v, str))
        elif content_type == "application/json":
            body = await request.read()
            if body.strip():
                try:
                    decoded = json.loads(body)
                except ValueError:
                    raise _bad("can't parse JSON encoded request body") from None
                if not isinstance(decoded, dict):
                    raise _bad("JSON encoded request body must be an Object")
                raw.update(decoded)
        params = {name: _coerce(name, value) for name, value in raw.items()}
        return params, files

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return self._reply(False, "Unauthorized", 401)
        stored = self._files_by_path.get(request.match_info["path"])
        if stored is None or stored.content is None:
            return self._reply(False, "Not Found", 404)
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )

    # ----------------------------------------------------------------- control API (standalone)

    async def _fake_message(self, request: web.Request) -> web.Response:
        """{"user_id", "text"?, "first_name"?, "language_code"?, "chat_id"?, "title"?}: a message
        from the user, in a group when ``chat_id`` (negative) is given."""
        body = await request.json()
        user = self.user(
            int(body["user_id"]), body.get("first_name", "Warga"), body.get("language_code", "id")
        )
        chat = None
        if body.get("chat_id") is not None:
            try:
                chat = self.group(int(body["chat_id"]), str(body.get("title", "Grup")))
            except ValueError as exc:
                return web.json_response({"error": str(exc)}, status=400)
        update_id = self.push_update(self.message_update(user, body.get("text"), chat=chat))
        return web.json_response({"update_id": update_id})

    async def _fake_callback(self, request: web.Request) -> web.Response:
        body = await request.json()
        user = self.user(
            int(body["user_id"]), body.get("first_name", "Warga"), body.get("language_code", "id")
        )
        try:
            update = self.callback_update(user, int(body["message_id"]), str(body["data"]))
        except LookupError as exc:
            return web.json_response({"error": str(exc)}, status=404)
        return web.json_response({"update_id": self.push_update(update)})

    async def _fake_sent(self, request: web.Request) -> web.Response:
        messages = self.sent(int(request.match_info["chat_id"]))
        return web.json_response(
            [
                {
                    "message_id": m.message_id,
                    "text": m.text,
                    "raw": m.raw,
                    "reply_markup": m.reply_markup,
                    "edited": m.edited,
                    "deleted": m.deleted,
                    "document": m.document[0] if m.document else None,
                    "photo": m.photo is not None,
                }
                for m in messages
            ],
            dumps=_json_dumps,
        )

    async def _fake_errors(self, request: web.Request) -> web.Response:
        return web.json_response(self.errors, dumps=_json_dumps)

    async def _fake_fail(self, request: web.Request) -> web.Response:
        """``fail_next`` over HTTP: {"method", "status", "description"?, "chat_id"?, "times"?,
        "retry_after"?, "drop"?}."""
        body = await request.json()
        try:
            self.fail_next(
                str(body["method"]),
                status=int(body["status"]),
                description=body.get("description"),
                chat_id=body.get("chat_id"),
                times=int(body.get("times", 1)),
                retry_after=body.get("retry_after"),
                drop=body.get("drop"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"pending_failures": self.pending_failures})

    async def _fake_fail_randomly(self, request: web.Request) -> web.Response:
        """``fail_randomly`` over HTTP: {"methods" (a name or a list), "status", "probability",
        "seed"?, "retry_after"?, "description"?, "drop"?}."""
        body = await request.json()
        try:
            self.fail_randomly(
                body["methods"],
                status=int(body["status"]),
                probability=float(body["probability"]),
                seed=int(body.get("seed", 0)),
                retry_after=body.get("retry_after"),
                description=body.get("description"),
                drop=body.get("drop"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"random_failures": len(self.random_failures)})

    async def _fake_clear_failures(self, request: web.Request) -> web.Response:
        self.clear_failures()
        return web.json_response({"pending_failures": 0, "random_failures": 0})

    async def _fake_down(self, request: web.Request) -> web.Response:
        """{"seconds": N}: answer, then ``down_for(N)``.  The control API goes down with the
        rest, hence the mandatory duration (standalone mode also comes back on SIGUSR2)."""
        body = await request.json() if request.can_read_body else {}
        try:
            seconds = float(body["seconds"])
            if not 0 < seconds <= 3600:
                raise ValueError("seconds must be in (0, 3600]")
        except (KeyError, TypeError, ValueError) as exc:
            return web.json_response({"error": f"need 'seconds': {exc}"}, status=400)
        response = web.json_response({"down_for": seconds})
        await response.prepare(request)
        await response.write_eof()  # the answer is out before the connection is closed
        task = asyncio.get_running_loop().create_task(self.down_for(seconds))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return response

    async def _fake_block(self, request: web.Request) -> web.Response:
        """{"user_id": 5, "blocked": true|false}: the user blocks (or unblocks) the bot."""
        body = await request.json()
        user_id = int(body["user_id"])
        if body.get("blocked", True):
            self.blocked_users.add(user_id)
        else:
            self.blocked_users.discard(user_id)
        return web.json_response({"blocked_users": sorted(self.blocked_users)})

    async def _fake_stats(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "counts": dict(self.counts),
                "delivered": self.delivered,
                "chats_delivered_to": len(self.delivered_by_chat),
                "rate_limited": len(self.rate_limited),
                "injected": len(self.injected),
                "dropped": len(self.dropped),
                "errors": len(self.errors),
                "max_per_second": self.max_in_window(1.0),
                "max_paid_per_second": self.max_in_window(1.0, paid=True),
                "max_free_per_second": self.max_in_window(1.0, paid=False),
                "pending_failures": self.pending_failures,
                "random_failures": [
                    {"methods": sorted(f.methods), "draws": f.draws, "hits": f.hits}
                    for f in self.random_failures
                ],
                "outages": [list(outage) for outage in self.outages],
            }
        )

    # ----------------------------------------------------------------- shared validation

    def _chat(self, params: JSON, *, create: bool = False) -> _Chat:
        """The chat ``params`` address; it must be known unless ``accept_any_chat``.

        An unknown chat accepted that way is kept (``create``) only when the bot's messages
        are stored; otherwise a throwaway _Chat is returned, whose next message id follows
        ``delivered_by_chat``.
        """
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None or not chat.seen:
            if not self.accept_any_chat or not isinstance(chat_id, int) or isinstance(chat_id, bool):
                raise _bad("chat not found")
            if chat is None:
                chat = _Chat(
                    _synthetic_chat(chat_id),
                    next_message_id=self.delivered_by_chat.get(chat_id, 0) + 1,
                )
                if create and self.store_messages:
                    self._chats[chat_id] = chat
        return chat

    def _deliver(self, chat: _Chat, msg: StoredMessage) -> JSON:
        """Keep (or just count) a message the bot sent; return its JSON."""
        if self.store_messages:
            chat.bot_messages[msg.message_id] = msg
        self.delivered += 1
        by_chat = self.delivered_by_chat
        by_chat[msg.chat_id] = by_chat.get(msg.chat_id, 0) + 1
        return self._message_json(msg, chat)

    def _message_id(self, params: JSON) -> int:
        if "inline_message_id" in params:
            raise _bad("fakebot: inline messages are not supported")
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise _bad(
                "message identifier is not specified"
                if message_id is None
                else "invalid message_id"
            )
        return message_id

    def _text(self, params: JSON, key: str, *, caption: bool) -> tuple[str | None, list[JSON]]:
        """Parse ``params[key]`` per parse_mode; return (plain text, entities)."""
        raw = params.get(key)
        if raw is None or raw == "":
            if caption:
                return None, []
            raise _bad("message text is empty")
        if not isinstance(raw, str):
            raw = str(raw)
        parse_mode = params.get("parse_mode") or None
        explicit = params.get("caption_entities" if caption else "entities")
        if explicit is not None:  # explicit entities win over parse_mode, as in Telegram
            text, entities = raw, self._check_entities(raw, explicit)
        elif parse_mode is None:
            text, entities = raw, []
        elif str(parse_mode).lower() == "html":
            try:
                text, entities = parse_html(raw)
            except HtmlParseError as exc:
                raise _bad(f"can't parse entities: {exc}") from None
        elif str(parse_mode).lower() in ("markdown", "markdownv2"):
            raise _bad(
                f"fakebot: parse_mode {parse_mode!r} is not supported by the fake server; use HTML"
            )
        else:
            raise _bad(f"unsupported parse_mode {parse_mode!r}")
        text, entities = _strip_text(text, entities)
        if not text:
            if caption:
                return None, []
            raise _bad("message text is empty")
        if caption and utf16_len(text) > MAX_CAPTION:
            raise _bad("message caption is too long")
        if not caption and utf16_len(text) > MAX_TEXT:
            raise _bad("message is too long")
        return text, entities

    @staticmethod
    def _check_entities(text: str, entities: Any) -> list[JSON]:
        size = utf16_len(text)
        if not isinstance(entities, list):
            raise _bad("can't parse entities JSON object")
        for entity in entities:
            if (
                not isinstance(entity, dict)
                or not isinstance(entity.get("type"), str)
                or not isinstance(entity.get("offset"), int)
                or not isinstance(entity.get("length"), int)
                or entity["offset"] < 0
                or entity["length"] <= 0
                or entity["offset"] + entity["length"] > size
            ):
                raise _bad(f"can't parse entities: invalid entity {_short(entity)}")
        return entities

    def _bot_message(self, params: JSON, *, for_edit: str) -> StoredMessage:
        chat = self._chat(params)
        message_id = self._message_id(params)
        stored = chat.bot_messages.get(message_id)
        if stored is None or stored.deleted:
            if message_id in chat.user_message_ids:
                raise _bad(f"message can't be {for_edit}ed")
            raise _bad(f"message to {for_edit} not found")
        return stored

    # ----------------------------------------------------------------- message JSON

    def _message_json(self, msg: StoredMessage, chat: _Chat | None = None) -> JSON:
        if chat is None:
            chat = self._chats[msg.chat_id]
        out: JSON = {
            "message_id": msg.message_id,
            "from": self.bot_user,
            "chat": dict(chat.info),
            "date": msg.date,
        }
        if msg.edit_date is not None:
            out["edit_date"] = msg.edit_date
        media = self._files.get(msg.file_id) if msg.file_id else None
        if media is None:
            out["text"] = msg.text
            if msg.entities:
                out["entities"] = msg.entities
        else:
            if media.file_path.startswith("photos/"):
                out["photo"] = [self._file_json(media)]
            else:
                out["document"] = self._file_json(media)
            if msg.caption is not None:
                out["caption"] = msg.caption
                if msg.entities:
                    out["caption_entities"] = msg.entities
        if msg.inline_markup is not None:
            out["reply_markup"] = msg.inline_markup
        return out

    @staticmethod
    def _file_json(stored: _StoredFile) -> JSON:
        """A Document, or a PhotoSize for photos (Telegram has no file_name there)."""
        obj: JSON = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
        if stored.content is not None:
            obj["file_size"] = len(stored.content)
        if stored.file_path.startswith("photos/"):
            obj.update(width=stored.width or 0, height=stored.height or 0)
        else:
            if stored.filename:
                obj["file_name"] = stored.filename
            if stored.mime_type:
                obj["mime_type"] = stored.mime_type
        return obj

    def _store_file(
        self, content: bytes | None, filename: str | None, url: str | None, kind: str
    ) -> _StoredFile:
        n = next(self._file_ids)
        ext = ""
        if filename and "." in filename:
            ext = "." + filename.rsplit(".", 1)[1]
        elif kind == "photos":
            ext = ".png" if content and content.startswith(b"\x89PNG") else ".jpg"
        stored = _StoredFile(
            file_id=f"FAKE{kind[:3].upper()}{n:08d}{'U' if url else 'B'}",
            file_unique_id=f"fu{n:08d}",
            file_path=f"{kind}/file_{n}{ext}",
            filename=filename,
            content=content,
            mime_type=mimetypes.guess_type(filename)[0] if filename else None,
        )
        if kind == "photos":
            size = _image_size(content) if content is not None else None
            stored.width, stored.height = size or (0, 0)  # unknown for URLs
            stored.mime_type = (
                "image/png" if content and content.startswith(b"\x89PNG") else "image/jpeg"
            )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    # ----------------------------------------------------------------- methods

    def _get_me(self, params: JSON, files: dict[str, FileValue]) -> JSON:
        return self.bot_user

    def _accept(self, params: JSON, files: dict[str, FileValue]) -> bool:
        return True

    def _set_bot_text(
        self, key: str, limit: int, params: JSON, files: dict[str, FileValue]
    ) -> bool:
        value = params.get(key, "")
        if not isinstance(value, str) or len(value) > limit:
            raise _bad(f"{key} is too long")
        language_code = params.get("language_code") or ""
        if not isinstance(language_code, str) or not _LANGUAGE_RE.match(language_code):
            raise _bad("invalid language code specified")
        self._bot_texts[(key, language_code)] = value  # "" removes the text for that language, as Telegram does
        return True

    async def _get_updates(self, params: JSON, files: dict[str, FileValue]) -> list[JSON]:
        if self.webhook_url:
            raise ApiError(
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
                409,
            )
        offset, limit, timeout = (
            params.get("offset"),
            params.get("limit", 100),
            params.get("timeout", 0),
        )
        if not isinstance(offset, (int, type(None))) or not isinstance(limit, int):
            raise _bad("invalid offset or limit specified")
        if not isinstance(timeout, (int, float)):
            raise _bad("invalid timeout specified")
        limit = min(max(limit, 1), 100)
        self._confirm(offset)

        # Telegram allows one getUpdates at a time: a newer one terminates the older.
        for poll in self._polls:
            poll.conflicted = True
        self._wake_polls()

        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, float(timeout))
        while True:
            if self._redeliveries:
                return [self._redeliveries.popleft()]
            if self._updates or self._closing:
                return list(itertools.islice(self._updates, limit))
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            poll = _Poll(loop.create_future())
            self._polls.append(poll)
            try:
                await asyncio.wait([poll.wake], timeout=remaining)
            finally:
                self._polls.remove(poll)
            if poll.conflicted:
                raise ApiError(
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                    409,
                    record=False,
                )

    def _confirm(self, offset: int | None) -> None:
        """Forget updates confirmed by ``offset`` (negative: keep the last -offset)."""
        if offset is None or offset == 0:
            return
        if offset < 0:
            while len(self._updates) > -offset:
                self._updates.popleft()
            return
        while self._updates and self._updates[0]["update_id"] < offset:
            self._updates.popleft()

    def _wake_polls(self) -> None:
        for poll in self._polls:
            if not poll.wake.done():
                poll.wake.set_result(None)

    def _set_webhook(self, params: JSON, files: dict[str, FileValue]) -> bool:
        url = params.get("url", "")
        if url and urlsplit(str(url)).scheme != "https":
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url = str(url)
        self.webhook_secret = str(params.get("secret_token") or "")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _delete_webhook(self, params: JSON, files: dict[str, FileValue]) -> bool:
        self.webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, params: JSON, files: dict[str, FileValue]) -> JSON:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        scope = scope or {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
            raise _bad("can't parse BotCommandScope JSON object")
        language_code = language_code or ""
        if not isinstance(language_code, str) or not _LANGUAGE_RE.match(language_code):
            raise _bad("invalid language code specified")
        return json.dumps(scope, sort_keys=True), language_code

    def _set_my_commands(self, params: JSON, files: dict[str, FileValue]) -> bool:
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse BotCommand JSON object")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not _COMMAND_RE.match(name):
                raise _bad(f"BOT_COMMAND_INVALID: {name!r} must match [a-z0-9_]{{1,32}}")
            if (
                not isinstance(description, str)
                or not 1 <= len(description.strip()) <= 256
                or len(description) > 256
            ):
                raise _bad(
                    f"BOT_COMMAND_DESCRIPTION_INVALID: description of {name!r} must be 1-256 characters"
                )
        if commands:
            self._commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self._commands.pop(key, None)  # an empty list deletes, as in Telegram
        return True

    def _get_my_commands(self, params: JSON, files: dict[str, FileValue]) -> list[JSON]:
        return list(
            self._commands.get(
                self._commands_key(params.get("scope"), params.get("language_code")), []
            )
        )

    def _delete_my_commands(self, params: JSON, files: dict[str, FileValue]) -> bool:
        self._commands.pop(
            self._commands_key(params.get("scope"), params.get("language_code")), None
        )
        return True

    def _send_message(self, params: JSON, files: dict[str, FileValue]) -> JSON:
        chat = self._chat(params, create=True)
        text, entities = self._text(params, "text", caption=False)
        markup = _validate_markup(params.get("reply_markup"))
        msg = StoredMessage(
            chat_id=chat.info["id"],
            message_id=chat.allocate_message_id(),
            date=int(time.time()),
            text=text,
            raw=params["text"],
            parse_mode=params.get("parse_mode") or None,
            entities=entities,
            reply_markup=markup,
        )
        return self._deliver(chat, msg)

    def _send_media(self, kind: str, params: JSON, files: dict[str, FileValue]) -> JSON:
        chat = self._chat(params, create=True)
        caption, entities = self._text(params, "caption", caption=True)
        markup = _validate_markup(params.get("reply_markup"))
        stored = self._media_file(kind, params, files)
        msg = StoredMessage(
            chat_id=chat.info["id"],
            message_id=chat.allocate_message_id(),
            date=int(time.time()),
            text=caption,
            raw=params.get("caption"),
            parse_mode=params.get("parse_mode") or None,
            entities=entities,
            reply_markup=markup,
            caption=caption,
            file_id=stored.file_id,
        )
        if kind == "document":
            msg.document = (
                (stored.filename or "document", stored.content)
                if stored.content is not None
                else None
            )
        else:
            msg.photo = stored.content
        return self._deliver(chat, msg)

    def _media_file(self, kind: str, params: JSON, files: dict[str, FileValue]) -> _StoredFile:
        """The uploaded part, a known file_id, or a URL (recorded, never fetched)."""
        value: Any = params.get(kind)
        part_name = kind
        if isinstance(value, str) and value.startswith("attach://"):
            part_name, value = value[len("attach://") :], None
        if value is None:
            upload = files.get(part_name)
            if upload is None:
                raise _bad(f"there is no {kind} in the request")
            filename, content = upload if isinstance(upload, tuple) else (None, upload)
            if not content:
                raise _bad("file must be non-empty")
            if kind == "photo":
                size = _image_size(content)
                if size is None or 0 in size:
                    raise _bad("IMAGE_PROCESS_FAILED")
                if sum(size) > 10000 or max(size) > 20 * min(size):
                    raise _bad("PHOTO_INVALID_DIMENSIONS")
            return self._store_file(content, filename, None, f"{kind}s")
        if not isinstance(value, str):
            raise _bad(f"wrong type of the {kind} specified")
        if value in self._files:
            return self._files[value]
        if urlsplit(value).scheme in ("http", "https"):
            return self._store_file(None, value.rsplit("/", 1)[-1] or None, value, f"{kind}s")
        raise _bad("wrong file identifier/HTTP URL specified")

    def _edit_message_text(self, params: JSON, files: dict[str, FileValue]) -> JSON:
        msg = self._bot_message(params, for_edit="edit")
        if msg.file_id is not None:
            raise _bad("there is no text in the message to edit")
        text, entities = self._text(params, "text", caption=False)
        # No reply_markup means "remove the inline keyboard", as in Telegram.
        markup = _validate_markup(params.get("reply_markup"), inline_only=True)
        if (text, entities, markup) == (msg.text, msg.entities, msg.inline_markup):
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        msg.text, msg.raw, msg.entities = text, params["text"], entities
        msg.parse_mode = params.get("parse_mode") or None
        self._apply_edit(msg, markup)
        return self._message_json(msg)

    def _edit_message_caption(self, params: JSON, files: dict[str, FileValue]) -> JSON:
        msg = self._bot_message(params, for_edit="edit")
        if msg.file_id is None:
            raise _bad("there is no caption in the message to edit")
        caption, entities = self._text(params, "caption", caption=True)
        markup = _validate_markup(params.get("reply_markup"), inline_only=True)
        if (caption, entities, markup) == (msg.caption, msg.entities, msg.inline_markup):
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        msg.text = msg.caption = caption
        msg.raw, msg.entities = params.get("caption"), entities
        msg.parse_mode = params.get("parse_mode") or None
        self._apply_edit(msg, markup)
        return self._message_json(msg)

    def _edit_message_reply_markup(self, params: JSON, files: dict[str, FileValue]) -> JSON:
        msg = self._bot_message(params, for_edit="edit")
        markup = _validate_markup(params.get("reply_markup"), inline_only=True)
        if markup == msg.inline_markup:
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        self._apply_edit(msg, markup)
        return self._message_json(msg)

    @staticmethod
    def _apply_edit(msg: StoredMessage, inline_markup: JSON | None) -> None:
        if inline_markup is not None or msg.inline_markup is not None:
            msg.reply_markup = inline_markup
        msg.edited = True
        msg.edit_date = int(time.time())

    def _delete_message(self, params: JSON, files: dict[str, FileValue]) -> bool:
        chat = self._chat(params)
        message_id = self._message_id(params)
        stored = chat.bot_messages.get(message_id)
        if stored is not None and not stored.deleted:
            stored.deleted = True
        elif message_id in chat.user_message_ids:
            chat.user_message_ids.discard(message_id)
        else:
            raise _bad("message to delete not found")
        return True

    def _answer_callback_query(self, params: JSON, files: dict[str, FileValue]) -> bool:
        query_id = params.get("callback_query_id")
        if not isinstance(query_id, str) or self._callback_queries.get(query_id, True):
            raise _bad(QUERY_TOO_OLD.removeprefix("Bad Request: "))
        text = params.get("text")
        if text is not None and utf16_len(str(text)) > MAX_CALLBACK_ANSWER:
            raise _bad("MESSAGE_TOO_LONG")
        url = params.get("url")
        if url is not None and urlsplit(str(url)).scheme not in ("http", "https", "tg"):
            raise _bad("URL_INVALID")
        self._callback_queries[query_id] = True
        self._callback_answers.append(dict(params))
        return True

    def _send_chat_action(self, params: JSON, files: dict[str, FileValue]) -> bool:
        self._chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    def _get_file(self, params: JSON, files: dict[str, FileValue]) -> JSON:
        stored = self._files.get(params.get("file_id", ""))
        if stored is None:
            raise _bad("invalid file_id")
        if stored.content is None:
            raise _bad("fakebot: file was sent by URL and has no content")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }


# --------------------------------------------------------------------------- standalone


async def _serve(args: argparse.Namespace) -> None:
    api = FakeBotAPI(
        args.token,
        host=args.host,
        port=args.port,
        flood_control=args.flood,
        global_rate=args.global_rate,
        per_chat_rate=args.per_chat_rate,
        per_chat_burst=args.per_chat_burst,
        group_limit=args.group_limit,
        group_window=args.group_window,
        paid_rate=args.paid_rate,
        store_messages=args.store_messages,
        accept_any_chat=args.accept_any_chat,
        blocked_users=args.blocked,
        record_calls=args.record_calls,
    )
    await api.start()
    print(api.url, flush=True)
    if args.flood:
        print(
            f"flood control: {args.global_rate:g}/s overall, {args.per_chat_rate:g}/s per chat "
            f"(burst {args.per_chat_burst}), {args.group_limit} per {args.group_window:g}s per group, "
            f"{args.paid_rate:g}/s paid",
            flush=True,
        )
    print(
        f"token {api.token}; bot base_url {api.bot_base_url}; base_file_url {api.file_base_url}\n"
        f'push a message: curl -X POST {api.url}/_fake/message -d \'{{"user_id": 1, "text": "/start"}}\'\n'
        f"press a button: curl -X POST {api.url}/_fake/callback "
        f'-d \'{{"user_id": 1, "message_id": 2, "data": "..."}}\'\n'
        f"see replies:    curl {api.url}/_fake/sent/1   errors: curl {api.url}/_fake/errors\n"
        f"inject a fault: curl -X POST {api.url}/_fake/fail "
        f'-d \'{{"method": "sendMessage", "status": 403}}\'   stats: curl {api.url}/_fake/stats\n'
        f"random faults:  curl -X POST {api.url}/_fake/fail_randomly "
        f'-d \'{{"methods": ["sendMessage"], "status": 0, "drop": "before", "probability": 0.1}}\'\n'
        f"outage:         curl -X POST {api.url}/_fake/down -d '{{\"seconds\": 5}}'"
        f"   (or kill -USR1 / -USR2 {os.getpid()} for down / up)",
        flush=True,
    )
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(sig, stopping.set)
    outage_tasks: set[asyncio.Task[None]] = set()

    def toggle(action: Callable[[], Any]) -> None:
        task = loop.create_task(action())
        outage_tasks.add(task)
        task.add_done_callback(outage_tasks.discard)

    outage_signals = (("SIGUSR1", api.go_down), ("SIGUSR2", api.come_back))  # not on Windows
    for name, action in outage_signals:
        if hasattr(signal, name):
            loop.add_signal_handler(getattr(signal, name), toggle, action)
    try:
        await stopping.wait()
    finally:
        await api.stop()
        print("stopped", flush=True)


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake Telegram Bot API server for manual trials")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument(
        "--flood", action="store_true", help="enable Telegram-like flood control (429s)"
    )
    parser.add_argument("--global-rate", type=float, default=30.0, metavar="PER_SECOND")
    parser.add_argument("--per-chat-rate", type=float, default=1.0, metavar="PER_SECOND")
    parser.add_argument(
        "--per-chat-burst", type=int, default=3, metavar="N", help="messages a private chat may get at once"
    )
    parser.add_argument(
        "--group-limit", type=int, default=20, metavar="N", help="messages per group within --group-window"
    )
    parser.add_argument("--group-window", type=float, default=60.0, metavar="SECONDS")
    parser.add_argument("--paid-rate", type=float, default=1000.0, metavar="PER_SECOND")
    parser.add_argument(
        "--accept-any-chat", action="store_true", help="let the bot write to chats never seen"
    )
    parser.add_argument(
        "--no-store-messages",
        dest="store_messages",
        action="store_false",
        help="keep delivery counters only, not the messages",
    )
    parser.add_argument(
        "--no-record-calls", dest="record_calls", action="store_false", help="keep no Call objects"
    )
    parser.add_argument(
        "--blocked",
        type=lambda v: [int(x) for x in v.split(",") if x.strip()],
        default=[],
        metavar="ID,ID",
        help="users who blocked the bot (sends get 403)",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C where signal handlers are unsupported
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
