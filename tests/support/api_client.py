"""The data API's client side: a token for a region, and a GET that checks what every answer must carry."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.services import api_tokens
from storage.db import Database

NOW = datetime(2026, 3, 20, 5, 0, tzinfo=UTC)  # a Friday, 12:00 in Cirebon: the API's clock in these tests

Client = TestClient[web.Request, web.Application]


async def new_token(db: Database, region: str, label: str | None = None) -> str:
    async with db.unit_of_work() as s:
        created = await api_tokens.create_token(s, region_code=region, label=label)
    assert created is not None
    return created.secret


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def call(client: Client, path: str, token: str | None = None, **params: str) -> tuple[int, Any, Any]:
    async with client.get(path, headers=bearer(token) if token else {}, params=params or None) as r:
        assert r.content_type == "application/json"
        assert r.headers["Cache-Control"] == "no-store"
        return r.status, await r.json(), r.headers
