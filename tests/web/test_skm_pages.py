"""The SKM index on the dashboard's program page ("Indeks SKM per periode") and on /publik/{code} ("Indeks SKM
terakhir"), on SQLite and PostgreSQL: the hand-scored fixture of tests/support/skm_answers.py (78,15, B, six
respondents) appears as computed; a later period with four respondents is "belum cukup responden" on the dashboard
and keeps /publik at "belum cukup data" (the latest period decides); no comment, no name, no resident id."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.i18n import I18n
from bot.services import surveys
from storage import programs as program_store
from storage.models import Resident, Survey
from tests.support.browser import shot
from tests.support.dashboard_helpers import Seeded, Site
from tests.support.skm_answers import INDEX_EN, INDEX_ID, PLAN, answer_plan

pytest_plugins = ["tests.support.dashboard_fixtures", "tests.support.browser_fixtures"]  # site, seeded, phone

CIREBON = "32.74"
PEOPLE = list(range(77001, 77007))
ID = I18n().get("id")


async def _skm(site: Site, program_id: int, start: datetime, plan: list[list[int | None]]) -> Survey:
    """An SKM of the program open for a week from `start`, answered by the first len(plan) residents."""
    async with site.db.unit_of_work() as s:
        survey = await surveys.create_skm(s, None, program_id, "region", start + timedelta(days=7), now=start, t=ID)
        assert isinstance(survey, Survey)
        await answer_plan(s, int(survey.id or 0), PEOPLE[:len(plan)], start + timedelta(hours=1), plan)
        return survey


async def _people(site: Site) -> None:
    async with site.db.unit_of_work() as s:
        for rid in PEOPLE:
            s.add(Resident(telegram_id=rid, region_code=CIREBON, consent_at=site.clock(), subscribed=True,
                           language="id"))


async def _public(site: Site, path: str) -> str:
    async with site.browser() as http, http.get(path) as r:
        assert r.status == 200
        return await r.text()


def _card(page: str, name: str) -> str:
    return next(c for c in page.split('<li class="card program">')[1:] if f"<h3>{name}</h3>" in c)


async def test_one_period_is_shown_on_the_dashboard_and_publicly(site: Site, seeded: Seeded) -> None:
    await _people(site)
    await _skm(site, seeded.cirebon, site.clock() - timedelta(days=20), PLAN)
    official = await site.signed_in(8202)  # Kota Cirebon's
    status, page = await official.get(f"/dasbor/program/{seeded.cirebon}")
    assert status == 200 and "Indeks SKM per periode" in page
    assert f'<td class="num">{INDEX_ID}</td><td>B, Baik</td><td class="num">6</td>' in page
    other = await site.signed_in(8201)  # Kota Bandung's: not their program at all
    assert (await other.get(f"/dasbor/program/{seeded.cirebon}"))[0] == 404
    public = await _public(site, f"/publik/{CIREBON}")
    card = _card(public, await _name(site, seeded.cirebon))
    assert f"Indeks SKM terakhir:</span> <b>{INDEX_ID}</b> (B, Baik)" in card
    english = _card(await _public(site, f"/publik/{CIREBON}?lang=en"), await _name(site, seeded.cirebon))
    assert f"<b>{INDEX_EN}</b> (B, Good)" in english
    for personal in map(str, PEOPLE):
        assert personal not in public


async def test_a_latest_period_under_five_respondents_is_not_published(site: Site, seeded: Seeded) -> None:
    await _people(site)
    now = site.clock()
    await _skm(site, seeded.cirebon, now - timedelta(days=40), PLAN)
    await _skm(site, seeded.cirebon, now - timedelta(days=20), PLAN[:4])
    official = await site.signed_in(8202)
    _status, page = await official.get(f"/dasbor/program/{seeded.cirebon}")
    table = page[page.index("Indeks SKM per periode"):]
    table = table[:table.index("</table>")]
    assert table.index("belum cukup responden") < table.index(f'<td class="num">{INDEX_ID}</td>')  # the latest first
    card = _card(await _public(site, f"/publik/{CIREBON}"), await _name(site, seeded.cirebon))
    assert "Indeks SKM terakhir:</span> belum cukup data" in card and INDEX_ID not in card


async def _name(site: Site, program_id: int) -> str:
    async with site.db.unit_of_work() as s:
        from_db = await program_store.get_program(s, program_id=program_id)
        assert from_db is not None
        return from_db.name


@pytest.mark.usefixtures("browser_available")
async def test_the_index_table_on_a_phone(site: Site, seeded: Seeded, phone: Any) -> None:
    await _people(site)
    await _skm(site, seeded.cirebon, site.clock() - timedelta(days=20), PLAN)
    await phone.goto(await site.login_url(8202))
    await phone.get_by_role("button", name="Masuk").click()
    await phone.wait_for_url("**/dasbor")
    await phone.goto(site.base + f"/dasbor/program/{seeded.cirebon}")
    await phone.locator(".skm-periods").scroll_into_view_if_needed()
    assert INDEX_ID in await phone.locator(".skm-periods").inner_text()
    await shot(phone, "program-skm-periods")
    await phone.goto(site.base + f"/publik/{CIREBON}")
    assert f"<b>{INDEX_ID}</b> (B, Baik)" in await phone.content()
    await shot(phone, "skm-index", "public")
