"""Announcement text and Telegram's HTML subset: the `&` people type, then the check before anything is stored."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.entities import html5
from html.parser import HTMLParser

ALLOWED = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre",
    "blockquote", "tg-emoji",
}
TEXT_MAX = 4096
CAPTION_MAX = 1024
_ENTITY = re.compile(r"&(?!(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")
_READ = frozenset({"lt;", "gt;", "amp;", "quot;"})  # the named references Telegram reads; numeric ones too
_REFERENCE = re.compile(r"&(#\d+;|#x[0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)?")


def escape_ampersands(text: str) -> str:
    """The `&` people type, made what Telegram reads, so "Senin & Selasa" needs no HTML knowledge.

    A `&` that starts no character reference becomes `&amp;`; a reference Telegram reads stays; an HTML
    one it does not (`&hellip;`, `&nbsp;`) becomes its character. Tags are left for `check` to judge.
    """

    def one(match: re.Match[str]) -> str:
        ref = match.group(1)
        if ref is None:
            return "&amp;"
        if ref.startswith("#") or ref in _READ:
            return match.group(0)
        char = html5.get(ref)
        return html.escape(char) if char is not None else "&amp;" + ref

    return _REFERENCE.sub(one, text)


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED:
            self.problems.append(f"<{tag}>")
            return
        if tag == "a" and not dict(attrs).get("href"):
            self.problems.append("<a> without href")
        if tag == "span" and dict(attrs).get("class") != "tg-spoiler":
            self.problems.append("<span> other than tg-spoiler")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@dataclass(frozen=True, slots=True)
class Problem:
    """What Telegram would reject; the caller words it in the author's language."""

    kind: str  # ampersand (text not passed through escape_ampersands) | tags | unclosed | empty | too_long
    detail: str = ""


def check(text: str, *, limit: int = TEXT_MAX) -> Problem | None:
    """None when Telegram will accept the text with parse_mode=HTML (typed text: after escape_ampersands)."""
    if found := _ENTITY.search(text):
        return Problem("ampersand", text[found.start() : found.start() + 10])
    checker = _Checker()
    checker.feed(text)
    checker.close()
    if checker.problems:
        return Problem("tags", ", ".join(dict.fromkeys(checker.problems)))
    if checker.stack:
        return Problem("unclosed", ", ".join(f"<{t}>" for t in checker.stack))
    plain = html.unescape("".join(checker.text)).strip()
    if not plain:
        return Problem("empty")
    length = len(plain.encode("utf-16-le")) // 2
    if length > limit:
        return Problem("too_long", str(length))
    return None
