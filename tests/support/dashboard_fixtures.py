"""The dashboard tests' fixtures, loaded by their modules with `pytest_plugins` (never imported directly)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.db import Database
from tests.support.dashboard_helpers import ANA, BUDI, CITRA, Browser, Seeded, Site, run_site, seed
from tests.support.fakebot import FakeBotAPI
from tests.support.settings import ADMIN_ID


@pytest.fixture
async def site(fake: FakeBotAPI, db: Database, db_url: str) -> AsyncIterator[Site]:
    async for running in run_site(fake, db, db_url, admin_ids=str(ADMIN_ID)):
        yield running


@pytest.fixture
async def seeded(site: Site) -> Seeded:
    return await seed(site, residents={ANA: "en", BUDI: None, CITRA: "id"})


@pytest.fixture
async def officer(site: Site, seeded: Seeded) -> AsyncIterator[Browser]:
    """Official 8201 of Kota Bandung, signed in, with the CSRF token of a page."""
    browser = await site.signed_in(8201)
    status, _ = await browser.get("/dasbor/masukan")
    assert status == 200
    yield browser
    await browser.close()
