"""Times the topic finder on hostile texts of 2,000 and 20,000 characters; prints JSON. Run by test_textwork.py.

    python -m tests.support.textwork_linear

It runs apart from the test process, under a time limit there: a pattern that backtracks again would
hang for hours rather than fail.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable

from bot.services import topics

UNITS = {
    "@": "@", "a@": "a@", "@.": "@.", "a@b.": "a@b.", "-a": "-a", "digits": "7", "emoji": "😡🙏",
    "punctuation": "!?.,;", "links": "http://", "hashtags": "#a", "combining": "a\u0316\u0301",
    "mixed": "a@😡-.#1_", "words": "antrean ",
}
SIZES = (2000, 20000)


def text(unit: str, n: int, gap: int = 0) -> str:
    """n characters of `unit` repeated: one run, or chunks of `gap` characters between spaces."""
    return ((unit * n)[: gap - 1] + " ") * (n // gap) if gap else (unit * n)[:n]


def per_call(work: Callable[[str], object], texts: dict[int, str]) -> list[float]:
    """Seconds per call for each size, the best of 5 rounds; a round times every size on as many characters,
    one after the other, so that a busy machine slows both alike."""
    best = dict.fromkeys(texts, float("inf"))
    for _ in range(5):
        for n, sample in texts.items():
            calls = SIZES[-1] // n
            start = time.perf_counter()
            for _ in range(calls):
                work(sample)
            best[n] = min(best[n], (time.perf_counter() - start) / calls)
    return list(best.values())


def main() -> None:
    gc.disable()
    out = {}
    for name, unit in UNITS.items():  # one unbroken run, as a resident can send it
        out[f"run {name}"] = per_call(lambda t: topics.recurring_topics([t] * 20), {n: text(unit, n) for n in SIZES})
    topics.TEXT_MAX = 10**6  # and the same lengths read whole, in chunks the tokenizer keeps
    for name, unit in UNITS.items():
        out[f"chunks {name}"] = per_call(topics._segments, {n: text(unit, n, 99) for n in SIZES})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
