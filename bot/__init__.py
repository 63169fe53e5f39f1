"""Quick Win Bot: the application, its configuration, services and wiring."""

import os

# python-telegram-bot 22 reports durations such as RetryAfter.retry_after as timedelta when asked to;
# the old float form is deprecated (and warns), so opt in before anything reads them.
os.environ.setdefault("PTB_TIMEDELTA", "1")
