"""A `&` typed in an announcement is escaped for Telegram; real HTML errors are still refused."""

from __future__ import annotations

import pytest

from bot.services.broadcast import validate
from bot.services.telegram_html import check, escape_ampersands


@pytest.mark.parametrize(("typed", "sent"), [
    ("Senin & Selasa", "Senin &amp; Selasa"),
    ("AT&T && R&D;", "AT&amp;T &amp;&amp; R&amp;D;"),  # no reference: a plain &
    ("&copy 2026", "&amp;copy 2026"),  # a reference needs its ;
    ("Sabtu &amp; Minggu, &lt;b&gt;, &quot;", "Sabtu &amp; Minggu, &lt;b&gt;, &quot;"),  # already escaped: unchanged
    ("&#8364; &#x20AC;", "&#8364; &#x20AC;"),  # numeric references Telegram reads
    ("Tunggu&hellip; a&nbsp;b", "Tunggu… a\xa0b"),  # HTML names Telegram does not read: the character
    ("&LT;x&GT;", "&lt;x&gt;"),  # a name for < or > stays escaped
    ('<a href="https://x.id/?a=1&b=2">Senin & Selasa</a>', '<a href="https://x.id/?a=1&amp;b=2">Senin &amp; Selasa</a>'),
])
def test_what_people_type_becomes_what_telegram_reads(typed: str, sent: str) -> None:
    assert escape_ampersands(typed) == sent
    assert check(escape_ampersands(typed)) is None
    assert escape_ampersands(sent) == sent  # twice changes nothing


def test_real_html_errors_are_still_refused() -> None:
    for text, kind in (("<b>Banjir & longsor</i>", "tags"), ("<b>Banjir & longsor", "unclosed"),
                       ("<div>Senin & Selasa</div>", "tags"), ("&amp;", None), (" & ", None)):
        problem = validate(escape_ampersands(text), with_photo=False)
        assert (problem.kind if problem else None) == kind, text
    assert check("Senin & Selasa") is not None  # unescaped, Telegram would refuse it
