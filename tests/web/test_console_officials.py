"""The roster of officials (/dasbor/petugas): admins add, change and remove officials and invite new ones.

Each change goes through the same storage as `quickwin official`, is written to the audit log with the admin as
its actor, and an official removed is signed out at once; an invitation made here is the chat's /undang link, and
opening it in the chat makes its opener an official of the region. Nobody but an admin reaches any of it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from bot.i18n import I18n
from storage import officials as official_store
from storage.models import AuditEntry, Invite, OfficialRegion
from tests.support.browser import shot
from tests.support.dashboard_helpers import BANDUNG, CIREBON, DENPASAR, Browser, Seeded, Site
from tests.support.settings import ADMIN_ID

pytest_plugins = ["tests.support.dashboard_fixtures", "tests.support.browser_fixtures"]  # seeded, officer, phone

LINK = re.compile(r'value="(https://t\.me/quickwin_test_bot\?start=inv_([A-Za-z0-9_-]+))"')
NEWCOMER = 9301


async def regions_of(site: Site, telegram_id: int) -> dict[str, bool]:
    """The official's regions and whether they coordinate each."""
    async with site.db.unit_of_work() as s:
        rows = (await s.exec(select(OfficialRegion).where(OfficialRegion.official_id == telegram_id))).scalars()  # type: ignore[call-overload,arg-type]
        return {r.region_code: r.coordinator for r in rows}


async def invites(site: Site) -> list[Invite]:
    async with site.db.unit_of_work() as s:
        return list((await s.exec(select(Invite))).scalars())  # type: ignore[call-overload]


def entries(audit: list[AuditEntry], action: str) -> list[tuple[int | None, str | None, dict[str, Any] | None]]:
    return [(e.actor_id, e.target, e.detail) for e in audit if e.action == action]


async def test_an_invitation_is_the_chats_link_and_makes_its_opener_an_official(site: Site, seeded: Seeded) -> None:
    admin = await site.signed_in(ADMIN_ID)
    status, page = await admin.get("/dasbor/petugas")
    assert status == 200 and 'action="/dasbor/petugas/undangan"' in page
    async with admin.http.post("/dasbor/petugas/undangan", data={"csrf": admin.csrf, "wilayah": DENPASAR}) as r:
        shown = await r.text()
        assert r.status == 200, shown
    match = LINK.search(shown)
    assert match, shown
    [invite] = await invites(site)
    assert invite.region_code == DENPASAR and invite.created_by == ADMIN_ID and invite.used_at is None
    expires = I18n().get("id").datetime(invite.expires_at, "WITA")  # Denpasar's zone
    assert expires.endswith(" WITA") and expires in shown and "Kota Denpasar" in shown
    assert entries(await site.audit(), "invite.create") == [(ADMIN_ID, DENPASAR, {"expires_at": invite.expires_at.isoformat()})]

    [welcome] = await site.chat(NEWCOMER, f"/start inv_{match.group(2)}")  # opened in the chat, as Telegram does
    assert "Kota Denpasar" in (welcome.text or "")
    assert await regions_of(site, NEWCOMER) == {DENPASAR: False}

    status, page = await admin.get("/dasbor/petugas")
    card = page.split(f'id="petugas-{NEWCOMER}"')[1].split("</article>")[0]
    assert "Kota Denpasar" in card and str(ADMIN_ID) in card  # the region by name, and who invited them
    assert f"{NEWCOMER}, " in page.split('id="invites-title"')[1]  # the invitation: used, and by whom
    bandung = page.split('id="petugas-8201"')[1].split("</article>")[0]
    assert "Kota Bandung" in bandung and "(32.73)" in bandung
    admin_card = page.split(f'id="petugas-{ADMIN_ID}"')[1].split("</article>")[0]
    assert "ADMIN_IDS" in admin_card and "/hapus" not in admin_card  # an admin by configuration: not removable
    await admin.close()


