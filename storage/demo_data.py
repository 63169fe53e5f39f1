"""Demo residents, ratings and comments for `quickwin demo`: enough for the summaries, charts and inbox to show
something. Only ever written into the demo's own throw-away database.

Deterministic (a fixed seed): every demo shows the same figures. Ratings lean by program, spread over twelve
weeks; about half carry a comment, some answered, some done, a few still waiting past their due date.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Feedback, Program, Resident, TicketMessage
from storage.officials import add_official
from storage.statuses import FeedbackStatus

FIRST_RESIDENT = 910_000_001
COMMENTS = (
    "Pelayanannya cepat, terima kasih.",
    "Antrean di loket masih panjang pada hari Senin.",
    "Aplikasinya sering gagal masuk saat jam sibuk.",
    "Petugasnya ramah dan membantu.",
    "Mohon informasi jadwalnya diumumkan lebih awal.",
    "Sangat membantu warga yang bekerja pada siang hari.",
    "Sinyal di taman sering putus.",
    "Syaratnya masih kurang jelas di situs web.",
    "Semoga layanan ini juga dibuka pada akhir pekan.",
    "Sudah bagus, tinggal diperluas ke kelurahan lain.",
)
ANSWER = "Terima kasih atas masukannya. Kami sedang menindaklanjutinya bersama dinas terkait."
DONE_NOTE = "Sudah kami perbaiki. Silakan dicoba kembali."


@dataclass(frozen=True)
class DemoSeed:
    residents: list[int]
    ratings: int
    comments: int


async def seed_demo(
    session: AsyncSession, *, region_code: str, official_id: int, admin_id: int, now: datetime, residents: int = 40,
) -> DemoSeed:
    """The demo official (of `region_code`) and admin, residents of that region, and their feedback."""
    await add_official(session, telegram_id=official_id, region_codes=[region_code], coordinator=True)
    await add_official(session, telegram_id=admin_id, region_codes=[], admin=True)
    programs = list((await session.exec(
        select(Program).where(col(Program.region_code) == region_code, col(Program.removed_at).is_(None))  # type: ignore[call-overload]
    )).scalars())
    draw = random.Random(2026)
    ids = [FIRST_RESIDENT + i for i in range(residents)]
    for i, resident_id in enumerate(ids):
        session.add(Resident(telegram_id=resident_id, language="id" if i % 5 else "en", region_code=region_code,
                             consent_at=now - timedelta(days=90), consent_version=4, subscribed=i % 2 == 0,
                             subscription_asked=True, created_at=now - timedelta(days=90)))
    await session.flush()
    lean = {p.id: draw.choice((2.6, 3.4, 4.2, 4.6)) for p in programs}
    ratings = comments = 0
    for resident_id in ids:
        for program in draw.sample(programs, k=min(len(programs), draw.randint(1, 3))):
            assert program.id is not None
            rating = max(1, min(5, round(draw.gauss(lean[program.id], 1.0))))
            created = now - timedelta(days=draw.uniform(0, 84), minutes=draw.randint(0, 600))
            comment = draw.choice(COMMENTS) if draw.random() < 0.5 else None
            row = Feedback(resident_id=resident_id, program_id=program.id, region_code=region_code, rating=rating,
                           comment=comment, created_at=created, updated_at=created)
            if comment is not None:
                comments += 1
                row.clock_at, row.due_at = created, created + timedelta(days=7)
                if created < now - timedelta(days=3) and draw.random() < 0.7:
                    answered = created + timedelta(hours=draw.uniform(2, 150))
                    row.answered_at, row.status = answered, FeedbackStatus.IN_PROGRESS
                    if draw.random() < 0.5:
                        row.status, row.closed_at, row.satisfied = FeedbackStatus.DONE, answered, draw.random() < 0.8
            session.add(row)
            await session.flush()
            ratings += 1
            if row.answered_at is not None:
                assert row.id is not None
                session.add(TicketMessage(feedback_id=row.id, kind="answer", official_id=official_id, text=ANSWER,
                                          status=row.status, at=row.answered_at))
    return DemoSeed(ids, ratings, comments)
