"""The data API's surveys: those sent to the token's region (or to one of its programs), with their results.

    GET /api/v1/surveys?limit=1..500&cursor=…   the region's surveys, oldest first, with next_cursor until the end
    GET /api/v1/surveys/{id}                    one survey's results, per question

Aggregates only: counts, shares, the 1–5 distribution and average, the response rate; never a written answer,
a pseudonym or a Telegram id. A survey of another region, the whole country or a province is a 404 here.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from aiohttp import web
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import survey_console, survey_results
from bot.services import surveys as service
from bot.services.api_tokens import FEED_LIMIT_DEFAULT
from bot.services.survey_results import QuestionResult
from bot.web import inputs
from bot.web.api import ID_MAX, ApiError, _bad, _limit, _query, _unit
from bot.web.api_json import local, round_value
from storage.models import Survey

TAGS = re.compile(r"<[^>]*>")
SURVEY_ID = re.compile(r"[0-9]{1,12}")


def _cursor(raw: str) -> int:
    try:
        text = base64.b64decode(raw + "=" * (-len(raw) % 4), altchars=b"-_", validate=True).decode() if len(raw) <= 40 else ""
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    number = inputs.whole_number(text[2:], low=0, high=ID_MAX) if text.startswith("s|") else None
    if number is None:
        raise _bad("cursor", "cursor is not one this API gave out: pass next_cursor from the previous page "
                   "unchanged, or leave it out to start from the beginning.")
    return number


def encode_cursor(survey_id: int) -> str:
    return base64.urlsafe_b64encode(f"s|{survey_id}".encode()).decode().rstrip("=")


def _question(r: QuestionResult) -> dict[str, Any]:
    q = r.question
    out: dict[str, Any] = {"position": q.position, "kind": q.kind, "text": TAGS.sub("", q.text),
                           "answered": r.answered, "skipped": r.skipped}
    if q.kind == "choice":
        out["options"] = [{"label": o, "count": r.counts[i], "share": round_value(r.share(i))}
                          for i, o in enumerate(q.options or [])]
    elif q.kind == "scale":
        out["distribution"] = {str(v): r.counts[v - 1] for v in range(1, 6)}
        out["average"] = round_value(r.average)
    return out


async def _survey(session: AsyncSession, survey: Survey, now: Any, *, detail: bool) -> dict[str, Any]:
    figures = await survey_results.results(session, survey)
    audience = await survey_console.audience_of(session, survey)
    sid = service.ident(survey)
    body: dict[str, Any] = {
        "id": sid, "ref": survey_console.ref(sid), "title": TAGS.sub("", survey.title),
        "audience": {"kind": audience.kind, "code": audience.code, "name": audience.name},
        "state": "open" if service.is_open(survey, now) else "closed",
        "created_at": local(survey.created_at, audience.zone), "closes_at": local(survey.closes_at, audience.zone),
        "reached": figures.reached, "respondents": figures.respondents, "response_rate": round_value(figures.rate),
    }
    if detail:
        body["questions"] = [_question(r) for r in figures.questions]
    return body


async def surveys(request: web.Request) -> web.Response:
    """The token's region's surveys, a page at a time."""
    async with _unit(request) as (deps, session, token):
        params = _query(request, ("limit", "cursor"))
        limit = _limit(params["limit"]) if "limit" in params else FEED_LIMIT_DEFAULT
        after = _cursor(params["cursor"]) if "cursor" in params else 0
        found = await survey_console.for_region(session, token.region_code, after_id=after, limit=limit + 1)
        items = [await _survey(session, s, deps.clock(), detail=False) for s in found[:limit]]
    more = len(found) > limit
    return web.json_response({"items": items, "next_cursor": encode_cursor(items[-1]["id"]) if more else None})


async def survey(request: web.Request) -> web.Response:
    """One survey's results, if it was sent to the token's region or one of its programs."""
    async with _unit(request) as (deps, session, token):
        _query(request, ())
        raw = request.match_info["id"]
        number = inputs.whole_number(raw, low=1, high=ID_MAX) if SURVEY_ID.fullmatch(raw) else None
        found = await survey_console.in_region(session, token.region_code, number) if number else None
        if found is None:
            raise ApiError(404, "unknown_survey", f"There is no survey {raw[:20]} for region {token.region_code}. "
                           "GET /api/v1/surveys lists the region's surveys.")
        body = await _survey(session, found, deps.clock(), detail=True)
    return web.json_response(body)


def routes(api: web.Application) -> None:
    """Add the survey endpoints to the API's sub-application."""
    api.router.add_get("/surveys", surveys)
    api.router.add_get("/surveys/{id}", survey)
