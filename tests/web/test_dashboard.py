"""The officials' dashboard over HTTP: sign-in by link (a landing page, then its POST), sessions, signing out,
and refusals without a session.

The pages are tested in test_dashboard_pages.py, the forms and exports in test_dashboard_forms.py.
"""

from __future__ import annotations

import argparse
import hashlib
from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any

import aiohttp
from sqlalchemy import select

from bot.services.roster import roster_command
from storage import officials as official_store
from storage.db import Database
from storage.models import LoginToken, WebSession
from tests.support.dashboard_helpers import (
    ANA,
    BANDUNG,
    BUDI,
    CIREBON,
    LOGIN_FIELD,
    Browser,
    Seeded,
    Site,
    landing_form,
    run_site,
    sign_in,
)
from tests.support.fakebot import FakeBotAPI
from tests.support.settings import ADMIN_ID

pytest_plugins = ["tests.support.dashboard_fixtures"]  # the site, seeded and officer fixtures


async def get(http: aiohttp.ClientSession, path: str, **kw: Any) -> tuple[int, str]:
    async with http.get(path, allow_redirects=False, **kw) as r:
        return r.status, await r.text()


async def post(http: aiohttp.ClientSession, fields: dict[str, str]) -> tuple[int, str]:
    async with http.post("/masuk", data=fields, allow_redirects=False) as r:
        return r.status, await r.text()


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
            assert r.status == 405
        async with http.get(path, allow_redirects=False) as r:  # opening the link only shows the button
            page = await r.text()
            assert r.status == 200 and 'method="post" action="/masuk"' in page and ">Masuk</button>" in page
            assert "<script" not in page and r.headers["Referrer-Policy"] == "no-referrer"
            login = cookie_of(r.headers["Set-Cookie"])["qw_login"]
            assert login["httponly"] and login["samesite"] == "Strict" and login["path"] == "/masuk"
            assert "qw_session" not in r.headers["Set-Cookie"]
            assert f"/masuk?token={secret}&amp;lang=en" in page  # switching language keeps the unspent link
        async with site.db.unit_of_work() as s:
            [token] = (await s.exec(select(LoginToken))).scalars().all()  # type: ignore[call-overload]
            assert token.used_at is None and (await s.exec(select(WebSession))).scalars().all() == []  # type: ignore[call-overload]
        async with await sign_in(http, path) as r:  # pressing "Masuk"
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
            assert "Ringkasan: Kota Bandung" in page and "Berikut pendapat warga" in page
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


async def test_two_tabs_with_one_link_sign_in_once(site: Site, seeded: Seeded) -> None:
    path = await site.login_link(8201)
    async with site.browser() as http:
        first, second = await landing_form(http, path), await landing_form(http, path)
        assert first == second  # the second tab's form still matches this browser's cookie
        async with http.post("/masuk", data=first, allow_redirects=False) as r:
            assert r.status == 303
        async with http.post("/masuk", data=second, allow_redirects=False) as r:
            assert r.status == 410 and "sudah digunakan" in await r.text()
    assert "dashboard.login_refused" in [e.action for e in await site.audit()]


async def test_expired_unknown_and_malformed_links_are_refused(site: Site, seeded: Seeded) -> None:
    path = await site.login_link(8201)
    async with site.browser() as http:
        fields = await landing_form(http, path)
        site.clock.advance(timedelta(minutes=10, seconds=1))
        for status, page in [await get(http, path), await post(http, fields)]:  # opened late, or pressed late
            assert status == 410 and "kedaluwarsa" in page and "kirim /dasbor" in page
        bad_tokens = ("not-a-real-token", "", "x" * 500, fields["token"] + "\n", fields["token"][:-1] + "²")
        for bad in bad_tokens:
            status, page = await get(http, "/masuk", params={"token": bad})
            assert status == 400 and "tidak berlaku" in page, bad
            status, page = await post(http, {**fields, "token": bad})
            assert status == 400 and "tidak berlaku" in page, bad
        status, page = await get(http, "/masuk")
        assert status == 200 and "/dasbor" in page
        assert (await get(http, "/dasbor"))[0] == 401  # none of this signed anybody in


async def test_a_new_link_ends_the_older_ones(site: Site, seeded: Seeded) -> None:
    older = [await site.login_link(8201) for _ in range(3)]
    newest = await site.login_link(8201)
    async with site.db.unit_of_work() as s:
        tokens = (await s.exec(select(LoginToken))).scalars().all()  # type: ignore[call-overload]
    assert len([t for t in tokens if t.expires_at > site.clock()]) == 1  # one pending link per official
    async with site.browser() as http:
        for path in older:
            status, page = await get(http, path)
            assert status == 410 and "hanya tautan terbaru" in page
        async with await sign_in(http, newest) as r:
            assert r.status == 303
    links = [e for e in await site.audit() if e.action == "dashboard.link"]
    assert [e.detail.get("replaced") for e in links] == [None, 1, 1, 1]


