"""Typed keys for what the aiohttp application carries (aiohttp's AppKey, not string keys)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from telegram.ext import Application

from bot.config import Settings
from bot.services.deps import Deps
from bot.telegram.simulator import Simulator
from bot.web.repeats import RepeatedWarnings

SETTINGS = web.AppKey("settings", Settings)
PTB = web.AppKey("ptb", Application[Any, Any, Any, Any, Any, Any])
# The bot's dependencies (database, i18n, clock...), available once PTB has started.
DEPS = web.AppKey("deps", Deps)
# The simulator (/dasbor/coba): the in-process Bot API and the Application that talks to it.
SIMULATOR = web.AppKey("simulator", Simulator)
# Refused webhook and API calls: the first logged, then one summary a minute.
REFUSED_LOG = web.AppKey("refused_log", RepeatedWarnings)