async def test_an_admin_adds_changes_and_removes_regions(site: Site, seeded: Seeded) -> None:
    admin = await site.signed_in(ADMIN_ID)
    await admin.get("/dasbor/petugas")
    r = await admin.post("/dasbor/petugas", {"telegram_id": "9401", "wilayah": BANDUNG, "koordinator": "1"})
    assert r.status == 303 and r.headers["Location"] == "/dasbor/petugas"
    async with admin.http.post("/dasbor/petugas", data=[("csrf", admin.csrf), ("telegram_id", "9402"),
                                                        ("wilayah", BANDUNG), ("wilayah", CIREBON)]) as r:
        assert r.status == 200  # followed to the roster
    assert await regions_of(site, 9401) == {BANDUNG: True}
    assert await regions_of(site, 9402) == {BANDUNG: False, CIREBON: False}

    r = await admin.post("/dasbor/petugas/9402/wilayah", {"wilayah": DENPASAR, "koordinator": "1"})
    assert r.status == 303
    r = await admin.post("/dasbor/petugas/9401/koordinator", {"wilayah": BANDUNG, "nilai": "0"})
    assert r.status == 303
    r = await admin.post("/dasbor/petugas/9402/wilayah/hapus", {"wilayah": CIREBON})
    assert r.status == 303
    assert await regions_of(site, 9401) == {BANDUNG: False}
    assert await regions_of(site, 9402) == {BANDUNG: False, DENPASAR: True}
    status, page = await admin.get("/dasbor/petugas")
    card = page.split('id="petugas-9402"')[1].split("</article>")[0]
    assert "Kota Denpasar" in card and "Kota Bandung" in card and "Kota Cirebon" not in card

    audit = await site.audit()
    assert entries(audit, "official.add") == [
        (ADMIN_ID, "9401", {"region": BANDUNG, "coordinator": True}),
        (ADMIN_ID, "9402", {"region": BANDUNG, "coordinator": False}),
        (ADMIN_ID, "9402", {"region": CIREBON, "coordinator": False}),
    ]
    assert entries(audit, "official.add_region") == [(ADMIN_ID, "9402", {"region": DENPASAR, "coordinator": True})]
    assert entries(audit, "official.coordinator") == [(ADMIN_ID, "9401", {"region": BANDUNG, "on": False})]
    assert entries(audit, "official.remove_region") == [(ADMIN_ID, "9402", {"region": CIREBON})]

    # What cannot be done says why, and changes nothing.
    for fields, status in [({"telegram_id": "abc", "wilayah": BANDUNG}, 400), ({"telegram_id": "9403"}, 400),
                           ({"telegram_id": "9403", "wilayah": "99.99"}, 400),
                           ({"telegram_id": str(2**52), "wilayah": BANDUNG}, 400)]:
        async with admin.http.post("/dasbor/petugas", data={"csrf": admin.csrf, **fields}) as r:
            assert r.status == status and 'class="form-errors"' in await r.text()
    assert await regions_of(site, 9403) == {}
    assert (await admin.post("/dasbor/petugas/9999/wilayah", {"wilayah": BANDUNG})).status == 404
    assert (await admin.post("/dasbor/petugas/9401/wilayah/hapus", {"wilayah": CIREBON})).status == 404
    assert (await admin.post("/dasbor/petugas/9401/koordinator", {"wilayah": CIREBON, "nilai": "1"})).status == 404
    assert (await admin.post("/dasbor/petugas/9401/hapus", {}, csrf="wrong")).status == 403
    assert await regions_of(site, 9999) == {} and await regions_of(site, 9401) == {BANDUNG: False}
    await admin.close()


