"""The data API's surveys (/api/v1/surveys): a token reads its own region's surveys (and its programs'), as
aggregates only — never a written answer, a pseudonym or a Telegram id — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from storage.db import Database
from tests.support.api_client import bearer, new_token
from tests.support.console import PEOPLE, ConsoleSite, console_site, subscribers
from tests.support.dashboard_helpers import BANDUNG, CIREBON, Seeded
from tests.support.fakebot import FakeBotAPI
from tests.support.survey_console import answer, sent_survey

pytest_plugins = ["tests.support.dashboard_fixtures"]


@pytest.fixture
async def site(fake: FakeBotAPI, db: Database, db_url: str) -> AsyncIterator[ConsoleSite]:
    async for running in console_site(fake, db, db_url):
        yield running


async def _get(site: ConsoleSite, path: str, token: str, **params: str) -> tuple[int, Any]:
    async with site.browser() as http, http.get(path, headers=bearer(token), params=params or None) as r:
        assert r.content_type == "application/json" and r.headers["Cache-Control"] == "no-store"
        return r.status, await r.json()


async def test_a_token_reads_its_regions_survey_results_only(site: ConsoleSite, seeded: Seeded) -> None:
    await subscribers(site)
    first = await sent_survey(site)
    second = await sent_survey(site)
    other = await sent_survey(site, region=CIREBON, by=8202)
    a, b, c, _d, _e = PEOPLE
    await answer(site, first, a, choice=0, scale=5, text="Rahasia warga A")
    await answer(site, first, b, choice=1, scale=4, text=None)
    await answer(site, first, c, choice=0, scale=None, text=None)
    token = await new_token(site.db, BANDUNG)

    status, body = await _get(site, "/api/v1/surveys", token)
    assert status == 200 and [s["id"] for s in body["items"]] == [first, second] and body["next_cursor"] is None
    listed = body["items"][0]
    assert listed["ref"] == f"SV-{first:06d}" and listed["title"] == f"Survei {BANDUNG}" and listed["state"] == "open"
    assert listed["audience"] == {"kind": "region", "code": BANDUNG, "name": "Kota Bandung"}
    assert (listed["reached"], listed["respondents"], listed["response_rate"]) == (5, 3, 0.6)
    assert listed["closes_at"].endswith("+07:00") and "questions" not in listed

    status, page = await _get(site, "/api/v1/surveys", token, limit="1")
    assert status == 200 and [s["id"] for s in page["items"]] == [first] and page["next_cursor"]
    status, page = await _get(site, "/api/v1/surveys", token, limit="1", cursor=page["next_cursor"])
    assert [s["id"] for s in page["items"]] == [second] and page["next_cursor"] is None
    status, refused = await _get(site, "/api/v1/surveys", token, cursor="bukan-kursor")
    assert status == 400 and refused["error"]["parameter"] == "cursor"

    status, detail = await _get(site, f"/api/v1/surveys/{first}", token)
    assert status == 200
    choice, scale, text = detail["questions"]
    assert [(o["label"], o["count"], o["share"]) for o in choice["options"]] == [
        ("KTP", 2, 0.67), ("Pajak", 1, 0.33), ("Kesehatan", 0, 0.0)]
    assert scale["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1} and scale["average"] == 4.5
    assert (scale["answered"], scale["skipped"]) == (2, 1)
    assert (text["answered"], text["skipped"]) == (1, 2) and set(text) == {"position", "kind", "text", "answered", "skipped"}
    raw = str(detail)
    assert "Rahasia" not in raw and all(str(rid) not in raw for rid in PEOPLE)  # aggregates only

    for path in (f"/api/v1/surveys/{other}", "/api/v1/surveys/999999", "/api/v1/surveys/abc"):
        status, refused = await _get(site, path, token)
        assert status == 404, path
    followers = await sent_survey(site, program=seeded.bandung_wifi, by=9999)  # an admin's, to a Bandung program
    status, body = await _get(site, "/api/v1/surveys", token)
    assert [s["id"] for s in body["items"]] == [first, second, followers]
    assert body["items"][2]["audience"]["kind"] == "program"
    cirebon = await new_token(site.db, CIREBON)
    status, body = await _get(site, "/api/v1/surveys", cirebon)
    assert [s["id"] for s in body["items"]] == [other]
    for sid in (first, followers):
        status, _ = await _get(site, f"/api/v1/surveys/{sid}", cirebon)
        assert status == 404
    async with site.browser() as http, http.get("/api/v1/surveys") as r:
        assert r.status == 401
