"""The web side under abuse: every dashboard parameter answers 400 (never 500), exports that count first and stream,
CSV that no spreadsheet runs whatever separator it splits on, callback fields matched whole, warnings aggregated.

The dashboard and /api/v1 tests run on SQLite and PostgreSQL (PostgreSQL refuses NUL bytes and integers past 2³¹, SQLite
integers past 2⁶³); the codec, the CSV rule, the webhook body check and the warning log are plain units.
"""

from __future__ import annotations

import base64
import csv
import io
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import event, select
from telegram import Bot
from yarl import URL

from bot.render.callbacks import _FIELDS, ACTIONS, decode
from bot.web import exports
from bot.web.api import encode_cursor
from bot.web.app import build_web_app, parse_update
from bot.web.exports import as_text
from bot.web.inputs import whole_number
from bot.web.repeats import RepeatedWarnings
from storage.db import Database
from storage.models import Feedback, TicketMessage
from tests.support.api_client import NOW, Client, bearer, call, new_token
from tests.support.dashboard_helpers import BANDUNG, Browser, Seeded, Site
from tests.support.fakebot import FakeBotAPI
from tests.support.people import CIREBON
from tests.support.settings import TEST_TOKEN, make_settings

pytest_plugins = ["tests.support.dashboard_fixtures"]  # the site, seeded and officer fixtures

SEPARATORS = (";", ",", "\t")
FORMULA = ("=", "+", "-", "@")
PAYLOADS = [
    '=HYPERLINK("http://x")', "+1+1", "-2+3+cmd|' /C calc'!A0", "@SUM(1)", "\t=1", "\r=1", ' "=1+1',
    'baik;=HYPERLINK("http://x")', "baik,=1+1", "baik\t@SUM(A1)", 'a;"=1+1"', "a; =1", 'a;""=1', "a\n=1",
    "a\r\n-1", "Rp 5.000,-", "harga;+62 812", "ok ,@x", "tidak ada rumus di sini",
]


def cells_of(text: str, separator: str) -> list[str]:
    """The cells of the text split on `separator`, every CR and CRLF read as a line break (as spreadsheets do)."""
    return [cell for row in csv.reader(io.StringIO(text, newline=None), delimiter=separator) for cell in row]


def formula_cells(text: str) -> list[str]:
    """Cells that start a formula when the text is split on any of the separators (leading spaces ignored)."""
    return [cell for sep in SEPARATORS for cell in cells_of(text, sep) if cell.lstrip(" ").startswith(FORMULA)]


def test_csv_cells_never_start_a_formula_whatever_the_separator() -> None:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    for payload in PAYLOADS:
        writer.writerow(["QW-1", as_text(payload), 3])
    assert formula_cells(out.getvalue()) == []
    # The unprotected text does start formulas: the check above can fail.
    raw = io.StringIO()
    csv.writer(raw, quoting=csv.QUOTE_ALL).writerows([["QW-1", p] for p in PAYLOADS])
    assert len(formula_cells(raw.getvalue())) >= 12
    assert as_text("tidak ada rumus di sini") == "tidak ada rumus di sini"
    assert as_text("=1") == "'=1" and as_text("Rp 5.000,-") == "Rp 5.000,'-"


