"""HTTP plumbing: the aiohttp server's lifecycle and routes, and one Bot API request from its parameters to
its JSON answer (or a dropped connection)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Self

from aiohttp import BodyPartReader, web

from tests.support.fakebot.records import (
    DROPPED_BEFORE,
    JSON,
    MAX_UPLOAD,
    ApiError,
    Call,
    Drop,
    FileValue,
    _bad,
    _Dropped,
    _json_dumps,
    _short,
)
from tests.support.fakebot.validation import _coerce


class PlumbingMixin:
    """Lifecycle and the HTTP handling of Bot API requests.

    A part of ``FakeBotAPI``, whose ``__init__`` holds the state.
    """

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

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

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
