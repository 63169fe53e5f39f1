"""The bot's profile: getMe, its commands per scope and language, its descriptions."""

from __future__ import annotations

import json
from typing import Any

from tests.support.fakebot.records import JSON, FileValue, _bad
from tests.support.fakebot.validation import _COMMAND_RE, _LANGUAGE_RE, _SCOPE_TYPES


class ProfileMixin:
    """Commands and descriptions.

    A part of ``FakeBotAPI``, whose ``__init__`` holds the state.
    """

    def my_text(self, key: str, language_code: str = "") -> str:
        """The description or short_description stored for language_code ("" = the default)."""
        return self._bot_texts.get((key, language_code), "")

    def my_commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """The commands setMyCommands stored for (scope, language_code)."""
        return list(self._commands.get(self._commands_key(scope, language_code), []))

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
