"""Benchmark: the topic finder (bot.services.topics) on a realistic corpus, and against the Sastrawi stemmer.

    python -m bench.topics [--comments 100000] [--batch 2000] [--runs 3] [--out bench/results/topics.json]

The corpus is made here, from the words residents and officials actually meet: the program names and
descriptions of the seed data, the Indonesian catalogue's translations and the complaint sentences of
bench/summary.py, with affixed forms, particles, typing habits, numbers, emoji and the odd link.
Measured, best of --runs:

- the hand-written stemmer as shipped, on batches of --batch comments (a summary looks at the 2,000
  most recent comments of its period) and on the whole corpus at once;
- the same pipeline with its stemmer swapped for Sastrawi's (PyPI PySastrawi, when installed), one
  lru_cache per word as the only change, cold (first batch, the dictionary loaded) and warm;
- adversarial comments (runs of "@", emoji and punctuation) that used to take cubic time.

It prints a table and, with --out, writes the figures as JSON. Nothing is contacted.
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import random
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.summary_data import CLOSINGS, OPENINGS
from bot.services import topics

ROOT = Path(__file__).resolve().parent.parent
PREFIXES = ("", "", "", "di", "me", "pe", "ber", "ter", "ke")
SUFFIXES = ("", "", "", "", "nya", "kan", "an", "i", "lah", "pun")
EXTRAS = ("😡", "🙏", "!!", "??", "123", "2 jam", "https://contoh.go.id/lapor", "@dinas", "#jalanrusak", "...")


def vocabulary() -> list[str]:
    """Indonesian words from the seed programs and the Indonesian catalogue, most frequent first."""
    texts = []
    with open(ROOT / "storage/seed/programs.csv", encoding="utf-8") as f:
        texts += [row["name"] + " " + row["description"] for row in csv.DictReader(f)]
    po = (ROOT / "locales/id/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    texts += re.findall(r'^msgstr "(.*)"$', po, flags=re.MULTILINE)
    texts += OPENINGS
    counts: dict[str, int] = {}
    for word in re.findall(r"[a-z]{3,}", " ".join(texts).lower()):
        counts[word] = counts.get(word, 0) + 1
    return sorted(counts, key=lambda w: (-counts[w], w))


def corpus(n: int, seed: int = 9) -> list[str]:
    rng = random.Random(seed)
    words = vocabulary()
    weights = [1 / (rank + 1) for rank in range(len(words))]  # Zipf, as word use is
    out = []
    for _ in range(n):
        if rng.random() < 0.5:
            text = rng.choice(OPENINGS) + "." + rng.choice(CLOSINGS)
        else:
            picked = rng.choices(words, weights=weights, k=rng.randint(4, 25))
            text = " ".join(rng.choice(PREFIXES) + w + rng.choice(SUFFIXES) if rng.random() < 0.3 else w for w in picked)
            text = text[0].upper() + text[1:] + rng.choice((".", "!", "", ", mohon segera.", "?"))
        if rng.random() < 0.2:
            text += " " + rng.choice(EXTRAS)
        out.append(text)
    return out


def best_of(runs: int, work: Callable[[], object]) -> float:
    """The fastest of `runs` runs, in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return round(min(times), 1)


def batches(comments: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(comments), size):
        yield comments[start : start + size]


@contextmanager
def sastrawi_roots(stem: Callable[[str], str]) -> Iterator[None]:
    """The topic finder with Sastrawi's stem of each word in place of the hand-written roots."""
    original = topics._roots
    topics._roots = lambda words, deadline=None: {w: stem(w) or w for w in words}  # type: ignore[assignment]
    try:
        yield
    finally:
        topics._roots = original  # type: ignore[assignment]


