"""Benchmark: the officials' summary (/ringkasan) on a large feedback table, before and after the roll-ups.

    python -m bench.summary [--rows 1000000] [--db sqlite,postgresql] [--runs 5] [--writes 400]
                            [--out bench/results/summary.json]

For each database: a fresh database (SQLite in a temporary directory, or a new PostgreSQL
database dropped at the end), migrated and seeded as the bot does, filled with N feedback rows
(bench/summary_data.py), then the summary is timed for the largest region (7 days, 30 days, all
time), its province and the whole country (7 days, 30 days, all time): first as it was counted
before the roll-ups, from the feedback rows (bench/summary_raw.py), then as
``storage.summary.summary_figures`` counts it now, checking that both give the same figures. Then
``bot.services.topics.recurring_topics`` and ``bot.render.chart.render_chart`` on what it returned, and what the
roll-ups' triggers cost a rating and a comment (one at a time, and 20 residents at once).
See bench/README.md for what is measured and how.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import secrets
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import fields
from datetime import timedelta
from pathlib import Path
from typing import Any, Self

from sqlalchemy import event, select

from bench.common import PG_BASE, machine, pg_admin
from bench.summary_data import LARGEST, NOW, PROVINCE, execute, load
from bench.summary_raw import raw_summary_figures
from bot.render.chart import ChartLabels, render_chart
from bot.services.topics import recurring_topics
from storage.db import Database, upgrade_async
from storage.feedback import add_rating, save
from storage.models import Feedback, Program, Region
from storage.residents import ensure_resident
from storage.rollups import drop_sql, rebuild_sql, trigger_sql
from storage.seed import load_seed
from storage.summary import summary_figures

QUERY_NAMES = {  # the SELECTs of each way of counting, in order
    "before": ("period", "ranking", "waiting", "weekly", "comments"),
    "after": ("figures", "waiting", "weekly", "comments"),  # period, previous period and ranking in one
}
TARGET_MS = {"region": 100, "province": None, "country": 300}  # issue 10: a region at every period, the country
WRITERS = 200  # residents taking turns in the write timing, so re-ratings supersede as they do in use
BURST = (20, 25)  # residents rating one program at once, ratings each
Summary = Callable[..., Awaitable[Any]]


class QueryClock:
    """Time each statement the engine runs, in order."""

    def __init__(self, db: Database) -> None:
        self.db, self.times, self._start = db, [], 0.0

    def __enter__(self) -> Self:
        event.listen(self.db.engine.sync_engine, "before_cursor_execute", self._before)
        event.listen(self.db.engine.sync_engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.db.engine.sync_engine, "before_cursor_execute", self._before)
        event.remove(self.db.engine.sync_engine, "after_cursor_execute", self._after)

    def _before(self, *_args: Any) -> None:
        self._start = time.perf_counter()

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            self.times.append(time.perf_counter() - self._start)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


async def time_case(
    db: Database, runs: int, figures_of: Summary, names: tuple[str, ...], **kwargs: Any
) -> tuple[dict[str, Any], Any]:
    """First run, then the median of `runs` more; per-query medians too."""
    totals, per_query, figures = [], [], None
    for _ in range(runs + 1):
        with QueryClock(db) as clock:
            t0 = time.perf_counter()
            async with db.unit_of_work() as s:
                figures = await figures_of(s, until=NOW, **kwargs)
            totals.append(time.perf_counter() - t0)
        per_query.append(clock.times)
    steady = per_query[1:]
    return {
        "first_ms": ms(totals[0]),
        "median_ms": ms(statistics.median(totals[1:])),
        "min_ms": ms(min(totals[1:])),
        "queries_median_ms": {name: ms(statistics.median(q[i] for q in steady)) for i, name in enumerate(names)},
        "ratings_in_period": figures.current.ratings,  # type: ignore[union-attr]
    }, figures


def cases(province: list[str]) -> dict[str, dict[str, Any]]:
    week, month = NOW - timedelta(days=7), NOW - timedelta(days=30)
    return {
        "region 7 days": {"region_codes": [LARGEST], "since": week},
        "region 30 days": {"region_codes": [LARGEST], "since": month},
        "region all time": {"region_codes": [LARGEST], "since": None},
        "province all time": {"region_codes": province, "since": None},
        "country 7 days": {"region_codes": None, "since": week},
        "country 30 days": {"region_codes": None, "since": month},
        "country all time": {"region_codes": None, "since": None},
    }


async def run_phase(
    db: Database, runs: int, province: list[str], figures_of: Summary, names: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, Any]]:
    out, kept = {}, {}
    for name, kwargs in cases(province).items():
        out[name], kept[name] = await time_case(db, runs, figures_of, names, **kwargs)
        first, median = out[name]["first_ms"], out[name]["median_ms"]
        print(f"    {name:<18} first {first:>8.1f} ms  median {median:>8.1f} ms", flush=True)
    return out, kept


def differences(before: Any, after: Any) -> list[str]:
    """The figures that differ between the two ways of counting (none expected)."""
    return [f.name for f in fields(before) if getattr(before, f.name) != getattr(after, f.name)]


def time_python(figures: Any, runs: int) -> dict[str, Any]:
    """recurring_topics and render_chart on the largest region's all-time figures."""
    labels = ChartLabels(
        title="Ringkasan Kota Bandung · semua waktu", distribution_title="Sebaran nilai", trend_title="Tren mingguan",
        ratings_axis="Jumlah penilaian", average_axis="Rata-rata", stars_label="Nilai", no_data="Belum ada data",
    )
    topic_t, chart_t, topics, png = [], [], [], b""
    for _ in range(runs + 1):
        t0 = time.perf_counter()
        topics = recurring_topics(figures.comments)
        topic_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        png = render_chart(distribution=figures.current.distribution, weekly=figures.weekly, labels=labels,
                           decimal_comma=True)
        chart_t.append(time.perf_counter() - t0)
    return {
        "comments": len(figures.comments),
        "topics": {"first_ms": ms(topic_t[0]), "median_ms": ms(statistics.median(topic_t[1:])), "result": topics},
        "chart": {"first_ms": ms(chart_t[0]), "median_ms": ms(statistics.median(chart_t[1:])), "png_bytes": len(png)},
    }


