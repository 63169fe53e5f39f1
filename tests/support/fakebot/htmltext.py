"""Telegram's HTML subset, parsed as Telegram does: plain text and entities (offsets in UTF-16 code units)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.support.fakebot.records import JSON


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram uses for limits and offsets."""
    return len(text.encode("utf-16-le")) // 2


class HtmlParseError(ValueError):
    """Telegram's "can't parse entities" error, without the prefix."""


# Tag → entity type.  Telegram's HTML subset, nothing more.
_HTML_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


_HTML_SPACE = " \t\r\n\x0b\x0c"
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8}));")
_PLAIN_RUN_RE = re.compile(r"[^<&]+")
_NAME_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")


@dataclass(slots=True)
class _OpenTag:
    name: str
    start: int  # UTF-16 offset in the output text
    attrs: dict[str, str]
    language: str | None = None  # <pre>: set by a nested <code class="language-...">


class _HtmlParser:
    """Strict parser for Telegram's HTML parse mode.

    Modelled on TDLib's ``parse_html`` so that the error texts match the ones
    the real Bot API returns; stricter where noted in the package docstring.
    """

    def __init__(self, source: str) -> None:
        self.s = source
        self.out: list[str] = []
        self.pos16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[JSON] = []

    def _byte_offset(self, index: int) -> int:
        return len(self.s[:index].encode("utf-8"))

    def _emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.pos16 += utf16_len(chunk)

    def _entity(self, i: int) -> tuple[str, int]:
        """Decode the character entity at ``s[i] == "&"``; return (char, next index)."""
        m = _ENTITY_RE.match(self.s, i)
        if m is not None:
            named, dec, hexa = m.groups()
            if named:
                return _NAMED_ENTITIES[named], m.end()
            code = int(dec) if dec else int(hexa, 16)
            if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                return chr(code), m.end()
        snippet = self.s[i : i + 10].split(";")[0]
        raise HtmlParseError(
            f'Unsupported HTML entity "{snippet}" at byte offset {self._byte_offset(i)}; '
            'escape "&" as "&amp;"'
        )

    def parse(self) -> tuple[str, list[JSON]]:
        s, n, i = self.s, len(self.s), 0
        while i < n:
            run = _PLAIN_RUN_RE.match(s, i)
            if run is not None:
                self._emit(run.group())
                i = run.end()
            elif s[i] == "&":
                char, i = self._entity(i)
                self._emit(char)
            elif s.startswith("</", i):
                i = self._end_tag(i)
            else:
                i = self._start_tag(i)
        if self.stack:
            raise HtmlParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def _start_tag(self, begin: int) -> int:
        s, n = self.s, len(self.s)
        offset = self._byte_offset(begin)
        unclosed = HtmlParseError(f"Unclosed start tag at byte offset {offset}")
        i = begin + 1
        while i < n and s[i] not in _HTML_SPACE and s[i] != ">":
            i += 1
        if i >= n:
            raise unclosed
        name = s[begin + 1 : i].lower()
        if name not in _HTML_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {offset}')

        attrs: dict[str, str] = {}
        while True:
            while i < n and s[i] in _HTML_SPACE:
                i += 1
            if i >= n:
                raise unclosed
            if s[i] == ">":
                i += 1
                break
            attr_begin = i
            while i < n and s[i] not in _HTML_SPACE and s[i] not in "=>":
                i += 1
            attr = s[attr_begin:i].lower()
            if not attr:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset {offset}'
                )
            while i < n and s[i] in _HTML_SPACE:
                i += 1
            if i >= n:
                raise unclosed
            if s[i] != "=":
                if attr == "expandable":  # <blockquote expandable> has no value
                    attrs[attr] = ""
                    continue
                raise HtmlParseError(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{name}" at byte offset {offset}'
                )
            i += 1
            while i < n and s[i] in _HTML_SPACE:
                i += 1
            if i >= n:
                raise unclosed
            if s[i] in "'\"":
                quote = s[i]
                i += 1
                value: list[str] = []
                while i < n and s[i] != quote:
                    if s[i] == "&":
                        char, i = self._entity(i)
                        value.append(char)
                    else:
                        value.append(s[i])
                        i += 1
                if i >= n:
                    raise unclosed
                i += 1
                attrs[attr] = "".join(value)
            else:
                token_begin = i
                while i < n and s[i] in _NAME_TOKEN_CHARS:
                    i += 1
                if i >= n:
                    raise unclosed
                if s[i] not in _HTML_SPACE and s[i] != ">":
                    raise HtmlParseError(
                        f"Unexpected end of name token at byte offset {self._byte_offset(token_begin)}"
                    )
                attrs[attr] = s[token_begin:i].lower()

        tag = _OpenTag(name, self.pos16, attrs)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        if name == "a" and not attrs.get("href"):
            raise HtmlParseError(
                f'Tag "a" must have a non-empty "href" attribute at byte offset {offset}'
            )
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise HtmlParseError(
                f'Tag "tg-emoji" must have a numeric "emoji-id" attribute at byte offset {offset}'
            )
        if name == "code" and attrs.get("class", "").startswith("language-"):
            tag.language = attrs["class"][len("language-") :]
        self.stack.append(tag)
        return i

    def _end_tag(self, begin: int) -> int:
        s, n = self.s, len(self.s)
        offset = self._byte_offset(begin)
        if not self.stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {offset}")
        i = begin + 2
        while i < n and s[i] not in _HTML_SPACE and s[i] != ">":
            i += 1
        name = s[begin + 2 : i].lower()
        while i < n and s[i] in _HTML_SPACE:
            i += 1
        if i >= n or s[i] != ">":
            raise HtmlParseError(f"Unclosed end tag at byte offset {offset}")
        top = self.stack.pop()
        if name and name != top.name:
            raise HtmlParseError(
                f'Unmatched end tag at byte offset {offset}, expected "</{top.name}>", '
                f'found "</{name}>"'
            )
        self._close(top)
        return i + 1

    def _close(self, tag: _OpenTag) -> None:
        parent = self.stack[-1] if self.stack else None
        if tag.name == "code" and tag.language is not None and parent and parent.name == "pre":
            # <pre><code class="language-x"> is a single "pre" entity with a language.
            parent.language = tag.language
            return
        length = self.pos16 - tag.start
        if length <= 0:
            return  # Telegram drops empty entities
        entity: JSON = {"type": _HTML_TAGS[tag.name], "offset": tag.start, "length": length}
        if tag.name == "a":
            entity["url"] = tag.attrs["href"]
        elif tag.name == "pre" and tag.language:
            entity["language"] = tag.language
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.attrs["emoji-id"]
        elif tag.name == "blockquote" and "expandable" in tag.attrs:
            entity["type"] = "expandable_blockquote"
        self.entities.append(entity)


def parse_html(source: str) -> tuple[str, list[JSON]]:
    """Parse Telegram HTML into (plain text, entities); raises HtmlParseError."""
    return _HtmlParser(source).parse()


def _strip_text(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Trim surrounding whitespace like Telegram does, shifting entities along."""
    stripped = text.strip(_HTML_SPACE)
    if stripped == text:
        return text, entities
    lead = len(text) - len(text.lstrip(_HTML_SPACE))  # ASCII only: 1 char == 1 unit
    end = utf16_len(stripped)
    kept: list[JSON] = []
    for entity in entities:
        start = max(0, entity["offset"] - lead)
        stop = min(end, entity["offset"] + entity["length"] - lead)
        if stop > start:
            kept.append({**entity, "offset": start, "length": stop - start})
    return stripped, kept
