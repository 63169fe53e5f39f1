"""A local stand-in of CKAN's action API (https://docs.ckan.org/en/latest/api/) for `quickwin opendata push`.

An aiohttp server on 127.0.0.1 (a free port) answering ``/api/3/action/NAME`` and ``/api/action/NAME`` as CKAN
does: JSON (or, for uploads, multipart/form-data) in, CKAN's envelope out — ``{"success": true, "result": …}``,
or ``{"success": false, "error": {"__type": …}}`` with 409 "Validation Error", 404 "Not Found Error" and 403
"Authorization Error". Writes need the API key in the ``Authorization`` header (as CKAN ≥ 2.10 reads it;
``X-CKAN-API-Key`` is accepted as older CKANs do). What it validates is in tests/support/ckan_rules.py.

Actions: package_show, package_create, package_patch, resource_create, resource_update, organization_show,
license_list. Uploaded files are kept and served at the URL CKAN gives them
(``/dataset/PKG/resource/RES/download/FILE``). Records: ``packages`` (by name), ``uploads`` (resource id ->
bytes), ``calls`` (action names in order) and ``refused`` (one line per refused call).
"""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from tests.support import ckan_rules as rules

WRITES = {"package_create", "package_patch", "resource_create", "resource_update"}
MAX_UPLOAD = 20 * 1024 * 1024


class CkanError(Exception):
    def __init__(self, status: int, error: dict[str, Any]) -> None:
        super().__init__(error.get("__type"))
        self.status, self.error = status, error


def _now() -> str:
    return datetime.now(UTC).replace(tzinfo=None).isoformat()


