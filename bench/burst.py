"""Benchmark: a burst of residents means a slower answer, never none.

    python -m bench.burst [--sizes 100,500,2000] [--db sqlite[,postgresql]] [--no-with-broadcast]
                          [--broadcast-recipients 10000] [--out bench/results/burst.json]

For each N: N residents send /start within one second (pushes spread evenly over 1 s) to the
fake Telegram Bot API with Telegram's flood limits on (30/s bot-wide, 1/s per chat with a burst
of 3), each then presses "Saya setuju", types "cirebon" and presses "Kota Cirebon"; a resident
is served when the program list for Kota Cirebon has reached its chat.  Scenarios, each with a
fresh fake server, a fresh database and a fresh subprocess: the bot (``python -m bot.cli run``);
the bot while a broadcast to ``--broadcast-recipients`` subscribed residents is being sent; and,
as baseline, the bare echo bot (``python -m bench.echo_bot``: no outbound path, no retries).
Exit status 0 only when, in every bot scenario, every resident was served, the bot logged no ERROR or
Traceback line, the fake server rejected nothing and no scenario crashed.  See bench/README.md.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import bisect
import collections
import contextlib
import hashlib
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.broadcast import ID_BASE as BROADCAST_BASE
from bench.broadcast import loadavg
from bench.common import (
    REPO,
    TOKEN,
    BotProcess,
    database,
    machine,
    percentile,
    pg_version,
    run_until_signalled,
    write_report,
)
from bench.journey_steps import BenchFakeAPI, Resident, StepError, bot_steps, echo_steps
from tests.support.fakebot import FLOOD_METHODS, Call

LIMITS = {"global_rate": 30.0, "per_chat_rate": 1.0, "per_chat_burst": 3}  # Telegram's, as the fake enforces them
LISTING = "Program quick win di Kota Cirebon"  # the message that makes a resident "served"
PRESS_DEADLINE = 15.0  # Telegram forgets a press not answered within about 15 s
RESIDENT_BASE = 1_000_000  # burst resident i has telegram_id RESIDENT_BASE + i
ECHO_BASE = 3_000_000
now = time.perf_counter


class BurstFakeAPI(BenchFakeAPI):
    """The journey's per-chat watch, plus 429 times and broadcast delivery times.

    With ``tolerate_429`` (the bot: it waits and repeats) a 429 does not end a resident's step; without
    it (the echo bot never repeats) the 429 reaches the resident's watch and the step fails: reply lost.
    """

    def __init__(self, *args: Any, tolerate_429: bool, broadcast_n: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tolerate_429 = tolerate_429
        self.broadcast_n = broadcast_n
        self.times_429: list[tuple[float, str, int | None]] = []  # (perf_counter, method, chat)
        self.broadcast_times = array.array("d")

    def route(self, call: Call) -> None:
        raw = call.params.get("chat_id")
        chat = raw if isinstance(raw, int) else int(str(raw)) if str(raw).lstrip("-").isdigit() else None
        if not call.ok and (call.error or "").startswith("Too Many Requests"):
            self.times_429.append((now(), call.method, chat))
            if self.tolerate_429:
                return  # counted, not routed to the resident
        super().route(call)
        if call.ok and call.method in FLOOD_METHODS and chat is not None \
                and BROADCAST_BASE <= chat < BROADCAST_BASE + self.broadcast_n:
            self.broadcast_times.append(now())


async def one_resident(fake: BurstFakeAPI, steps: list[Any], uid: int, at: float, deadline: float,
                       echo: bool) -> dict[str, Any]:
    r = Resident(fake, uid, random.Random(uid), 1.0)
    out: dict[str, Any] = {"id": uid, "served_s": None, "step": None, "error": None, "answers_s": []}
    await asyncio.sleep(max(0.0, at - now()))
    started = now()
    try:
        for step, make in steps:
            out["step"] = step.name
            r.step_timeout = max(0.1, deadline - now())
            pushed = now()
            await r.run_step(step, make)
            if r.query_id is not None:
                out["answers_s"] += [e.t - pushed for e in r.watch.events if e.method == "answerCallbackQuery"
                                     and str(e.params.get("callback_query_id")) == r.query_id][:1]
        last_done = pushed + r.latencies[-1][2]  # the echo bot's resident is served when its last step is done
        listing = [e.t for e in r.watch.events if e.method == "sendMessage" and LISTING in str(e.params.get("text"))]
        if not echo and not listing:
            raise StepError(f"no {LISTING!r} message")
        out["served_at"] = last_done if echo else listing[0]
        out["served_s"] = out["served_at"] - started
        out["step"] = None
    except (StepError, LookupError) as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"[:400]
    except Exception as exc:  # noqa: BLE001 - a driver bug, reported with the resident
        out["error"] = f"driver error: {exc!r}"
    finally:
        out["started"] = started
        out["latencies"] = [(name, s) for name, _k, s in r.latencies]
        fake.watches.pop(uid, None)
    return out


def quantiles(values: list[float], scale: float = 1000.0, digits: int = 1) -> dict[str, float | None]:
    s = sorted(values)
    q = lambda p: None if not s else round((percentile(s, p) or 0.0) * scale, digits)
    return {"p50": q(0.50), "p99": q(0.99), "max": q(1.0)}


async def prepare_fresh(url: str, n: int, timeout: float = 300.0) -> dict[str, Any]:
    """bench.broadcast.prepare in a new interpreter: the schema and models on disk now, as the bot will see them
    (this process may have imported older ones: the code can change while a long run goes on)."""
    code = "import asyncio,json,sys; from bench.broadcast import prepare; print(json.dumps(asyncio.run(" \
           "prepare(sys.argv[1], int(sys.argv[2])))['timings']))"
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", code, url, str(n), cwd=REPO,
                                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    if proc.returncode != 0:
        raise RuntimeError(f"preparing the broadcast failed: {err.decode(errors='replace')[-1500:]}")
    return dict(json.loads(out.decode().strip().splitlines()[-1]))


def code_fingerprint() -> str:
    """A hash of the bot's code on disk (bot/, handlers/, storage/, locales/): which code a scenario ran."""
    digest = hashlib.sha256()
    for path in sorted(f for d in ("bot", "handlers", "storage", "locales") for f in (REPO / d).rglob("*")
                       if f.is_file() and f.suffix in (".py", ".po", ".html")):
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def read_log(path: Path) -> dict[str, Any]:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        lines = []
    bad = [line for line in lines if "Traceback" in line or " ERROR " in line]
    warnings = [line for line in lines if " WARNING " in line]
    return {"lines": len(lines), "error_lines": len(bad), "warning_lines": len(warnings),
            "asks_to_wait_lines": sum("Telegram asks to wait" in line for line in lines),
            "asks_to_wait_excerpt": [line for line in lines if "Telegram asks to wait" in line][:8],
            "error_excerpt": bad[:8], "warning_excerpt": warnings[:8],
            "report_lines": [line for line in lines if "last minute:" in line][-6:],
            "lines_by_logger": dict(collections.Counter(line.split()[3] for line in lines if len(line.split()) > 3
                                                        and line[:2].isdigit()).most_common(6))}


