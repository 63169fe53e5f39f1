"""The JSON data API for regional data systems (placeholder until it is built: registers nothing)."""

from __future__ import annotations

from aiohttp import web


def setup(app: web.Application) -> None:
    """Register the API's routes on the app."""
