"""What the bot reports about itself: Prometheus metrics on `/metrics`, and a minute's summary in the log."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.telegram.priority import Priority


class BotMetrics:
    """One registry per application (tests build several in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "quickwin_telegram_requests", "Bot API calls by method and outcome (ok, retry_after, transient, error)",
            ["method", "outcome"], registry=r,
        )
        self.retries = Counter(
            "quickwin_telegram_retries", "Bot API calls repeated, by reason (retry_after, server, network, timeout)",
            ["reason"], registry=r,
        )
        self.rate_limited = Counter(
            "quickwin_telegram_429", "429 Too Many Requests received, by what was paused (chat, bot, answers)",
            ["scope"], registry=r,
        )
        self.wait = Histogram(
            "quickwin_outbound_wait_seconds", "Time a message waited for its turn before it was sent, by priority",
            ["priority"], registry=r, buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
        )
        self.queued = Gauge(
            "quickwin_outbound_queued", "Messages waiting for their turn, by priority", ["priority"], registry=r,
        )
        self.reachable = Gauge("quickwin_telegram_reachable", "1 while the Bot API answers, 0 while it does not",
                               registry=r)
        self.reachable.set(1)
        self.tracked_chats = Gauge("quickwin_outbound_tracked_chats", "Chats whose flood state is remembered",
                                   registry=r)
        self.updates = Counter("quickwin_updates", "Updates handled, by kind", ["kind"], registry=r)
        self.updates_dropped = Counter("quickwin_updates_dropped", "Updates dropped: one chat had too many waiting",
                                       registry=r)
        self.update_errors = Counter("quickwin_update_errors", "Updates whose handling failed, by error",
                                     ["error"], registry=r)
        for p in Priority:
            self.queued.labels(p.name.lower()).set(0)

    def render(self) -> bytes:
        return generate_latest(self.registry)
