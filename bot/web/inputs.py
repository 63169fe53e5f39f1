"""What the web side accepts as text: whole-string patterns only, and no control characters anywhere.

`re.fullmatch`, never `^…$` (whose `$` also matches before a trailing newline). Control characters (C0, DEL,
C1) and lone surrogates are refused in every parameter: PostgreSQL rejects NUL, a newline could split a
header or a log line, and no form or address of ours ever needs them. Free text (an answer) keeps tab and
line breaks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy, MultiMapping

CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
FREE_TEXT_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
DIGITS = re.compile(r"[0-9]{1,18}")  # ASCII only: "²" and "١" are digits to str.isdigit, not to us
FREE_TEXT = ("teks",)  # the dashboard's form fields that may hold tabs and line breaks (an answer)


def clean(value: str, *, free_text: bool = False) -> bool:
    """True when the text carries no control character (free text may hold tabs and line breaks)."""
    return (FREE_TEXT_CONTROL if free_text else CONTROL).search(value) is None


def refused_name(items: Iterable[tuple[str, object]], *, free_text: Iterable[str] = ()) -> str | None:
    """The name of the first parameter whose name or text value carries a control character, or None.

    A name that is itself unclean is reported as "?" (it is never echoed).
    """
    free = frozenset(free_text)
    for name, value in items:
        if not clean(name):
            return "?"
        if isinstance(value, str) and not clean(value, free_text=name in free):
            return name[:30]
    return None


def whole_number(value: str, *, low: int, high: int) -> int | None:
    """The number written in ASCII digits (at most 18), within [low, high]; None for anything else."""
    if DIGITS.fullmatch(value) is None:
        return None
    number = int(value)
    return number if low <= number <= high else None


def unclean_parameter(query: MultiMapping[str], form: MultiDictProxy[Any] | None) -> str | None:
    """The first parameter of the address or the posted form that carries a control character, or None."""
    bad = refused_name(query.items())
    if bad is None and form is not None:
        bad = refused_name(form.items(), free_text=FREE_TEXT)
    return bad


async def read_form(request: web.Request) -> tuple[MultiDictProxy[Any] | None, bool]:
    """The posted form (None for a GET), and whether it could be read at all (UTF-8, well formed)."""
    if request.method != "POST":
        return None, True
    try:
        return await request.post(), True
    except (ValueError, UnicodeDecodeError):
        return None, False
