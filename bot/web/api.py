"""The JSON data API for regional data systems, under /api/v1: the regions, a region's summary, its feedback.

Every request carries `Authorization: Bearer qwk_…` (a region's token, see `quickwin token`); every answer is
JSON, errors as {"error": {"code": …, "message": …}}. One unit of work per request; residents appear only
under their pseudonym, never with their Telegram id. Every parameter is matched whole, in ASCII, without
control characters: anything else is a 400 that names the parameter, never a 500.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import api_tokens
from bot.services.api_tokens import FEED_LIMIT_DEFAULT, FEED_LIMIT_MAX, Refusal
from bot.services.deps import Deps
from bot.services.summaries import with_topics
from bot.services.tickets import pseudonym
from bot.web import inputs
from bot.web.api_json import local as _local
from bot.web.api_json import summary_json
from bot.web.keys import DEPS, REFUSED_LOG
from storage.api_tokens import FeedItem
from storage.models import ApiToken, Region
from storage.zones import ZONE_HOURS

log = logging.getLogger(__name__)
PREFIX = "/api/v1"
PERIODS = {"7": 7, "30": 30, "all": 0}
ENDPOINTS = ("GET /api/v1/regions, /api/v1/regions/{code}/summary, /api/v1/regions/{code}/feedback, "
             "/api/v1/surveys, /api/v1/surveys/{id}")
REALM = 'Bearer realm="quickwin"'
_SPACED_OFFSET = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?) ([0-9]{2}(?::?[0-9]{2})?)")
REGION_CODE = re.compile(r"[0-9]{2}\.[0-9]{2}")
ID_MAX = 2**31 - 1  # feedback ids are 32-bit on PostgreSQL; a larger one in a cursor was never ours
SINCE_MAX = 64


class ApiError(Exception):
    """An answer other than 200, rendered as {"error": {...}}."""

    def __init__(self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None, **extra: str):
        super().__init__(message)
        self.status, self.code, self.message, self.headers, self.extra = status, code, message, headers or {}, extra

    def response(self) -> web.Response:
        body = {"error": {"code": self.code, "message": self.message, **self.extra}}
        return web.json_response(body, status=self.status, headers=self.headers)


def _refused(refusal: Refusal, *, code: str = "", own: str = "") -> ApiError:
    invalid = {"WWW-Authenticate": f'{REALM}, error="invalid_token"'}
    if refusal is Refusal.MISSING_TOKEN:
        return ApiError(401, "missing_token", "Send your API token in the header 'Authorization: Bearer <token>'.",
                        headers={"WWW-Authenticate": REALM})
    if refusal is Refusal.INVALID_TOKEN:
        return ApiError(401, "invalid_token", "This API token is not valid. Check that it was copied whole, "
                        "or ask the Quick Win administrator for a new one.", headers=invalid)
    if refusal is Refusal.REVOKED_TOKEN:
        return ApiError(401, "revoked_token", "This API token has been revoked. "
                        "Ask the Quick Win administrator for a new one.", headers=invalid)
    if refusal is Refusal.UNKNOWN_REGION:
        return ApiError(404, "unknown_region", f"There is no region with the code '{code}'. "
                        "GET /api/v1/regions lists the regions and their codes.")
    return ApiError(403, "forbidden_region", f"This token is for region {own}; it cannot read region {code}.")


def _bad(name: str, message: str) -> ApiError:
    return ApiError(400, "invalid_parameter", message, parameter=name)


@web.middleware
async def json_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Answer every error under /api/v1 in JSON, and keep answers out of caches."""
    try:
        response = await handler(request)
    except ApiError as exc:
        response = exc.response()
    except web.HTTPMethodNotAllowed as exc:
        response = ApiError(405, "method_not_allowed", f"{request.method} is not allowed here; use GET.",
                            headers={"Allow": ", ".join(sorted(exc.allowed_methods))}).response()
    except web.HTTPNotFound:
        response = ApiError(404, "not_found", f"There is no endpoint {request.path}. The endpoints are {ENDPOINTS}.").response()
    except web.HTTPException as exc:
        response = ApiError(exc.status, "http_error", exc.reason).response()
    except Exception:
        log.exception("data API: %s %s failed", request.method, request.path)
        response = ApiError(500, "internal_error", "Something went wrong on our side; please try again later.").response()
    response.headers["Cache-Control"] = "no-store"
    return response


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(401, "invalid_token", "The Authorization header must read 'Bearer <token>'.",
                       headers={"WWW-Authenticate": f'{REALM}, error="invalid_request"'})
    return secret.strip()