async def test_a_link_someone_sends_you_leaves_your_session_alone(site: Site, seeded: Seeded, officer: Browser) -> None:
    """Login CSRF: opening another official's link, or a forged cross-site form, neither ends nor replaces yours."""
    theirs = await site.login_link(8202)
    status, page = await officer.get(theirs, allow_redirects=False)
    assert status == 200 and ">Masuk</button>" in page
    page = (await officer.get("/dasbor"))[1]
    assert "Ringkasan: Kota Bandung" in page and 'lang="id" aria-current="true">Bahasa Indonesia</a>' in page
    assert ">English</a>" in page and ">Inggris<" not in page  # still signed in as 8201
    fields = dict(LOGIN_FIELD.findall(page))
    officer.http.cookie_jar.clear(lambda morsel: morsel.key == "qw_login")  # a form posted from another site
    async with officer.http.post("/masuk", data=fields, allow_redirects=False) as r:
        assert r.status == 400 and "Browser Anda harus mengizinkan cookie" in await r.text()
    page = (await officer.get("/dasbor"))[1]
    assert "Ringkasan: Kota Bandung" in page and 'lang="id" aria-current="true">Bahasa Indonesia</a>' in page
    assert ">English</a>" in page and ">Inggris<" not in page
    async with site.db.unit_of_work() as s:
        assert all(t.used_at is None for t in (await s.exec(select(LoginToken).where(LoginToken.official_id == 8202))).scalars())  # type: ignore[call-overload]
        assert all(w.ended_at is None for w in (await s.exec(select(WebSession))).scalars())  # type: ignore[call-overload]
    async with await sign_in(officer.http, theirs) as r:  # pressing the button yourself: now you are 8202
        assert r.status == 303
    assert "Ringkasan: Kota Cirebon" in (await officer.get("/dasbor"))[1]
    async with site.db.unit_of_work() as s:
        ended = [w.official_id for w in (await s.exec(select(WebSession))).scalars() if w.ended_at is not None]  # type: ignore[call-overload]
    assert ended == [8201]  # the browser's old session ended only then


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
        async with site.browser() as http:
            async with http.get(path, allow_redirects=False) as r:
                login = cookie_of(r.headers["Set-Cookie"])["qw_login"]
                fields = dict(LOGIN_FIELD.findall(await r.text()))
            assert login["secure"]  # so this plain-http client keeps it to itself: send it as the proxy would
            async with http.post("/masuk", data=fields, headers={"Cookie": f"qw_login={login.value}"},
                                 allow_redirects=False) as r:
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


async def web_rows(site: Site, official_id: int) -> int:
    async with site.db.unit_of_work() as s:
        sessions = (await s.exec(select(WebSession).where(WebSession.official_id == official_id))).scalars().all()  # type: ignore[call-overload]
        links = (await s.exec(select(LoginToken).where(LoginToken.official_id == official_id))).scalars().all()  # type: ignore[call-overload]
    return len(sessions) + len(links)


async def test_an_official_removed_from_the_roster_is_shut_out(site: Site, seeded: Seeded, officer: Browser) -> None:
    pending = await site.login_link(8201)  # a link not used yet
    async with site.db.unit_of_work() as s:
        await official_store.add_official(s, telegram_id=8201, region_codes=[CIREBON])
        await official_store.remove_official(s, telegram_id=8201, region_codes=[BANDUNG])
    assert (await officer.get("/dasbor"))[0] == 200 and await web_rows(site, 8201) == 3  # one region left: kept
    async with site.db.unit_of_work() as s:  # `quickwin official remove --telegram-id 8201`
        code, _lines = await roster_command(s, argparse.Namespace(official_command="remove", telegram_id=8201, region=[]))
    assert code == 0
    status, page = await officer.get("/dasbor")
    assert status == 401 and "Ringkasan" not in page
    assert await web_rows(site, 8201) == 0  # sessions and links deleted with the official
    async with site.db.unit_of_work() as s:  # added again: the old session and link stay dead
        await official_store.add_official(s, telegram_id=8201, region_codes=[BANDUNG])
    status, page = await officer.get("/dasbor")
    assert status == 401 and "Silakan masuk" in page
    async with site.browser() as http:
        assert (await get(http, pending))[0] == 400
    again = await site.signed_in(8201)
    async with site.db.unit_of_work() as s:  # removed from their last region only: the same
        await official_store.remove_official(s, telegram_id=8201, region_codes=[BANDUNG])
    assert await web_rows(site, 8201) == 0 and (await again.get("/dasbor"))[0] == 401
    await again.close()


async def test_language_switch(site: Site, seeded: Seeded, officer: Browser) -> None:
    async with officer.http.get("/dasbor/program?lang=en", allow_redirects=False) as r:
        assert r.status == 303 and r.headers["Location"] == "/dasbor/program"
    status, page = await officer.get("/dasbor")
    assert status == 200 and "Summary: Kota Bandung" in page and '<html lang="en">' in page
    # Each language by its own name, in either language (Indonesia alone would be the country).
    assert 'hreflang="id" lang="id" >Bahasa Indonesia</a>' in page
    assert 'hreflang="en" lang="en" aria-current="true">English</a>' in page
    status, page = await officer.get("/dasbor?lang=xx")
    assert status == 400 and "Unknown language" in page
    await officer.get("/dasbor?lang=id")
    page = (await officer.get("/dasbor"))[1]
    assert "Ringkasan: Kota Bandung" in page and 'lang="id" aria-current="true">Bahasa Indonesia</a>' in page
    assert ">English</a>" in page and ">Inggris<" not in page
