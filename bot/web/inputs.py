"""What the web side accepts as text: whole-string patterns only, and no control characters anywhere.

`re.fullmatch`, never `^…$` (whose `$` also matches before a trailing newline). Control characters (C0, DEL,
C1) and lone surrogates are refused in every parameter: PostgreSQL rejects NUL, a newline could split a
header or a log line, and no form or address of ours ever needs them. Free text (an answer) keeps tab and
line breaks.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField
from multidict import MultiDict, MultiDictProxy, MultiMapping

from bot.i18n import N_

CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
FREE_TEXT_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
DIGITS = re.compile(r"[0-9]{1,18}")  # ASCII only: "²" and "١" are digits to str.isdigit, not to us
# the dashboard's form fields that may hold tabs and line breaks: an answer, a survey's intro, questions and options
FREE_TEXT = ("teks", "pengantar", *(f"t{n}" for n in range(1, 6)), *(f"o{n}" for n in range(1, 6)))
UPLOAD_MAX = 11 * 1024 * 1024  # a form with a photo: Telegram's 10 MB for the file, and room for the fields
UNREADABLE = N_("The form could not be read. Please go back, reload the page and try again.")
TOO_LARGE = N_("The form is too large to be sent. A photo may be at most 10 MB: please choose a smaller one.")


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


async def read_form(request: web.Request) -> tuple[MultiDictProxy[Any] | None, str | None]:
    """The posted form (None for a GET), and why it could not be read (an msgid), or None when it could.

    A form with a file (multipart: a photo) may be as large as UPLOAD_MAX; any other request, the application's
    limit. Too large is said politely, as a form that is not UTF-8 or not well formed is."""
    if request.method != "POST":
        return None, None
    reading = request.clone(client_max_size=UPLOAD_MAX) if request.content_type == "multipart/form-data" else request
    try:
        form = await reading.post()
    except web.HTTPRequestEntityTooLarge:
        return None, TOO_LARGE
    except (ValueError, UnicodeDecodeError):
        return None, UNREADABLE
    return (_in_memory(form) if reading is not request else form), None


def _in_memory(form: MultiDictProxy[Any]) -> MultiDictProxy[Any]:
    """The form with each file read into memory and its temporary file closed (aiohttp closes the files of the
    request's own form only, not of a clone's)."""
    items: list[tuple[str, Any]] = []
    for name, value in form.items():
        if isinstance(value, FileField):
            with value.file:
                data = value.file.read()
            value = FileField(value.name, value.filename, io.BytesIO(data), value.content_type, value.headers)
        items.append((name, value))
    return MultiDictProxy(MultiDict(items))
