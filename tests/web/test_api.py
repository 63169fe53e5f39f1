"""The data API under /api/v1: every route and every refusal, over HTTP, on SQLite and PostgreSQL; and `quickwin token`."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import event, select

from bot.config import Settings
from bot.services import api_tokens
from bot.web.api import decode_cursor, encode_cursor
from bot.web.app import build_web_app
from storage.db import Database
from storage.models import ApiToken, AuditEntry, Feedback, Program, Resident
from tests.support.api_client import NOW, Client, bearer, call, new_token
from tests.support.fakebot import FakeBotAPI
from tests.support.harness import pseudonym_of
from tests.support.processes import quickwin
from tests.support.settings import make_settings

BANDUNG, CIREBON, AMBON = "32.73", "32.74", "81.71"  # Cirebon (WIB) and Ambon (WIT) have seeded programs
DAY = timedelta(days=1)

@pytest.fixture
def settings(fake: FakeBotAPI, db_url: str) -> Settings:
    return make_settings(fake.url, db_url)


@pytest.fixture
async def client(settings: Settings, db: Database) -> AsyncIterator[Client]:
    app = build_web_app(settings, db=db, clock=lambda: NOW, run_workers=False)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c


def refused(body: Any, code: str) -> str:
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    return str(body["error"]["message"])


async def first_program(db: Database, region: str) -> tuple[int, str]:
    async with db.unit_of_work() as s:
        row = (await s.exec(select(Program.id, Program.name).where(Program.region_code == region).order_by(Program.id))).first()  # type: ignore[call-overload]
    assert row is not None
    return int(row[0]), str(row[1])


async def add_feedback(db: Database, rows: list[dict[str, Any]], residents: tuple[int, ...] = ()) -> list[int]:
    async with db.unit_of_work() as s:
        s.add_all([Resident(telegram_id=rid) for rid in residents])
        await s.flush()
        objects = [Feedback(**{"status": "baru", "updated_at": row["created_at"], **row}) for row in rows]
        s.add_all(objects)
        await s.flush()
        return [int(o.id) for o in objects]  # type: ignore[arg-type]


async def feedback_row(db: Database, feedback_id: int) -> Feedback:
    async with db.unit_of_work() as s:
        row = await s.get(Feedback, feedback_id)
    assert row is not None
    return row


async def test_regions_lists_every_region_to_any_valid_token(client: Client, db: Database) -> None:
    token = await new_token(db, CIREBON, "Satu Data Cirebon")
    status, body, _ = await call(client, "/api/v1/regions", token)
    assert status == 200
    assert len(body["regions"]) == 514
    assert [r["code"] for r in body["regions"]] == sorted(r["code"] for r in body["regions"])
    bandung = next(r for r in body["regions"] if r["code"] == BANDUNG)
    assert bandung == {
        "code": BANDUNG, "name": "Kota Bandung", "kind": "kota", "province": "Jawa Barat", "province_code": "32",
        "timezone": "WIB", "utc_offset": "+07:00", "cohort_year": 2017,
    }
    ambon = next(r for r in body["regions"] if r["code"] == AMBON)
    assert (ambon["timezone"], ambon["utc_offset"]) == ("WIT", "+09:00")
    status, body, _ = await call(client, "/api/v1/regions", token, region="32.73")
    assert status == 400 and "Unknown parameter 'region'" in refused(body, "unknown_parameter")
    assert body["error"]["parameter"] == "region"


async def test_token_refusals(client: Client, db: Database) -> None:
    cirebon = await new_token(db, CIREBON)
    revoked = await new_token(db, CIREBON, "old")
    async with db.unit_of_work() as s:
        outcome, _ = await api_tokens.revoke_token(s, token_id=2, now=NOW)
    assert outcome is api_tokens.RevokeOutcome.REVOKED
    paths = ("/api/v1/regions", f"/api/v1/regions/{CIREBON}/summary", f"/api/v1/regions/{CIREBON}/feedback")
    for path in paths:
        status, body, headers = await call(client, path)
        assert status == 401 and "Authorization: Bearer" in refused(body, "missing_token")
        assert headers["WWW-Authenticate"] == 'Bearer realm="quickwin"'
        for bad in ("qwk_" + "x" * 43, "not-a-quickwin-token", cirebon[:-1]):
            status, body, headers = await call(client, path, bad)
            assert status == 401 and "not valid" in refused(body, "invalid_token")
            assert 'error="invalid_token"' in headers["WWW-Authenticate"]
        status, body, _ = await call(client, path, revoked)
        assert status == 401 and "revoked" in refused(body, "revoked_token")
        async with client.get(path, headers={"Authorization": f"Basic {cirebon}"}) as r:
            assert r.status == 401 and "'Bearer <token>'" in refused(await r.json(), "invalid_token")
        status, _, _ = await call(client, path, cirebon)
        assert status == 200
    # Errors about the request come only after the token: a stranger learns nothing else.
    status, body, _ = await call(client, f"/api/v1/regions/{CIREBON}/feedback", limit="0")
    assert status == 401 and body["error"]["code"] == "missing_token"


async def test_a_token_reads_only_its_own_region(client: Client, db: Database) -> None:
    cirebon = await new_token(db, CIREBON)
    for what in ("summary", "feedback"):
        status, body, _ = await call(client, f"/api/v1/regions/{BANDUNG}/{what}", cirebon)
        assert status == 403
        assert refused(body, "forbidden_region") == f"This token is for region {CIREBON}; it cannot read region {BANDUNG}."
        status, body, _ = await call(client, f"/api/v1/regions/99.99/{what}", cirebon)
        assert status == 404 and "no region with the code '99.99'" in refused(body, "unknown_region")


async def test_unknown_routes_and_methods_answer_in_json(client: Client, db: Database) -> None:
    token = await new_token(db, CIREBON)
    for path in ("/api/v1/nowhere", "/api/v1", "/api/v1/regions/32.74", f"/api/v1/regions/{CIREBON}/summary/x"):
        status, body, _ = await call(client, path, token)
        assert status == 404 and "/api/v1/regions" in refused(body, "not_found"), path
    async with client.post("/api/v1/regions", headers=bearer(token), json={}) as r:
        assert r.status == 405 and r.headers["Allow"] == "GET, HEAD"
        assert "use GET" in refused(await r.json(), "method_not_allowed")
    async with client.get("/healthz") as r:  # the rest of the web app is untouched
        assert r.status == 200 and "Cache-Control" not in r.headers


async def test_an_unexpected_failure_is_a_json_500_without_details(
    client: Client, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await new_token(db, CIREBON)

    async def broken(_session: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api_tokens, "regions", broken)
    status, body, _ = await call(client, "/api/v1/regions", token)
    assert status == 500 and "secret internals" not in json.dumps(body)
    assert "try again later" in refused(body, "internal_error")


async def test_summary_figures_of_the_tokens_region(client: Client, db: Database) -> None:
    token = await new_token(db, CIREBON)
    pid, name = await first_program(db, CIREBON)
    ambon_pid, _ = await first_program(db, AMBON)
    await add_feedback(db, [
        {"region_code": CIREBON, "program_id": pid, "rating": 5, "created_at": NOW - DAY, "comment": "antrian cepat"},
        {"region_code": CIREBON, "program_id": pid, "rating": 4, "created_at": NOW - 2 * DAY, "comment": "antrian lancar"},
        {"region_code": CIREBON, "program_id": pid, "rating": 2, "created_at": NOW - 10 * DAY},
        {"region_code": CIREBON, "program_id": pid, "rating": 1, "created_at": NOW - 40 * DAY, "status": "selesai"},
        {"region_code": AMBON, "program_id": ambon_pid, "rating": 1, "created_at": NOW - DAY, "comment": "buruk"},
    ])
    status, body, _ = await call(client, f"/api/v1/regions/{CIREBON}/summary", token)
    assert status == 200
    assert body["region"] == {"code": CIREBON, "name": "Kota Cirebon", "timezone": "WIB"}
    assert body["period"] == {"days": 30, "since": "2026-02-18T12:00:00+07:00", "until": "2026-03-20T12:00:00+07:00"}
    assert (body["ratings"], body["comments"], body["average"]) == (3, 2, 3.67)
    assert body["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}
    assert body["previous"] == {"ratings": 1, "comments": 0, "average": 1.0,
                                "distribution": {"1": 1, "2": 0, "3": 0, "4": 0, "5": 0}}
    assert body["programs"] == [{"id": pid, "name": name, "ratings": 3, "average": 3.67, "score": 3.67}]
    assert body["waiting"] == 2  # comments still 'baru'
    assert len(body["weekly"]) == 12 and body["weekly"][-1] == {"week_start": "2026-03-16", "ratings": 2, "average": 4.5}
    assert {"topic": "antrian", "count": 2} in body["topics"]

    status, body, _ = await call(client, f"/api/v1/regions/{CIREBON}/summary", token, period="7")
    assert (status, body["period"]["days"], body["ratings"], body["previous"]["ratings"]) == (200, 7, 2, 1)
    status, body, _ = await call(client, f"/api/v1/regions/{CIREBON}/summary", token, period="all")
    assert (status, body["period"]["days"], body["period"]["since"], body["ratings"]) == (200, None, None, 4)
    assert body["previous"] is None
    for bad in ("90", "", "ALL", "7d"):
        status, body, _ = await call(client, f"/api/v1/regions/{CIREBON}/summary", token, period=bad)
        assert status == 400 and "period must be 7, 30 or all" in refused(body, "invalid_parameter")
        assert body["error"]["parameter"] == "period"


async def test_feedback_pages_with_pseudonyms_in_the_regions_zone(
    client: Client, db: Database, settings: Settings
) -> None:
    token = await new_token(db, CIREBON)
    pid, name = await first_program(db, CIREBON)
    ambon_pid, _ = await first_program(db, AMBON)
    base = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
    rows = [
        {"region_code": CIREBON, "program_id": pid, "rating": 1 + i % 5, "created_at": base + i * DAY,
         "resident_id": 7001 if i % 2 == 0 else None, "comment": f"komentar {i}" if i % 3 == 0 else None}
        for i in range(6)
    ]
    rows.append({**rows[0], "created_at": base + 2 * DAY, "resident_id": 7002})  # same instant as rows[2]
    rows[0] = {**rows[0], "superseded": True, "status": "selesai", "satisfied": True}
    ids = await add_feedback(db, [*rows, {"region_code": AMBON, "program_id": ambon_pid, "rating": 3,
                                          "created_at": base, "resident_id": 7003}], residents=(7001, 7002, 7003))
    cirebon_ids, ambon_id = ids[:-1], ids[-1]
    expected_order = [cirebon_ids[i] for i in (0, 1, 2, 6, 3, 4, 5)]  # by time, then id

    status, body, _ = await call(client, f"/api/v1/regions/{CIREBON}/feedback", token)
    assert status == 200 and body["next_cursor"] is None
    assert [item["id"] for item in body["items"]] == expected_order
    first = body["items"][0]
    assert first == {
        "ticket": (await feedback_row(db, cirebon_ids[0])).ticket, "id": cirebon_ids[0], "program": {"id": pid, "name": name},
        "rating": 1, "comment": "komentar 0", "status": "selesai", "satisfied": True, "current": False,
        "created_at": "2026-03-01T08:00:00+07:00", "updated_at": "2026-03-01T08:00:00+07:00",
        "resident": await pseudonym_of(db, settings, CIREBON, 7001), "has_photo": False,
    }
    assert body["items"][1]["resident"] is None and body["items"][1]["comment"] is None
    assert body["items"][3]["resident"] == await pseudonym_of(db, settings, CIREBON, 7002) != first["resident"]
    assert first["ticket"].startswith("3274-")
    text = json.dumps(body)
    assert "7001" not in text and "7002" not in text and str(ambon_id) not in [str(i["id"]) for i in body["items"]]

    # Three pages of three, two and two: the tie at one instant is split across a page boundary.
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": "3"} | ({"cursor": cursor} if cursor else {})
        status, body, _ = await call(client, f"/api/v1/regions/{CIREBON}/feedback", token, **params)
        assert status == 200
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == expected_order and pages == 3

    # since: inclusive, any offset; an unencoded '+' (arriving as a space) is understood.
    for since in ("2026-03-03T08:00:00+07:00", "2026-03-03T01:00:00Z", "2026-03-03T10:00:00+09:00"):
        status, body, _ = await call(client, f"/api/v1/regions/{CIREBON}/feedback", token, since=since)
        assert status == 200 and [item["id"] for item in body["items"]] == expected_order[2:], since
    async with client.get(f"/api/v1/regions/{CIREBON}/feedback?since=2026-03-03T08:00:00+07:00&limit=2",
                          headers=bearer(token)) as r:
        body = await r.json()
        assert r.status == 200 and [item["id"] for item in body["items"]] == expected_order[2:4]
    status, body, _ = await call(client, f"/api/v1/regions/{CIREBON}/feedback", token,
                                 since="2026-03-03T08:00:00+07:00", limit="2", cursor=body["next_cursor"])
    assert [item["id"] for item in body["items"]] == expected_order[4:6] and body["next_cursor"] is not None

    # Ambon's own token sees Ambon's rating, in Ambon's zone (WIT).
    status, body, _ = await call(client, f"/api/v1/regions/{AMBON}/feedback", await new_token(db, AMBON))
    assert status == 200 and [item["id"] for item in body["items"]] == [ambon_id]
    assert body["items"][0]["created_at"] == "2026-03-01T10:00:00+09:00"


async def test_feedback_parameters_are_checked(client: Client, db: Database) -> None:
    token = await new_token(db, CIREBON)
    path = f"/api/v1/regions/{CIREBON}/feedback"
    cases = {
        "since": ["2026-03-01T00:00:00", "2026-03-01", "yesterday", "", "0001-01-01T00:00:00+07:00"],
        "limit": ["0", "501", "-1", "abc", "10.5", ""],
        "cursor": ["not-a-cursor", "!!!", encode_cursor((NOW, 1))[:-3] + "***", "x" * 200, "MTI"],
    }
    for name, values in cases.items():
        for value in values:
            status, body, _ = await call(client, path, token, **{name: value})
            message = refused(body, "invalid_parameter")
            assert status == 400 and message.startswith(name) and body["error"]["parameter"] == name, (name, value)
    status, body, _ = await call(client, path, token, since="2026-03-01T00:00:00")
    assert "needs a UTC offset" in body["error"]["message"]
    status, body, _ = await call(client, path, token, sinse="2026-03-01T00:00:00Z")
    assert status == 400 and refused(body, "unknown_parameter") == "Unknown parameter 'sinse': it takes since, limit, cursor."
    async with client.get(f"{path}?limit=5&limit=6", headers=bearer(token)) as r:
        body = await r.json()
        assert r.status == 400 and body["error"] == {
            "code": "invalid_parameter", "message": "Give the parameter 'limit' only once.", "parameter": "limit"}
    for limit in ("1", "500"):
        status, _, _ = await call(client, path, token, limit=limit)
        assert status == 200


def test_cursor_round_trip() -> None:
    at = datetime(2026, 3, 1, 1, 2, 3, 456789, tzinfo=UTC)
    assert decode_cursor(encode_cursor((at, 42))) == (at, 42)


async def test_one_page_costs_the_same_queries_whatever_its_size(client: Client, db: Database) -> None:
    """No N+1: token, region and one page query, for two items or fifty."""
    token = await new_token(db, CIREBON)
    pid, _ = await first_program(db, CIREBON)
    await add_feedback(db, [
        {"region_code": CIREBON, "program_id": pid, "rating": 3, "created_at": NOW - i * DAY / 10, "resident_id": 7100 + i}
        for i in range(50)
    ], residents=tuple(7100 + i for i in range(50)))
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        counts = []
        for limit in ("2", "50"):
            statements.clear()
            status, body, _ = await call(client, f"/api/v1/regions/{CIREBON}/feedback", token, limit=limit)
            assert status == 200 and len(body["items"]) == int(limit)
            counts.append(len(statements))
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert counts == [3, 3]


async def test_revoking_a_token_refuses_it_at_once(client: Client, db: Database) -> None:
    token = await new_token(db, CIREBON)
    assert (await call(client, f"/api/v1/regions/{CIREBON}/summary", token))[0] == 200
    async with db.unit_of_work() as s:
        row = await s.get(ApiToken, 1)
        assert row is not None and row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert (await api_tokens.revoke_token(s, token_id=1, now=NOW))[0] is api_tokens.RevokeOutcome.REVOKED
        assert (await api_tokens.revoke_token(s, token_id=1, now=NOW))[0] is api_tokens.RevokeOutcome.ALREADY
        assert (await api_tokens.revoke_token(s, token_id=99, now=NOW))[0] is api_tokens.RevokeOutcome.UNKNOWN
    status, body, _ = await call(client, f"/api/v1/regions/{CIREBON}/summary", token)
    assert status == 401 and body["error"]["code"] == "revoked_token"
    async with db.unit_of_work() as s:
        log = (await s.exec(select(AuditEntry.action, AuditEntry.target, AuditEntry.actor_id).order_by(AuditEntry.id))).all()  # type: ignore[call-overload]
    assert [tuple(row) for row in log] == [("api_token.create", "1", None), ("api_token.revoke", "1", None)]


def test_token_command_line(tmp_path: Path) -> None:
    assert quickwin(tmp_path, "seed").returncode == 0
    assert "No API tokens yet" in quickwin(tmp_path, "token", "list").stdout
    created = quickwin(tmp_path, "token", "create", "--region", BANDUNG, "--label", "Satu Data Bandung")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert secret.startswith("qwk_") and len(secret) == 47 and "\n" not in secret
    assert 'Created API token 1 "Satu Data Bandung" for Kota Bandung (32.73).' in created.stderr
    assert "only time it is shown" in created.stderr
    assert quickwin(tmp_path, "token", "create", "--region", CIREBON).returncode == 0

    listed = quickwin(tmp_path, "token", "list").stdout.splitlines()
    assert listed[0].startswith("1\t32.73 Kota Bandung\tSatu Data Bandung\tcreated ") and listed[0].endswith("\tactive")
    assert listed[1].startswith("2\t32.74 Kota Cirebon\t-\t")
    assert secret not in "\n".join(listed)

    revoked = quickwin(tmp_path, "token", "revoke", "1")
    assert revoked.returncode == 0 and "Revoked API token 1 (32.73, Satu Data Bandung)" in revoked.stdout
    assert "\trevoked 20" in quickwin(tmp_path, "token", "list").stdout.splitlines()[0]
    again = quickwin(tmp_path, "token", "revoke", "1")
    assert again.returncode == 1 and "already revoked" in again.stderr
    missing = quickwin(tmp_path, "token", "revoke", "9")
    assert missing.returncode == 1 and "No API token with id 9" in missing.stderr
    unknown = quickwin(tmp_path, "token", "create", "--region", "99.99")
    assert unknown.returncode == 2 and "Unknown region code: 99.99" in unknown.stderr and not unknown.stdout
    long = quickwin(tmp_path, "token", "create", "--region", BANDUNG, "--label", "x" * 101)
    assert long.returncode == 2 and "keep it to 100" in long.stderr

    with sqlite3.connect(tmp_path / "cli.db") as conn:
        hashes = conn.execute("SELECT token_hash FROM api_tokens ORDER BY id").fetchall()
        audit = conn.execute("SELECT action, target, actor_id FROM audit_log ORDER BY id").fetchall()
    assert hashes[0] == (hashlib.sha256(secret.encode()).hexdigest(),) and len(hashes) == 2
    assert audit == [("api_token.create", "1", None), ("api_token.create", "2", None), ("api_token.revoke", "1", None)]
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("cli.db*"))
    assert secret.encode() not in stored
