"""The officials' dashboard over HTTP: sign-in by link, sessions, signing out, and refusals without a session.

The pages are tested in test_dashboard_pages.py, the forms and exports in test_dashboard_forms.py.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from http.cookies import SimpleCookie

from sqlalchemy import select

from storage import officials as official_store
from storage.db import Database
from storage.models import LoginToken, WebSession
from tests.conftest import ADMIN_ID
from tests.dashboard_helpers import ANA, BANDUNG, BUDI, Browser, Seeded, Site, run_site
from tests.fakebot import FakeBotAPI

pytest_plugins = ["tests.dashboard_fixtures"]  # the site, seeded and officer fixtures


def cookie_of(header: str) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    jar.load(header)
    return jar


# --- signing in -------------------------------------------------------------------------------------------


async def test_a_link_from_the_chat_signs_in_once(site: Site, seeded: Seeded) -> None:
    path = await site.login_link(8201)
    secret = path.split("token=", 1)[1]
    async with site.browser() as http:
        async with http.head(path, allow_redirects=False) as r:
            assert r.status == 405  # a link checker's HEAD does not spend the link
        async with http.get(path, allow_redirects=False) as r:
            assert r.status == 303 and r.headers["Location"] == "/dasbor"
            assert r.headers["Referrer-Policy"] == "no-referrer"
            morsel = cookie_of(r.headers["Set-Cookie"])["qw_session"]
            assert morsel["httponly"] and morsel["samesite"] == "Lax" and morsel["path"] == "/"
            assert not morsel["secure"]  # plain http here; see the https test
            assert int(morsel["max-age"]) == site.settings.session_hours * 3600
            session_id = morsel.value
        async with http.get("/dasbor") as r:
            page = await r.text()
            assert r.status == 200
            assert "Ringkasan: Kota Bandung" in page and "Bapak/Ibu" in page
            assert r.headers["Cache-Control"] == "no-store" and "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    async with site.db.unit_of_work() as s:
        [token] = (await s.exec(select(LoginToken))).scalars().all()  # type: ignore[call-overload]
        [web_session] = (await s.exec(select(WebSession))).scalars().all()  # type: ignore[call-overload]
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest() and token.used_at is not None
    assert web_session.session_hash == hashlib.sha256(session_id.encode()).hexdigest()  # only hashes are stored
    assert web_session.official_id == 8201

    async with site.browser() as other, other.get(path, allow_redirects=False) as r:  # the link again, another phone
        page = await r.text()
        assert r.status == 410 and "sudah digunakan" in page and "/dasbor" in page
        assert "Set-Cookie" not in r.headers
        assert secret not in page  # not even in the language links
    actions = [e.action for e in await site.audit()]
    assert actions[:3] == ["dashboard.link", "dashboard.login", "summary.view"]
    assert "dashboard.login_refused" in actions


async def test_expired_unknown_and_malformed_links_are_refused(site: Site, seeded: Seeded) -> None:
    path = await site.login_link(8201)
    site.clock.advance(timedelta(minutes=10, seconds=1))
    async with site.browser() as http:
        async with http.get(path, allow_redirects=False) as r:
            page = await r.text()
            assert r.status == 410 and "kedaluwarsa" in page and "kirim /dasbor" in page
        for bad in ("/masuk?token=not-a-real-token", "/masuk?token=", "/masuk?token=" + "x" * 500):
            async with http.get(bad, allow_redirects=False) as r:
                assert r.status == 400 and "tidak valid" in await r.text(), bad
        async with http.get("/masuk") as r:
            assert r.status == 200 and "/dasbor" in await r.text()
        async with http.get("/dasbor", allow_redirects=False) as r:
            assert r.status == 401  # none of this signed anybody in


async def test_only_officials_get_a_link(site: Site, seeded: Seeded) -> None:
    [reply] = await site.chat(BUDI, "/dasbor")
    assert "khusus untuk petugas" in (reply.text or "") and "masuk?token" not in (reply.text or "")
    [reply] = await site.chat(ADMIN_ID, "/dashboard")  # an admin from ADMIN_IDS, by the English alias
    assert "masuk?token=" in (reply.text or "") and "10 menit" in (reply.text or "")
    async with site.db.unit_of_work() as s:
        owners = [t.official_id for t in (await s.exec(select(LoginToken))).scalars()]  # type: ignore[call-overload]
    assert owners == [ADMIN_ID]


async def test_secure_cookie_and_https_link_behind_a_proxy(fake: FakeBotAPI, db: Database, db_url: str) -> None:
    async for site in run_site(fake, db, db_url, public_url="https://dasbor.example.go.id"):
        async with db.unit_of_work() as s:
            await official_store.add_official(s, telegram_id=8201, region_codes=[BANDUNG])
        [reply] = await site.chat(8201, "/dasbor")
        assert "https://dasbor.example.go.id/masuk?token=" in (reply.text or "")
        path = reply.text[reply.text.index("/masuk?token="):].split()[0]  # type: ignore[union-attr, index]
        async with site.browser() as http, http.get(path, allow_redirects=False) as r:
            assert r.status == 303 and cookie_of(r.headers["Set-Cookie"])["qw_session"]["secure"]


async def test_sessions_expire_and_signing_out_ends_them(site: Site, seeded: Seeded, officer: Browser) -> None:
    assert (await officer.get("/dasbor"))[0] == 200
    r = await officer.post("/keluar", {}, csrf="forged")
    assert r.status == 403
    r = await officer.post("/keluar", {})
    assert r.status == 303 and r.headers["Location"] == "/masuk?keluar=1&lang=id"
    assert cookie_of(r.headers["Set-Cookie"])["qw_session"].value == ""
    status, page = await officer.get("/masuk?keluar=1")
    assert status == 200 and "sudah keluar" in page
    assert (await officer.get("/dasbor", allow_redirects=False))[0] == 401

    again = await site.signed_in(8201)
    assert (await again.get("/dasbor"))[0] == 200
    site.clock.advance(timedelta(hours=site.settings.session_hours, seconds=1))
    status, page = await again.get("/dasbor")
    assert status == 401 and "Silakan masuk" in page and "/dasbor" in page
    await again.close()


async def test_every_page_refuses_without_a_session(site: Site, seeded: Seeded) -> None:
    fid = seeded.tickets["Antrean <panjang> & lama"]
    gets = ["/dasbor", "/dasbor/grafik.png", "/dasbor/program", f"/dasbor/program/{seeded.bandung_health}",
            f"/dasbor/program/{seeded.bandung_health}/grafik.png", "/dasbor/masukan", "/dasbor/ekspor.csv",
            "/dasbor/ekspor.xlsx"]
    posts = [f"/dasbor/masukan/{fid}/jawab", f"/dasbor/masukan/{fid}/status", "/keluar"]
    async with site.browser() as http:
        http.cookie_jar.update_cookies({"qw_session": "made-up-session-id"})
        for path in gets:
            async with http.get(path, allow_redirects=False) as r:
                page = await r.text()
                assert r.status == 401 and "Silakan masuk" in page and "Antrean" not in page, path
        for path in posts:
            async with http.post(path, data={"teks": "x", "status": "selesai", "csrf": "x"}, allow_redirects=False) as r:
                assert r.status == 401, path
    assert (await site.feedback(fid)).status == "baru"
    assert len(site.fake.sent(ANA)) == 1  # only the greeting of /start


async def test_an_official_removed_from_the_roster_is_shut_out(site: Site, seeded: Seeded, officer: Browser) -> None:
    async with site.db.unit_of_work() as s:
        await official_store.remove_official(s, telegram_id=8201)
    status, page = await officer.get("/dasbor")
    assert status == 403 and "tidak lagi terdaftar" in page


async def test_language_switch(site: Site, seeded: Seeded, officer: Browser) -> None:
    async with officer.http.get("/dasbor/program?lang=en", allow_redirects=False) as r:
        assert r.status == 303 and r.headers["Location"] == "/dasbor/program"
    status, page = await officer.get("/dasbor")
    assert status == 200 and "Summary: Kota Bandung" in page and '<html lang="en">' in page
    status, page = await officer.get("/dasbor?lang=xx")
    assert status == 400 and "Unknown language" in page
    await officer.get("/dasbor?lang=id")
    assert "Ringkasan: Kota Bandung" in (await officer.get("/dasbor"))[1]
