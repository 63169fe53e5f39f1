"""Plain-text helpers shared by every surface."""

from __future__ import annotations

ELLIPSIS = "…"


def shorten(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else cut to fit with "…" at the end (no space left before it)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS
