"""The public page's fixture: Kota Cirebon's first program rated by 4 residents (too few to publish), its second by 5,
each with a comment that must never be published; the simulator's test resident and a spam-marked rating beside."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage.models import Feedback, Program, Resident
from storage.simulated import TEST_MARK, simulated_resident
from tests.support.dashboard_helpers import Site

CIREBON = "32.74"
SMALL = range(9101, 9105)  # four residents: program 1
ENOUGH = range(9201, 9206)  # five residents: program 2
SECRET = "Petugas loket bernama Wawan tidak ramah"
TESTER = simulated_resident(8201)


async def public_ratings(site: Site) -> tuple[Program, Program]:
    now = datetime.now(UTC) - timedelta(hours=1)
    async with site.db.unit_of_work() as s:
        stmt = select(Program).where(Program.region_code == CIREBON).order_by(Program.id)
        one, two, *_ = (await s.exec(stmt)).scalars().all()  # type: ignore[call-overload]
        s.add_all([Resident(telegram_id=i, region_code=CIREBON) for i in [*SMALL, *ENOUGH, TESTER, 9301]])
        await s.flush()
        rows = [Feedback(program_id=one.id, region_code=CIREBON, resident_id=i, rating=5, comment=f"{SECRET} {i}",
                         created_at=now) for i in SMALL]
        rows += [Feedback(program_id=two.id, region_code=CIREBON, resident_id=i, rating=r, comment=f"{SECRET} {i}",
                          created_at=now) for i, r in zip(ENOUGH, (5, 4, 4, 4, 3), strict=True)]
        rows.append(Feedback(program_id=one.id, region_code=CIREBON, resident_id=TESTER, rating=1, created_at=now,
                             moderation=TEST_MARK))
        rows.append(Feedback(program_id=one.id, region_code=CIREBON, resident_id=9301, rating=1, created_at=now,
                             comment="Iklan pinjaman cepat", moderation="spam"))
        s.add_all(rows)
        return one, two
