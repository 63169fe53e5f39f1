"""python-telegram-bot's HTTP layer on aiohttp (a `BaseRequest`), cheaper per call than its default httpx one.

PTB's public API stays as it is: the Application is built with `.request(...)` and `.get_updates_request(...)`.
Parameters go as one JSON body (which the Bot API accepts beside forms), and multipart, as PTB's own
HTTPXRequest sends them, when they carry files.
Failures become PTB's errors with aiohttp's exception as the cause, so bot/telegram/failures.py can tell a
request that never left (refused connection, no free connection, connect timeout) from one that may have
been carried out (read timeout, connection dropped mid-request).
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_JSON = {"Content-Type": "application/json"}
NOT_SENT_MESSAGE = "Connect timeout: no connection to the Bot API in time; the request was *not* sent."


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a bounded connection pool, created in `initialize()`."""

    def __init__(
        self,
        connection_pool_size: int = 128,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self.pool_size = connection_pool_size
        self._read, self._write, self._connect, self._pool = read_timeout, write_timeout, connect_timeout, pool_timeout
        self._media_write = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.pool_size, ttl_dns_cache=300, enable_cleanup_closed=True)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}, skip_auto_headers=("Accept-Encoding",),
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

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
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        read = self._read if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = self._connect if isinstance(connect_timeout, DefaultValue) else connect_timeout
        pool = self._pool if isinstance(pool_timeout, DefaultValue) else pool_timeout
        write = self._write if isinstance(write_timeout, DefaultValue) else write_timeout
        if files:
            write = self._media_write if isinstance(write_timeout, DefaultValue) else write_timeout
        # aiohttp's `connect` covers waiting for a pooled connection and opening it; `sock_read` is the
        # read timeout between chunks. aiohttp has no write timeout: a slow upload is bounded by the total.
        waiting = None if pool is None and connect is None else (pool or 0.0) + (connect or 0.0)
        total = None if read is None or write is None or waiting is None else waiting + write + read
        timeout = aiohttp.ClientTimeout(total=total, connect=waiting, sock_connect=connect, sock_read=read)
        body, headers = _body(request_data, files)
        try:
            async with session.request(method, url, data=body, headers=headers, timeout=timeout) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as err:
            raise TimedOut(NOT_SENT_MESSAGE) from err
        except (TimeoutError, aiohttp.ServerTimeoutError) as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err


def _body(request_data: RequestData | None, files: dict[str, Any] | None) -> tuple[Any, dict[str, str] | None]:
    """A JSON body (the Bot API takes application/json); multipart, as PTB sends it, when there are files."""
    if request_data is None:
        return None, None
    if not files:
        parameters = request_data.parameters
        if not parameters:
            return None, None
        return json.dumps(parameters, ensure_ascii=False).encode(), _JSON
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, upload in files.items():
        if isinstance(upload, tuple):
            filename, content, *rest = upload
            form.add_field(name, content, filename=filename, content_type=rest[0] if rest else None)
        else:
            form.add_field(name, upload, filename=name)
    return form, None
