"""The audit log in the dashboard (/dasbor/audit): filters, pages, what an official may read, escaping, CSV.

The entries are written by hand with known moments, so every filter has an answer worked out in advance: dates
are local days (WIB for an admin), the end day included; a region is an entry's target or its detail's "region".
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import I18n
from storage.models import AuditEntry
from tests.support.dashboard_helpers import BANDUNG, CIREBON, DENPASAR, Browser, Seeded, Site
from tests.support.settings import ADMIN_ID

pytest_plugins = ["tests.support.dashboard_fixtures"]  # site, seeded, officer

ROW = re.compile(r'<tr id="entri-([0-9]+)">')
MARCH = "&dari=2025-03-01&sampai=2025-03-31"  # only the hand-written entries (the live ones are from today)


async def write(site: Site) -> dict[str, int]:
    """Five entries in March 2025, by name; their ids."""
    rows = {
        "bandung_program": AuditEntry(actor_id=9901, action="program.add", target="12", at=datetime(2025, 3, 1, 16, 59, tzinfo=UTC),
                                      detail={"region": BANDUNG, "name": "Wifi"}),  # 23.59 WIB on 1 March
        "bandung_invite": AuditEntry(actor_id=9901, action="invite.create", target=BANDUNG,
                                     at=datetime(2025, 3, 1, 17, 0, tzinfo=UTC)),  # 00.00 WIB on 2 March
        "cirebon_program": AuditEntry(actor_id=9902, action="program.add", target="13", detail={"region": CIREBON},
                                      at=datetime(2025, 3, 2, 5, 0, tzinfo=UTC)),
        "denpasar_cli": AuditEntry(actor_id=None, action="official.add", target="9401", at=datetime(2025, 3, 3, 1, 0, tzinfo=UTC),
                                   detail={"region": DENPASAR, "note": "<script>alert(1)</script>"}),
        "answer": AuditEntry(actor_id=9902, action="ticket.answer", target="5", detail={"length": 12},
                             at=datetime(2025, 3, 3, 2, 0, tzinfo=UTC)),
    }
    async with site.db.unit_of_work() as s:
        s.add_all(rows.values())
        await s.flush()
        return {name: int(e.id) for name, e in rows.items()}  # type: ignore[arg-type]


async def shown(browser: Browser, query: str) -> list[int]:
    status, page = await browser.get(f"/dasbor/audit?{query}")
    assert status == 200, page
    return [int(n) for n in ROW.findall(page)]


async def test_the_filters_give_exactly_the_expected_entries(site: Site, seeded: Seeded) -> None:
    ids = await write(site)
    admin = await site.signed_in(ADMIN_ID)
    e = ids
    assert await shown(admin, MARCH.lstrip("&")) == [e["answer"], e["denpasar_cli"], e["cirebon_program"],
                                                     e["bandung_invite"], e["bandung_program"]]  # newest first
    assert await shown(admin, "orang=9901") == [e["bandung_invite"], e["bandung_program"]]
    assert await shown(admin, "aksi=program.add") == [e["cirebon_program"], e["bandung_program"]]
    assert await shown(admin, f"wilayah=r{BANDUNG}{MARCH}") == [e["bandung_invite"], e["bandung_program"]]
    assert await shown(admin, f"wilayah=p32{MARCH}") == [e["cirebon_program"], e["bandung_invite"], e["bandung_program"]]
    assert await shown(admin, "dari=2025-03-02&sampai=2025-03-02") == [e["cirebon_program"], e["bandung_invite"]]
    assert await shown(admin, "sampai=2025-03-01") == [e["bandung_program"]]  # 23.59 WIB is still the 1st
    assert await shown(admin, f"orang=9902&aksi=program.add&wilayah=r{CIREBON}{MARCH}") == [e["cirebon_program"]]
    assert await shown(admin, f"orang=9902&wilayah=r{BANDUNG}{MARCH}") == []

    status, page = await admin.get(f"/dasbor/audit?wilayah=r{DENPASAR}{MARCH}")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page  # the detail, escaped
    assert "command line" in page or "baris perintah" in page  # no actor: the command line
    assert I18n().get("id").datetime(datetime(2025, 3, 3, 1, 0, tzinfo=UTC), "WIB") in page  # 08.00 WIB
    assert '<option value="ticket.answer"' in page and "WIB" in page
    for query in ("orang=abc", "dari=2025-13-01", "dari=2025-03-02&sampai=2025-03-01", "aksi=%3Cb%3E", "orang=1&orang=2"):
        status, _ = await admin.get(f"/dasbor/audit?{query}")
        assert status == 400, query
    await admin.close()


async def test_an_official_reads_their_regions_entries_only(site: Site, seeded: Seeded, officer: Browser) -> None:
    ids = await write(site)
    status, page = await officer.get("/dasbor/audit")
    assert status == 200
    assert [n for n in map(int, ROW.findall(page)) if n in ids.values()] == [ids["bandung_invite"], ids["bandung_program"]]
    assert "rahasia" not in page and "9902" not in page.split("<tbody>")[-1]
    assert '<option value="program.add"' in page and '<option value="ticket.answer"' not in page  # only visible actions
    assert await shown(officer, "orang=9902") == []
    assert await shown(officer, "aksi=official.add") == []
    assert await shown(officer, f"wilayah=r{BANDUNG}{MARCH}") == [ids["bandung_invite"], ids["bandung_program"]]
    status, _ = await officer.get(f"/dasbor/audit?wilayah=r{CIREBON}")
    assert status == 403  # another region is refused, not shown empty
    status, _ = await officer.get("/dasbor/audit?wilayah=all")
    assert status == 403
    async with officer.http.get(f"/dasbor/audit.csv?orang=9902{MARCH}") as r:
        assert r.status == 200
        lines = list(csv.reader(io.StringIO((await r.read()).decode("utf-8-sig"))))
    assert len(lines) == 1  # the header only: Cirebon's entry is not theirs


async def test_pages_of_fifty_and_the_csv(site: Site, seeded: Seeded) -> None:
    start = datetime(2025, 6, 1, tzinfo=UTC)
    async with site.db.unit_of_work() as s:
        s.add_all([AuditEntry(actor_id=9903, action="summary.view", target=f"r{BANDUNG}", detail={"n": i},
                              at=start + timedelta(minutes=i)) for i in range(120)])
    async with site.db.unit_of_work() as s:
        order = [int(e.id) for e in sorted(await _entries_of(s, 9903), key=lambda e: e.at, reverse=True)]  # type: ignore[arg-type]
    admin = await site.signed_in(ADMIN_ID)
    status, first = await admin.get("/dasbor/audit?orang=9903")
    assert status == 200
    assert [int(n) for n in ROW.findall(first)] == order[:50]
    assert "hal=2" in first and "orang=9903" in first.split("hal=2")[0].rsplit('href="', 1)[1]
    assert await shown(admin, "orang=9903&hal=2") == order[50:100]
    assert await shown(admin, "orang=9903&hal=3") == order[100:]
    assert await shown(admin, "orang=9903&hal=4") == []

    async with admin.http.get("/dasbor/audit.csv?orang=9903&dari=2025-06-01&sampai=2025-06-01") as r:
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/csv")
        lines = list(csv.reader(io.StringIO((await r.read()).decode("utf-8-sig"))))
    assert len(lines) == 1 + 120 and lines[1][2] == "summary.view" and lines[1][3] == "9903"
    assert lines[1][0] == "2025-06-01 08:59:00" and lines[1][1] == "WIB" and lines[1][5] == "n=119"
    exports = [x for x in await site.audit() if x.action == "dashboard.audit_export"]
    assert [(x.actor_id, x.detail["rows"]) for x in exports] == [(ADMIN_ID, 120)]  # type: ignore[index]
    await admin.close()


async def _entries_of(s: AsyncSession, actor_id: int) -> list[AuditEntry]:
    result = await s.exec(select(AuditEntry).where(AuditEntry.actor_id == actor_id))  # type: ignore[call-overload,arg-type]
    return list(result.scalars())
