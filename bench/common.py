"""What the benchmarks share: the bot as a subprocess, the databases, statistics, the machine, the report.

Every benchmark starts the real bot (``python -m bot.cli run``) or the bare echo bot as a child process
against the fake Bot API of tests/support/fakebot/, on a fresh SQLite file or PostgreSQL database, and writes
its figures as JSON beside a table; no child outlives a benchmark, even on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import json
import os
import platform
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg

from tests.support.fakebot import FakeBotAPI

REPO = Path(__file__).resolve().parent.parent


TOKEN = "7000001:bench-token-for-the-local-fake-server"


PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


PG_BASE = "postgresql+asyncpg://postgres@127.0.0.1:5432"


now = time.perf_counter


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

    async def wait_ready(self, fake: FakeBotAPI, timeout: float) -> float:
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


async def pg_admin(sql: str) -> Any:
    """Run one statement as the PostgreSQL admin; a SELECT's single value is returned."""
    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=10)
    try:
        return await conn.fetchval(sql) if sql.startswith("SELECT") else await conn.execute(sql)
    finally:
        await conn.close()


async def pg_version() -> str | None:
    try:
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
        await pg_admin(f'CREATE DATABASE "{name}"')
        try:
            yield f"{PG_BASE}/{name}"
        finally:
            await asyncio.wait_for(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'), 30)
    else:
        raise SystemExit(f"unknown database {kind!r} (use sqlite, postgresql)")


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

