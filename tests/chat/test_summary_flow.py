"""/ringkasan end to end: scoped to what the official may see, with the chart uploaded as a real image."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta

from storage import officials as official_store
from storage.models import Feedback, Program
from tests.support.harness import BotHarness, Person
from tests.support.settings import ADMIN_ID

BANDUNG, CIREBON = "32.73", "32.74"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


async def seed_feedback(harness: BotHarness) -> None:
    now = datetime.now(UTC)
    async with harness.db.unit_of_work() as s:
        bandung = Program(region_code=BANDUNG, name="Bandung Sehat", description="d", dimension="living")
        wifi = Program(region_code=BANDUNG, name="Wifi Taman", description="d", dimension="society")
        s.add_all([bandung, wifi])
        await s.flush()
        cirebon_id = (await s.exec(Program.__table__.select().where(Program.region_code == CIREBON))).first().id  # type: ignore[attr-defined, call-overload, union-attr]
        rows = [(bandung.id, 5, "antrean di puskesmas lama"), (bandung.id, 4, "antrean panjang sekali"),
                (wifi.id, 2, "wifi taman sering mati"), (wifi.id, 3, None), (bandung.id, 4, "antreannya lama")]
        for n, (pid, rating, comment) in enumerate(rows):
            s.add(Feedback(program_id=pid, region_code=BANDUNG, rating=rating, comment=comment,
                           created_at=now - timedelta(days=n)))
        s.add(Feedback(program_id=cirebon_id, region_code=CIREBON, rating=1, comment="rahasia Cirebon",
                       created_at=now - timedelta(days=1)))
        await official_store.add_official(s, telegram_id=8201, region_codes=[BANDUNG])


async def test_official_summary_with_chart(harness: BotHarness) -> None:
    await seed_feedback(harness)
    officer: Person = harness.person(8201)
    [chooser] = await officer.send("/ringkasan")
    assert "Kota Bandung" in chooser.text
    await officer.press("7 hari", chooser)
    text, photo = officer.messages[-2:]
    assert "Ringkasan: Kota Bandung" in text.text and "Periode: 7 hari terakhir" in text.text
    assert "Jumlah penilaian: 5" in text.text and "Komentar: 4" in text.text
    assert "Bandung Sehat" in text.text.split("Wifi Taman")[0]  # ranked first
    assert "antrean" in text.text  # a recurring topic
    assert "Cirebon" not in text.text and "rahasia" not in text.text
    assert photo.photo is not None
    width, height = png_size(photo.photo)
    assert width >= 600 and height >= 300
    assert "Kota Bandung" in photo.text  # the caption

    for forged in ("v1:sum:r32.74:7", "v1:sum:all:7", "v1:sum:p32:0", "v1:sumprov:32"):
        answer, new = await officer.press_data(chooser.message_id, forged)
        assert answer["show_alert"] is True and "tidak berwenang" in answer["text"], forged
        assert new == []


async def test_admin_country_and_province_summaries(harness: BotHarness) -> None:
    await seed_feedback(harness)
    admin = harness.person(ADMIN_ID)
    [chooser] = await admin.send("/ringkasan")
    await admin.press("Seluruh Indonesia", chooser)
    await admin.press("Sejak awal", chooser)
    text = admin.messages[-2]
    assert "Ringkasan: Indonesia" in text.text and "Jumlah penilaian: 6" in text.text
    [chooser] = await admin.send("/ringkasan")
    await admin.press("Jawa Barat", chooser)
    await admin.press("Seluruh Jawa Barat", chooser)
    await admin.press("30 hari", chooser)
    assert "Ringkasan: Jawa Barat" in admin.messages[-2].text


async def test_residents_cannot_ask_for_summaries(harness: BotHarness) -> None:
    [reply] = await harness.person(8300).send("/ringkasan")
    assert "khusus untuk petugas" in reply.text
