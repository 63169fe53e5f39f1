"""The officials' dashboard (placeholder until it is built: registers nothing)."""

from __future__ import annotations

from aiohttp import web


def setup(app: web.Application) -> None:
    """Register the dashboard's routes on the app."""