def test_callback_fields_are_matched_whole() -> None:
    assert decode("v1:lang:en") is not None
    for forged in ("v1:lang:en\n", "v1:lang:en\x00", "v1:region:32.73\n", "v1:prog:5\n:0", "v1:rate:5:3\n:" + "a" * 16,
                   "v1:prog:2147483648:0", "v1:prog:9999999999:0", "v1:sum:all\n:7", "v1:consent:yes\r"):
        assert decode(forged) is None, forged
    candidates = ["1", "32.73", "32", "0123456789abcdef", "id", "yes", "3", "selesai", "all", "7", "send", "berjalan",
                  "none", "living"]
    samples = {kind: next((c for c in candidates if pattern.fullmatch(c)), None) for kind, pattern in _FIELDS.items()}
    assert sum(v is not None for v in samples.values()) >= 14
    for action, kinds in ACTIONS.items():
        if any(samples[k] is None for k in kinds):
            continue  # a kind added since, with no sample here
        assert decode(":".join(["v1", action, *(str(samples[k]) for k in kinds)])) is not None, action
        for index in range(len(kinds)):
            for bad in ("\n", "\x00", "\t", "\x7f", "\u0085"):
                parts = [str(samples[k]) + (bad if i == index else "") for i, k in enumerate(kinds)]
                assert decode(":".join(["v1", action, *parts])) is None, (action, index, bad)


def test_whole_numbers_are_ascii_and_bounded() -> None:
    assert whole_number("42", low=1, high=100) == 42
    for bad in ("²", "١", "4²", " 4", "4\n", "+4", "4_0", "", "9" * 19, "0x1", "101"):
        assert whole_number(bad, low=1, high=100) is None, bad


def test_a_webhook_body_that_is_not_an_update_never_reaches_ptb() -> None:
    bot = Bot(TEST_TOKEN)
    chat = {"id": 5, "type": "private"}
    message = {"message_id": 1, "date": 0, "chat": chat, "from": {"id": 5, "is_bot": False, "first_name": "A"}}
    assert parse_update({"update_id": 1, "message": {**message, "text": "/start"}}, bot) is not None
    for body in ([], "x", 5, {}, {"update_id": "1", "message": message}, {"update_id": True, "message": message},
                 {"update_id": 2**64, "message": message}, {"update_id": -1, "message": message}, {"update_id": 1},
                 {"update_id": 1, "message": 5}, {"update_id": 1, "message": {"foo": 1}},
                 {"update_id": 1, "message": message, "callback_query": {}}, {"update_id": 1, "nonsense": {}},
                 {"update_id": 1, "callback_query": {"id": "1"}}, {"update_id": 1, "message": {**message, "text": 5}},
                 {"update_id": 1, "message": {**message, "chat": {"id": "5", "type": "private"}}}):
        assert parse_update(body, bot) is None, body


