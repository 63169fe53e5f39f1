"""Benchmark: one broadcast to N residents through the fake Bot API with flood control on.

    python -m bench.broadcast [--recipients 100000] [--rate R] [--paid] [--db postgresql|sqlite]
                              [--kill-at 0.5] [--out bench/results/broadcast.json]

For each recipient count (``--recipients 10000,100000`` runs both, each on a fresh database):
the fake Telegram Bot API (``tests.support.fakebot.FakeBotAPI``) runs inside this process with
Telegram's flood limits switched on (30/s overall, 1/s per chat, 1000/s paid), delivery
counters only; a fresh database is migrated and seeded, filled with N consented, subscribed
residents of one region, and a broadcast to that region is created through the service
(``bot.services.broadcast.create``); then the real bot (``python -m bot.cli run``) starts as a
subprocess with ``BROADCAST_RATE``/``BROADCAST_PAID`` and no quiet hours, and its broadcast
sender drains the outbox while this process samples the bot's memory and the fake server's
deliveries and 429s, until the database says every recipient is handled.  With
``--kill-at F`` the bot is killed (SIGKILL) once F of the recipients have been delivered to,
restarted, and left to finish; then recipients lost and sent twice are counted from the fake
server's per-chat delivery counters.  See bench/README.md for what is measured and how.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import contextlib
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import TOKEN, BotProcess, database, machine, pg_version, run_until_signalled, write_report
from bot.workers.broadcast_sender import window_size
from tests.support.fakebot import FLOOD_METHODS, Call, FakeBotAPI

REGION = "32.73"  # Kota Bandung (WIB)
ID_BASE = 10_000_000  # resident i has telegram_id ID_BASE + i
TEXT = (
    "<b>Pengumuman Kota Bandung</b>\n"
    "Pelayanan KTP keliling hadir di kelurahan Anda hari Sabtu pukul 08.00–12.00 WIB. "
    "Bawa fotokopi KK. Terima kasih 🙏"
)
TELEGRAM_LIMITS = {"global_rate": 30.0, "per_chat_rate": 1.0, "paid_rate": 1000.0}

now = time.perf_counter


# --------------------------------------------------------------------------- the fake server, observed


class BroadcastFakeAPI(FakeBotAPI):
    """The fake server, plus the time of every delivered message and of every 429."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sent_times = array.array("d")  # perf_counter() of each delivered message
        self.times_429 = array.array("d")
        self.observe(self._timed)

    def _timed(self, call: Call) -> None:
        if call.method in FLOOD_METHODS:
            if call.ok:
                self.sent_times.append(now())
            elif call.error and call.error.startswith("Too Many Requests"):
                self.times_429.append(now())


def make_fake() -> BroadcastFakeAPI:
    return BroadcastFakeAPI(
        TOKEN,
        record_calls=False,
        max_calls=0,
        flood_control=True,
        **TELEGRAM_LIMITS,
        store_messages=False,
        accept_any_chat=True,
    )


# --------------------------------------------------------------------------- the database


async def prepare(url: str, recipients: int) -> dict[str, Any]:
    """Migrate and seed as the bot does, add the residents, create the broadcast (not sent yet)."""
    from bot.services import broadcast as service
    from storage.db import Database, upgrade_async
    from storage.seed import load_seed

    timings: dict[str, float] = {}
    t0 = now()
    await upgrade_async(url)
    db = Database(url)
    try:
        async with db.unit_of_work() as session:
            await load_seed(session)
        timings["migrate_seed_s"] = round(now() - t0, 2)
        t0 = now()
        if url.startswith("postgresql"):
            await _copy_residents_pg(url, recipients)
        else:
            await _insert_residents_sqlite(db, recipients)
        timings["insert_residents_s"] = round(now() - t0, 2)
        t0 = now()
        async with db.unit_of_work() as session:
            audience = await service.resolve_audience(session, None, "region", REGION)
            if audience is None:
                raise RuntimeError(f"region {REGION} is not in the seed")
            broadcast = await service.create(session, None, audience, text=TEXT, send_at=datetime.now(UTC))
        timings["create_broadcast_s"] = round(now() - t0, 2)
        if url.startswith("postgresql"):  # planner statistics, as autovacuum would gather them soon
            await _pg(url, "ANALYZE residents; ANALYZE broadcast_recipients")
    finally:
        await db.dispose()
    if broadcast.total != recipients:
        raise RuntimeError(f"the broadcast has {broadcast.total} recipients, expected {recipients}")
    return {"broadcast_id": broadcast.id, "total": broadcast.total, "timings": timings}