class CkanStandin:
    def __init__(self, *, api_key: str = "ckan-test-key-0123456789", orgs: tuple[str, ...] = ("diskominfo",),
                 require_org: bool = True) -> None:
        self.api_key, self.orgs, self.require_org = api_key, set(orgs), require_org
        self.packages: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, bytes] = {}
        self.calls: list[str] = []
        self.refused: list[str] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_UPLOAD)
        app.router.add_route("*", "/api/3/action/{action}", self._handle)
        app.router.add_route("*", "/api/action/{action}", self._handle)
        app.router.add_get("/dataset/{package}/resource/{resource}/download/{filename}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # ---- HTTP -------------------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        action = request.match_info["action"]
        self.calls.append(action)
        try:
            data, files = await self._read(request)
            if action in WRITES and not self._authorized(request):
                raise CkanError(403, {"__type": "Authorization Error", "message": "Access denied"})
            handler = getattr(self, f"_{action}", None)
            if handler is None:
                return self._reply(400, {"help": "", "success": False, "error": {
                    "__type": "Bad request", "message": f"Bad request - Action name not known: {action}"}})
            result = handler(data, files)
        except CkanError as exc:
            self.refused.append(f"{action}: {exc.status} {json.dumps(exc.error, sort_keys=True)}")
            return self._reply(exc.status, {"help": "", "success": False, "error": exc.error})
        return self._reply(200, {"help": "", "success": True, "result": result})

    @staticmethod
    def _reply(status: int, body: dict[str, Any]) -> web.Response:
        return web.json_response(body, status=status)

    def _authorized(self, request: web.Request) -> bool:
        key = request.headers.get("Authorization") or request.headers.get("X-CKAN-API-Key")
        return key == self.api_key

    async def _read(self, request: web.Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
        if request.method == "GET":
            return dict(request.query), {}
        content_type = request.content_type
        if content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise CkanError(400, {"__type": "Bad request", "message": "JSON Error: not valid JSON"}) from None
            if not isinstance(body, dict):
                raise CkanError(400, {"__type": "Bad request", "message": "Bad request data: not a JSON object"})
            return body, {}
        if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            form = await request.post()
            data: dict[str, Any] = {}
            files: dict[str, tuple[str, bytes]] = {}
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = (value.filename, value.file.read())
                else:
                    data[key] = value
            return data, files
        raw = await request.read()
        if not raw:
            return {}, {}
        raise CkanError(400, {"__type": "Bad request", "message": f"Bad request data: {content_type} not understood"})

    async def _download(self, request: web.Request) -> web.Response:
        body = self.uploads.get(request.match_info["resource"])
        if body is None:
            raise web.HTTPNotFound()
        return web.Response(body=body)

    # ---- actions ----------------------------------------------------------------------------------------------

    def _find(self, ref: Any) -> dict[str, Any]:
        for package in self.packages.values():
            if ref in (package["name"], package["id"]):
                return package
        raise CkanError(404, {"__type": "Not Found Error", "message": "Not found"})

    def _package_show(self, data: dict[str, Any], _files: Any) -> dict[str, Any]:
        return copy.deepcopy(self._find(data.get("id") or data.get("name_or_id")))

    def _organization_show(self, data: dict[str, Any], _files: Any) -> dict[str, Any]:
        if data.get("id") not in self.orgs:
            raise CkanError(404, {"__type": "Not Found Error", "message": "Not found"})
        return {"id": data["id"], "name": data["id"], "title": data["id"], "type": "organization",
                "is_organization": True, "state": "active"}

    def _license_list(self, _data: Any, _files: Any) -> list[dict[str, str]]:
        return [{"id": key, "title": title} for key, title in rules.LICENSES.items()]

    def _validate_package(self, data: dict[str, Any], *, current: dict[str, Any] | None) -> None:
        name = data.get("name")
        taken = any(p["name"] == name and p is not current for p in self.packages.values())
        errors = rules.package_errors(data, taken=taken, orgs=self.orgs, require_org=self.require_org)
        if errors:
            raise CkanError(409, {"__type": "Validation Error", **errors})

    def _package_create(self, data: dict[str, Any], _files: Any) -> dict[str, Any]:
        self._validate_package(data, current=None)
        if data.get("resources"):
            raise CkanError(409, {"__type": "Validation Error", "resources": ["Not checked by the stand-in"]})
        now = _now()
        package = {field: data.get(field) for field in rules.PACKAGE_FIELDS if field in data}
        package.update(id=str(uuid.uuid4()), title=data.get("title") or data["name"], state="active",
                       type="dataset", private=bool(data.get("private", False)), metadata_created=now,
                       metadata_modified=now, resources=[], extras=data.get("extras") or [],
                       tags=data.get("tags") or [], num_resources=0)
        self.packages[package["name"]] = package
        return copy.deepcopy(package)

    def _package_patch(self, data: dict[str, Any], _files: Any) -> dict[str, Any]:
        current = self._find(data.get("id"))
        if "resources" in data:
            raise CkanError(409, {"__type": "Validation Error", "resources": ["Not checked by the stand-in"]})
        merged = {**current, **{k: v for k, v in data.items() if k != "id"}}
        self._validate_package(merged, current=current)
        del self.packages[current["name"]]
        merged["metadata_modified"] = _now()
        self.packages[merged["name"]] = merged
        return copy.deepcopy(merged)

    def _resource_fields(self, data: dict[str, Any], files: dict[str, tuple[str, bytes]],
                         resource: dict[str, Any], package: dict[str, Any]) -> None:
        for key in ("name", "format", "description", "mimetype"):
            if key in data:
                resource[key] = data[key]
        resource["last_modified"] = _now()
        if "upload" in files:
            filename, body = files["upload"]
            self.uploads[resource["id"]] = body
            resource.update(url_type="upload", size=len(body), url=(
                f"{self.url}/dataset/{package['id']}/resource/{resource['id']}/download/{filename}"))
        else:
            self.uploads.pop(resource["id"], None)
            resource.update(url_type=None, size=None, url=str(data["url"]).strip())

    def _resource_create(self, data: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> dict[str, Any]:
        if errors := rules.resource_errors(data, uploaded="upload" in files, creating=True):
            raise CkanError(409, {"__type": "Validation Error", **errors})
        package = self._find(data["package_id"])
        resource: dict[str, Any] = {"id": str(uuid.uuid4()), "package_id": package["id"], "created": _now(),
                                    "position": len(package["resources"]), "state": "active"}
        self._resource_fields(data, files, resource, package)
        package["resources"].append(resource)
        package["num_resources"] = len(package["resources"])
        return copy.deepcopy(resource)

    def _resource_update(self, data: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> dict[str, Any]:
        if not data.get("id"):
            raise CkanError(409, {"__type": "Validation Error", "id": [rules.MISSING]})
        for package in self.packages.values():
            for resource in package["resources"]:
                if resource["id"] == data["id"]:
                    if errors := rules.resource_errors(data, uploaded="upload" in files, creating=False):
                        raise CkanError(409, {"__type": "Validation Error", **errors})
                    # resource_update replaces the resource: what is not sent again is gone.
                    for key in ("name", "format", "description", "mimetype"):
                        resource.pop(key, None)
                    self._resource_fields(data, files, resource, package)
                    return copy.deepcopy(resource)
        raise CkanError(404, {"__type": "Not Found Error", "message": "Not found"})
