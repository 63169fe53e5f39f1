"""Benchmark: the bot's start-up to its first getUpdates, and its memory when idle.

    python -m bench.startup [--runs 3] [--db sqlite,postgresql] [--out bench/results/startup.json]

For each database and run: a fresh database; the bot (``python -m bot.cli run``, as in bench/journey)
starts against the fake Bot API and is timed from the process start to its first getUpdates (it
migrates and seeds), in wall time and in the CPU time the process had used by then (less disturbed by
other work on the machine); it is stopped and started again on the same, now migrated and seeded, database
(the everyday restart), timed likewise, then left long-polling for ``--idle`` seconds (RSS), given
``--warmup`` residents through the whole journey and left idle again (RSS). Medians of the runs,
beside the targets. Where the time goes: the arrival at the fake of the bot's first getMe,
setMyCommands and getUpdates; a probe process timing each step of ``quickwin run`` before polling;
and ``python -X importtime`` of that probe, summed per top-level package.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import REPO, TOKEN, BotProcess, database, machine, pg_version, run_until_signalled, write_report
from bench.journey import run_residents
from bench.journey_steps import BenchFakeAPI, bot_steps

START_TARGET_S = 2.0
RSS_TARGET_MIB = 120.0
MARKS = ("getMe", "setMyCommands", "getUpdates")  # in the order a starting bot sends them
now = time.perf_counter

# The steps of `cmd_run` (bot/cli/__init__.py) before polling, timed one by one in a process of their own.
PROBE = """
import contextlib, json, time
t = time.perf_counter
marks = [t()]
from bot import cli
from bot.config import Settings, load_settings
settings = load_settings(Settings)
cli._logging(settings)
marks.append(t())
with getattr(cli, "_starting", contextlib.nullcontext)():
    from bot.app import build_application
    from bot.i18n import compile_catalogs
    from storage.db import upgrade
    marks.append(t())
    compile_catalogs()
    marks.append(t())
    upgrade(settings.database_url)
    marks.append(t())
    build_application(settings, run_workers=True)
    marks.append(t())
names = ["import bot.cli, settings, logging", "imports (bot.app, storage.db)", "compile_catalogs", "upgrade",
         "build_application"]
print(json.dumps({n: round(1000 * (b - a), 1) for n, a, b in zip(names, marks, marks[1:])}))
"""


class StartupFakeAPI(BenchFakeAPI):
    """The fake server, noting when the first request of each method arrived since `reset_marks`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.first: dict[str, float] = {}
        self.observe_arrivals(lambda method, _params: self.first.setdefault(method, now()))

    def reset_marks(self) -> None:
        self.first = {}


