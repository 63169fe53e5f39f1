"""The web side: one aiohttp application for the webhook, the officials' dashboard and the data API."""
