"""What a failed Bot API call means for trying it again."""

from __future__ import annotations

import warnings
from datetime import timedelta
from enum import Enum

import aiohttp
import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut


class Failure(Enum):
    NOT_SENT = "network"  # the request never reached Telegram: always safe to repeat
    MAYBE_SENT = "timeout"  # it may have been carried out: repeat only where a duplicate is harmless
    SERVER = "server"  # Telegram answered 5xx: not carried out, try again
    PERMANENT = "permanent"  # 400, 403, 404, 401: trying again cannot help


# httpx: PTB's default HTTP layer; aiohttp: ours (bot/telegram/http.py). A refused connection or no connection in
# time means nothing reached Telegram.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, aiohttp.ClientConnectorError,
             aiohttp.ConnectionTimeoutError)
_HTTP_ERRORS = (httpx.HTTPError, aiohttp.ClientError)


def classify(exc: BaseException) -> Failure:
    if not isinstance(exc, NetworkError) or isinstance(exc, BadRequest):
        return Failure.PERMANENT  # BadRequest (a NetworkError in PTB), Forbidden, InvalidToken, Conflict
    cause = exc.__cause__
    if isinstance(cause, RuntimeError):
        return Failure.PERMANENT  # our own client is closed (shutting down): not Telegram's doing
    if isinstance(cause, TelegramError):
        return Failure.SERVER  # an answer that was not JSON (a proxy's 502/504 page): Telegram did answer
    if isinstance(cause, _NOT_SENT) or (isinstance(exc, TimedOut) and "Pool timeout" in str(exc)):
        return Failure.NOT_SENT
    if isinstance(cause, _HTTP_ERRORS) or isinstance(exc, TimedOut) or cause is not None:
        return Failure.MAYBE_SENT  # read/write timeouts, a connection dropped mid-request
    return Failure.SERVER  # PTB raises a bare NetworkError for an HTTP 5xx answer


def is_unreachable(exc: BaseException) -> bool:
    """A connection-level failure: Telegram (or the way to it) is down, not just busy."""
    return classify(exc) in (Failure.NOT_SENT, Failure.MAYBE_SENT)


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns about the int form unless PTB_TIMEDELTA=1
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def describe(exc: BaseException) -> str:
    cause = exc.__cause__
    return f"{exc}" + (f" ({type(cause).__name__})" if cause is not None and str(cause) not in str(exc) else "")
