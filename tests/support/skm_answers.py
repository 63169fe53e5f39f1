"""An SKM fixture whose index is worked out by hand, shared by the service's, the chat's and the pages' tests.

Six residents answer the nine questions (values 1–4; None is a skip), in the order of skm.ELEMENTS:

    element      answers of residents 1..6   answers  total  NRR
    persyaratan  4 3 3 3 3 4                 6        20     20/6
    prosedur     3 3 3 3 3 3                 6        18     3
    waktu        3 2 3 3 - 3  (5 skipped)    5        14     14/5
    biaya        4 4 4 4 4 4                 6        24     4
    produk       3 3 3 3 3 3                 6        18     3
    kompetensi   3 3 4 3 3 3                 6        19     19/6
    perilaku     4 4 3 3 3 3                 6        20     20/6
    pengaduan    2 2 3 3 2 3                 6        15     15/6
    sarana       3 3 3 3 3 3                 6        18     3

    sum of the NRRs = (20 + 19 + 20 + 15)/6 + (3 + 4 + 3 + 3) + 14/5 = 74/6 + 13 + 14/5 = 844/30
    IKM = 844/30 x 1/9 = 844/270 = 3,1259...;  index = IKM x 25 = 21100/270 = 78,148... -> 78,15, grade B (Baik:
    76,61 to 88,30). Six respondents: at least MIN_CONTRIBUTORS (5), so the index is published.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import surveys
from bot.services.surveys import Outcome

PLAN: list[list[int | None]] = [  # per resident, the nine answers
    [4, 3, 3, 4, 3, 3, 4, 2, 3],
    [3, 3, 2, 4, 3, 3, 4, 2, 3],
    [3, 3, 3, 4, 3, 4, 3, 3, 3],
    [3, 3, 3, 4, 3, 3, 3, 3, 3],
    [3, 3, None, 4, 3, 3, 3, 2, 3],
    [4, 3, 3, 4, 3, 3, 3, 3, 3],
]
NRRS = [Fraction(20, 6), Fraction(3), Fraction(14, 5), Fraction(4), Fraction(3), Fraction(19, 6), Fraction(20, 6),
        Fraction(15, 6), Fraction(3)]
assert sum(NRRS) == Fraction(844, 30)
assert sum(NRRS) / 9 * 25 == Fraction(21100, 270)
INDEX = Decimal("78.15")
INDEX_ID = "78,15"  # as Indonesian readers write it
INDEX_EN = "78.15"
GRADE = "B"


async def answer_plan(session: AsyncSession, survey_id: int, residents: list[int], now: datetime,
                      plan: list[list[int | None]] = PLAN) -> None:
    """Residents[i] answers plan[i] through the engine (value v is the option v - 1; None skips)."""
    qids = [int(q.id or 0) for q in await surveys.questions(session, survey_id)]
    assert len(qids) == 9
    for resident, answers in zip(residents, plan, strict=True):
        for qid, value in zip(qids, answers, strict=True):
            done = await (surveys.answer(session, resident, qid, now=now, skip=True) if value is None
                          else surveys.answer(session, resident, qid, now=now, choice=value - 1))
            assert done.outcome is Outcome.SAVED, (resident, qid, done.outcome)
