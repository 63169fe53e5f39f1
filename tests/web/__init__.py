"""The web side: the dashboard, the data API, the browser, `quickwin serve` (webhook, health)."""