def run(n: int, batch: int, runs: int) -> dict[str, Any]:
    comments = corpus(n)
    chunks = list(batches(comments, batch))
    report: dict[str, Any] = {"comments": n, "batch": batch, "characters": sum(map(len, comments))}
    report["hand_batch_ms"] = best_of(runs, lambda: topics.recurring_topics(chunks[0]))
    report["hand_all_batches_ms"] = best_of(runs, lambda: [topics.recurring_topics(c) for c in chunks])
    report["hand_whole_ms"] = best_of(runs, lambda: topics.recurring_topics(comments))
    report["hand_topics"] = topics.recurring_topics(comments)
    try:
        from Sastrawi.Stemmer.StemmerFactory import StemmerFactory  # type: ignore[import-not-found]  # optional
    except ImportError:
        report["sastrawi"] = "not installed (pip install PySastrawi to compare)"
        return report
    start = time.perf_counter()
    stemmer = StemmerFactory().create_stemmer().delegatedStemmer  # without its unbounded dict cache
    report["sastrawi_load_ms"] = round((time.perf_counter() - start) * 1000, 1)
    uncached = stemmer.stem
    with sastrawi_roots(uncached):
        report["sastrawi_uncached_batch_ms"] = best_of(1, lambda: topics.recurring_topics(chunks[0]))
    cached = functools.lru_cache(maxsize=65_536)(stemmer.stem)
    with sastrawi_roots(cached):
        report["sastrawi_cold_batch_ms"] = best_of(1, lambda: topics.recurring_topics(chunks[0]))
        report["sastrawi_warm_batch_ms"] = best_of(runs, lambda: topics.recurring_topics(chunks[0]))
        cached.cache_clear()
        report["sastrawi_all_batches_ms"] = best_of(1, lambda: [topics.recurring_topics(c) for c in chunks])
        report["sastrawi_whole_ms"] = best_of(runs, lambda: topics.recurring_topics(comments))
        report["sastrawi_topics"] = topics.recurring_topics(comments)
        report["sastrawi_cached_words"] = cached.cache_info().currsize
    samples = ("perbaikan", "diperbaiki", "baik", "pelayanan", "dilayani", "layanan", "antrian", "antriannya",
               "pengurusan", "mengurus", "kurus", "sekolah", "masalah", "pendaftaran", "terdaftar", "daring")
    bare = {w: topics._strip_clitics(w) for w in samples}  # as the pipeline gives them to the stemmer
    hand = topics._roots(set(bare.values()))
    report["roots"] = {w: {"hand": hand[bare[w]], "sastrawi": stemmer.stem(bare[w])} for w in samples}
    # Abuse: 2,000 comments of 2,000 characters of made-up words, nearly all distinct (no cache helps).
    junk = junk_comments()
    report["junk_hand_ms"] = best_of(1, lambda: topics.recurring_topics(junk))
    with sastrawi_roots(functools.lru_cache(maxsize=65_536)(stemmer.stem)):
        report["junk_sastrawi_ms"] = best_of(1, lambda: topics.recurring_topics(junk))
    return report


def junk_comments(n: int = 2000, length: int = 2000, seed: int = 9) -> list[str]:
    rng = random.Random(seed)
    letters = "abcdeghijklmnoprstuwy"
    out = []
    for _ in range(n):
        words: list[str] = []
        while sum(len(w) + 1 for w in words) < length:
            words.append(rng.choice(PREFIXES) + "".join(rng.choices(letters, k=rng.randint(4, 9))) + rng.choice(SUFFIXES))
        out.append(" ".join(words)[:length])
    return out


def adversarial(runs: int) -> dict[str, float]:
    cases = {"@ x 1990": "@" * 1990, "emoji and punctuation x 1990": ("😡!?@#-." * 300)[:1990],
             "digits x 1990": "1" * 1990}
    def timing(text: str) -> float:
        return best_of(runs, lambda: topics.recurring_topics([text] * 2000))
    return {name: timing(text) for name, text in cases.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    report = run(args.comments, args.batch, args.runs)
    report["adversarial_2000_comments_ms"] = adversarial(args.runs)
    for key, value in report.items():
        if key not in ("hand_topics", "sastrawi_topics", "roots"):
            print(f"{key:<32} {value}")
    for key in ("hand_topics", "sastrawi_topics"):
        if key in report:
            print(f"{key:<32} " + ", ".join(f"{t} ({n})" for t, n in report[key]))
    for word, roots in report.get("roots", {}).items():
        print(f"  {word:<14} hand: {roots['hand']:<12} sastrawi: {roots['sastrawi']}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