def memory_mib(pid: int) -> dict[str, float]:
    """VmRSS (resident now), VmHWM (peak) and RssAnon (the heap's share) of a process, in MiB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon"):
            out[key] = round(int(value.split()[0]) / 1024, 1)
    return out


async def start_bot(fake: StartupFakeAPI, env: dict[str, str], workdir: Path, label: str,
                    module: str = "bot.cli", timeout: float = 120.0) -> tuple[BotProcess, dict[str, float]]:
    """Start a bot; returns it polling, with the seconds from its start to each of MARKS."""
    if fake.pending_updates():
        fake.drop_pending_updates()
    proc = BotProcess(label, module, env, workdir)
    fake.reset_marks()
    t0 = now()
    proc.start()
    assert proc.proc is not None
    while "getUpdates" not in fake.first:
        if proc.proc.poll() is not None:
            raise RuntimeError(f"{label} exited with {proc.proc.returncode} before polling:\n{proc.log_tail()}")
        if now() - t0 > timeout:
            await proc.stop()
            raise RuntimeError(f"{label} not polling after {timeout:g}s:\n{proc.log_tail()}")
        await asyncio.sleep(0.005)
    marks = {m: round(fake.first[m] - t0, 3) for m in MARKS if m in fake.first}
    cpu = proc.cpu_seconds()  # polling now, the process is idle: its CPU time is what the start cost
    if cpu is not None:
        marks["cpu"] = round(cpu, 2)
    return proc, marks


async def one_run(kind: str, fake: StartupFakeAPI, env: dict[str, str], workdir: Path, run: int,
                  args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    async with database(kind, workdir) as url:
        env = {**env, "DATABASE_URL": url}
        bot, out["fresh"] = await start_bot(fake, env, workdir, f"bot-fresh-{run}")
        await bot.stop()
        bot, out["restart"] = await start_bot(fake, env, workdir, f"bot-restart-{run}")
        try:
            assert bot.proc is not None
            await asyncio.sleep(args.idle)
            out["rss_idle"] = memory_mib(bot.proc.pid)
            base = 5_000_000 + 1000 * run
            warm = await run_residents(fake, bot_steps(), list(range(base, base + args.warmup)), min(10, args.warmup),
                                       30.0, 300.0, 1, "warm-up")
            out["warmup_failures"] = len(warm.failures) + len(warm.fake_errors)
            for failure in warm.failures[:3]:
                print(f"  warm-up failure: {failure}", flush=True)
            await asyncio.sleep(args.idle)
            out["rss_after_warmup"] = memory_mib(bot.proc.pid)
        finally:
            out["exit_code"] = await bot.stop()
            out["log_tail"] = bot.log_tail(15) if any(w in bot.log_tail(40) for w in ("ERROR", "Traceback")) else ""
        if run == 0:
            out["probe"] = probe(env, workdir)
            out["imports"] = importtime(env, workdir)
    return out


def probe(env: dict[str, str], workdir: Path) -> dict[str, float]:
    """Milliseconds of each step of `quickwin run` before it polls (on the migrated database)."""
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=workdir, env=probe_env(env), capture_output=True,
                          text=True, timeout=120, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def importtime(env: dict[str, str], workdir: Path, top: int = 15) -> dict[str, Any]:
    """The probe under ``-X importtime``: milliseconds of import per top-level package, biggest first."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", PROBE], cwd=workdir, env=probe_env(env),
                          capture_output=True, text=True, timeout=120, check=True)
    per_package: collections.Counter[str] = collections.Counter()
    ours: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        fields = line[len("import time:"):].split("|")
        try:
            self_us, cumulative_us = int(fields[0]), int(fields[1])
        except ValueError:
            continue  # the header line
        name = fields[2].strip()
        per_package[name.split(".")[0]] += self_us
        if name.split(".")[0] in ("bot", "handlers", "storage"):
            ours[name] = cumulative_us / 1000
    total = sum(per_package.values()) / 1000
    return {
        "total_ms": round(total),
        "by_package_ms": {k: round(v / 1000) for k, v in per_package.most_common(top)},
        "ours_cumulative_ms": {k: round(v) for k, v in sorted(ours.items(), key=lambda kv: -kv[1])[:top]},
    }


def probe_env(env: dict[str, str]) -> dict[str, str]:
    return {**os.environ, **env, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}


def python_itself() -> float:
    """Seconds for ``python -c pass``: what no change to the bot can remove."""
    t0 = now()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return round(now() - t0, 3)


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    def med(path: tuple[str, str]) -> float | None:
        return median([r[path[0]][path[1]] for r in runs if path[1] in r.get(path[0], {})])

    return {
        "fresh_s": {m: med(("fresh", m)) for m in (*MARKS, "cpu")},
        "restart_s": {m: med(("restart", m)) for m in (*MARKS, "cpu")},
        "rss_idle_mib": {k: med(("rss_idle", k)) for k in ("VmRSS", "VmHWM", "RssAnon")},
        "rss_after_warmup_mib": {k: med(("rss_after_warmup", k)) for k in ("VmRSS", "VmHWM", "RssAnon")},
        "warmup_failures": sum(r.get("warmup_failures", 0) for r in runs),
    }


async def run_database(kind: str, args: argparse.Namespace, echo: dict[str, Any]) -> dict[str, Any]:
    print(f"[{kind}]", flush=True)
    fake = StartupFakeAPI(TOKEN, record_calls=False, max_calls=0)
    await fake.start()
    runs = []
    try:
        env = {"BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": fake.url, "LOG_LEVEL": args.log_level, "ADMIN_IDS": "",
               "DEFAULT_LANGUAGE": "id"}
        for run in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="quickwin-bench-") as tmp:
                r = await one_run(kind, fake, env, Path(tmp), run, args)
                runs.append(r)
                idle, warm = r["rss_idle"].get("VmRSS"), r["rss_after_warmup"].get("VmRSS")
                print(f"  run {run + 1}: polling after {r['fresh'].get('getUpdates')} s (fresh), "
                      f"{r['restart'].get('getUpdates')} s (restart); idle {idle} MiB, after warm-up {warm} MiB",
                      flush=True)
                if not echo:  # the bare PTB bot's idle memory, once, for scale
                    proc, marks = await start_bot(fake, env, Path(tmp), "echo", module="bench.echo_bot")
                    assert proc.proc is not None
                    await asyncio.sleep(args.idle)
                    echo.update(start_s=marks["getUpdates"], rss_idle_mib=memory_mib(proc.proc.pid))
                    await proc.stop()
    finally:
        await fake.stop()
    return {"summary": summarise(runs), "runs": runs}