async def time_writes(db: Database, calls: int) -> dict[str, Any]:
    """A rating, then a comment on it, each in its own unit of work, with the triggers and without (alternating)."""
    dialect = db.engine.dialect.name
    async with db.unit_of_work() as s:
        stmt = select(Program.id).where(Program.region_code == LARGEST, Program.removed_at.is_(None))  # type: ignore[union-attr]
        pids = list((await s.exec(stmt)).scalars())  # type: ignore[call-overload]
        for rid in range(1, WRITERS + 1):
            await ensure_resident(s, telegram_id=rid)
    times: dict[str, dict[str, list[float]]] = {b: {"rate": [], "comment": []} for b in ("with", "without")}
    serial = itertools.count()
    for block in ("with", "without", "with", "without"):
        await execute(db, drop_sql(dialect) + (trigger_sql(dialect) if block == "with" else []))
        for _ in range(calls // 2):
            k = next(serial)
            t0 = time.perf_counter()
            async with db.unit_of_work() as s:
                row, _ = await add_rating(s, resident_id=k % WRITERS + 1, program_id=pids[k % len(pids)],
                                          region_code=LARGEST, rating=1 + k % 5, dedup_key=f"bench-{k}")
            t1 = time.perf_counter()
            async with db.unit_of_work() as s:
                stored = await s.get(Feedback, row.id)
                stored.comment = "Antrian di puskesmas masih panjang."  # type: ignore[union-attr]
                save(s, stored)  # type: ignore[arg-type]
            times[block]["rate"].append(t1 - t0)
            times[block]["comment"].append(time.perf_counter() - t1)
    burst = {block: await time_burst(db, pids[0], block, serial) for block in ("with", "without")}
    await execute(db, [*drop_sql(dialect), *rebuild_sql(dialect), *trigger_sql(dialect)])
    return {
        block: {what: ms(statistics.median(t)) for what, t in parts.items()} | {"burst_per_s": burst[block]}
        for block, parts in times.items()
    }


async def time_burst(db: Database, program_id: int, block: str, serial: Any) -> float:
    """Ratings per second while BURST residents rate the same program at once (the roll-up row they share)."""
    dialect = db.engine.dialect.name
    await execute(db, drop_sql(dialect) + (trigger_sql(dialect) if block == "with" else []))
    residents, each = BURST

    async def resident(rid: int) -> None:
        for _ in range(each):
            k = next(serial)
            async with db.unit_of_work() as s:
                await add_rating(s, resident_id=rid, program_id=program_id, region_code=LARGEST, rating=1 + k % 5,
                                 dedup_key=f"bench-{k}")

    t0 = time.perf_counter()
    await asyncio.gather(*(resident(rid) for rid in range(1, residents + 1)))
    return round(residents * each / (time.perf_counter() - t0))


async def run_database(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    with contextlib.ExitStack() as stack:
        pg_name = None
        if kind == "sqlite":
            path = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="quickwin_bench_summary_"))) / "bench.db"
            url, target = f"sqlite+aiosqlite:///{path}", str(path)
        else:
            pg_name = f"quickwin_bench_summary_{os.getpid()}_{secrets.token_hex(3)}"
            await pg_admin(f'CREATE DATABASE "{pg_name}"')
            url = target = f"{PG_BASE}/{pg_name}"
        db = None
        try:
            await upgrade_async(url)
            db = Database(url)
            async with db.unit_of_work() as s:
                await load_seed(s)
            print(f"  {kind}: loading {args.rows:,} rows…", flush=True)
            per_region, load_s, rollups_s = await load(db, kind, target, args.rows, args.seed)
            print(f"  {kind}: loaded in {load_s:.1f} s, roll-ups rebuilt in {rollups_s:.1f} s; "
                  f"{LARGEST} has {per_region.get(LARGEST, 0):,} rows", flush=True)
            async with db.unit_of_work() as s:
                stmt = select(Region.code).where(Region.province_code == PROVINCE)
                province = list((await s.exec(stmt)).scalars())  # type: ignore[call-overload]
            print("   before: counted from the feedback rows", flush=True)
            before, raw_figures = await run_phase(db, args.runs, province, raw_summary_figures, QUERY_NAMES["before"])
            print("   after: from the roll-ups", flush=True)
            after, figures = await run_phase(db, args.runs, province, summary_figures, QUERY_NAMES["after"])
            for name in after:
                after[name]["differs"] = differences(raw_figures[name], figures[name])
            python = time_python(figures["region all time"], args.runs)
            print(f"   writes: {args.writes} ratings and comments, then {BURST[0]} residents at once", flush=True)
            writes = await time_writes(db, args.writes)
            return {
                "load_s": round(load_s, 1), "rollups_rebuild_s": round(rollups_s, 1),
                "rows_largest_region": per_region.get(LARGEST, 0),
                "rows_province": sum(per_region.get(c, 0) for c in province),
                "before": before, "after": after, "python": python, "writes": writes,
            }
        finally:
            if db is not None:
                await db.dispose()
            if pg_name:
                await pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    raise AssertionError("unreachable")


