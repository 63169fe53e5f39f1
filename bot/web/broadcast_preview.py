"""An announcement's Telegram HTML as a web page shows it: only the tags Telegram reads, everything else escaped.

The text has passed the Telegram-HTML check before it gets here; this still keeps nothing but the allowed tags
(and a link's http(s) address), so a preview can never carry markup of its own into the dashboard.
"""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

from markupsafe import Markup

SIMPLE = {"b": "b", "strong": "b", "i": "i", "em": "i", "u": "u", "ins": "u", "s": "s", "strike": "s",
          "del": "s", "code": "code", "pre": "pre", "blockquote": "blockquote"}
SPOILER = ("span", "tg-spoiler")
LINK_SCHEMES = ("http://", "https://")


class _Shown(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str | None] = []  # the HTML tag each Telegram tag became (None: shown as its text only)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SIMPLE:
            shown: str | None = SIMPLE[tag]
            self.out.append(f"<{shown}>")
        elif tag in SPOILER:
            shown = "span"
            self.out.append('<span class="tg-spoiler">')
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            if href.startswith(LINK_SCHEMES):
                shown = "a"
                self.out.append(f'<a href="{escape(href, quote=True)}" rel="noopener noreferrer nofollow">')
            else:
                shown = None
        else:
            return  # tg-emoji and anything else: its text only
        self.open.append(shown)

    def handle_endtag(self, tag: str) -> None:
        if (tag in SIMPLE or tag in SPOILER or tag == "a") and self.open:
            shown = self.open.pop()
            if shown is not None:
                self.out.append(f"</{shown}>")

    def handle_data(self, data: str) -> None:
        self.out.append(escape(data, quote=False))


def telegram_html(text: str) -> Markup:
    """The text as safe HTML: the allowed tags rebuilt by us, every character of the text escaped."""
    shown = _Shown()
    shown.feed(text)
    shown.close()
    shown.out += [f"</{tag}>" for tag in reversed(shown.open) if tag is not None]
    return Markup("".join(shown.out))  # built above from escaped text and our own tags only
