"""Benchmark: residents through the whole journey, against a bare-PTB echo bot as baseline.

    python -m bench.journey [--residents N] [--concurrency C] [--db sqlite,postgresql]
                            [--out bench/results/journey.json]

For each database: one fake Telegram Bot API server runs inside this process
(``tests.fakebot.FakeBotAPI``, call recording off); the real bot runs as a subprocess
(``python -m bot.cli run``) against it and N residents go through the journey, C at a
time; then the bot is stopped, the baseline ``python -m bench.echo_bot`` runs against the
same server and gets the same number of updates of the same kinds in the same order.
See bench/README.md for what is measured and how.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import collections
import contextlib
import json
import os
import platform
import random
import secrets
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.profile import Profiler, top_entries
from tests.fakebot import Call, FakeBotAPI, StoredMessage
from tests.harness import TICKET

REPO = Path(__file__).resolve().parent.parent
TOKEN = "7000001:bench-token-for-the-local-fake-server"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BASE = "postgresql+asyncpg://postgres@127.0.0.1:5432"
REGION = "32.74"  # Kota Cirebon: four seeded programs
COMMENT = "Pelayanannya cepat dan antrean pendek, terima kasih. Warga nomor {n} 🙂"

now = time.perf_counter


# --------------------------------------------------------------------------- the fake server, observed


@dataclass
class Event:
    """One Bot API request of the bot that concerns a chat, when the fake server finished it."""

    method: str
    ok: bool
    error: str | None
    params: dict[str, Any]
    t: float


class ChatWatch:
    """What the bot did in one chat; a resident waits on it."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.changed = asyncio.Event()


