"""The push to a CKAN portal, through ckanapi (CKAN's maintained client): the only module that talks to one.

Per dataset: package_show by its name; package_patch when it is there (its other fields and its resources stay),
package_create when CKAN answers "Not Found". Then its three files, each a resource named after the file:
resource_update with the new upload when the package has one of that name, else resource_create. Running it again
replaces the files: it never adds a second resource of the same name. A refusal stops the push with CKAN's reason;
the API key is sent in the Authorization header only and never printed.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import ckanapi
import requests

from bot.services.opendata_files import CSV, JSON, METADATA, DatasetFiles
from bot.services.opendata_meta import package

RESOURCES = ((CSV, "CSV", "text/csv"), (JSON, "JSON", "application/json"), (METADATA, "JSON", "application/json"))
TIMEOUT = 60  # seconds for one call: an upload of a national file included
USER_AGENT = "quickwin-opendata (+ckanapi)"


class PushError(Exception):
    """A refusal or failure, with a message for the operator (never the key)."""


@dataclass(frozen=True, slots=True)
class Pushed:
    name: str
    created: bool
    resources_created: int
    resources_replaced: int


def _reason(exc: Exception) -> str:
    if isinstance(exc, ckanapi.ValidationError):
        error = {k: v for k, v in (exc.error_dict or {}).items() if k != "__type"}
        return "; ".join(f"{field}: {' '.join(map(str, v)) if isinstance(v, list) else v}"
                         for field, v in error.items()) or "Validation Error"
    if isinstance(exc, requests.RequestException):
        return type(exc).__name__  # its text may carry the address with its query: the name is enough
    return str(exc) or type(exc).__name__


class Portal:
    """ckanapi's RemoteCKAN with a timeout on every call, and its errors turned into PushError."""

    def __init__(self, url: str, api_key: str) -> None:
        self.url = url.rstrip("/")
        self._ckan = ckanapi.RemoteCKAN(self.url, apikey=api_key, user_agent=USER_AGENT, session=requests.Session())

    def close(self) -> None:
        self._ckan.close()

    def call(self, what: str, action: str, data: dict[str, Any], upload: tuple[str, bytes, str] | None = None,
             *, missing_ok: bool = False) -> Any:
        files = None if upload is None else {"upload": (upload[0], io.BytesIO(upload[1]), upload[2])}
        try:
            return self._ckan.call_action(action, data, files=files, requests_kwargs={"timeout": TIMEOUT})
        except ckanapi.NotFound:
            if missing_ok:
                return None
            raise PushError(f"The portal found nothing to {what} (404 Not Found Error).") from None
        except ckanapi.NotAuthorized:
            raise PushError(f"The portal refused the API key when asked to {what} (403 Authorization Error): check "
                            "--api-key or CKAN_API_KEY, and that its user may edit the organization's datasets."
                            ) from None
        except ckanapi.ValidationError as exc:
            raise PushError(f"The portal refused to {what} (409 Validation Error): {_reason(exc)}") from None
        except (ckanapi.CKANAPIError, requests.RequestException) as exc:
            raise PushError(f"Could not {what} on the portal at {self.url}: {_reason(exc)}") from None


def _push_one(portal: Portal, item: DatasetFiles, org: str | None, descriptions: dict[str, str]) -> Pushed:
    fields = package(item.dataset, item.metadata, org=org)
    name = item.dataset.name
    current = portal.call(f"show dataset {name}", "package_show", {"id": name}, missing_ok=True)
    created = current is None
    if created:
        current = portal.call(f"create dataset {name}", "package_create", fields)
    else:
        patch = {"id": current["id"], **{k: v for k, v in fields.items() if k != "name"}}
        current = portal.call(f"update dataset {name}", "package_patch", patch)
    existing = {r.get("name"): r for r in current.get("resources") or []}
    added = replaced = 0
    for suffix, kind, mimetype in RESOURCES:
        filename = item.filename(suffix)
        upload = (filename, item.files[filename], mimetype)
        common = {"name": filename, "format": kind, "mimetype": mimetype, "description": descriptions[suffix]}
        if filename in existing:
            portal.call(f"replace {filename}", "resource_update", {"id": existing[filename]["id"], **common}, upload)
            replaced += 1
        else:
            portal.call(f"upload {filename}", "resource_create", {"package_id": current["id"], **common}, upload)
            added += 1
    return Pushed(name, created, added, replaced)


def push(url: str, api_key: str, org: str | None, items: Sequence[DatasetFiles], descriptions: dict[str, str],
         report: Callable[[str], None]) -> list[Pushed]:
    """Create or update every dataset on the portal at `url`; `report` gets one line per dataset."""
    portal = Portal(url, api_key)
    try:
        if org and portal.call(f"find organization {org}", "organization_show", {"id": org}, missing_ok=True) is None:
            raise PushError(f"The portal has no organization {org!r}: give its name as the portal shows it (--org).")
        done: list[Pushed] = []
        for item in items:
            pushed = _push_one(portal, item, org, descriptions)
            done.append(pushed)
            report(f"{'created' if pushed.created else 'updated'} {pushed.name}: "
                   f"{pushed.resources_created} file(s) added, {pushed.resources_replaced} replaced")
        return done
    finally:
        portal.close()
