"""What the tests share: the harness, the fake Bot API, fixtures and helpers (no tests here)."""
