"""`quickwin opendata push` against the CKAN stand-in, on SQLite and PostgreSQL: create, then update, never twice."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.db import Database
from tests.storage.test_opendata import AS_OF, CIREBON, COMMENT, PRODUCER, seed_feedback
from tests.support.ckan_standin import CkanStandin
from tests.support.processes import quickwin

KEY = "ckan-test-key-0123456789"
FILES = ("quickwin-32-74.csv", "quickwin-32-74.json", "quickwin-32-74.metadata.json")


@pytest.fixture
async def ckan() -> AsyncIterator[CkanStandin]:
    server = CkanStandin(api_key=KEY, orgs=("diskominfo-cirebon",))
    await server.start()
    yield server
    await server.stop()


async def push(tmp_path: Path, db_url: str, ckan: CkanStandin, *args: str, **env: str):
    return await asyncio.to_thread(quickwin, tmp_path, "opendata", "push", "--ckan", ckan.url, *args,
                                   DATABASE_URL=db_url, **{**PRODUCER, **env})


async def test_the_first_push_creates_the_datasets_and_the_second_updates_them(
        db: Database, db_url: str, tmp_path: Path, ckan: CkanStandin) -> None:
    await seed_feedback(db)
    first = await push(tmp_path, db_url, ckan, "--org", "diskominfo-cirebon", "--region", CIREBON, "--as-of", AS_OF,
                       CKAN_API_KEY=KEY)
    assert first.returncode == 0, first.stderr
    assert "created quickwin-32-74: 3 file(s) added, 0 replaced" in first.stdout
    package = ckan.packages["quickwin-32-74"]
    assert package["owner_org"] == "diskominfo-cirebon" and package["license_id"] == "cc-by"
    assert package["title"] == "Penilaian warga atas program quick win, Kota Cirebon, bulanan"
    assert package["maintainer_email"] == "data@cirebonkota.go.id"
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["frekuensi_penerbitan"] == "Bulanan" and extras["produsen_data"] == PRODUCER["OPENDATA_PRODUCER"]
    assert [r["name"] for r in package["resources"]] == list(FILES)
    assert all(r["url_type"] == "upload" for r in package["resources"])
    uploaded = {r["name"]: ckan.uploads[r["id"]] for r in package["resources"]}
    assert uploaded["quickwin-32-74.csv"].startswith(b"periode_mulai,periode_selesai,")
    assert json.loads(uploaded["quickwin-32-74.metadata.json"])["kode_wilayah"] == CIREBON
    assert COMMENT.encode() not in b"".join(uploaded.values())
    first_ids = [r["id"] for r in package["resources"]]

    # A month later: the same datasets, their files replaced, no second resource of a name.
    second = await push(tmp_path, db_url, ckan, "--org", "diskominfo-cirebon", "--region", CIREBON, "--api-key", KEY,
                        "--as-of", "2026-04-20T12:00:00Z")
    assert second.returncode == 0, second.stderr
    assert "updated quickwin-32-74: 0 file(s) added, 3 replaced" in second.stdout
    assert "0 created, 1 updated" in second.stdout
    package = ckan.packages["quickwin-32-74"]
    assert list(ckan.packages) == ["quickwin-32-74"] and [r["id"] for r in package["resources"]] == first_ids
    assert json.loads(ckan.uploads[first_ids[2]])["periode_data"]["selesai"] == "2026-04-30"
    assert ckan.calls.count("package_create") == 1 and ckan.calls.count("package_patch") == 1
    assert ckan.calls.count("resource_create") == 3 and ckan.calls.count("resource_update") == 3
    assert KEY not in first.stdout + first.stderr + second.stdout + second.stderr


async def test_a_bad_key_a_missing_organization_and_no_key_stop_the_push_clearly(
        db: Database, db_url: str, tmp_path: Path, ckan: CkanStandin) -> None:
    bad = await push(tmp_path, db_url, ckan, "--org", "diskominfo-cirebon", "--region", CIREBON,
                     CKAN_API_KEY="not-the-key-9876543210")
    assert bad.returncode == 1 and "403 Authorization Error" in bad.stderr and "CKAN_API_KEY" in bad.stderr
    assert "not-the-key-9876543210" not in bad.stdout + bad.stderr and "Traceback" not in bad.stderr
    assert ckan.packages == {}

    no_org = await push(tmp_path, db_url, ckan, "--region", CIREBON, CKAN_API_KEY=KEY)
    assert no_org.returncode == 1 and "An organization must be provided" in no_org.stderr
    unknown_org = await push(tmp_path, db_url, ckan, "--org", "dinas-lain", "--region", CIREBON, CKAN_API_KEY=KEY)
    assert unknown_org.returncode == 1 and "no organization 'dinas-lain'" in unknown_org.stderr

    no_key = await push(tmp_path, db_url, ckan, "--org", "diskominfo-cirebon", CKAN_API_KEY="")
    assert no_key.returncode == 2 and "--api-key KEY, or the CKAN_API_KEY" in no_key.stderr
    nothing = await asyncio.to_thread(quickwin, tmp_path, "opendata", "push", "--ckan", "http://127.0.0.1:9",
                                      "--region", CIREBON, DATABASE_URL=db_url, CKAN_API_KEY=KEY, **PRODUCER)
    assert nothing.returncode == 1 and "Could not show dataset quickwin-32-74" in nothing.stderr
    assert ckan.packages == {}
