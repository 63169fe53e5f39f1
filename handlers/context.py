"""What handlers receive besides the update: PTB's context, typed, with the dependencies it carries."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.services.deps import DEPS_KEY, Deps


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with typed access to the application's dependencies."""

    @property
    def deps(self) -> Deps:
        return self.application.bot_data[DEPS_KEY]


def attach(application: Application[Any, Any, Any, Any, Any, Any], deps: Deps) -> None:
    application.bot_data[DEPS_KEY] = deps