class BenchFakeAPI(FakeBotAPI):
    """The fake server, plus a per-chat hook on every finished request (``_record``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.watches: dict[int, ChatWatch] = {}
        self.query_chat: dict[str, int] = {}  # callback_query_id -> chat
        self.per_chat_calls: collections.Counter[int] = collections.Counter()
        self.unrouted: collections.Counter[str] = collections.Counter()

    def callback_update(self, user: dict[str, Any], message_id: int, data: str) -> dict[str, Any]:
        update = super().callback_update(user, message_id, data)
        self.query_chat[update["callback_query"]["id"]] = user["id"]
        return update

    def _record(self, call: Call, error_line: str | None) -> None:
        super()._record(call, error_line)
        t = now()
        chat_id: Any = call.params.get("chat_id")
        if chat_id is None and call.method == "answerCallbackQuery":
            chat_id = self.query_chat.pop(str(call.params.get("callback_query_id")), None)
        try:
            chat = int(chat_id) if chat_id is not None else None
        except (TypeError, ValueError):
            chat = None
        if chat is None:
            if call.method not in ("getUpdates", "getMe", "setMyCommands", "deleteWebhook"):
                self.unrouted[call.method] += 1
            return
        self.per_chat_calls[chat] += 1
        watch = self.watches.get(chat)
        if watch is not None:
            watch.events.append(Event(call.method, call.ok, call.error, call.params, t))
            watch.changed.set()

    def pending_updates(self) -> int:
        return len(self._updates)

    def drop_pending_updates(self) -> None:
        self._updates.clear()


# --------------------------------------------------------------------------- journeys


class StepError(Exception):
    pass


@dataclass
class Expect:
    """A Bot API request the bot must make to complete a step (in the resident's chat)."""

    method: str
    match: Callable[[dict[str, Any]], bool] = lambda _p: True


@dataclass
class Step:
    name: str
    kind: str  # "message" | "callback"
    expect: list[Expect]
    check: Callable[[Resident], None] | None = None


def buttons(message: StoredMessage) -> list[tuple[str, str]]:
    markup = message.inline_markup or {}
    return [(b.get("text", ""), b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]


class Resident:
    """One simulated resident (one private chat) driving one journey."""

    def __init__(self, fake: BenchFakeAPI, user_id: int, rng: random.Random, step_timeout: float) -> None:
        self.fake = fake
        self.id = user_id
        self.user = fake.user(user_id, first_name="Warga", language_code="id")
        self.rng = rng
        self.step_timeout = step_timeout
        self.watch = ChatWatch()
        fake.watches[user_id] = self.watch
        self.query_id: str | None = None
        self.latencies: list[tuple[str, str, float]] = []  # (step, kind, seconds)
        self.extra: list[str] = []  # requests in this chat no step expected

    # --- what the resident sees

    def messages(self) -> list[StoredMessage]:
        return [m for m in self.fake.sent(self.id) if not m.deleted]

    def find_button(self, want: Callable[[str, str], bool], what: str) -> tuple[int, str]:
        """(message_id, callback_data) of a matching button on the newest message that has one."""
        for message in reversed(self.messages()):
            for text, data in buttons(message):
                if data and want(text, data):
                    return message.message_id, data
        last = self.messages()[-1:] or [None]
        raise StepError(f"no button {what}; last message: {_describe(last[0])}")

    # --- what the resident does

    async def run_step(self, step: Step, make: Callable[[Resident], dict[str, Any]]) -> None:
        update = make(self)
        self.query_id = update["callback_query"]["id"] if "callback_query" in update else None
        expect = [
            Expect("answerCallbackQuery", lambda p, q=self.query_id: str(p.get("callback_query_id")) == q),
            *step.expect,
        ] if self.query_id else list(step.expect)
        start_index = len(self.watch.events)
        pushed = now()
        self.fake.push_update(update)
        done = await self._wait(step, expect, start_index, pushed)
        self.latencies.append((step.name, step.kind, done - pushed))
        if step.check is not None:
            step.check(self)

    async def _wait(self, step: Step, expect: list[Expect], index: int, pushed: float) -> float:
        matched: dict[int, Event] = {}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.step_timeout
        events = self.watch.events
        while True:
            while index < len(events):
                event = events[index]
                index += 1
                if not event.ok:
                    raise StepError(f"{event.method} failed: {event.error} (params: {_short(event.params)})")
                for i, exp in enumerate(expect):
                    if i not in matched and exp.method == event.method and exp.match(event.params):
                        matched[i] = event
                        break
                else:
                    self.extra.append(f"{step.name}: {event.method}")
            if len(matched) == len(expect):
                return max(e.t for e in matched.values())
            remaining = deadline - loop.time()
            if remaining <= 0:
                missing = [expect[i].method for i in range(len(expect)) if i not in matched]
                seen = [f"{e.method}{'' if e.ok else ' FAILED'}" for e in events[-8:]]
                raise StepError(
                    f"timeout after {self.step_timeout:g}s waiting for {missing}; "
                    f"seen in this step: {[e.method for e in matched.values()]}; last requests in chat: {seen}"
                )
            self.watch.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.watch.changed.wait(), remaining)


def _short(value: Any, limit: int = 200) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe(message: StoredMessage | None) -> str:
    if message is None:
        return "(none)"
    text = (message.text or "").replace("\n", " ")
    return f"#{message.message_id} {text[:120]!r} buttons={[d for _t, d in buttons(message)][:8]}"


def _must(cond: bool, what: str, r: Resident) -> None:
    if not cond:
        last = r.messages()[-1:] or [None]
        raise StepError(f"{what}; last message: {_describe(last[0])}")


# The bot's journey.  ``expect`` lists the requests that complete each step besides the
# answerCallbackQuery every button press must get (added automatically), in any order.
def bot_steps() -> list[tuple[Step, Callable[[Resident], dict[str, Any]]]]:
    f = lambda r: r.fake

    def press(r: Resident, want: Callable[[str, str], bool], what: str) -> dict[str, Any]:
        message_id, data = r.find_button(want, what)
        return f(r).callback_update(r.user, message_id, data)

    def check_ticket(r: Resident) -> None:
        _must(TICKET.search(r.messages()[-1].text or "") is not None, "no ticket number (3273-K7PXD) in the last message", r)

    def check_rate_buttons(r: Resident) -> None:
        rates = [d for m in r.messages() for _t, d in buttons(m) if d.startswith("v1:rate:")]
        _must(len(rates) == 5, f"expected five rating buttons, got {len(rates)}", r)

    return [
        (
            Step("start", "message", [Expect("sendMessage")],
                 lambda r: r.find_button(lambda _t, d: d == "v1:consent:yes", "v1:consent:yes") and None),
            lambda r: f(r).message_update(r.user, "/start"),
        ),
        (
            # The greeting becomes the region prompt.
            Step("consent", "callback", [Expect("editMessageText")]),
            lambda r: press(r, lambda _t, d: d == "v1:consent:yes", "v1:consent:yes"),
        ),
        (
            Step("search", "message", [Expect("sendMessage")],
                 lambda r: r.find_button(lambda _t, d: d == f"v1:region:{REGION}", REGION) and None),
            lambda r: f(r).message_update(r.user, "cirebon"),
        ),
        (
            # The choices become the confirmation with the once-only question about announcements.
            Step("region", "callback", [Expect("editMessageText")],
                 lambda r: r.find_button(lambda _t, d: d == "v1:subq:no", "v1:subq:no") and None),
            lambda r: press(r, lambda _t, d: d == f"v1:region:{REGION}", f"v1:region:{REGION}"),
        ),
        (
            # The answer turns the same message into the program list.
            Step("subscribe", "callback", [Expect("editMessageText")],
                 lambda r: r.find_button(lambda _t, d: d.startswith("v1:prog:"), "v1:prog:…") and None),
            lambda r: press(r, lambda _t, d: d == "v1:subq:no", "v1:subq:no"),
        ),
        (
            Step("program", "callback", [Expect("editMessageText")],
                 lambda r: r.find_button(lambda t, d: "Beri nilai" in t and d.startswith("v1:ask:"), "Beri nilai")
                 and None),
            lambda r: _press_program(r),
        ),
        (
            Step("ask", "callback", [Expect("editMessageText")], check_rate_buttons),
            lambda r: press(r, lambda t, d: "Beri nilai" in t and d.startswith("v1:ask:"), "Beri nilai"),
        ),
        (
            Step("rate", "callback", [Expect("editMessageText")],
                 lambda r: r.find_button(lambda t, _d: "Lewati" in t, "Lewati") and None),
            lambda r: _press_rating(r),
        ),
        (
            # The comment: the bot drops the Skip button of the rating message, then sends the ticket.
            Step("comment", "message", [Expect("editMessageReplyMarkup"), Expect("sendMessage")], check_ticket),
            lambda r: f(r).message_update(r.user, COMMENT.format(n=r.id)),
        ),
    ]


def _press_program(r: Resident) -> dict[str, Any]:
    listing = [m for m in r.messages() if any(d.startswith("v1:prog:") for _t, d in buttons(m))]
    if not listing:
        raise StepError("no program list message")
    choices = [d for _t, d in buttons(listing[-1]) if d.startswith("v1:prog:")]
    return r.fake.callback_update(r.user, listing[-1].message_id, r.rng.choice(choices))


def _press_rating(r: Resident) -> dict[str, Any]:
    rated = [m for m in r.messages() if any(d.startswith("v1:rate:") for _t, d in buttons(m))]
    if not rated:
        raise StepError(f"no rating buttons; last message: {_describe(r.messages()[-1])}")
    message = rated[-1]
    choices = [d for _t, d in buttons(message) if d.startswith("v1:rate:")]
    return r.fake.callback_update(r.user, message.message_id, r.rng.choice(choices))


def echo_steps(kinds: list[str]) -> list[tuple[Step, Callable[[Resident], dict[str, Any]]]]:
    """The same sequence of update kinds for the echo bot: text → sendMessage; press → answer + edit."""
    steps = []
    for i, kind in enumerate(kinds):
        if kind == "message":
            steps.append((Step(f"{i + 1}-message", kind, [Expect("sendMessage")]),
                          lambda r, i=i: r.fake.message_update(r.user, "/start" if i == 0 else COMMENT.format(n=r.id))))
        else:
            steps.append((Step(f"{i + 1}-callback", kind, [Expect("editMessageText")]),
                          lambda r: r.fake.callback_update(r.user, *r.find_button(lambda _t, d: d == "echo:press", "echo"))))
    return steps


# --------------------------------------------------------------------------- a phase: many residents


@dataclass
class PhaseResult:
    label: str
    residents: int
    completed: int = 0
    updates: int = 0
    wall: float = 0.0
    latencies: list[tuple[str, str, float]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    extra_requests: collections.Counter[str] = field(default_factory=collections.Counter)
    fake_errors: list[str] = field(default_factory=list)
    unrouted: dict[str, int] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    bot_rss_mib: float | None = None


async def run_residents(
    fake: BenchFakeAPI,
    steps: list[tuple[Step, Callable[[Resident], dict[str, Any]]]],
    user_ids: list[int],
    concurrency: int,
    step_timeout: float,
    phase_timeout: float,
    seed: int,
    label: str,
) -> PhaseResult:
    result = PhaseResult(label, len(user_ids))
    queue: asyncio.Queue[int] = asyncio.Queue()
    for uid in user_ids:
        queue.put_nowait(uid)
    errors_before = len(fake.errors)
    unrouted_before = collections.Counter(fake.unrouted)

    async def one(uid: int) -> None:
        r = Resident(fake, uid, random.Random(seed * 1_000_003 + uid), step_timeout)
        step_name = "?"
        try:
            for step, make in steps:
                step_name = step.name
                await r.run_step(step, make)
            result.completed += 1
        except StepError as exc:
            result.failures.append({"resident": uid, "step": step_name, "error": str(exc)})
        except LookupError as exc:  # the fake refused to build the update (no such message)
            result.failures.append({"resident": uid, "step": step_name, "error": f"LookupError: {exc}"})
        except Exception as exc:  # noqa: BLE001 - a driver bug: report it with the step
            result.failures.append({"resident": uid, "step": step_name, "error": f"driver error: {exc!r}"})
        finally:
            result.latencies += r.latencies
            result.updates += len(r.latencies)
            result.extra_requests.update(r.extra)
            fake.watches.pop(uid, None)

    async def worker() -> None:
        while True:
            try:
                uid = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            await one(uid)

    started = now()
    tasks = [asyncio.create_task(worker()) for _ in range(min(concurrency, len(user_ids)))]
    try:
        done, pending = await asyncio.wait(tasks, timeout=phase_timeout)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
            result.failures.append({"resident": None, "step": None,
                                    "error": f"phase timeout after {phase_timeout:g}s; residents still running cancelled"})
        for task in done:
            if task.exception() is not None:
                exc = task.exception()
                result.failures.append({"resident": None, "step": None, "error": f"driver crash: {exc!r}"})
    finally:
        for task in tasks:
            task.cancel()
    result.wall = now() - started
    result.fake_errors = fake.errors[errors_before:]
    result.unrouted = dict(collections.Counter(fake.unrouted) - unrouted_before)
    return result


async def cpu_per_step(
    fake: BenchFakeAPI,
    steps: list[tuple[Step, Callable[[Resident], dict[str, Any]]]],
    user_ids: list[int],
    args: argparse.Namespace,
    cpu: Callable[[], float | None],
) -> dict[str, Any]:
    """CPU of the bot per update, step by step: every resident takes step 1 (C at a time), then step 2, …

    Lockstep, so the bot's CPU between the first push and the last completion of a step is that step's alone.
    """
    residents = [Resident(fake, uid, random.Random(args.seed * 1_000_003 + uid), args.step_timeout) for uid in user_ids]
    gate = asyncio.Semaphore(args.concurrency)
    per_step: dict[str, float | None] = {}
    failures: list[str] = []

    async def go(r: Resident, step: Step, make: Callable[[Resident], dict[str, Any]]) -> None:
        async with gate:
            try:
                await r.run_step(step, make)
            except (StepError, LookupError) as exc:
                failures.append(f"{step.name} resident {r.id}: {exc}")
                residents.remove(r)

    for step, make in steps:
        before = cpu()
        await asyncio.gather(*(go(r, step, make) for r in list(residents)))
        after = cpu()
        per_step[step.name] = (round(1000 * (after - before) / max(len(residents), 1), 2)
                               if before is not None and after is not None else None)
    for uid in user_ids:
        fake.watches.pop(uid, None)
    return {"cpu_ms_per_update": per_step, "residents": len(user_ids), "failures": failures[:5]}


# --------------------------------------------------------------------------- subprocesses


_LIVE: list[subprocess.Popen[bytes]] = []


def _kill_leftovers() -> None:
    for proc in list(_LIVE):
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        _LIVE.remove(proc)


atexit.register(_kill_leftovers)


def postgres_cpu_seconds() -> float:
    """CPU seconds of every PostgreSQL server process on this machine (it shares the cores with the bot)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, rest = text.split("(", 1)[1].rsplit(")", 1)
        if name.startswith("postgres"):
            fields = rest.split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


class BotProcess:
    def __init__(self, label: str, module: str, env: dict[str, str], workdir: Path) -> None:
        self.label = label
        self.module = module
        self.log_path = workdir / f"{label}.log"
        self.env = {**os.environ, **env}
        self.env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.log_path.open("wb")
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", self.module, *(["run"] if self.module == "bot.cli" else [])],
                cwd=self.workdir,  # not the repo: no .env or quickwin.db picked up by accident
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # our Ctrl-C is not theirs: we stop them in order
            )
        finally:
            log.close()
        _LIVE.append(self.proc)

    def problems(self, limit: int = 30) -> list[str]:
        """The first ERROR and WARNING lines of the whole log (and what follows a Traceback's first line)."""
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return []
        found = [line for line in text if " ERROR " in line or " WARNING " in line or line.startswith("Traceback")]
        return found[:limit]

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    async def wait_ready(self, fake: BenchFakeAPI, timeout: float) -> float:
        """Wait until the process long-polls (a getUpdates reached the fake server)."""
        assert self.proc is not None
        before = fake.counts["getUpdates"]
        t0 = now()
        while fake.counts["getUpdates"] <= before:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.label} exited with {self.proc.returncode} before polling:\n{self.log_tail()}")
            if now() - t0 > timeout:
                raise RuntimeError(f"{self.label} not polling after {timeout:g}s:\n{self.log_tail()}")
            await asyncio.sleep(0.05)
        return now() - t0

    def cpu_seconds(self) -> float | None:
        if self.proc is None:
            return None
        try:
            stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        except OSError:
            return None
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def peak_rss_mib(self) -> float | None:
        if self.proc is None:
            return None
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    async def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM (PTB shuts down cleanly), then SIGKILL of the whole process group."""
        proc = self.proc
        if proc is None:
            return None
        try:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
                t0 = now()
                while proc.poll() is None and now() - t0 < timeout:
                    await asyncio.sleep(0.05)
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                t0 = now()
                while proc.poll() is None and now() - t0 < 5:
                    await asyncio.sleep(0.05)
            return proc.returncode
        finally:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)  # stray children of the group, if any
            if proc in _LIVE:
                _LIVE.remove(proc)


# --------------------------------------------------------------------------- databases


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _pg_version() -> str | None:
    try:
        import asyncpg

        conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
        try:
            return str(await conn.fetchval("SHOW server_version"))
        finally:
            await conn.close()
    except Exception:  # noqa: BLE001
        return None


@contextlib.asynccontextmanager
async def database(kind: str, workdir: Path):  # type: ignore[no-untyped-def]
    if kind == "sqlite":
        path = workdir / "quickwin-bench.db"
        yield f"sqlite+aiosqlite:///{path}"
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                Path(f"{path}{suffix}").unlink()
    elif kind == "postgresql":
        name = f"quickwin_bench_{os.getpid()}_{secrets.token_hex(3)}"
        await _pg_admin(f'CREATE DATABASE "{name}"')
        try:
            yield f"{PG_BASE}/{name}"
        finally:
            await asyncio.wait_for(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'), 30)
    else:
        raise SystemExit(f"unknown database {kind!r} (use sqlite, postgresql)")


# --------------------------------------------------------------------------- statistics


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not sorted_values:
        return None
    pos = (len(sorted_values) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def latency_summary(values: list[float]) -> dict[str, Any]:
    s = sorted(values)
    ms = lambda v: None if v is None else round(v * 1000, 2)
    return {
        "count": len(s),
        "p50_ms": ms(percentile(s, 0.50)),
        "p90_ms": ms(percentile(s, 0.90)),
        "p99_ms": ms(percentile(s, 0.99)),
        "max_ms": ms(s[-1] if s else None),
        "mean_ms": ms(sum(s) / len(s) if s else None),
    }


def summarise(result: PhaseResult) -> dict[str, Any]:
    by_step: dict[str, list[float]] = collections.defaultdict(list)
    by_kind: dict[str, list[float]] = collections.defaultdict(list)
    for step, kind, seconds in result.latencies:
        by_step[step].append(seconds)
        by_kind[kind].append(seconds)
    all_latencies = [s for _n, _k, s in result.latencies]
    return {
        "residents": result.residents,
        "residents_completed": result.completed,
        "updates": result.updates,
        "wall_s": round(result.wall, 3),
        "updates_per_s": round(result.updates / result.wall, 1) if result.wall > 0 else None,
        "latency": latency_summary(all_latencies),
        "latency_by_kind": {k: latency_summary(v) for k, v in by_kind.items()},
        "latency_by_step": {k: latency_summary(v) for k, v in by_step.items()},
        "failures": len(result.failures),
        "failure_details": result.failures[:20],
        "fake_errors": len(result.fake_errors),
        "fake_error_details": result.fake_errors[:20],
        "unexpected_requests": dict(result.extra_requests),
        "unrouted_requests": result.unrouted,
        "cpu_s": result.cpu,
        "bot_cpu_ms_per_update": (
            round(1000 * result.cpu[result.label] / result.updates, 2)
            if result.updates and result.label in result.cpu else None
        ),
        "bot_peak_rss_mib": None if result.bot_rss_mib is None else round(result.bot_rss_mib, 1),
    }


# --------------------------------------------------------------------------- one database


async def run_phase(
    label: str,
    module: str,
    fake: BenchFakeAPI,
    env: dict[str, str],
    workdir: Path,
    steps: list[tuple[Step, Callable[[Resident], dict[str, Any]]]],
    args: argparse.Namespace,
    id_base: int,
    profile: Path | None = None,
) -> dict[str, Any]:
    if fake.pending_updates():
        fake.drop_pending_updates()
    proc = BotProcess(label, module, env, workdir)
    proc.start()
    try:
        ready = await proc.wait_ready(fake, args.start_timeout)
        print(f"  {label}: polling after {ready:.1f}s", flush=True)
        if args.warmup:
            warm = await run_residents(fake, steps, list(range(id_base + 900_000, id_base + 900_000 + args.warmup)),
                                       min(args.concurrency, args.warmup), args.step_timeout, args.phase_timeout,
                                       args.seed, label + " warm-up")
            if warm.failures or warm.fake_errors:
                print(f"  {label}: warm-up problems: {warm.failures[:3]} {warm.fake_errors[:3]}", flush=True)
        profiler = Profiler(proc.proc.pid, profile) if profile is not None and proc.proc is not None else None
        cpu_bot0, cpu_me0, cpu_pg0 = proc.cpu_seconds(), time.process_time(), postgres_cpu_seconds()
        result = await run_residents(fake, steps, list(range(id_base + 1, id_base + 1 + args.residents)),
                                     args.concurrency, args.step_timeout, args.phase_timeout, args.seed, label)
        cpu_bot1, cpu_me1, cpu_pg1 = proc.cpu_seconds(), time.process_time(), postgres_cpu_seconds()
        if profiler is not None:
            profiler.stop()
        step_cpu = None
        if args.step_cpu:
            ids = list(range(id_base + 500_001, id_base + 500_001 + args.step_cpu))
            step_cpu = await cpu_per_step(fake, steps, ids, args, proc.cpu_seconds)
        await asyncio.sleep(args.settle)  # late, unexpected requests still count
        result.extra_requests.update(_late_requests(fake, steps, id_base, args))
        result.cpu = {"driver_and_fake": round(cpu_me1 - cpu_me0, 2), "postgres_server": round(cpu_pg1 - cpu_pg0, 2)}
        if cpu_bot0 is not None and cpu_bot1 is not None:
            result.cpu[label] = round(cpu_bot1 - cpu_bot0, 2)
        result.bot_rss_mib = proc.peak_rss_mib()
        if proc.proc is not None and proc.proc.poll() is not None:
            result.failures.append({"resident": None, "step": None,
                                    "error": f"{label} exited with {proc.proc.returncode}:\n{proc.log_tail()}"})
        summary = summarise(result)
        summary["per_step_cpu"] = step_cpu
        if profile is not None and profile.exists():
            summary["profile"] = top_entries(profile)
    finally:
        code = await proc.stop()
    summary["exit_code"] = code
    log_tail = proc.log_tail(40)
    summary["log_tail"] = log_tail if any(w in log_tail for w in ("ERROR", "Traceback", "WARNING")) else ""
    summary["log_problems"] = proc.problems()
    return summary


def _late_requests(fake: BenchFakeAPI, steps: list[Any], id_base: int, args: argparse.Namespace) -> collections.Counter[str]:
    """Requests in measured chats beyond what the steps expect (seen after the settle pause)."""
    expected = sum(len(step.expect) + (step.kind == "callback") for step, _make in steps)
    late: collections.Counter[str] = collections.Counter()
    for uid in range(id_base + 1, id_base + 1 + args.residents):
        over = fake.per_chat_calls.get(uid, 0) - expected
        if over > 0:
            late["(chats with more requests than expected)"] += 1
    return late


def bot_limits(mode: str) -> dict[str, str]:
    """Telegram's flood limits as the bot keeps them, or lifted (the fake server has none, nor does the echo bot).

    With the limits kept, a closed loop with no think time measures the pacing (28 messages/s for the whole
    bot, one a second per chat), not the cost of an update; lifted, the whole outbound path still runs.
    """
    if mode == "on":
        return {}
    return {"TELEGRAM_RATE": "1000", "TELEGRAM_CHAT_RATE": "1000", "TELEGRAM_CHAT_BURST": "20",
            "TELEGRAM_GROUP_PER_MINUTE": "60000"}


async def run_database(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    print(f"[{kind}]", flush=True)
    with tempfile.TemporaryDirectory(prefix="quickwin-bench-") as tmp:
        workdir = Path(tmp)
        fake = BenchFakeAPI(TOKEN, record_calls=False, max_calls=0)
        await fake.start()
        try:
            async with database(kind, workdir) as url:
                env = {
                    "BOT_TOKEN": TOKEN,
                    "TELEGRAM_API_URL": fake.url,
                    "DATABASE_URL": url,
                    "LOG_LEVEL": args.log_level,
                    "ADMIN_IDS": "",
                    "DEFAULT_LANGUAGE": "id",
                    # Every round's residents comment in the same few regions within the hour: the regions'
                    # ceiling (500 an hour) would turn the later rounds' comments away. Raised, not lifted:
                    # the check still runs, as it does in production.
                    "REGION_COMMENTS_PER_HOUR": "1000000",
                }
                steps = bot_steps()
                profile = Path(args.profile) / f"journey-{kind}.txt" if args.profile else None
                if profile is not None:
                    profile.parent.mkdir(parents=True, exist_ok=True)
                rounds = []
                for r in range(args.rounds):
                    # Bot and echo bot alternate who goes first, so a change in the machine's load between the
                    # two phases of a round weighs on each side in turn; ratios are read per round.
                    later = argparse.Namespace(**{**vars(args), "step_cpu": args.step_cpu if r == 0 else 0})
                    base = 10_000_000 * r

                    async def bot_phase() -> dict[str, Any]:
                        return await run_phase("bot", "bot.cli", fake, {**env, **bot_limits(args.telegram_limits)},
                                               workdir, steps, later, id_base=1_000_000 + base,
                                               profile=profile if r == 0 else None)

                    async def echo_phase() -> dict[str, Any]:
                        kinds = [step.kind for step, _make in steps]
                        return await run_phase("echo", "bench.echo_bot", fake, env, workdir, echo_steps(kinds),
                                               later, id_base=3_000_000 + base)

                    if r % 2 == 0:
                        bot = await bot_phase()
                        echo = await echo_phase()
                    else:
                        echo = await echo_phase()
                        bot = await bot_phase()
                    rounds.append({"journey": bot, "echo": echo, "ratio_bot_over_echo": _ratios(bot, echo)})
                    print(f"  round {r + 1}: journey {bot['updates_per_s']} upd/s, echo {echo['updates_per_s']} "
                          f"upd/s, ratio {rounds[-1]['ratio_bot_over_echo'].get('updates_per_s')}", flush=True)
        finally:
            await fake.stop()
    return _median_round(rounds)


def _ratios(bot: dict[str, Any], echo: dict[str, Any]) -> dict[str, float]:
    ratio = {}
    if bot["updates_per_s"] and echo["updates_per_s"]:
        ratio["updates_per_s"] = round(bot["updates_per_s"] / echo["updates_per_s"], 3)
    for key in ("p50_ms", "p90_ms", "p99_ms"):
        if bot["latency"][key] and echo["latency"][key]:
            ratio[key.replace("_ms", "")] = round(bot["latency"][key] / echo["latency"][key], 2)
    return ratio


def _median_round(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The round whose updates/s ratio is the median, with every round's ratios beside it."""
    order = sorted(rounds, key=lambda r: r["ratio_bot_over_echo"].get("updates_per_s", 0.0))
    chosen = dict(order[(len(order) - 1) // 2])
    first = rounds[0]
    for phase in ("journey", "echo"):  # the lockstep phase and the profile ran in the first round only
        chosen[phase] = {**chosen[phase], "per_step_cpu": first[phase].get("per_step_cpu"),
                         "profile": first[phase].get("profile")}
    chosen["rounds"] = [{"ratio_bot_over_echo": r["ratio_bot_over_echo"],
                         "journey_updates_per_s": r["journey"]["updates_per_s"],
                         "echo_updates_per_s": r["echo"]["updates_per_s"],
                         "journey_cpu_ms_per_update": r["journey"]["bot_cpu_ms_per_update"],
                         "echo_cpu_ms_per_update": r["echo"]["bot_cpu_ms_per_update"],
                         "failures": r["journey"]["failures"] + r["echo"]["failures"],
                         "fake_errors": r["journey"]["fake_errors"] + r["echo"]["fake_errors"]} for r in rounds]
    return chosen


# --------------------------------------------------------------------------- report


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = round(int(line.split()[1]) / 1024 / 1024, 1)
    load = None
    with contextlib.suppress(OSError):
        load = Path("/proc/loadavg").read_text().split()[:3]
    import telegram

    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": ram,
        "python": platform.python_version(),
        "python_telegram_bot": telegram.__version__,
        "sqlite": sqlite3.sqlite_version,
        "os": platform.system(),
        "loadavg_at_start": load,
    }


def table(results: dict[str, Any]) -> str:
    head = (f"{'database':<11} {'journey upd/s':>13} {'p50 ms':>8} {'p99 ms':>8} │ {'echo upd/s':>10} "
            f"{'p50 ms':>8} {'p99 ms':>8} │ {'ratio upd/s':>11} {'p50':>6} {'p99':>6} │ {'fail':>4} {'fake err':>8}")
    lines = [head, "─" * len(head)]
    for db, r in results.items():
        j, e, q = r["journey"], r["echo"], r["ratio_bot_over_echo"]
        fmt = lambda v, w, p=1: f"{v:>{w}.{p}f}" if isinstance(v, (int, float)) else f"{'-':>{w}}"
        lines.append(
            f"{db:<11} {fmt(j['updates_per_s'], 13)} {fmt(j['latency']['p50_ms'], 8)} {fmt(j['latency']['p99_ms'], 8)} │ "
            f"{fmt(e['updates_per_s'], 10)} {fmt(e['latency']['p50_ms'], 8)} {fmt(e['latency']['p99_ms'], 8)} │ "
            f"{fmt(q.get('updates_per_s'), 11, 3)} {fmt(q.get('p50'), 6, 2)} {fmt(q.get('p99'), 6, 2)} │ "
            f"{j['failures'] + e['failures']:>4} {j['fake_errors'] + e['fake_errors']:>8}"
        )
    return "\n".join(lines)


def step_table(results: dict[str, Any]) -> str:
    lines = []
    for db, r in results.items():
        steps = r["journey"]["latency_by_step"]
        lines.append(f"journey steps on {db} (p50 / p99 ms): " + ", ".join(
            f"{name} {s['p50_ms']}/{s['p99_ms']}" for name, s in steps.items()))
        lines.append(f"  CPU of the bot process per update on {db}: journey {r['journey']['bot_cpu_ms_per_update']} ms, "
                     f"echo {r['echo']['bot_cpu_ms_per_update']} ms; PostgreSQL server "
                     f"{r['journey']['cpu_s'].get('postgres_server')} s / {r['echo']['cpu_s'].get('postgres_server')} s "
                     f"(driver + fake server: "
                     f"{r['journey']['cpu_s'].get('driver_and_fake')} s / {r['echo']['cpu_s'].get('driver_and_fake')} s)")
        if len(r.get("rounds", [])) > 1:
            lines.append(f"  rounds on {db} (bot / echo upd/s = ratio; CPU ms per update bot / echo): " + "; ".join(
                f"{x['journey_updates_per_s']} / {x['echo_updates_per_s']} = {x['ratio_bot_over_echo'].get('updates_per_s')}"
                f" ({x['journey_cpu_ms_per_update']} / {x['echo_cpu_ms_per_update']})" for x in r["rounds"]))
        bot_steps_cpu, echo_steps_cpu = (r[p].get("per_step_cpu") or {} for p in ("journey", "echo"))
        if bot_steps_cpu and echo_steps_cpu:
            pairs = zip(bot_steps_cpu["cpu_ms_per_update"].items(), echo_steps_cpu["cpu_ms_per_update"].values(),
                        strict=False)
            lines.append(f"  CPU ms per update, step by step (lockstep, {bot_steps_cpu['residents']} residents), "
                         "bot / echo: " + ", ".join(f"{name} {b}/{e}" for (name, b), e in pairs))
            for failure in bot_steps_cpu["failures"] + echo_steps_cpu["failures"]:
                lines.append(f"  lockstep failure: {failure}")
    return "\n".join(lines)


async def amain(args: argparse.Namespace) -> int:
    dbs = [d.strip() for d in args.db.split(",") if d.strip()]
    info = machine()
    if "postgresql" in dbs:
        info["postgresql"] = await _pg_version()
    print(f"{args.residents} residents × {len(bot_steps())} updates, {args.concurrency} at a time, warm-up {args.warmup}; "
          f"databases: {', '.join(dbs)}", flush=True)
    results: dict[str, Any] = {}
    for kind in dbs:
        results[kind] = await run_database(kind, args)
        j, e = results[kind]["journey"], results[kind]["echo"]
        print(f"  journey {j['updates_per_s']} upd/s p50 {j['latency']['p50_ms']} ms; "
              f"echo {e['updates_per_s']} upd/s p50 {e['latency']['p50_ms']} ms", flush=True)
    print()
    print(table(results))
    print(step_table(results))
    problems = 0
    for db, r in results.items():
        for phase in ("journey", "echo"):
            p = r[phase]
            for failure in p["failure_details"][:5]:
                print(f"FAILURE [{db} {phase}] step={failure['step']} resident={failure['resident']}: {failure['error']}")
            for line in p["fake_error_details"][:5]:
                print(f"FAKE ERROR [{db} {phase}] {line}")
            if p["unexpected_requests"]:
                print(f"UNEXPECTED REQUESTS [{db} {phase}] {p['unexpected_requests']}")
            if p["log_tail"]:
                print(f"LOG [{db} {phase}]\n{p['log_tail']}")
            for line in [x for x in p.get("log_problems", []) if "SECRET_KEY" not in x][:10]:
                print(f"LOGGED [{db} {phase}] {line[:300]}")
        problems += sum(x["failures"] + x["fake_errors"] for x in r["rounds"])
    report = {
        "benchmark": "bench.journey",
        "config": {
            "residents": args.residents,
            "updates_per_resident": 8,
            "concurrency": args.concurrency,
            "warmup_residents": args.warmup,
            "step_timeout_s": args.step_timeout,
            "seed": args.seed,
            "telegram_limits": args.telegram_limits,
        },
        "machine": info,
        "results": results,
    }
    write_report(args.out, report)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.journey", description=__doc__.split("\n\n")[0])
    p.add_argument("--residents", type=int, default=300, help="residents per phase (default 300)")
    p.add_argument("--concurrency", type=int, default=50, help="residents in flight at once (default 50)")
    p.add_argument("--db", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    p.add_argument("--out", default="bench/results/journey.json", help="JSON report ('' for none)")
    p.add_argument("--warmup", type=int, default=10, help="unmeasured residents before each phase (default 10)")
    p.add_argument("--step-timeout", type=float, default=30.0, help="seconds a step may take (default 30)")
    p.add_argument("--phase-timeout", type=float, default=900.0, help="seconds a phase may take (default 900)")
    p.add_argument("--start-timeout", type=float, default=120.0, help="seconds for a bot to start polling")
    p.add_argument("--settle", type=float, default=1.0, help="pause after a phase to catch late requests")
    p.add_argument("--seed", type=int, default=1, help="random seed for the program and rating choices")
    p.add_argument("--log-level", default="WARNING", help="LOG_LEVEL of the bots (default WARNING)")
    p.add_argument("--telegram-limits", choices=("off", "on"), default="off",
                   help="keep Telegram's flood limits in the bot (on) or lift them as the fake server does (off)")
    p.add_argument("--profile", default="", help="folder for py-spy profiles of the bot (one per database)")
    p.add_argument("--rounds", type=int, default=3,
                   help="bot and echo phases, alternating who goes first; the median round is reported (default 3)")
    p.add_argument("--step-cpu", type=int, default=100,
                   help="residents of the lockstep phase that measures CPU per step (default 100; 0: skip it)")
    args = p.parse_args(argv)
    if args.residents < 1 or args.concurrency < 1 or args.rounds < 1:
        p.error("--residents, --concurrency and --rounds must be positive")
    return run_until_signalled(amain, args)


def write_report(path: str | None, report: dict[str, Any]) -> None:
    """The JSON report, when asked for one."""
    if path:
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print(f"\nwrote {path}")


def run_until_signalled(work: Callable[[argparse.Namespace], Awaitable[int]], args: argparse.Namespace) -> int:
    """Run a benchmark to the end, or until Ctrl-C / SIGTERM; no bot process outlives it."""
    try:
        return asyncio.run(_with_signals(work, args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        _kill_leftovers()


async def _with_signals(work: Callable[[argparse.Namespace], Awaitable[int]], args: argparse.Namespace) -> int:
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    assert task is not None
    terminated = []

    def on_sigterm() -> None:
        terminated.append(True)
        task.cancel()

    with contextlib.suppress(NotImplementedError):
        loop.add_signal_handler(signal.SIGTERM, on_sigterm)
    try:
        return await work(args)
    except asyncio.CancelledError:  # SIGTERM, or Ctrl-C (asyncio.run cancels the main task)
        print("terminated" if terminated else "interrupted", file=sys.stderr)
        return 143 if terminated else 130


if __name__ == "__main__":
    sys.exit(main())
