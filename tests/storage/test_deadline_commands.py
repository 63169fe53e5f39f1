"""`quickwin region set-days/show` and `quickwin official add --coordinator`, run as an operator would."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.support.processes import quickwin


def test_a_region_gets_its_own_days_and_a_coordinator(tmp_path: Path) -> None:
    assert quickwin(tmp_path, "seed").returncode == 0
    shown = quickwin(tmp_path, "region", "show", "32.73")
    assert shown.returncode == 0 and "5 working days" in shown.stdout and "ANSWER_DAYS" in shown.stdout
    assert "7 working days" in quickwin(tmp_path, "region", "show", "32.73", ANSWER_DAYS="7").stdout
    set_ = quickwin(tmp_path, "region", "set-days", "32.73", "3")
    assert set_.returncode == 0 and "within 3 working days (its own)" in set_.stdout
    assert "3 working days" in quickwin(tmp_path, "region", "show", "32.73").stdout
    for bad in ("0", "61", "tiga"):
        refused = quickwin(tmp_path, "region", "set-days", "32.73", bad)
        assert refused.returncode == 2 and "from 1 to 60" in refused.stderr and "Traceback" not in refused.stderr
    unknown = quickwin(tmp_path, "region", "set-days", "99.99", "3")
    assert unknown.returncode == 2 and "Unknown region" in unknown.stderr
    assert "ANSWER_DAYS, the default" in quickwin(tmp_path, "region", "set-days", "32.73", "default").stdout

    added = quickwin(tmp_path, "official", "add", "--telegram-id", "8102", "--region", "32.73", "--coordinator")
    assert added.returncode == 0 and "Coordinator of: 32.73" in added.stdout
    assert "coordinator of 32.73" in quickwin(tmp_path, "official", "list").stdout
    again = quickwin(tmp_path, "official", "add", "--telegram-id", "8102", "--region", "32.73")
    assert again.returncode == 0 and "coordinator of 32.73" in quickwin(tmp_path, "official", "list").stdout  # unchanged
    quickwin(tmp_path, "official", "add", "--telegram-id", "8102", "--region", "32.73", "--no-coordinator")
    assert "coordinator" not in quickwin(tmp_path, "official", "list").stdout
    alone = quickwin(tmp_path, "official", "add", "--telegram-id", "8103", "--admin", "--coordinator")
    assert alone.returncode == 2 and "--region" in alone.stderr

    with sqlite3.connect(tmp_path / "cli.db") as db:
        actions = [row[0] for row in db.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions.count("region.answer_days") == 2 and actions.count("official.add") == 3
