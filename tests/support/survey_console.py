"""The survey console's tests share this: the form's fields, a survey made through the service and answered by
the console site's subscribers (tests/support/console.py), and the data API called over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.services import surveys
from bot.services.auth import Actor
from bot.services.surveys import QuestionDraft
from bot.workers.broadcast_sender import Sender
from storage.models import Resident, Survey
from storage.statuses import QuestionKind
from storage.zones import ZONES
from tests.support.console import KEY, ConsoleSite
from tests.support.dashboard_helpers import BANDUNG, CIREBON, Browser

OUTSIDERS = range(7201, 7203)  # subscribed residents of Kota Cirebon
QUESTIONS = [
    QuestionDraft(QuestionKind.CHOICE, "Layanan mana yang paling sering Anda pakai?", ("KTP", "Pajak", "Kesehatan")),
    QuestionDraft(QuestionKind.SCALE, "Seberapa puas Anda dengan pelayanan kami?"),
    QuestionDraft(QuestionKind.TEXT, "Apa saran Anda untuk kami?"),
]


def tomorrow() -> str:
    return (datetime.now(UTC).astimezone(ZONES["WIB"]).date() + timedelta(days=1)).isoformat()


def form(title: str, audience: str, questions: list[tuple[str, str, str]], **more: str) -> dict[str, str]:
    """The form's fields: (text, kind pilihan|skala|teks, options one per line) per question."""
    fields = {"judul": title, "pengantar": "", "sasaran": audience, "tanggal": tomorrow(), "jam": "17:00", **more}
    for n, (text, kind, options) in enumerate(questions, start=1):
        fields |= {f"t{n}": text, f"j{n}": kind, f"o{n}": options}
    return fields


async def confirm(browser: Browser, fields: dict[str, str]) -> tuple[str, Any]:
    """Preview, then press its button: (the preview page, the confirm response)."""
    async with browser.http.post("/dasbor/survei/pratinjau", data={"csrf": browser.csrf, **fields}) as r:
        page = await r.text()
        assert r.status == 200, page
    key = KEY.search(page)
    assert key, page
    return page, await browser.post("/dasbor/survei", {**fields, "kunci": key.group(1)})


async def outsiders(site: ConsoleSite) -> None:
    async with site.db.unit_of_work() as s:
        for rid in OUTSIDERS:
            s.add(Resident(telegram_id=rid, region_code=CIREBON, consent_at=datetime.now(UTC), subscribed=True,
                           language="id", subscription_asked=True))


async def sent_survey(site: ConsoleSite, region: str = BANDUNG, by: int = 8201, program: int | None = None) -> int:
    """A survey with QUESTIONS to the region's subscribers (or a program's followers), created by `by` and sent."""
    actor = Actor(telegram_id=by, is_admin=program is not None, region_codes=frozenset({region}))
    now = datetime.now(UTC)
    kind, code = ("program", str(program)) if program is not None else ("region", region)
    async with site.db.unit_of_work() as s:
        survey = await surveys.create(s, actor, kind=kind, code=code, title=f"<b>Survei {region}</b>",
                                      intro="", questions=QUESTIONS, closes_at=now + timedelta(days=7), now=now)
        assert isinstance(survey, Survey)
    while await Sender(site.ptb).tick():
        pass
    return int(survey.id or 0)


async def answer(site: ConsoleSite, survey_id: int, resident_id: int, *, choice: int | None, scale: int | None,
                 text: str | None) -> None:
    """One resident's answers through the service (None: skipped)."""
    async with site.db.unit_of_work() as s:
        qs = await surveys.questions(s, survey_id)
        now = datetime.now(UTC)
        for q, value in zip(qs, (choice, scale, text), strict=True):
            kind = {"choice": "choice", "scale": "scale", "text": "text"}[q.kind]
            given = {kind: value} if value is not None else {"skip": True}
            done = await surveys.answer(s, resident_id, int(q.id or 0), now=now, **given)
            assert done.outcome is surveys.Outcome.SAVED, done


async def answer_two(site: ConsoleSite, survey_id: int, given: list[tuple[int, int | None]]) -> None:
    """Answers to a choice and a scale question by PEOPLE in order (None: the scale skipped)."""
    people = [7101, 7102, 7103, 7104, 7105]
    async with site.db.unit_of_work() as s:
        q1, q2 = await surveys.questions(s, survey_id)
        now = datetime.now(UTC)
        for rid, (choice, scale) in zip(people, given, strict=False):
            await surveys.answer(s, rid, int(q1.id or 0), now=now, choice=choice)
            if scale is None:
                await surveys.answer(s, rid, int(q2.id or 0), now=now, skip=True)
            else:
                await surveys.answer(s, rid, int(q2.id or 0), now=now, scale=scale)