@asynccontextmanager
async def _unit(request: web.Request) -> AsyncIterator[tuple[Deps, AsyncSession, ApiToken]]:
    """One unit of work for the request, with the live token it carries (or the refusal raised)."""
    deps = request.config_dict.get(DEPS)
    if deps is None:
        raise ApiError(503, "starting", "The service is starting; try again in a few seconds.",
                       headers={"Retry-After": "5"})
    secret = _bearer(request)
    async with deps.db.unit_of_work() as session:
        token = await api_tokens.authenticate(session, secret=secret)
        if isinstance(token, Refusal):
            if token is not Refusal.MISSING_TOKEN:
                request.config_dict[REFUSED_LOG].warn(f"data API calls refused ({token.value})", request.remote)
            raise _refused(token)
        yield deps, session, token


async def _region(session: AsyncSession, token: ApiToken, request: web.Request) -> Region:
    code = request.match_info["code"]
    if REGION_CODE.fullmatch(code) is None:
        raise _bad("code", "The region code in the path must look like 32.73 (GET /api/v1/regions lists them).")
    region = await api_tokens.readable_region(session, token, code=code)
    if isinstance(region, Refusal):
        raise _refused(region, code=code[:20], own=token.region_code)  # echo a short piece of the path only
    return region


def _query(request: web.Request, allowed: tuple[str, ...]) -> dict[str, str]:
    """The query parameters, each at most once; unknown ones are refused (a typo would silently widen a query)."""
    for name, value in request.query.items():
        if not inputs.clean(name) or not inputs.clean(value):
            shown = name[:30] if inputs.clean(name) else "?"
            raise _bad(shown, f"The parameter '{shown}' contains control characters; none of ours takes any.")
        if name not in allowed:
            takes = f"it takes {', '.join(allowed)}" if allowed else "it takes none"
            raise ApiError(400, "unknown_parameter", f"Unknown parameter '{name}': {takes}.", parameter=name)
        if len(request.query.getall(name)) > 1:
            raise _bad(name, f"Give the parameter '{name}' only once.")
    return dict(request.query)


async def regions(request: web.Request) -> web.Response:
    """Every region of the movement; any valid token."""
    async with _unit(request) as (_deps, session, _token):
        _query(request, ())
        rows = await api_tokens.regions(session)
    return web.json_response({"regions": [
        {
            "code": r.code, "name": r.name, "kind": r.kind, "province": r.province, "province_code": r.province_code,
            "timezone": r.timezone, "utc_offset": f"+{ZONE_HOURS[r.timezone]:02d}:00",
            "cohort_year": r.cohort_year,
        }
        for r in rows
    ]})


async def summary(request: web.Request) -> web.Response:
    """The region's figures for ?period=7|30|all (default 30), as officials see them in /ringkasan."""
    async with _unit(request) as (deps, session, token):
        region = await _region(session, token, request)
        raw = _query(request, ("period",)).get("period", "30")
        if raw not in PERIODS:
            raise _bad("period", f"period must be 7, 30 or all (days), not '{raw}'.")
        result = await api_tokens.region_summary(session, region, days=PERIODS[raw], now=deps.clock())
    result = await with_topics(result, deps.textwork)  # after the unit of work: nothing waits on the database
    return web.json_response(summary_json(region, result))


