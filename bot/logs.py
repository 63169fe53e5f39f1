"""The operator's log: our own loggers at LOG_LEVEL, libraries capped at INFO, secrets redacted at every level.

python-telegram-bot and httpx at DEBUG print every request URL (which holds the bot token) and every
update (which holds residents' messages); login and invitation links are credentials too. Whatever a
library or a traceback writes, the formatter replaces those with `[redacted]` before it reaches a file.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
OURS = ("quickwin", "bot", "handlers", "storage")
# A line per request or per SQL statement (with its parameters: residents' words): WARNING unless asked.
QUIET = ("httpx", "httpcore", "sqlalchemy", "aiosqlite", "alembic.runtime.plugins")
LIBRARIES = ("telegram", "aiohttp", "asyncio", "alembic", "asyncpg", "matplotlib", "PIL", "redis", "urllib3")

_PATTERNS = [
    (re.compile(r"\b\d{3,20}:[A-Za-z0-9_-]{20,}\b"), "[redacted bot token]"),  # a bot token anywhere
    (re.compile(r"(/bot)[^/\s]+(/)"), r"\1[redacted]\2"),  # Bot API URLs
    (re.compile(r"([?&](?:token|start|csrf)=)[^&\s'\"<>]+"), r"\1[redacted]"),  # login and deep links
    (re.compile(r"\bqwk_[A-Za-z0-9_-]+"), "qwk_[redacted]"),  # data API tokens
]


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in secrets:
        if secret and len(secret) >= 8:
            text = text.replace(secret, "[redacted]")
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__(FORMAT)
        self.secrets = tuple(s for s in secrets if s)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)


def configure(level: str, *, library_level: str = "INFO", secrets: Iterable[str] = ()) -> None:
    """Set up the root handler once; our loggers at `level`, libraries no more verbose than `library_level`."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "quickwin", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler.quickwin = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    handler.setFormatter(RedactingFormatter(secrets))
    root.setLevel(level)
    floor = max(logging.getLevelName(level), logging.getLevelName(library_level))
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(floor)
    for name in QUIET:
        logging.getLogger(name).setLevel(floor if logging.getLevelName(library_level) < logging.INFO else
                                         max(floor, logging.WARNING))
    for name in OURS:
        logging.getLogger(name).setLevel(level)