async def scenario(label: str, n: int, kind: str | None, args: argparse.Namespace, broadcast_n: int = 0) -> dict[str, Any]:
    """One burst of n residents against a fresh fake (and database), served by the bot or the echo bot."""
    echo = kind is None
    print(f"[{label}, N={n}{'' if kind is None else ', ' + kind}] ", end="", flush=True)
    result: dict[str, Any] = {"scenario": label, "residents": n, "database": kind, "loadavg_start": loadavg(),
                              "code": code_fingerprint(), "started_utc": time.strftime("%H:%M:%S", time.gmtime())}
    with tempfile.TemporaryDirectory(prefix="quickwin-bench-") as tmp:
        workdir = Path(tmp)
        fake = BurstFakeAPI(TOKEN, record_calls=False, max_calls=0, flood_control=True, **LIMITS,
                            accept_any_chat=bool(broadcast_n), tolerate_429=not echo, broadcast_n=broadcast_n)
        await fake.start()
        try:
            async with contextlib.AsyncExitStack() as stack:
                env = {"BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": fake.url, "LOG_LEVEL": args.log_level,
                       "ADMIN_IDS": "", "DEFAULT_LANGUAGE": "id", "QUIET_HOURS": "", "PTB_TIMEDELTA": "1"}
                if kind is not None:
                    env["DATABASE_URL"] = url = await stack.enter_async_context(database(kind, workdir))
                    if broadcast_n:
                        result["broadcast_prepare"] = await prepare_fresh(url, broadcast_n)
                proc = BotProcess("echo" if echo else "bot", "bench.echo_bot" if echo else "bot.cli", env, workdir)
                proc.start()
                try:
                    result |= await drive(fake, proc, n, echo, broadcast_n, args)
                finally:
                    result["exit_code"] = await proc.stop()
                result["log"] = read_log(proc.log_path)
        finally:
            await fake.stop()
    served = result["served"]
    print(f"served {served}/{n}, last after {result['last_served_s']} s, 429 {result['responses_429']}, "
          f"log errors {result['log']['error_lines']}", flush=True)
    return result


