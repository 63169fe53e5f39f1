"""How the chat writes an SKM survey's index for its author: the reader's numbers and words, the grade, the
respondents, and a note when too few answered to publish it."""

from __future__ import annotations

from bot.i18n import I18n
from bot.render.surveys import skm_line
from bot.services import skm

I18N = I18n()
SIX = {e.code: [3, 3, 3, 3, 4, 4] for e in skm.ELEMENTS}  # NRR 20/6 everywhere: 20/6 x 25 = 83,33, B
FOUR = {e.code: [4, 4, 4, 4] for e in skm.ELEMENTS}  # 100, A, but four respondents


def test_the_index_line_in_both_languages() -> None:
    result = skm.score(SIX)
    assert skm_line(I18N.get("id"), result) == "📊 <b>Indeks SKM: 83,33 (B, Baik) dari 6 responden</b>"
    assert skm_line(I18N.get("en"), result) == "📊 <b>SKM index: 83.33 (B, Good) from 6 respondents</b>"


def test_too_few_respondents_are_said_and_no_answers_at_all() -> None:
    line = skm_line(I18N.get("id"), skm.score(FOUR))
    assert "100,00 (A, Sangat Baik) dari 4 responden" in line and "belum cukup untuk dipublikasikan" in line
    assert "no answers yet" in skm_line(I18N.get("en"), skm.score({}))
