"""PTB's HTTP slot (`BaseRequest`) answered by the in-process stand-in of the Bot API (bot/telegram/standin.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

from bot.telegram.standin_rules import JSON, ApiError


class StandInRequest(BaseRequest):
    """PTB's HTTP slot, answered by the stand-in."""

    def __init__(self, call: Callable[[str, JSON, dict[str, Any]], Any],
                 download: Callable[[str], tuple[int, bytes]]) -> None:
        self.call, self.download = call, download

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if "/file/bot" in url:
            return self.download(url)
        name = url.rsplit("/", 1)[-1]
        params: JSON = dict(request_data.parameters) if request_data else {}
        files: dict[str, Any] = dict(request_data.multipart_data or {}) if request_data else {}
        if name.lower() == "getupdates":  # a long poll: wait as Telegram would, then nothing
            timeout = float(params.get("timeout") or 0)
            wait = read_timeout if not isinstance(read_timeout, DefaultValue) and read_timeout else timeout
            await asyncio.sleep(min(timeout, float(wait or 0), 10.0))
        try:
            result = self.call(name, params, files)
        except ApiError as error:
            body = {"ok": False, "error_code": error.code, "description": error.description}
            return error.code, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()