def test_repeated_warnings_write_one_line_then_one_summary(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    log = logging.getLogger("tests.repeats")
    repeats = RepeatedWarnings(log, window=60, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="tests.repeats"):
        for i in range(600):
            repeats.warn("webhook calls without the right secret token", f"203.0.113.{i % 3}")
        assert [r.getMessage() for r in caplog.records] == [
            "webhook calls without the right secret token from 203.0.113.0"]
        now[0] = 61
        repeats.warn("webhook calls without the right secret token", "203.0.113.0")
        summary = caplog.records[-1].getMessage()
        assert len(caplog.records) == 2 and summary.startswith("599 more webhook calls without the right secret token")
        assert "in the last 60 s" in summary and "203.0.113.1 (200)" in summary
        repeats.close()  # the one counted since is written at shutdown
        assert caplog.records[-1].getMessage().startswith("1 more webhook calls") and len(caplog.records) == 3


# --- the dashboard, signed in ----------------------------------------------------------------------------

CONTROL = ["\x00", "a\x00b", "1\n", "\x1b[31m", "\x7f", "\u0085"]
NUMBERS = ["²", "١", "9" * 40, "1e3", "-1", "0x10", str(2**63), str(2**31)]
PAGES: dict[str, dict[str, list[str]]] = {
    "/dasbor": {"wilayah": ["r32.73\n", "r９９.99", "²"], "periode": ["²", "30\n", "٣٠"], "lang": ["en\n", "e"]},
    "/dasbor/grafik.png": {"wilayah": ["p３２"], "periode": ["7\n", "٧"]},
    "/dasbor/program": {"urut": ["nama\n"], "arah": ["naik\x00"]},
    "/dasbor/masukan": {"program": NUMBERS, "nilai": ["²", "٥", "5\n", "6"], "status": ["baru\n"],
                        "dari": ["２０２５-01-01", "2025-01-01\n", "2025-1-1"], "sampai": ["2025-01-0١"],
                        "hal": NUMBERS, "q": ["a\x00", "\x01"]},
    "/dasbor/ekspor.csv": {"program": NUMBERS, "nilai": ["²"], "dari": ["2025-01-01\x00"], "q": ["\x00"]},
    "/dasbor/ekspor.xlsx": {"program": NUMBERS, "sampai": ["٢٠٢٥-01-01"], "q": ["x\x08"]},
}


async def test_every_dashboard_parameter_answers_400(seeded: Seeded, officer: Browser) -> None:
    for path, parameters in PAGES.items():
        for name, values in parameters.items():
            for value in [*values, *CONTROL]:
                status, page = await officer.get(path, params={name: value})
                assert status == 400 and '<section class="message">' in page, (path, name, value, status)
        status, _ = await officer.get(path, params={"x\x00": "1"})  # even an unknown name
        assert status == 400, path
    for path in ("/dasbor/program/%C2%B2", "/dasbor/program/99999999999", f"/dasbor/program/{2**63}/grafik.png"):
        assert (await officer.get(path))[0] == 404, path  # an id in the path is found or not, never a 500


async def test_forms_refuse_control_characters_and_unreadable_bodies(site: Site, seeded: Seeded, officer: Browser) -> None:
    fid = seeded.tickets["Dokternya ramah"]
    for data in ({"teks": "Terima\x00kasih"}, {"teks": "ok", "kembali": "/dasbor\n"}, {"status": "selesai\x0b"}):
        action = "status" if "status" in data else "jawab"
        assert (await officer.post(f"/dasbor/masukan/{fid}/{action}", data)).status == 400, data
    async with officer.http.post(f"/dasbor/masukan/{fid}/jawab", data=b"csrf=" + officer.csrf.encode() + b"&teks=\xff",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"}) as r:
        assert r.status == 400
    async with site.db.unit_of_work() as s:
        assert (await s.exec(select(TicketMessage))).scalars().all() == []  # type: ignore[call-overload]
    assert (await site.feedback(fid)).status == "baru"
    # Tabs and line breaks are fine in an answer.
    r = await officer.post(f"/dasbor/masukan/{fid}/jawab", {"teks": "Baris satu\n\tBaris dua"})
    assert r.status == 303 and r.headers["Location"] == f"/dasbor/masukan#tiket-{fid}"


# --- exports ----------------------------------------------------------------------------------------------


async def add_comments(site: Site, seeded: Seeded, comments: list[str]) -> None:
    async with site.db.unit_of_work() as s:
        for comment in comments:
            s.add(Feedback(resident_id=None, program_id=seeded.bandung_health, region_code=BANDUNG, rating=3,
                           comment=comment, created_at=datetime.now(UTC)))


async def test_a_csv_export_opened_with_any_separator_has_no_formula(site: Site, seeded: Seeded, officer: Browser) -> None:
    await add_comments(site, seeded, PAYLOADS)
    async with officer.http.get("/dasbor/ekspor.csv") as r:
        assert r.status == 200
        text = (await r.read()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 + 4 + len(PAYLOADS)  # the header, Bandung's four seeded rows, the payloads
    assert formula_cells(text) == []
    quoted = io.StringIO()
    csv.writer(quoted, quoting=csv.QUOTE_ALL).writerows(rows)
    assert quoted.getvalue() == text  # every field quoted


async def test_exports_count_before_loading_and_stream_in_chunks(
    site: Site, seeded: Seeded, officer: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_comments(site, seeded, [f"komentar {i}" for i in range(7)])  # 11 Bandung rows in all
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM feedback" in statement:
            statements.append(statement)

    engines = {site.db.engine.sync_engine, site.db.read_engine.sync_engine}  # exports read on the read-only engine
    for engine in engines:
        event.listen(engine, "before_cursor_execute", seen)
    try:
        monkeypatch.setattr(exports, "EXPORT_MAX", 10)
        for kind in ("csv", "xlsx"):
            status, page = await officer.get(f"/dasbor/ekspor.{kind}")
            assert status == 400 and "Lebih dari 10 baris" in page
        assert statements and all("count(" in s.lower() for s in statements)  # counted, never loaded
        monkeypatch.setattr(exports, "EXPORT_MAX", 50)
        monkeypatch.setattr(exports, "CHUNK", 3)
        statements.clear()
        async with officer.http.get("/dasbor/ekspor.csv") as r:
            assert r.status == 200 and r.headers.get("Transfer-Encoding") == "chunked"  # streamed
            rows = list(csv.reader(io.StringIO((await r.read()).decode("utf-8-sig"))))
        assert len(rows) == 12 and len({row[0] for row in rows[1:]}) == 11  # each row once
        assert len([s for s in statements if "count(" not in s.lower()]) == 4  # 3 + 3 + 3 + 2 rows
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", seen)


# --- the data API -----------------------------------------------------------------------------------------

API_CONTROL = ["\x00", "1\x00", "7\n", "\x1b[0m", "\x7f", "\u0085"]


@pytest.fixture
async def client(fake: FakeBotAPI, db_url: str, db: Database) -> AsyncIterator[Client]:
    app = build_web_app(make_settings(fake.url, db_url), db=db, clock=lambda: NOW, run_workers=False)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


async def test_every_parameter_answers_400_never_500(client: Client, db: Database) -> None:
    """Unicode digits, numbers past 2³¹ or 2⁶³, NUL and other control characters: a 400 naming the parameter."""
    token = await new_token(db, CIREBON)
    feed, summary = f"/api/v1/regions/{CIREBON}/feedback", f"/api/v1/regions/{CIREBON}/summary"
    at = "2026-03-01T00:00:00+00:00"
    cases = {
        (feed, "limit"): ["²", "١٠", "1²", "9" * 5000, "+5", " 5", "5 "],
        (feed, "since"): ["２０２６-03-01T00:00:00+07:00", "2026-03-01T00:00:00+07:00\n", "9999-12-31T23:59:59-23:59",
                          "x" * 5000, "2026-03-01T00:00:00 07:00\n"],
        (feed, "cursor"): [encode_cursor((NOW, 2**63)), encode_cursor((NOW, 2**31)), encode_cursor((NOW, 10**30)),
                           b64(f"１|{at}"), b64(f"5|{at}\n"), b64(f"5\x00|{at}"), b64(f" 5|{at}"), b64(f"5|{at}" + "0" * 90)],
        (summary, "period"): ["²", "7\n", "٧"],
    }
    for (path, name), values in cases.items():
        for value in [*values, *API_CONTROL]:
            status, body, _ = await call(client, path, token, **{name: value})
            assert status == 400 and body["error"]["parameter"] == name, (name, value, body)
    status, body, _ = await call(client, feed, token, **{"x\x00": "1"})
    assert status == 400 and body["error"]["parameter"] == "?"  # a name with control characters is not echoed
    for code in ("%00", "32.74%00", "32.7%0A", "%EF%BC%93%EF%BC%92.74", "3274", "x" * 300):
        async with client.get(URL(f"/api/v1/regions/{code}/feedback", encoded=True), headers=bearer(token)) as r:
            body = await r.json()
            assert r.status == 400 and body["error"]["parameter"] == "code", (code, body)
    for largest in (encode_cursor((NOW, 2**31 - 1)), encode_cursor((NOW, 0))):  # the edges that are ours still work
        status, body, _ = await call(client, feed, token, cursor=largest)
        assert status == 200 and body["items"] == []