def _since(raw: str) -> datetime:
    # An unencoded '+' in a query string arrives as a space: "…T00:00:00 07:00" means "+07:00".
    spaced = _SPACED_OFFSET.fullmatch(raw)
    text = f"{spaced.group(1)}+{spaced.group(2)}" if spaced else raw
    example = "e.g. 2026-05-01T00:00:00+07:00 (write + as %2B in a URL)"
    try:
        if len(text) > SINCE_MAX or not text.isascii():
            raise ValueError(text)
        value = datetime.fromisoformat(text)
    except ValueError:
        raise _bad("since", f"since must be an ISO 8601 date and time with its UTC offset, {example}.") from None
    if value.tzinfo is None:
        raise _bad("since", f"since needs a UTC offset (Z, +07:00, +08:00, +09:00…), {example}.")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+07:00 has no UTC equivalent
        raise _bad("since", f"since is out of range, {example}.") from None


def _limit(raw: str) -> int:
    limit = inputs.whole_number(raw, low=1, high=FEED_LIMIT_MAX)
    if limit is None:
        raise _bad("limit", f"limit must be a whole number from 1 to {FEED_LIMIT_MAX}, not '{raw[:20]}'.")
    return limit


def encode_cursor(key: tuple[datetime, int]) -> str:
    at, last_id = key
    return base64.urlsafe_b64encode(f"{last_id}|{at.astimezone(UTC).isoformat()}".encode()).decode().rstrip("=")


def decode_cursor(raw: str) -> tuple[datetime, int]:
    try:
        if len(raw) > 100:
            raise ValueError(raw)
        text = base64.b64decode(raw + "=" * (-len(raw) % 4), altchars=b"-_", validate=True).decode()
        last_id, _, at = text.partition("|")
        number = inputs.whole_number(last_id, low=0, high=ID_MAX)
        if number is None or not at.isascii() or len(at) > SINCE_MAX:
            raise ValueError(raw)
        key = datetime.fromisoformat(at), number
        if key[0].tzinfo is None:
            raise ValueError(raw)
        return key[0].astimezone(UTC), key[1]
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise _bad("cursor", "cursor is not one this API gave out: pass next_cursor from the previous page "
                   "unchanged, or leave it out to start from the beginning.") from None


def _item(item: FeedItem, region: Region, key: bytes) -> dict[str, Any]:
    return {
        "ticket": item.ticket, "id": item.id,
        "program": {"id": item.program_id, "name": item.program_name},
        "rating": item.rating, "comment": item.comment, "status": item.status, "satisfied": item.satisfied,
        "current": not item.superseded,
        "created_at": _local(item.created_at, region.timezone), "updated_at": _local(item.updated_at, region.timezone),
        "resident": pseudonym(key, region.code, item.resident_id, item.resident_salt),
        "has_photo": item.has_photo,  # whether the resident added one; the photo is only on the dashboard
    }


async def feedback(request: web.Request) -> web.Response:
    """The region's feedback, oldest first: ?since=ISO-8601&limit=1..500&cursor=…, with next_cursor until the end."""
    async with _unit(request) as (deps, session, token):
        region = await _region(session, token, request)
        params = _query(request, ("since", "limit", "cursor"))
        since = _since(params["since"]) if "since" in params else None
        limit = _limit(params["limit"]) if "limit" in params else FEED_LIMIT_DEFAULT
        after = decode_cursor(params["cursor"]) if "cursor" in params else None
        items, next_key = await api_tokens.feed(session, region, since=since, after=after, limit=limit)
    return web.json_response({
        "items": [_item(item, region, deps.pseudonym_key) for item in items],
        "next_cursor": encode_cursor(next_key) if next_key is not None else None,
    })


def setup(app: web.Application, *more: Callable[[web.Application], None]) -> None:
    """Mount the API at /api/v1, as a sub-application whose every answer, errors included, is JSON; `more` add
    their endpoints to it (api_surveys.routes)."""
    api = web.Application(middlewares=[json_errors])
    for add in more:
        add(api)
    api.router.add_get("/regions", regions)
    api.router.add_get("/regions/{code}/summary", summary)
    api.router.add_get("/regions/{code}/feedback", feedback)
    app.add_subapp(PREFIX, api)