def table(results: dict[str, Any]) -> str:
    head = (f"{'database':<11} {'case':<18} │ {'before: first':>13} {'median':>8} │ "
            f"{'after: first':>12} {'median':>8} │ {'target':>6}  same figures  (ms)")
    lines = [head, "─" * len(head)]
    for kind, r in results.items():
        for case, a in r["after"].items():
            b = r["before"][case]
            target = TARGET_MS[case.split()[0]]
            same = "yes" if not a["differs"] else "NO: " + ", ".join(a["differs"])
            lines.append(f"{kind:<11} {case:<18} │ {b['first_ms']:>13.1f} {b['median_ms']:>8.1f} │ "
                         f"{a['first_ms']:>12.1f} {a['median_ms']:>8.1f} │ {target or '':>6}  {same}")
        p, w = r["python"], r["writes"]
        lines.append(f"{kind:<11} recurring_topics on {p['comments']:,} comments: {p['topics']['median_ms']} ms "
                     f"(first {p['topics']['first_ms']}); render_chart: {p['chart']['median_ms']} ms "
                     f"(first {p['chart']['first_ms']}), {p['chart']['png_bytes']:,} bytes")
        lines.append(f"{kind:<11} writes with / without the roll-ups' triggers: a rating {w['with']['rate']} / "
                     f"{w['without']['rate']} ms, a comment {w['with']['comment']} / {w['without']['comment']} ms; "
                     f"{BURST[0]} residents rating one program at once: {w['with']['burst_per_s']} / "
                     f"{w['without']['burst_per_s']} ratings/s")
    return "\n".join(lines)


async def amain(args: argparse.Namespace) -> int:
    info = machine()
    dbs = [d.strip() for d in args.db.split(",") if d.strip()]
    if "postgresql" in dbs:
        info["postgresql"] = await pg_admin("SELECT current_setting('server_version')")
    print(f"{args.rows:,} feedback rows, {args.runs} timed runs after a first one; databases: {', '.join(dbs)}",
          flush=True)
    results = {kind: await run_database(kind, args) for kind in dbs}
    print()
    print(table(results))
    report = {"machine": info, "rows": args.rows, "runs": args.runs, "seed": args.seed, "now": NOW.isoformat(),
              "target_ms": TARGET_MS, "results": results}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\nwritten to {out}")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=5, help="timed runs after the first, per case")
    parser.add_argument("--writes", type=int, default=400, help="ratings (each with a comment) timed per database")
    parser.add_argument("--seed", type=int, default=20171115)
    parser.add_argument("--timeout", type=float, default=1800, help="give up after this many seconds")
    parser.add_argument("--out", default="bench/results/summary.json")
    args = parser.parse_args()

    async def bounded() -> int:
        return await asyncio.wait_for(amain(args), args.timeout)

    raise SystemExit(asyncio.run(bounded()))


if __name__ == "__main__":
    main()