async def test_a_removed_official_is_signed_out_at_once(site: Site, seeded: Seeded, officer: Browser) -> None:
    admin = await site.signed_in(ADMIN_ID)
    await admin.get("/dasbor/petugas")
    status, _ = await officer.get("/dasbor/masukan")
    assert status == 200
    r = await admin.post("/dasbor/petugas/8201/hapus", {})
    assert r.status == 303
    status, page = await officer.get("/dasbor/masukan")
    assert status == 401 and 'action="/keluar"' not in page  # the open dashboard no longer works
    assert (await officer.post("/dasbor/masukan/1/jawab", {"teks": "halo"})).status == 401
    async with site.db.unit_of_work() as s:
        assert await official_store.get_official(s, telegram_id=8201) is None
    assert entries(await site.audit(), "official.remove") == [(ADMIN_ID, "8201", {"region": BANDUNG})]

    assert (await admin.post(f"/dasbor/petugas/{ADMIN_ID}/hapus", {})).status == 403  # by configuration, and self
    assert (await admin.post("/dasbor/petugas/8201/hapus", {})).status == 404  # already gone
    status, page = await admin.get("/dasbor/petugas")
    assert status == 200 and 'id="petugas-8201"' not in page and 'id="petugas-8202"' in page
    await admin.close()


async def test_nobody_but_an_admin_reaches_the_roster(site: Site, seeded: Seeded, officer: Browser) -> None:
    status, page = await officer.get("/dasbor/petugas")
    assert status == 403 and "8202" not in page
    assert 'href="/dasbor/petugas"' not in (await officer.get("/dasbor"))[1]  # not offered in the menu either
    for path, fields in [
        ("/dasbor/petugas", {"telegram_id": "9501", "wilayah": BANDUNG}),
        ("/dasbor/petugas/8202/wilayah", {"wilayah": BANDUNG}),
        ("/dasbor/petugas/8202/wilayah/hapus", {"wilayah": CIREBON}),
        ("/dasbor/petugas/8202/koordinator", {"wilayah": CIREBON, "nilai": "1"}),
        ("/dasbor/petugas/8202/hapus", {}),
        ("/dasbor/petugas/8201/hapus", {}),
        ("/dasbor/petugas/undangan", {"wilayah": BANDUNG}),
    ]:
        r = await officer.post(path, fields)
        assert r.status == 403, path
    assert await regions_of(site, 9501) == {} and await regions_of(site, 8202) == {CIREBON: False}
    assert await regions_of(site, 8201) == {BANDUNG: False}
    assert await invites(site) == []
    assert not [e for e in await site.audit() if e.action.startswith(("official.", "invite."))]
    nobody = site.browser()  # signed out: asked to sign in, nothing more
    async with nobody.get("/dasbor/petugas", allow_redirects=False) as r:
        assert r.status == 401
    await nobody.close()


@pytest.mark.usefixtures("browser_available")
async def test_an_admin_invites_adds_and_finds_it_in_the_log(site: Site, seeded: Seeded, phone: Any) -> None:
    page = phone
    await page.goto(await site.login_url(ADMIN_ID))
    await page.get_by_role("button", name="Masuk").click()
    await page.wait_for_url("**/dasbor")
    await page.goto(site.base + "/dasbor/petugas")
    invite_form = page.locator("form[action='/dasbor/petugas/undangan']")
    await invite_form.locator("select[name=wilayah]").select_option(DENPASAR)
    await invite_form.locator("button[type=submit]").click()
    link = page.locator("input.invite-link")
    await link.wait_for()
    assert (await link.input_value()).startswith("https://t.me/quickwin_test_bot?start=inv_")
    await shot(page, "invite", "console")

    await page.goto(site.base + "/dasbor/petugas")
    add_form = page.locator("form[action='/dasbor/petugas']")
    await add_form.locator("input[name=telegram_id]").fill("9601")
    await add_form.locator("select[name=wilayah]").select_option([BANDUNG, CIREBON])
    await add_form.locator("input[name=koordinator]").check()
    await add_form.locator("button[type=submit]").click()
    await page.locator("#petugas-9601").wait_for()
    assert await page.locator("p.flash").count() == 1
    assert await regions_of(site, 9601) == {BANDUNG: True, CIREBON: True}
    await shot(page, "officials", "console")

    await page.goto(site.base + "/dasbor/audit")
    await page.locator("select[name=aksi]").select_option("official.add")
    await page.locator("form.filters button[type=submit]").click()
    await page.wait_for_url("**aksi=official.add**")
    rows = page.locator("table.audit tbody tr")
    assert await rows.count() == 2
    assert all("9601" in text for text in await rows.all_inner_texts())
    await shot(page, "audit", "console")
