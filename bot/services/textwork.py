"""CPU work on text and pictures (recurring topics, charts): off the event loop, bounded in time, cached.

A summary's topics and its chart are pure computations of what the database returned, and they are
the only heavy ones: done on the event loop, one official's /ringkasan (or the digest, the dashboard or
an API client polling) would make every other resident wait. Here they run on a small pool of worker
threads, never more than WORKERS at once, and the caller waits at most its time limit: past it, the
summary goes out without topics, or without its chart, and the operator log says why.

Topics are cached per scope and period with a digest of the comments they were computed from, so
the digest, the dashboard, API polling and /ringkasan do not recompute them while nothing changed,
and never show topics of comments that are no longer there. Topics that took too long are not tried
again for that scope and period for RETRY_AFTER seconds, whoever asks.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from bot.services.topics import recurring_topics

log = logging.getLogger(__name__)
T = TypeVar("T")
Topics = list[tuple[str, int]]

TOPICS_SECONDS = 2.0  # the topic finder's budget, and how long a summary waits for it (plus GRACE)
GRACE = 0.25  # seconds a caller waits beyond the budget, so work that started at once ends (and logs) first
CHART_SECONDS = 5.0  # how long a summary waits for its chart (about 0.3 s of CPU when idle)
WORKERS = 2  # threads for this work: the machine's 2 cores, and the event loop keeps its share
CACHE_SIZE = 256  # scopes and periods remembered, the least recently used forgotten first
RETRY_AFTER = 60.0  # seconds before topics that took too long are computed again for a scope and period


@dataclass(frozen=True, slots=True)
class _Entry:
    digest: bytes
    topics: Topics | None  # None: it took too long
    at: float


def digest(comments: Sequence[str]) -> bytes:
    """What the topics were computed from, in 16 bytes (comments are separated by a byte they cannot hold)."""
    h = hashlib.blake2b(digest_size=16)
    for comment in comments:
        h.update(comment.encode("utf-8", "surrogatepass"))
        h.update(b"\xff")
    return h.digest()


class TextWork:
    """The pool, the time limits and the topic cache of one application (built with its Deps)."""

    def __init__(
        self, *, topics_seconds: float = TOPICS_SECONDS, chart_seconds: float = CHART_SECONDS,
        workers: int = WORKERS, cache_size: int = CACHE_SIZE, retry_after: float = RETRY_AFTER,
        finder: Callable[..., Topics] = recurring_topics,
    ) -> None:
        self.topics_seconds, self.chart_seconds = topics_seconds, chart_seconds
        self.cache_size, self.retry_after = cache_size, retry_after
        self.finder = finder
        # Threads start on the first submit and end when this object goes (or at close()).
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="quickwin-text")
        self._lock = threading.Lock()  # the cache is written by the worker threads
        self._cache: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._running: dict[tuple[Hashable, bytes], Future[Topics | None]] = {}
        self._jobs = 0  # submitted and not finished, for the log

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def topics(self, key: Hashable, comments: Sequence[str], *, limit: int, what: str) -> Topics | None:
        """The recurring topics of these comments, or None when they are not ready within the time limit.

        `key` names the scope and period (the cache's key), `what` the same for the operator log.
        """
        comments = list(comments)  # the thread must not see a list the caller may change
        mark = digest(comments)
        with self._lock:
            entry = self._cache.get(key)
            if entry is not None and (
                entry.digest == mark or (entry.topics is None and time.monotonic() - entry.at < self.retry_after)
            ):
                self._cache.move_to_end(key)
                return entry.topics
        future = self._running.get((key, mark))  # the same work asked for again while it runs: wait for it
        if future is None:
            future = self._submit(self._find, key, mark, comments, limit, what)
            self._running[(key, mark)] = future
            future.add_done_callback(lambda _f: self._running.pop((key, mark), None))
        try:
            # shield: one caller giving up must not cancel the work others wait for (or the cache gets).
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), self.topics_seconds + GRACE)
        except TimeoutError:  # it waited behind other work
            log.warning("recurring topics of %s not ready after %.1f s (%d comments; %d jobs in the pool): "
                        "summary shown without them", what, self.topics_seconds + GRACE, len(comments), self._jobs)
            return None

    def _find(self, key: Hashable, mark: bytes, comments: list[str], limit: int, what: str) -> Topics | None:
        """In a worker thread: the topics, within the time limit from the moment the work starts."""
        started = time.monotonic()
        try:
            topics: Topics | None = self.finder(comments, limit, deadline=started + self.topics_seconds)
        except TimeoutError:
            log.warning("recurring topics of %s gave up after %.1f s on %d comments (%d characters); "
                        "not tried again for %.0f s", what, self.topics_seconds, len(comments),
                        sum(map(len, comments)), self.retry_after)
            topics = None
        except Exception:  # a bug here must not take the summary's figures down with it
            log.exception("recurring topics of %s failed on %d comments; not tried again for %.0f s",
                          what, len(comments), self.retry_after)
            topics = None
        self._remember(key, _Entry(mark, topics, time.monotonic()))
        return topics

    def _remember(self, key: Hashable, entry: _Entry) -> None:
        with self._lock:
            self._cache[key] = entry
            self._cache.move_to_end(key)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    def _submit(self, fn: Callable[..., T], *args: object) -> Future[T]:
        with self._lock:
            self._jobs += 1
        future = self._pool.submit(fn, *args)
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _future: Future[T]) -> None:
        with self._lock:
            self._jobs -= 1

    async def chart(self, draw: Callable[[], bytes], *, what: str) -> bytes | None:
        """A chart drawn in a worker thread, or None if it is not ready within the time limit."""
        future = self._submit(draw)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.chart_seconds)
        except TimeoutError:
            future.cancel()  # not started yet: never drawn; already drawing: it finishes, unused
            log.warning("chart of %s not drawn within %.1f s (%d jobs in the pool): sent without it",
                        what, self.chart_seconds, self._jobs)
            return None
