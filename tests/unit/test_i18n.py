"""The catalogues: every string in the code is in the template, and every language translates all of it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "locales"
TEMPLATES = ROOT / "bot" / "web" / "templates"
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
TAG = re.compile(r"</?([a-z-]+)")


def _ids(message_id: str | tuple[str, ...]) -> tuple[str, ...]:
    return message_id if isinstance(message_id, tuple) else (message_id,)


def template_messages() -> set[str]:
    """Strings of the dashboard's Jinja2 templates (`_()`, `gettext()`, `ngettext()`), as `make catalogs` finds them."""
    return {
        _ids(message)[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            TEMPLATES, method_map=[("**.html", babel_extract)],  # type: ignore[list-item]
            options_map={"**.html": {"silent": "false"}}, keywords=KEYWORDS,
        )
    }


def code_messages() -> set[str]:
    found = set()
    for package in ("bot", "handlers"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add(_ids(message)[0])
    return found | template_messages()


def test_templates_are_extracted() -> None:
    # A template that failed to parse, or a change of extractor, would otherwise pass silently.
    found = template_messages()
    assert {"Sign out", "Apply filter", "{count} star"} <= found


def template() -> dict[str, tuple[str, ...]]:
    with (LOCALES / "messages.pot").open("rb") as f:
        return {_ids(m.id)[0]: _ids(m.id) for m in read_po(f) if m.id}


def test_template_is_up_to_date_with_the_code() -> None:
    in_code, in_pot = code_messages(), set(template())
    assert in_code - in_pot == set(), "strings missing from messages.pot: run `make catalogs`"
    assert in_pot - in_code == set(), "stale strings in messages.pot: run `make catalogs`"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_message_is_translated_with_the_same_placeholders(lang: str) -> None:
    with (LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=lang)
    translated = {_ids(m.id)[0]: m for m in catalog if m.id}
    problems = []
    for key, ids in template().items():
        message = translated.get(key)
        if message is None:
            problems.append(f"missing: {key!r}")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not strings or not all(strings) or message.fuzzy:
            problems.append(f"untranslated or fuzzy: {key!r}")
            continue
        wanted = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        wanted_tags = sorted(TAG.findall(ids[0]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) != wanted:
                problems.append(f"placeholders differ in {key!r}: {string!r}")
            if sorted(TAG.findall(string)) != wanted_tags:
                problems.append(f"HTML tags differ in {key!r}: {string!r}")
    assert problems == []
