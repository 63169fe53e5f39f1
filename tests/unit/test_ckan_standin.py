"""The CKAN stand-in refuses what a real CKAN refuses, with CKAN's envelope, status codes and error types."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import ckanapi
import pytest

from tests.support.ckan_standin import CkanStandin

KEY = "ckan-test-key-0123456789"


@pytest.fixture
async def ckan() -> AsyncIterator[CkanStandin]:
    server = CkanStandin(api_key=KEY)
    await server.start()
    yield server
    await server.stop()


async def call(ckan: CkanStandin, action: str, body: dict[str, Any] | None = None, *, key: str | None = KEY,
               form: aiohttp.FormData | None = None) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": key} if key else {}
    async with aiohttp.ClientSession() as http:
        kwargs: dict[str, Any] = {"data": form} if form is not None else {"json": body or {}}
        async with http.post(f"{ckan.url}/api/3/action/{action}", headers=headers, **kwargs) as response:
            return response.status, await response.json()


def package(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "title": "Penilaian program", "owner_org": "diskominfo", "license_id": "cc-by", **extra}


@pytest.mark.parametrize("name, message", [
    ("A", "Must be at least 2 characters long"),
    ("x", "Must be at least 2 characters long"),
    ("a" * 101, "Name must be a maximum of 100 characters long"),
    ("Penilaian-Program", "Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_"),
    ("penilaian program", "Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_"),
    ("penilaian.program", "Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_"),
    ("penilaian-é", "Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_"),
    ("", "Missing value"),
])
async def test_a_package_name_outside_ckans_rules_is_refused(ckan: CkanStandin, name: str, message: str) -> None:
    status, body = await call(ckan, "package_create", package(name))
    assert status == 409 and body["success"] is False
    assert body["error"]["__type"] == "Validation Error" and message in body["error"]["name"]
    assert ckan.packages == {}


async def test_names_of_2_and_100_characters_pass_and_a_taken_name_is_refused(ckan: CkanStandin) -> None:
    for name in ("ab", "a" * 100, "quickwin_32-73"):
        status, body = await call(ckan, "package_create", package(name))
        assert status == 200 and body["success"] is True and body["result"]["name"] == name
    status, body = await call(ckan, "package_create", package("ab"))
    assert status == 409 and body["error"]["name"] == ["That URL is already in use."]
    assert len(ckan.packages) == 3


@pytest.mark.parametrize("change, field, message", [
    ({"owner_org": None}, "owner_org", "An organization must be provided"),
    ({"owner_org": "dinas-lain"}, "owner_org", "Organization does not exist"),
    ({"license_id": "cc-by-4.0-typo"}, "license_id", "not in the portal's licence register"),
    ({"extras": [{"key": "title", "value": "x"}]}, "extras", "There is a schema field with the same name"),
    ({"extras": [{"key": "a", "value": "1"}, {"key": "a", "value": "2"}]}, "extras", "Duplicate key"),
    ({"tags": [{"name": "x"}]}, "tags", "length must be between 2 and 100"),
    ({"tags": [{"name": "data/umum"}]}, "tags", "must be alphanumeric"),
])
async def test_required_fields_and_known_values_are_checked(ckan: CkanStandin, change: dict[str, Any], field: str,
                                                            message: str) -> None:
    status, body = await call(ckan, "package_create", package("penilaian", **change))
    assert status == 409 and body["error"]["__type"] == "Validation Error"
    assert message in str(body["error"][field])


async def test_writes_need_the_key_and_reads_do_not(ckan: CkanStandin) -> None:
    for key in (None, "wrong-key"):
        status, body = await call(ckan, "package_create", package("penilaian"), key=key)
        assert status == 403 and body["error"]["__type"] == "Authorization Error"
    assert ckan.packages == {}
    status, body = await call(ckan, "package_show", {"id": "penilaian"}, key=None)
    assert status == 404 and body["error"] == {"__type": "Not Found Error", "message": "Not found"}
    assert (await call(ckan, "organization_show", {"id": "diskominfo"}, key=None))[0] == 200
    assert (await call(ckan, "organization_show", {"id": "tidak-ada"}, key=None))[0] == 404


async def test_a_resource_needs_its_package_and_an_upload_or_a_url(ckan: CkanStandin) -> None:
    created = (await call(ckan, "package_create", package("penilaian")))[1]["result"]
    status, body = await call(ckan, "resource_create", {"package_id": created["id"], "name": "x.csv"})
    assert status == 409 and "url" in body["error"]
    status, body = await call(ckan, "resource_create", {"package_id": created["id"], "upload": "a,b\n1,2\n"})
    assert status == 409 and "multipart" in body["error"]["upload"][0]  # a string is not a file
    status, body = await call(ckan, "resource_create", {"package_id": "tidak-ada", "url": "https://x.test/a.csv"})
    assert status == 404
    form = aiohttp.FormData()
    form.add_field("package_id", created["id"])
    form.add_field("name", "data.csv")
    form.add_field("upload", b"a,b\n1,2\n", filename="data.csv", content_type="text/csv")
    status, body = await call(ckan, "resource_create", form=form)
    assert status == 200 and body["result"]["url_type"] == "upload"
    async with aiohttp.ClientSession() as http, http.get(body["result"]["url"]) as response:
        assert await response.read() == b"a,b\n1,2\n"
    status, body = await call(ckan, "resource_update", {"id": "tidak-ada", "url": "https://x.test/a.csv"})
    assert status == 404


async def test_ckanapi_reads_the_stand_ins_errors_as_a_real_portals(ckan: CkanStandin) -> None:
    def run() -> None:
        with ckanapi.RemoteCKAN(ckan.url, apikey=KEY) as portal:
            with pytest.raises(ckanapi.NotFound):
                portal.action.package_show(id="penilaian")
            with pytest.raises(ckanapi.ValidationError) as refused:
                portal.action.package_create(**package("Bukan Nama"))
            assert "name" in refused.value.error_dict
            made = portal.action.package_create(**package("penilaian"))
            resource = portal.action.resource_create(package_id=made["id"], name="data.csv",
                                                     upload=("data.csv", io.BytesIO(b"a\n1\n")))
            assert resource["url_type"] == "upload"
        with ckanapi.RemoteCKAN(ckan.url, apikey="wrong") as portal, pytest.raises(ckanapi.NotAuthorized):
            portal.action.package_patch(id="penilaian", title="x")

    await asyncio.to_thread(run)
    assert ckan.uploads and list(ckan.packages) == ["penilaian"]
