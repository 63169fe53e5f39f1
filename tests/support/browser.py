"""What browser tests share besides their fixtures (tests/support/browser_fixtures.py): screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


async def shot(page: Any, name: str, prefix: str = "dashboard") -> None:
    """A full-page screenshot in tests/artifacts/ (git-ignored), as the closing notes describe them."""
    await page.screenshot(path=str(ARTIFACTS / f"{prefix}-{name}.png"), full_page=True)