def _resident_values(stamp: datetime) -> dict[str, Any]:
    """Column values shared by every benchmark resident (telegram_id apart)."""
    return {
        "language": "id",
        "region_code": REGION,
        "consent_at": stamp,
        "subscribed": True,
        "subscription_asked": True,
        "notify_new_programs": False,
        "blocked": False,
        "created_at": stamp,
        "updated_at": stamp,
    }


def _plain_pg_url(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _pg(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_plain_pg_url(url), timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _copy_residents_pg(url: str, n: int) -> None:
    """COPY the residents in; columns the migrations made NOT NULL without a default get the model's default."""
    import asyncpg

    from storage.models import Resident

    values = _resident_values(datetime.now(UTC))
    model_columns = {c.name: c for c in Resident.__table__.columns}  # type: ignore[attr-defined]
    conn = await asyncpg.connect(_plain_pg_url(url), timeout=10)
    try:
        rows = await conn.fetch(
            "SELECT column_name, is_nullable, column_default FROM information_schema.columns "
            "WHERE table_name = 'residents' AND table_schema = current_schema()"
        )
        columns = ["telegram_id"]
        shared: list[Any] = []
        per_row: list[Any] = []  # the model's callable defaults (a pseudonym salt), one value per row
        for row in rows:
            name = row["column_name"]
            if name == "telegram_id":
                continue
            if name in values:
                columns.append(name)
                shared.append(values[name])
            elif row["is_nullable"] == "NO" and row["column_default"] is None:
                column = model_columns.get(name)
                default = getattr(column, "default", None)
                if default is not None and getattr(default, "is_callable", False):
                    per_row.append((name, default.arg))
                    continue
                if default is None or not getattr(default, "is_scalar", False):
                    raise RuntimeError(f"residents.{name} is NOT NULL without a default: the benchmark needs a value")
                columns.append(name)
                shared.append(default.arg)
        columns += [name for name, _make in per_row]
        tail = tuple(shared)
        chunk = 20_000
        for start in range(0, n, chunk):
            records = [(ID_BASE + i, *tail, *(make(None) for _name, make in per_row))
                       for i in range(start, min(n, start + chunk))]
            await conn.copy_records_to_table("residents", records=records, columns=columns)
    finally:
        await conn.close()


async def _insert_residents_sqlite(db: Any, n: int) -> None:
    from sqlalchemy import insert

    from storage.models import Resident

    values = _resident_values(datetime.now(UTC))
    stmt = insert(Resident.__table__)  # type: ignore[attr-defined]
    chunk = 10_000
    for start in range(0, n, chunk):
        async with db.unit_of_work() as session:
            conn = await session.connection()
            await conn.execute(stmt, [{"telegram_id": ID_BASE + i, **values} for i in range(start, min(n, start + chunk))])


async def db_counts(db: Any, broadcast_id: int) -> dict[str, Any]:
    from storage import broadcasts as store

    async with db.unit_of_work() as session:
        counts = await store.counts(session, broadcast_id=broadcast_id)
        b = await store.get(session, broadcast_id=broadcast_id)
        counts["state"] = b.state if b is not None else None
    return counts


async def marked_ids(db: Any, broadcast_id: int, statuses: tuple[str, ...]) -> set[int]:
    from sqlalchemy import select

    from storage.models import BroadcastRecipient as R

    async with db.unit_of_work() as session:
        rows = await session.exec(  # type: ignore[call-overload]
            select(R.resident_id).where(R.broadcast_id == broadcast_id, R.status.in_(statuses))  # type: ignore[attr-defined]
        )
        return {int(r[0]) for r in rows}


# --------------------------------------------------------------------------- the bot process


def memory_mib(pid: int) -> tuple[float | None, float | None]:
    """(VmRSS, VmHWM) of a process in MiB; psutil where /proc is missing (no peak then)."""
    try:
        rss = hwm = None
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) / 1024
        return rss, hwm
    except FileNotFoundError:
        if Path("/proc/self/status").exists():
            return None, None  # the process is gone
        try:
            import psutil  # type: ignore[import-untyped]

            return psutil.Process(pid).memory_info().rss / 1024 / 1024, None
        except Exception:  # noqa: BLE001 - no psutil, or the process is gone
            return None, None
    except (OSError, ValueError):
        return None, None


@dataclass
class Sample:
    t: float  # perf_counter()
    delivered: int
    n429: int
    rss: float | None  # the running bot's RSS, MiB
    cpu: float | None  # its CPU seconds so far
    seg: int  # which life of the bot (index into the segments)
    age: float  # seconds since that process started


def loadavg() -> list[str] | None:
    try:
        return Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        return None


@dataclass
class Segment:
    """One life of the bot process."""

    label: str
    proc: BotProcess
    started: float
    ended: float | None = None
    peak_rss_mib: float = 0.0  # max of the 0.5 s samples
    hwm_mib: float | None = None  # the kernel's peak (VmHWM), last read while alive
    cpu_s: float | None = None
    exit_code: int | None = None
    killed: bool = False
    log_tail: str = ""
    retry_after_warnings: int = 0

    def sample(self) -> float | None:
        assert self.proc.proc is not None
        rss, hwm = memory_mib(self.proc.proc.pid)
        if rss is not None:
            self.peak_rss_mib = max(self.peak_rss_mib, rss)
        if hwm is not None:
            self.hwm_mib = hwm
        cpu = self.proc.cpu_seconds()
        if cpu is not None:
            self.cpu_s = cpu
        return rss

    def alive(self) -> bool:
        return self.proc.proc is not None and self.proc.proc.poll() is None

    def read_log(self) -> None:
        try:
            text = self.proc.log_path.read_text(errors="replace")
        except OSError:
            text = ""
        self.retry_after_warnings = text.count("Telegram asks to wait")
        tail = "\n".join(text.splitlines()[-40:])
        self.log_tail = tail if any(w in tail for w in ("ERROR", "Traceback", "CRITICAL")) else ""


def start_segment(label: str, env: dict[str, str], workdir: Path) -> Segment:
    proc = BotProcess(label, "bot.cli", env, workdir)
    proc.start()
    return Segment(label, proc, now())


# --------------------------------------------------------------------------- one run


@dataclass
class KillInfo:
    at_fraction: float
    t: float = 0.0
    delivered_at_kill: int = 0  # fake.delivered when the signal was sent
    delivered_after_kill: int = 0  # ... 0.5 s later (requests already received still complete)
    marked_at_kill: int = 0  # rows sent/blocked/failed in the database after the kill
    unmarked_delivered: set[int] = field(default_factory=set)  # delivered, not marked: will be sent again
    restart_t: float = 0.0


async def run_one(n: int, args: argparse.Namespace) -> dict[str, Any]:
    from storage.db import Database

    label = f"{n:,} recipients" + (f", kill -9 at {args.kill_at:.0%}" if args.kill_at else "")
    print(f"[{label}] {args.db}, BROADCAST_RATE={args.rate:g}, paid={args.paid}", flush=True)
    with tempfile.TemporaryDirectory(prefix="quickwin-bench-") as tmp:
        workdir = Path(tmp)
        fake = make_fake()
        await fake.start()
        try:
            async with database(args.db, workdir) as url:
                prep = await prepare(url, n)
                print(f"  prepared: {prep['timings']}", flush=True)
                env = {
                    "BOT_TOKEN": TOKEN,
                    "TELEGRAM_API_URL": fake.url,
                    "DATABASE_URL": url,
                    "LOG_LEVEL": args.log_level,
                    "ADMIN_IDS": "",
                    "DEFAULT_LANGUAGE": "id",
                    "BROADCAST_RATE": f"{args.rate:g}",
                    "BROADCAST_PAID": "true" if args.paid else "false",
                    "QUIET_HOURS": "",
                }
                monitor_db = Database(url, pool_size=2) if url.startswith("postgresql") else Database(url)
                try:
                    result = await drive(fake, monitor_db, env, workdir, n, prep["broadcast_id"], args)
                finally:
                    await monitor_db.dispose()
                result["prepare"] = prep["timings"]
        finally:
            await fake.stop()
    result["label"] = label
    return result


async def drive(
    fake: BroadcastFakeAPI, db: Any, env: dict[str, str], workdir: Path, n: int, broadcast_id: int,
    args: argparse.Namespace,
) -> dict[str, Any]:
    rate_cfg = min(args.rate, 1000.0 if args.paid else 30.0)  # the sender's own cap
    timeout = args.timeout or (90.0 + 3.0 * n / rate_cfg)
    problems: list[str] = []
    samples: list[Sample] = []
    kill = KillInfo(args.kill_at) if args.kill_at else None
    cpu_me0 = time.process_time()
    load_start = loadavg()
    t0 = now()
    segments = [start_segment("bot-1", env, workdir)]
    last_sample = last_count = -1e9
    counts: dict[str, Any] = {}
    finished = False
    try:
        while True:
            seg = segments[-1]
            t = now()
            if kill is not None and not kill.t and fake.delivered >= kill.at_fraction * n:
                await kill_and_restart(fake, db, broadcast_id, kill, segments, env, workdir)
                continue
            if t - last_sample >= 0.5:
                last_sample = t
                samples.append(Sample(t, fake.delivered, fake.counts["429"], seg.sample(), seg.cpu_s,
                                      len(segments) - 1, t - seg.started))
            if t - last_count >= 1.0:
                last_count = t
                counts = await db_counts(db, broadcast_id)
                if counts["pending"] == 0:
                    finished = True
                    break
            if not seg.alive():
                problems.append(f"{seg.label} exited with {seg.proc.proc.returncode} on its own")  # type: ignore[union-attr]
                break
            if t - t0 > timeout:
                problems.append(f"timeout: not finished after {timeout:.0f}s ({counts})")
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(args.settle)  # late (duplicate) sends still count
        seg = segments[-1]
        if seg.alive():
            t = now()
            samples.append(Sample(t, fake.delivered, fake.counts["429"], seg.sample(), seg.cpu_s,
                                  len(segments) - 1, t - seg.started))
        counts = await db_counts(db, broadcast_id)
    finally:
        for seg in segments:
            if seg.ended is None:
                seg.ended = now()
            if not seg.killed:
                seg.exit_code = await seg.proc.stop()
            seg.read_log()
    cpu_me = time.process_time() - cpu_me0
    counts = await db_counts(db, broadcast_id)  # again: a bot stopped on a timeout may have sent a few more
    if fake.errors:
        problems.append(f"{len(fake.errors)} request(s) rejected by the fake server")
    for seg in segments:
        if seg.log_tail:
            problems.append(f"{seg.label} logged errors")

    # --- deliveries per recipient
    by_chat = fake.delivered_by_chat
    # Lost: never delivered although the outbox no longer has it pending (an unfinished run's
    # pending recipients are "not reached", not lost).
    zero = [ID_BASE + i for i in range(n) if by_chat.get(ID_BASE + i, 0) == 0]
    pending = await marked_ids(db, broadcast_id, ("pending",)) if zero else set()
    lost = [r for r in zero if r not in pending]
    twice = [ID_BASE + i for i in range(n) if by_chat.get(ID_BASE + i, 0) > 1]
    strangers = sum(1 for chat in by_chat if not ID_BASE <= chat < ID_BASE + n)
    marked_not_sent = await marked_ids(db, broadcast_id, ("blocked", "failed")) if lost else set()
    lost_marked_sent = sum(1 for r in lost if r not in marked_not_sent)

    times = sorted(fake.sent_times)
    stats, windows = rate_stats(times, list(fake.times_429), segments, kill, args.skip)
    steady_cpu = []
    for seg_index, a, b in windows:  # the bot's CPU while it sent at its steady pace
        inside = [x for x in samples if x.seg == seg_index and a <= x.t <= b and x.cpu is not None]
        if len(inside) >= 2 and inside[-1].t > inside[0].t:
            first_s, last_s = inside[0], inside[-1]
            msgs = _count_between(times, first_s.t, last_s.t)
            cpu = last_s.cpu - first_s.cpu  # type: ignore[operator]
            steady_cpu.append({
                "process": segments[seg_index].label,
                "cores": round(cpu / (last_s.t - first_s.t), 2),
                "cpu_ms_per_message": round(1000 * cpu / msgs, 2) if msgs else None,
            })
    window = window_size(rate_cfg)  # the sender's in-flight window: what a kill may repeat at most
    result: dict[str, Any] = {
        "recipients": n,
        "database": args.db,
        "broadcast_rate": args.rate,
        "effective_rate": rate_cfg,
        "paid": args.paid,
        "sender_window": window,
        "finished": finished,
        "db_counts": counts,
        "delivered": fake.delivered,
        "chats_delivered_to": len(by_chat),
        "deliveries_to_other_chats": strangers,
        "lost": len(lost),
        "lost_ids": lost[:20],
        "lost_but_marked_sent": lost_marked_sent,
        "not_reached_pending": len(zero) - len(lost),
        "sent_twice": len(twice),
        "sent_twice_ids": twice[:20],
        "max_deliveries_per_recipient": max((by_chat.get(ID_BASE + i, 0) for i in range(n)), default=0),
        "responses_429": fake.counts["429"],
        "fake_errors": len(fake.errors),
        "fake_error_details": fake.errors[:20],
        "wall_s": round(now() - t0, 1),
        "loadavg_start_end": [load_start, loadavg()],
        "bot_cpu_steady": steady_cpu,
        "benchmark_process_cpu_s": round(cpu_me, 1),
        **stats,
        "processes": [
            {
                "label": s.label,
                "alive_s": round((s.ended or now()) - s.started, 1),
                "peak_rss_mib": round(s.peak_rss_mib, 1) if s.peak_rss_mib else None,
                "vmhwm_mib": round(s.hwm_mib, 1) if s.hwm_mib else None,
                "cpu_s": s.cpu_s,
                "exit_code": s.exit_code,
                "killed": s.killed,
                "retry_after_warnings": s.retry_after_warnings,
                "log_tail": s.log_tail,
            }
            for s in segments
        ],
        "rss_by_progress_mib": rss_by_progress(samples, n, args.skip),
        "samples_columns": ["t_s", "delivered", "responses_429", "bot_rss_mib", "bot_cpu_s", "process"],
        "samples": [[round(x.t - t0, 2), x.delivered, x.n429, None if x.rss is None else round(x.rss, 1),
                     x.cpu, segments[x.seg].label] for x in samples],
        "problems": problems,
    }
    result["peak_rss_mib"] = max((p["vmhwm_mib"] or p["peak_rss_mib"] or 0) for p in result["processes"]) or None
    if kill is not None:
        later_twice = set(twice)
        result["kill"] = {
            "at_fraction": kill.at_fraction,
            "delivered_at_kill": kill.delivered_at_kill,
            "delivered_0_5s_after_kill": kill.delivered_after_kill,
            "marked_in_db_after_kill": kill.marked_at_kill,
            "delivered_not_marked_at_kill": len(kill.unmarked_delivered),
            "sent_twice_among_them": len(later_twice & kill.unmarked_delivered),
            "sent_twice_not_among_them": len(later_twice - kill.unmarked_delivered),
            "restart_to_first_delivery_s": stats.get("restart_gap_s"),
        }
    return result


async def kill_and_restart(
    fake: BroadcastFakeAPI, db: Any, broadcast_id: int, kill: KillInfo, segments: list[Segment],
    env: dict[str, str], workdir: Path,
) -> None:
    seg = segments[-1]
    seg.sample()
    assert seg.proc.proc is not None
    kill.t = now()
    kill.delivered_at_kill = fake.delivered
    with contextlib.suppress(ProcessLookupError):
        os.killpg(seg.proc.proc.pid, signal.SIGKILL)  # the bot's own session: only the bot
    seg.killed = True
    seg.ended = kill.t
    t = now()
    while seg.proc.proc.poll() is None and now() - t < 10:
        await asyncio.sleep(0.01)
    seg.exit_code = await seg.proc.stop()  # reaps it, forgets it
    await asyncio.sleep(0.5)  # requests already received complete; the database drops the dead sessions
    kill.delivered_after_kill = fake.delivered
    marked = await marked_ids(db, broadcast_id, ("sent", "blocked", "failed"))
    kill.marked_at_kill = len(marked)
    kill.unmarked_delivered = {chat for chat, count in fake.delivered_by_chat.items() if count and chat not in marked}
    print(f"  killed bot-1 at {kill.delivered_at_kill:,} delivered ({kill.delivered_after_kill:,} 0.5 s later, "
          f"{kill.marked_at_kill:,} marked in the database); restarting", flush=True)
    kill.restart_t = now()
    segments.append(start_segment("bot-2", env, workdir))


# --------------------------------------------------------------------------- statistics


def _count_between(times: list[float], a: float, b: float) -> int:
    import bisect

    return bisect.bisect_right(times, b) - bisect.bisect_left(times, a)


def rate_stats(
    times: list[float], times_429: list[float], segments: list[Segment], kill: KillInfo | None, skip: float,
) -> tuple[dict[str, Any], list[tuple[int, float, float]]]:
    """Achieved messages/s overall and in steady state (each process life minus its first `skip` s).

    Also returns the steady windows as (process index, start, end) in perf_counter() time.
    """
    out: dict[str, Any] = {"steady_skip_s": skip}
    if not times:
        return out | {"overall_msgs_per_s": None, "steady_msgs_per_s": None}, []
    first, last = times[0], times[-1]
    out["startup_to_first_delivery_s"] = round(first - segments[0].started, 2)
    out["first_to_last_delivery_s"] = round(last - first, 2)
    out["overall_msgs_per_s"] = round((len(times) - 1) / (last - first), 2) if last > first else None
    # Steady windows: per process life, from its first delivery + skip to its last delivery.
    lives: list[tuple[int, float, float]] = []
    if kill:
        before = [x for x in times if x <= kill.t + 0.5]
        after = [x for x in times if x > kill.restart_t]
        for index, part in enumerate((before, after)):
            if part:
                lives.append((index, part[0], part[-1]))
        if after:
            out["restart_gap_s"] = round(after[0] - kill.t, 2)
    else:
        lives.append((0, first, last))
    tagged = [(i, a + skip, b) for i, a, b in lives if b - (a + skip) > 1.0]
    windows = [(a, b) for _i, a, b in tagged]
    steady_n = sum(_count_between(times, a, b) for a, b in windows)
    steady_t = sum(b - a for a, b in windows)
    out["steady_windows_s"] = [[round(a - first, 2), round(b - first, 2)] for a, b in windows]
    out["steady_msgs_per_s"] = round(steady_n / steady_t, 2) if steady_t > 0 else None
    out["steady_per_life_msgs_per_s"] = [round(_count_between(times, a, b) / (b - a), 2) for a, b in windows]
    out["responses_429_steady"] = sum(_count_between(times_429, a, b) for a, b in windows)
    out["responses_429_times_s"] = [round(x - first, 2) for x in times_429[:50]]
    # Whole seconds within the steady windows: how even the pace is.
    per_second: list[int] = []
    for a, b in windows:
        k = a
        while k + 1.0 <= b:
            per_second.append(_count_between(times, k, k + 1.0 - 1e-9))
            k += 1.0
    if per_second:
        s = sorted(per_second)
        out["steady_per_second"] = {"min": s[0], "p5": s[int(0.05 * (len(s) - 1))], "median": s[len(s) // 2],
                                    "max": s[-1], "seconds": len(s)}
    # The busiest sliding second anywhere (what the fake's global window sees).
    j, busiest = 0, 0
    for i, x in enumerate(times):
        while times[j] <= x - 1.0:
            j += 1
        busiest = max(busiest, i - j + 1)
    out["busiest_sliding_second"] = busiest
    # Deliveries per whole second from the first one (for plots).
    span = int(last - first) + 1
    hist = [0] * span
    for x in times:
        hist[min(span - 1, int(x - first))] += 1
    out["per_second_from_first_delivery"] = hist
    return out, tagged


def rss_by_progress(samples: list[Sample], n: int, settle: float) -> dict[str, float | None]:
    """The bot's RSS at the first sample past 10 %, 25 %, 50 %, 75 %, 90 % delivered, and the last one.

    Samples of a process younger than ``settle`` seconds (a restarted bot still starting) are skipped.
    """
    out: dict[str, float | None] = {}
    usable = [x for x in samples if x.rss is not None and x.age >= settle]
    for q in (0.1, 0.25, 0.5, 0.75, 0.9):
        hit = next((x.rss for x in usable if x.delivered >= q * n), None)
        out[f"{q:.0%}"] = None if hit is None else round(hit, 1)
    last = usable[-1].rss if usable else None
    out["end"] = None if last is None else round(last, 1)
    return out


# --------------------------------------------------------------------------- report


def targets(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The issue's targets, checked: ≥95 % of the rate, no 429 in steady state, nothing lost, a kill repeating at
    most the messages in flight, memory flat."""
    checks: dict[str, Any] = {}
    for r in runs:
        key = r["label"]
        c: dict[str, Any] = {
            "finished": r["finished"],
            "no_lost_recipient": r["lost"] == 0,
            "no_429_in_steady_state": r.get("responses_429_steady", 0) == 0,
            "no_fake_errors": r["fake_errors"] == 0,
        }
        if "kill" not in r:  # the rate is judged on uninterrupted runs
            pct = (r.get("steady_msgs_per_s") or 0) / r["effective_rate"]
            c["steady_rate_at_least_95pct"] = pct >= 0.95
            c["no_duplicate"] = r["sent_twice"] == 0
        else:  # a kill repeats at most the sender's in-flight window
            c["repeated_at_most_the_window"] = r["sent_twice"] <= r["sender_window"]
        checks[key] = c
    clean = [r for r in runs if "kill" not in r and r.get("peak_rss_mib")]
    if len({r["recipients"] for r in clean}) > 1:
        small = min(clean, key=lambda r: r["recipients"])
        large = max(clean, key=lambda r: r["recipients"])
        growth = large["peak_rss_mib"] - small["peak_rss_mib"]
        allowed = max(10.0, 0.10 * small["peak_rss_mib"])
        checks["memory_flat"] = {
            "small": small["recipients"], "small_peak_rss_mib": small["peak_rss_mib"],
            "large": large["recipients"], "large_peak_rss_mib": large["peak_rss_mib"],
            "large_finished": large["finished"], "large_delivered": large["delivered"],
            "growth_mib": round(growth, 1), "allowed_mib": round(allowed, 1), "ok": growth <= allowed,
        }
    return checks


def table(runs: list[dict[str, Any]]) -> str:
    head = (f"{'run':<40} {'rate':>5} {'steady/s':>9} {'%':>6} {'overall/s':>9} {'429':>5} {'429 st':>6} "
            f"{'peak MiB':>8} {'CPU ms/msg':>10} {'time s':>7} {'lost':>5} {'twice':>5} {'err':>4}")
    lines = [head, "─" * len(head)]
    for r in runs:
        steady = r.get("steady_msgs_per_s")
        pct = f"{100 * steady / r['effective_rate']:.1f}" if steady else "-"
        mode = "paid" if r["paid"] else "std"
        cpu = [c["cpu_ms_per_message"] for c in r.get("bot_cpu_steady", []) if c.get("cpu_ms_per_message")]
        cpu_text = "/".join(f"{c:.1f}" for c in cpu) or "-"
        lines.append(
            f"{r['label'] + ' (' + mode + ')':<40} {r['effective_rate']:>5g} {steady or '-':>9} {pct:>6} "
            f"{r.get('overall_msgs_per_s') or '-':>9} {r['responses_429']:>5} {r.get('responses_429_steady', '-'):>6} "
            f"{r.get('peak_rss_mib') or '-':>8} {cpu_text:>10} {r.get('first_to_last_delivery_s', '-'):>7} "
            f"{r['lost']:>5} {r['sent_twice']:>5} {r['fake_errors']:>4}"
        )
    return "\n".join(lines)


async def amain(args: argparse.Namespace) -> int:
    sizes = [int(x.replace("_", "")) for x in str(args.recipients).split(",") if x.strip()]
    info = machine()
    if args.db == "postgresql":
        info["postgresql"] = await pg_version()
    runs: list[dict[str, Any]] = []
    for n in sizes:
        r = await run_one(n, args)
        runs.append(r)
        print(f"  steady {r.get('steady_msgs_per_s')} msg/s of {r['effective_rate']:g}, overall "
              f"{r.get('overall_msgs_per_s')}, 429: {r['responses_429']} ({r.get('responses_429_steady')} steady), "
              f"peak RSS {r.get('peak_rss_mib')} MiB, lost {r['lost']}, twice {r['sent_twice']}, "
              f"db {r['db_counts']}", flush=True)
    print()
    print(table(runs))
    checks = targets(runs)
    failed = []
    for key, c in checks.items():
        if key == "memory_flat":
            partial = "" if c["large_finished"] else f" (unfinished: {c['large_delivered']:,} delivered)"
            print(f"memory: peak RSS {c['small_peak_rss_mib']} MiB at {c['small']:,} vs {c['large_peak_rss_mib']} MiB "
                  f"at {c['large']:,}{partial} (+{c['growth_mib']} MiB, allowed {c['allowed_mib']}): "
                  f"{'flat' if c['ok'] else 'NOT FLAT'}")
            if not c["ok"]:
                failed.append("memory_flat")
            continue
        bad = [name for name, ok in c.items() if not ok]
        failed += [f"{key}: {name}" for name in bad]
    for r in runs:
        if "kill" in r:
            k = r["kill"]
            print(f"kill -9 [{r['label']}]: {k['delivered_at_kill']:,} delivered at the kill, "
                  f"{k['marked_in_db_after_kill']:,} marked; {k['delivered_not_marked_at_kill']} delivered but not "
                  f"marked (sender's in-flight window {r['sender_window']}); afterwards lost {r['lost']}, sent twice "
                  f"{r['sent_twice']} ({k['sent_twice_among_them']} of them among the unmarked); restart to first "
                  f"delivery {k['restart_to_first_delivery_s']} s")
        for p in r["problems"]:
            print(f"PROBLEM [{r['label']}] {p}")
        for line in r["fake_error_details"][:5]:
            print(f"FAKE ERROR [{r['label']}] {line}")
        for p in r["processes"]:
            if p["log_tail"]:
                print(f"LOG [{r['label']} {p['label']}]\n{p['log_tail']}")
    print("targets: " + ("all met" if not failed else "NOT MET: " + "; ".join(failed)))
    report = {
        "benchmark": "bench.broadcast",
        "config": {
            "recipients": sizes,
            "broadcast_rate": args.rate,
            "paid": args.paid,
            "database": args.db,
            "kill_at": args.kill_at or None,
            "steady_skip_s": args.skip,
            "fake_flood_control": TELEGRAM_LIMITS,
            "region": REGION,
        },
        "machine": info,
        "runs": runs,
        "targets": checks,
        "targets_not_met": failed,
    }
    write_report(args.out, report)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.broadcast", description=__doc__.split("\n\n")[0])
    p.add_argument("--recipients", default="100000", help="comma-separated counts, one run each (default 100000)")
    p.add_argument("--rate", type=float, default=None,
                   help="BROADCAST_RATE (default 25, or 500 with --paid)")
    p.add_argument("--paid", action="store_true", help="BROADCAST_PAID=true (allow_paid_broadcast, up to 1000/s)")
    p.add_argument("--db", default="postgresql", choices=("postgresql", "sqlite"))
    p.add_argument("--kill-at", type=float, default=0.0,
                   help="SIGKILL the bot when this fraction is delivered, restart it (default: no kill)")
    p.add_argument("--out", default="bench/results/broadcast.json", help="JSON report ('' for none)")
    p.add_argument("--skip", type=float, default=5.0, help="seconds after a first delivery left out of steady state")
    p.add_argument("--settle", type=float, default=1.0, help="pause after the end to catch late sends")
    p.add_argument("--timeout", type=float, default=0.0, help="seconds a run may take (default 90 + 3 × N / rate)")
    p.add_argument("--log-level", default="WARNING", help="LOG_LEVEL of the bot (default WARNING)")
    args = p.parse_args(argv)
    if args.rate is None:
        args.rate = 500.0 if args.paid else 25.0
    if not 0 <= args.kill_at < 1:
        p.error("--kill-at must be a fraction in [0, 1)")
    return run_until_signalled(amain, args)


if __name__ == "__main__":
    sys.exit(main())
