"""Browser fixtures for the web tests (headless Chromium driven by Playwright, on a phone-sized screen).

A module loads them with `pytest_plugins = [..., "tests.support.browser_fixtures"]` and
`pytestmark = pytest.mark.usefixtures("browser_available")`: skipped when /usr/bin/chromium or Playwright is
missing, unless QUICKWIN_REQUIRE_BROWSER=1 (CI), where that is a failure; SQLite only.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import ARTIFACTS

CHROMIUM = Path("/usr/bin/chromium")
PHONE = {"viewport": {"width": 412, "height": 915}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def browser_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed (pip install playwright; never `playwright install`)"
    return None


@pytest.fixture
def browser_available(backend: str) -> None:
    """Decide before any database or server is set up."""
    if backend != "sqlite":
        pytest.skip("browser tests run on SQLite only")
    reason = browser_missing()
    if reason and os.environ.get("QUICKWIN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"QUICKWIN_REQUIRE_BROWSER=1 but {reason}")
    if reason:
        pytest.skip(reason)


@pytest.fixture
async def phone() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = await browser.new_context(**PHONE, accept_downloads=True, locale="id-ID")
        page = await context.new_page()
        yield page
        await context.close()
        await browser.close()
