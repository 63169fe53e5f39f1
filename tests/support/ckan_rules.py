"""What a real CKAN (2.9–2.11) checks in the action API calls `quickwin opendata push` makes.

The stand-in (tests/support/ckan_standin.py) refuses, with CKAN's own error shapes and messages, what CKAN's
default schemas refuse (ckan/logic/schema.py: default_create_package_schema, default_resource_schema; the
validators in ckan/logic/validators.py): a missing or malformed package name, a name already taken, a package
without an organization when unowned datasets are not allowed (``ckan.auth.create_unowned_dataset = false``, the
default), an unknown organization, an extra that repeats a core field or another extra, a bad tag, a resource
with neither an upload nor a URL. The licence is checked against the portal's licence register, as portals that
restrict it do (``licenses_group_url``); the ids are CKAN's default register.
"""

from __future__ import annotations

import re
from typing import Any

NAME = re.compile(r"^[a-z0-9_\-]*$")
TAG = re.compile(r"^[\w \-.]*$", re.UNICODE)
NAME_MIN, NAME_MAX = 2, 100  # ckan.model.PACKAGE_NAME_MIN_LENGTH / PACKAGE_NAME_MAX_LENGTH
TAG_MIN, TAG_MAX = 2, 100
# CKAN's default licence register (ckan/model/license.py): id -> title.
LICENSES = {
    "notspecified": "License not specified", "odc-pddl": "Open Data Commons Public Domain Dedication and License",
    "odc-odbl": "Open Data Commons Open Database License (ODbL)", "odc-by": "Open Data Commons Attribution License",
    "cc-zero": "Creative Commons CCZero", "cc-by": "Creative Commons Attribution",
    "cc-by-sa": "Creative Commons Attribution Share-Alike", "gfdl": "GNU Free Documentation License",
    "other-open": "Other (Open)", "other-pd": "Other (Public Domain)", "other-at": "Other (Attribution)",
    "uk-ogl": "UK Open Government Licence (OGL)", "cc-nc": "Creative Commons Non-Commercial (Any)",
    "other-nc": "Other (Non-Commercial)", "other-closed": "Other (Not Open)",
}
PACKAGE_FIELDS = {
    "id", "name", "title", "author", "author_email", "maintainer", "maintainer_email", "license_id", "notes", "url",
    "version", "state", "type", "owner_org", "private", "extras", "tags", "resources", "groups",
}
MISSING = "Missing value"


def name_errors(name: Any, *, taken: bool) -> list[str]:
    """CKAN's name_validator and package_name_validator, with their messages."""
    if name is None or name == "":
        return [MISSING]
    if not isinstance(name, str):
        return ["Names must be strings"]
    errors = []
    if name in ("new", "edit", "search"):
        errors.append("That name cannot be used")
    if len(name) < NAME_MIN:
        errors.append(f"Must be at least {NAME_MIN} characters long")
    if len(name) > NAME_MAX:
        errors.append(f"Name must be a maximum of {NAME_MAX} characters long")
    if not NAME.match(name):
        errors.append("Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_")
    if taken:
        errors.append("That URL is already in use.")
    return errors


def package_errors(data: dict[str, Any], *, taken: bool, orgs: set[str], require_org: bool) -> dict[str, Any]:
    """The errors CKAN's package schema gives for `data` (empty: valid)."""
    errors: dict[str, Any] = {}
    if problems := name_errors(data.get("name"), taken=taken):
        errors["name"] = problems
    title = data.get("title")
    if title is not None and (not isinstance(title, str) or len(title) > 500):
        errors["title"] = ["Title must be a string of at most 500 characters"]
    org = data.get("owner_org")
    if org in (None, ""):
        if require_org:
            errors["owner_org"] = ["An organization must be provided"]
    elif org not in orgs:
        errors["owner_org"] = ["Organization does not exist"]
    licence = data.get("license_id")
    if licence not in (None, "") and licence not in LICENSES:
        errors["license_id"] = [f"License {licence!r} is not in the portal's licence register"]
    if extra_problems := extras_errors(data.get("extras")):
        errors["extras"] = extra_problems
    if tag_problems := tags_errors(data.get("tags")):
        errors["tags"] = tag_problems
    return errors


def extras_errors(extras: Any) -> list[Any]:
    if extras in (None, []):
        return []
    if not isinstance(extras, list) or not all(isinstance(e, dict) for e in extras):
        return ["Extras must be a list of {key, value} objects"]
    errors: list[Any] = []
    seen: set[str] = set()
    for extra in extras:
        key = extra.get("key")
        if not key or not isinstance(key, str):
            errors.append({"key": [MISSING]})
        elif key in PACKAGE_FIELDS:
            errors.append({"key": [f"There is a schema field with the same name: {key}"]})
        elif key in seen:
            errors.append({"key": [f"Duplicate key {key!r}"]})
        elif not isinstance(extra.get("value"), str):
            errors.append({"value": ["Extra values must be strings"]})
        else:
            seen.add(key)
    return errors


def tags_errors(tags: Any) -> list[Any]:
    if tags in (None, []):
        return []
    if not isinstance(tags, list) or not all(isinstance(t, dict) for t in tags):
        return ["Tags must be a list of {name} objects"]
    errors: list[Any] = []
    for tag in tags:
        name = tag.get("name")
        if not isinstance(name, str) or not name:
            errors.append({"name": [MISSING]})
        elif not TAG_MIN <= len(name) <= TAG_MAX:
            errors.append({"name": [f'Tag "{name}" length must be between {TAG_MIN} and {TAG_MAX} characters']})
        elif not TAG.match(name):
            errors.append({"name": [f'Tag "{name}" must be alphanumeric characters or symbols: -_.']})
    return errors


def resource_errors(data: dict[str, Any], *, uploaded: bool, creating: bool) -> dict[str, Any]:
    """A resource needs its package (on create), and an upload or a URL."""
    errors: dict[str, Any] = {}
    if creating and not data.get("package_id"):
        errors["package_id"] = [MISSING]
    if "upload" in data and not uploaded:
        errors["upload"] = ["The upload must be sent as a file in a multipart/form-data request"]
    elif not uploaded and not str(data.get("url") or "").strip():
        errors["url"] = ["Provide an upload (multipart field 'upload') or a URL"]
    for key in ("name", "format", "description"):
        if key in data and not isinstance(data[key], str):
            errors[key] = ["Must be a string"]
    return errors
