"""Telegram HTML shown in a dashboard page as Telegram shows it, and nothing else: the simulator's chat and an
announcement's preview.

The text has passed Telegram's HTML check before it gets here, but the page trusts none of it: every tag is
re-emitted from a short list (bold, italic, underline, strike, code, pre, quotes, spoilers, links to http(s) and
tg: addresses), every attribute but a link's address is dropped, and all text is escaped again.
"""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

from markupsafe import Markup

SAME = {"b": "b", "strong": "b", "i": "i", "em": "i", "u": "u", "ins": "u", "s": "s", "strike": "s", "del": "s",
        "code": "code", "pre": "pre", "blockquote": "blockquote"}
SCHEMES = ("http://", "https://", "tg://")


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str | None] = []  # the tag each Telegram tag became (None: shown as its text only)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SAME:
            self._open(SAME[tag], f"<{SAME[tag]}>")
        elif tag == "tg-spoiler" or (tag == "span" and dict(attrs).get("class") == "tg-spoiler"):
            self._open("span", '<span class="tg-spoiler">')
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            if href.startswith(SCHEMES):
                self._open("a", f'<a href="{escape(href)}" rel="noopener noreferrer nofollow" target="_blank">')
            else:
                self.open.append(None)  # a javascript: or other address: the link's text only

    def _open(self, name: str, html: str) -> None:
        self.open.append(name)
        self.out.append(html)

    def handle_endtag(self, tag: str) -> None:
        if self.open and tag in {*SAME, "tg-spoiler", "span", "a"} and (name := self.open.pop()) is not None:
            self.out.append(f"</{name}>")

    def handle_data(self, data: str) -> None:
        self.out.append(escape(data).replace("\n", "<br>"))


def telegram_html(text: str) -> Markup:
    """Safe HTML for the page from the Telegram HTML the bot sent."""
    parser = _Html()
    parser.feed(text)
    parser.close()
    parser.out.extend(f"</{name}>" for name in reversed(parser.open) if name is not None)
    return Markup("".join(parser.out))  # built above from escaped text and a fixed set of tags


def plain(text: str) -> Markup:
    """What the resident typed: text, with its line breaks."""
    return Markup(escape(text).replace("\n", "<br>"))  # escaped above
