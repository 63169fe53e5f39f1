"""The dependencies built once at start-up and shared by the chat, the dashboard and the workers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.config import Settings
from bot.i18n import I18n
from bot.services.quota import PauseBook
from bot.services.search import RegionIndex
from bot.services.textwork import TextWork
from storage.db import Database


@dataclass
class Deps:
    """Everything built once at start-up: settings, database, catalogues, keys, clock."""

    settings: Settings
    db: Database
    i18n: I18n
    regions: RegionIndex
    pseudonym_key: bytes = b""
    button_key: bytes = b""  # signs the rating buttons (bot/services/feedback.py new_nonce)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    pauses: PauseBook = field(default_factory=PauseBook)  # flood pauses this process knows of (bot/services/quota.py)
    textwork: TextWork = field(default_factory=TextWork)  # topics and charts, off the event loop (bot/services/textwork.py)


DEPS_KEY = "deps"  # where the wiring puts Deps: PTB's bot_data and the aiohttp app
METRICS_KEY = "metrics"
