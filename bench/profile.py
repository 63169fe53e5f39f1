"""Sampling profiles of a bot process during a benchmark, and their top entries.

`Profiler(pid, path)` runs ``py-spy record --format raw`` against the process (py-spy comes with
``pip install -e '.[bench]'``); `top_entries(path)` reads the collapsed stacks it wrote and returns
the functions that were on the CPU most: by *self* samples (the function itself was running) and
by *total* samples (it was anywhere on the stack).

    python -m bench.profile FILE [--top 25]     # print the tables of a recorded profile
"""

from __future__ import annotations

import argparse
import collections
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

RATE = 250  # samples per second


class Profiler:
    """py-spy attached to a running process until `stop()`; does nothing when py-spy is missing."""

    def __init__(self, pid: int, path: Path, rate: int = RATE) -> None:
        self.path = path
        exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        self.available = Path(exe).exists()
        self.proc: subprocess.Popen[bytes] | None = None
        if self.available:
            self.proc = subprocess.Popen(
                [exe, "record", "--pid", str(pid), "--rate", str(rate), "--format", "raw", "--nonblocking",
                 "--output", str(path)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _frame_name(frame: str) -> str:
    """`handle (handlers/common.py:93)` → `handlers/common.py:handle`; line numbers folded away."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    path = where.rsplit(":", 1)[0]
    for marker in ("site-packages/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    else:
        parts = Path(path).parts
        path = "/".join(parts[-2:]) if len(parts) >= 2 else path
    return f"{path}:{name}"


def top_entries(path: Path, top: int = 20) -> dict[str, Any]:
    """Self and total sample counts per function, as shares of all samples."""
    own: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame_name(f) for f in stack.split(";") if f and not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        samples += count
        own[frames[-1]] += count
        for name in set(frames):
            total[name] += count

    def share(counter: collections.Counter[str]) -> list[list[Any]]:
        return [[name, round(100 * n / samples, 1)] for name, n in counter.most_common(top)]

    return {"samples": samples, "self_pct": share(own), "total_pct": share(total)}


def table(entries: dict[str, Any], top: int = 15) -> str:
    lines = [f"profile: {entries['samples']} samples", "| self % | function | | total % | function |",
             "|---:|---|---|---:|---|"]
    for (s_name, s_pct), (t_name, t_pct) in zip(entries["self_pct"][:top], entries["total_pct"][:top], strict=False):
        lines.append(f"| {s_pct} | `{s_name}` | | {t_pct} | `{t_name}` |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profile")
    p.add_argument("file", type=Path)
    p.add_argument("--top", type=int, default=25)
    args = p.parse_args(argv)
    print(table(top_entries(args.file, args.top), args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
