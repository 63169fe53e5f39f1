"""``FakeBotAPI``: its state and method table; each concern's methods come from a mixin of its own module."""

from __future__ import annotations

import asyncio
import collections
import itertools
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from aiohttp import web

from tests.support.fakebot.control import ControlMixin
from tests.support.fakebot.faults import FaultsMixin
from tests.support.fakebot.files import FilesMixin
from tests.support.fakebot.flood import FloodMixin, _BanKey
from tests.support.fakebot.messages import MessagesMixin
from tests.support.fakebot.plumbing import PlumbingMixin
from tests.support.fakebot.profile import ProfileMixin
from tests.support.fakebot.recording import RecordingMixin
from tests.support.fakebot.records import (
    DEFAULT_TOKEN,
    JSON,
    Call,
    Drop,
    FileValue,
    RandomFault,
    _Chat,
    _Fault,
    _Poll,
    _StoredFile,
)
from tests.support.fakebot.updates import UpdatesMixin


class FakeBotAPI(
    PlumbingMixin, RecordingMixin, UpdatesMixin, MessagesMixin, FilesMixin,
    ProfileMixin, FloodMixin, FaultsMixin, ControlMixin,
):
    """An in-process imitation of the Telegram Bot API (see the package docstring)."""

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