async def drive(fake: BurstFakeAPI, proc: BotProcess, n: int, echo: bool, broadcast_n: int,
                args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {"bot_ready_s": round(await proc.wait_ready(fake, args.start_timeout), 2)}
    if broadcast_n:  # let the broadcast get going before the burst
        t0 = now()
        while not fake.broadcast_times and now() - t0 < args.start_timeout:
            await asyncio.sleep(0.05)
        await asyncio.sleep(args.broadcast_lead)
        b = fake.broadcast_times
        out["broadcast_before_burst"] = len(b)
        out["broadcast_rate_before_burst"] = round((len(b) - 1) / (b[-1] - b[0]), 2) if len(b) > 1 and b[-1] > b[0] else None
    steps = (echo_steps(["message", "callback", "message", "callback"]) if echo else bot_steps()[:4])
    timeout = args.timeout or 120.0 + 0.9 * n
    base = ECHO_BASE if echo else RESIDENT_BASE
    cpu0, t0, mono0 = proc.cpu_seconds(), now(), fake.clock()
    deadline = t0 + timeout
    tasks = [asyncio.create_task(one_resident(fake, steps, base + i + 1, t0 + i / n, deadline, echo)) for i in range(n)]
    done, pending = await asyncio.wait(tasks, timeout=timeout + 30)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    residents = [t.result() for t in done if not t.cancelled() and t.exception() is None]
    ended = now()
    await asyncio.sleep(args.settle)
    cpu1, rss = proc.cpu_seconds(), proc.peak_rss_mib()
    out["bot_cpu_s"] = None if cpu0 is None or cpu1 is None else round(cpu1 - cpu0, 1)
    out["peak_rss_mib"] = None if rss is None else round(rss, 1)
    if proc.proc is not None and proc.proc.poll() is not None:
        out["exited_early"] = proc.proc.returncode
    served = [r for r in residents if r["served_s"] is not None]
    last = max((r["served_at"] for r in served), default=None)
    failures = [{"resident": r["id"], "step": r["step"], "error": r["error"]} for r in residents if r["served_s"] is None]
    answers = [a for r in residents for a in r["answers_s"]]
    reply_429 = [x for x in fake.times_429 if x[2] is None or not BROADCAST_BASE <= x[2] < BROADCAST_BASE + broadcast_n]
    out |= {
        "served": len(served),
        "not_served": n - len(served),
        "not_served_by_step": dict(collections.Counter(r["step"] for r in residents if r["served_s"] is None)),
        "failures": failures[:10],
        "burst_wall_s": round(ended - t0, 2),
        "last_served_s": None if last is None else round(last - t0, 2),
        "responses_429": len(fake.times_429),
        "responses_429_after_1s": sum(1 for x in fake.times_429 if x[0] > t0 + 1.0),
        "responses_429_to_burst_chats": len(reply_429),
        "responses_429_by_method": dict(collections.Counter(x[1] for x in fake.times_429)),
        "responses_429_first": [[round(x[0] - t0, 3), x[1], x[2]] for x in fake.times_429[:20]],
        "step_latency_ms": quantiles([s for r in residents for _n, s in r["latencies"]]),
        "step_latency_by_step_ms": {name: quantiles([s for r in residents for n, s in r["latencies"] if n == name])
                                    for name in dict.fromkeys(n for r in residents for n, _s in r["latencies"])},
        "time_to_served_s": quantiles([r["served_s"] for r in served], 1.0, 2),
        "press_answer_ms": quantiles(answers),
        "presses_answered_after_15s": sum(1 for a in answers if a > PRESS_DEADLINE),
        "max_msgs_in_1s": fake.max_in_window(1.0),
        "delivered": fake.delivered,
        "fake_errors": len(fake.errors),
        "fake_error_details": fake.errors[:10],
        "rate_limited_since_burst": sum(1 for t in fake.rate_limited_at if t >= mono0),
    }
    if broadcast_n:
        times = list(fake.broadcast_times)
        end = last if last is not None else ended
        during = bisect.bisect_right(times, end) - bisect.bisect_left(times, t0)
        out |= {"broadcast_delivered_total": len(times), "broadcast_delivered_during_burst": during,
                "broadcast_rate_during_burst": round(during / (end - t0), 2) if end > t0 else None}
    return out


def table(rows: list[dict[str, Any]]) -> str:
    head = (f"{'scenario':<28} {'N':>5} {'served':>7} {'lost':>5} {'last s':>7} {'429':>6} {'>1s':>6} "
            f"{'step p50/p99 ms':>17} {'served p50/p99 s':>17} {'RSS MiB':>8} {'max/1s':>6} {'err':>4} {'bcast':>14}")
    lines = [head, "─" * len(head)]
    for r in rows:
        s, t = r["step_latency_ms"], r["time_to_served_s"]
        bc = (f"{r['broadcast_delivered_during_burst']} ({r['broadcast_rate_during_burst']}/s)"
              if "broadcast_delivered_during_burst" in r else "-")
        lines.append(
            f"{r['scenario'] + (' ' + r['database'] if r['database'] else ''):<28} {r['residents']:>5} {r['served']:>7} "
            f"{r['not_served']:>5} {r['last_served_s'] if r['last_served_s'] is not None else '-':>7} "
            f"{r['responses_429']:>6} {r['responses_429_after_1s']:>6} {str(s['p50']) + '/' + str(s['p99']):>17} "
            f"{str(t['p50']) + '/' + str(t['p99']):>17} {r['peak_rss_mib'] or '-':>8} {r['max_msgs_in_1s']:>6} "
            f"{r['log']['error_lines']:>4} {bc:>14}")
    return "\n".join(lines)


async def amain(args: argparse.Namespace) -> int:
    sizes = [int(x.replace("_", "")) for x in args.sizes.split(",") if x.strip()]
    dbs = [d.strip() for d in args.db.split(",") if d.strip()]
    info = machine()
    if "postgresql" in dbs:
        info["postgresql"] = await pg_version()
    rows: list[dict[str, Any]] = []
    report: dict[str, Any] = {"benchmark": "bench.burst", "machine": info, "config": {
        "sizes": sizes, "databases": dbs, "with_broadcast": args.with_broadcast,
        "broadcast_recipients": args.broadcast_recipients, "fake_limits": LIMITS, "timeout_s": args.timeout or "120 + 0.9 N",
        "broadcast_lead_s": args.broadcast_lead, "log_level": args.log_level}, "runs": rows}

    async def run(label: str, n: int, kind: str | None, broadcast_n: int = 0) -> None:
        try:
            rows.append(await scenario(label, n, kind, args, broadcast_n))
        except Exception as exc:  # noqa: BLE001 - the other scenarios still run; this one counts as failed
            print(f"FAILED: {exc!r}"[:2000], flush=True)
            rows.append({"scenario": label, "residents": n, "database": kind, "crashed": repr(exc)[:2000]})
        report["loadavg_end"] = loadavg()
        write_report(args.out, report)  # after every scenario: a long run interrupted keeps what it measured

    for n in sizes:
        for kind in dbs:
            await run("bot", n, kind)
            if args.with_broadcast:
                await run(f"bot+broadcast {args.broadcast_recipients:,}", n, kind, args.broadcast_recipients)
        await run("echo (baseline)", n, None)
    print()
    crashed = [r for r in rows if "crashed" in r]
    rows[:] = [r for r in rows if "crashed" not in r]
    print(table(rows))
    problems = []
    for r in rows:
        name = f"{r['scenario']} {r['database'] or ''} N={r['residents']}"
        if r["database"] is None:
            print(f"baseline {name}: {r['not_served']} residents not served, {r['responses_429']} replies lost to 429, "
                  f"{r['log']['error_lines']} ERROR/Traceback log lines")
            continue
        if r["not_served"] or r["log"]["error_lines"] or r["fake_errors"] or "exited_early" in r:
            problems.append(name)
        for f in r["failures"][:5]:
            print(f"NOT SERVED [{name}] resident {f['resident']} at {f['step']}: {f['error']}")
        for line in r["fake_error_details"][:5] + r["log"]["error_excerpt"][:5]:
            print(f"ERROR [{name}] {line}")
        print(f"{name}: presses answered p99 {r['press_answer_ms']['p99']} ms (max {r['press_answer_ms']['max']}; "
              f"{r['presses_answered_after_15s']} after 15 s); 'asks to wait' log lines {r['log']['asks_to_wait_lines']}")
    problems += [f"{r['scenario']} {r['database'] or ''} N={r['residents']} crashed" for r in crashed]
    if len({r["code"] for r in rows}) > 1:
        print("NOTE: the bot's code changed during the run: " + ", ".join(f"{r['scenario']} N={r['residents']} "
                                                                           f"{r['code']}" for r in rows))
    print("every resident served, no errors" if not problems else "PROBLEMS: " + "; ".join(problems))
    rows += crashed
    write_report(args.out, report)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.burst", description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="100,500,2000", help="comma-separated burst sizes (default 100,500,2000)")
    p.add_argument("--db", default="sqlite", help="comma-separated: sqlite, postgresql (default sqlite)")
    p.add_argument("--with-broadcast", action=argparse.BooleanOptionalAction, default=True,
                   help="also run each burst while a broadcast is being sent (default on)")
    p.add_argument("--broadcast-recipients", type=int, default=10_000, help="recipients of that broadcast")
    p.add_argument("--broadcast-lead", type=float, default=5.0, help="seconds of broadcast before the burst")
    p.add_argument("--timeout", type=float, default=0.0, help="seconds until a resident counts as not served "
                   "(default 120 + 0.9 × N)")
    p.add_argument("--start-timeout", type=float, default=120.0, help="seconds for a bot to start polling")
    p.add_argument("--settle", type=float, default=1.0, help="pause after the burst before reading the figures")
    p.add_argument("--log-level", default="INFO", help="LOG_LEVEL of the bots (default INFO)")
    p.add_argument("--out", default="bench/results/burst.json", help="JSON report ('' for none)")
    args = p.parse_args(argv)
    if args.broadcast_recipients < 1:
        p.error("--broadcast-recipients must be positive")
    return run_until_signalled(amain, args)


if __name__ == "__main__":
    sys.exit(main())
