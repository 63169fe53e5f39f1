"""What handlers receive besides the update: the typed context and the dependencies it carries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from bot.i18n import I18n
from bot.quota import PauseBook
from bot.search import RegionIndex
from bot.textwork import TextWork
from storage.db import Database


@dataclass
class Deps:
    """Everything built once at start-up and shared by all handlers."""

    settings: Settings
    db: Database
    i18n: I18n
    regions: RegionIndex
    pseudonym_key: bytes = b""
    button_key: bytes = b""  # signs the rating buttons (bot/feedback.py new_nonce)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    pauses: PauseBook = field(default_factory=PauseBook)  # flood pauses this process knows of (bot/quota.py)
    textwork: TextWork = field(default_factory=TextWork)  # topics and charts, off the event loop (bot/textwork.py)


DEPS_KEY = "deps"
METRICS_KEY = "metrics"


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with typed access to the application's dependencies."""

    @property
    def deps(self) -> Deps:
        return self.application.bot_data[DEPS_KEY]


def attach(application: Application[Any, Any, Any, Any, Any, Any], deps: Deps) -> None:
    application.bot_data[DEPS_KEY] = deps