def report_lines(results: dict[str, Any], echo: dict[str, Any], bare: float) -> list[str]:
    verdict = lambda v, target: "-" if v is None else ("ok" if v < target else "OVER")
    head = (f"{'database':<11} {'fresh s':>8} {'restart s':>9} {'target':>9} │ {'CPU s':>11} │ {'idle MiB':>8} "
            f"{'warm MiB':>8} {'target':>10}")
    lines = [head, "─" * len(head)]
    for db, r in results.items():
        s = r["summary"]
        fresh, restart = s["fresh_s"]["getUpdates"], s["restart_s"]["getUpdates"]
        idle, warm = s["rss_idle_mib"]["VmRSS"], s["rss_after_warmup_mib"]["VmRSS"]
        start_ok = verdict(max(fresh or 0, restart or 0), START_TARGET_S)
        rss_ok = verdict(max(idle or 0, warm or 0), RSS_TARGET_MIB)
        cpu = f"{s['fresh_s']['cpu']} / {s['restart_s']['cpu']}"
        lines.append(f"{db:<11} {fresh!s:>8} {restart!s:>9} {f'< {START_TARGET_S:g} {start_ok}':>9} │ {cpu:>11} │ "
                     f"{idle!s:>8} {warm!s:>8} {f'< {RSS_TARGET_MIB:g} {rss_ok}':>10}")
    lines.append(f"for scale: `python -c pass` {bare} s; bare PTB echo bot: polling after {echo.get('start_s')} s, "
                 f"idle {echo.get('rss_idle_mib', {}).get('VmRSS')} MiB")
    for db, r in results.items():
        s = r["summary"]
        for key, label in (("fresh_s", "fresh"), ("restart_s", "restart")):
            lines.append(f"{db} {label}: first " + ", ".join(f"{m} at {s[key][m]} s" for m in MARKS))
        first = r["runs"][0]
        lines.append(f"{db} steps of `quickwin run` before polling (ms, migrated database): {first.get('probe')}")
        imports = first.get("imports", {})
        lines.append(f"{db} imports: {imports.get('total_ms')} ms in all; by package: {imports.get('by_package_ms')}")
        lines.append(f"{db} our modules, cumulative ms: {imports.get('ours_cumulative_ms')}")
    return lines


async def amain(args: argparse.Namespace) -> int:
    dbs = [d.strip() for d in args.db.split(",") if d.strip()]
    info = machine()
    if "postgresql" in dbs:
        info["postgresql"] = await pg_version()
    bare = python_itself()
    print(f"{args.runs} run(s) per database: {', '.join(dbs)}; idle {args.idle:g} s, warm-up {args.warmup} residents",
          flush=True)
    echo: dict[str, Any] = {}
    results = {kind: await run_database(kind, args, echo) for kind in dbs}
    print()
    print("\n".join(report_lines(results, echo, bare)))
    problems = sum(r["summary"]["warmup_failures"] for r in results.values())
    for db, r in results.items():
        for run in r["runs"]:
            if run.get("log_tail"):
                print(f"LOG [{db}]\n{run['log_tail']}")
                problems += 1
    write_report(args.out, {
        "benchmark": "bench.startup",
        "config": {"runs": args.runs, "idle_s": args.idle, "warmup_residents": args.warmup,
                   "log_level": args.log_level},
        "targets": {"start_s": START_TARGET_S, "idle_rss_mib": RSS_TARGET_MIB},
        "machine": info,
        "python_c_pass_s": bare,
        "echo_bot": echo,
        "results": results,
    })
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=3, help="fresh databases per database kind (default 3)")
    p.add_argument("--db", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    p.add_argument("--out", default="bench/results/startup.json", help="JSON report ('' for none)")
    p.add_argument("--idle", type=float, default=5.0, help="seconds idle before reading the RSS (default 5)")
    p.add_argument("--warmup", type=int, default=20, help="residents through the journey between the two RSS readings")
    p.add_argument("--log-level", default="WARNING", help="LOG_LEVEL of the bot (default WARNING)")
    args = p.parse_args(argv)
    if args.runs < 1 or args.warmup < 1:
        p.error("--runs and --warmup must be positive")
    return run_until_signalled(amain, args)


if __name__ == "__main__":
    sys.exit(main())
