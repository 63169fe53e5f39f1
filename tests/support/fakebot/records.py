"""What the fake keeps and answers with: the records a test reads (``Call``, ``StoredMessage``,
``RandomFault``), the server's own state records, Telegram's limits and error texts, and ``ApiError``."""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

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


DROPPED_BEFORE = "fakebot: connection dropped before the request was executed"
_json_dumps = partial(json.dumps, ensure_ascii=False)


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


def _synthetic_chat(chat_id: int) -> JSON:
    """Chat info for a chat the server never saw (``accept_any_chat``)."""
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": f"Chat {chat_id}"}


def _short(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
