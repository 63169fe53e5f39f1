"""The bot as an operator runs it: `python -m bot.cli` in a subprocess, with an environment of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository: the subprocess imports bot/ from here


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This environment without the bot's settings, a SQLite file in ``tmp_path``, and ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL", "TELEGRAM_API_URL", "ADMIN_IDS")}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "PYTHONPATH": str(ROOT), **extra})
    return env


def quickwin(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`quickwin ARGS` run to its end in ``tmp_path``, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], cwd=tmp_path, env=env_for(tmp_path, **env),
        capture_output=True, text=True, timeout=120, check=False,
    )
