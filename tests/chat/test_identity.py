"""Who is who, safely: per-region pseudonyms under a deployment key, hashed invite codes, per-region ticket numbers."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.app import build_application
from bot.config import ConfigError, Settings, load_settings
from bot.services import officials
from bot.services.deps import DEPS_KEY, Deps
from bot.services.keyring import load_keys
from bot.services.officials import InviteOutcome
from bot.services.tickets import PSEUDONYM_CHARS, pseudonym
from storage import feedback as feedback_store
from storage.codes import ALPHABET
from storage.db import Database, upgrade_async
from storage.models import DeploymentKey, Feedback, Invite, Official, Program, Region, Resident, UTCDateTime
from storage.seed import insert_programs, read_programs, read_regions
from tests.support.fakebot import FakeBotAPI
from tests.support.harness import BotHarness, Person, pseudonym_of, ticket_in
from tests.support.old_databases import database_at
from tests.support.people import add_bandung_program, make_official, resident_comment
from tests.support.settings import ADMIN_ID, TEST_TOKEN

BANDUNG, CIREBON = "32.73", "32.74"
OTHER_TOKEN = "7000002:another-token-for-the-same-deployment"
SHOWN = re.compile(r"Warga ([0-9A-Z]{4}-[0-9A-Z]{4})")


async def shown_pseudonyms(officer: Person) -> list[str]:
    [inbox] = await officer.send("/masukanbaru")
    return SHOWN.findall(inbox.text)


async def comment_in_cirebon(p: Person, comment: str) -> None:
    await p.send("/wilayah")
    await p.choose_region("kota cirebon", "Kota Cirebon")
    await p.send("/program")
    await p.press("Cirebon Lengko")
    await p.press("⭐")
    await p.press("4")
    await p.send(comment)


async def test_pseudonyms_differ_per_region_and_after_erasure(harness: BotHarness) -> None:
    await add_bandung_program(harness)
    bandung, cirebon = await make_official(harness, 6100, BANDUNG), await make_official(harness, 6200, CIREBON)
    ana = await resident_comment(harness, 7001, "kota bandung", "Kota Bandung", "Bandung Sehat", "Antrean lama")
    [in_bandung] = await shown_pseudonyms(bandung)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", in_bandung)
    assert in_bandung == await pseudonym_of(harness.db, harness.settings, BANDUNG, 7001)  # as the exports and API show

    await comment_in_cirebon(ana, "Aplikasinya sering error")
    [in_cirebon] = await shown_pseudonyms(cirebon)
    assert in_cirebon != in_bandung  # two regions cannot match their lists of residents
    assert await shown_pseudonyms(bandung) == [in_bandung]  # and each region's stays stable

    [confirm] = await ana.send("/hapusdata")
    await ana.press("Ya, hapus", confirm)
    assert await shown_pseudonyms(bandung) == []  # the erased comments leave the inbox
    await resident_comment(harness, 7001, "kota bandung", "Kota Bandung", "Bandung Sehat", "Saya kembali lagi")
    [again] = await shown_pseudonyms(bandung)
    assert again != in_bandung  # back after erasing: someone new, not linkable to before


async def deps_of(fake: FakeBotAPI, db: Database, db_url: str, token: str = TEST_TOKEN, **extra: Any) -> Deps:
    """The dependencies a process of this deployment starts with (its post_init, without Telegram)."""
    settings = Settings(_env_file=None, bot_token=token, telegram_api_url=fake.url, database_url=db_url,  # type: ignore[call-arg, arg-type]
                        **extra)
    app = build_application(settings, db=db, set_menu=False)
    assert app.post_init is not None
    await app.post_init(app)
    return app.bot_data[DEPS_KEY]  # type: ignore[no-any-return]


async def test_keys_come_from_secret_key_or_a_stored_random_key_never_from_the_token(
    fake: FakeBotAPI, db: Database, db_url: str
) -> None:
    first = await deps_of(fake, db, db_url)
    restarted = await deps_of(fake, db, db_url)
    new_token = await deps_of(fake, db, db_url, token=OTHER_TOKEN)
    assert first.pseudonym_key == restarted.pseudonym_key == new_token.pseudonym_key  # kept across restarts
    assert first.button_key == new_token.button_key != first.pseudonym_key  # one key per use
    old_derivation = hashlib.sha256(b"quickwin-pseudonym:" + TEST_TOKEN.encode()).digest()
    assert first.pseudonym_key != old_derivation
    async with db.unit_of_work() as s:
        [stored] = (await s.exec(select(DeploymentKey))).scalars().all()  # type: ignore[call-overload]
    assert len(bytes.fromhex(stored.secret)) == 32

    secret = "k" * 64
    chosen = await deps_of(fake, db, db_url, secret_key=secret)
    chosen_new_token = await deps_of(fake, db, db_url, token=OTHER_TOKEN, secret_key=secret)
    other = await deps_of(fake, db, db_url, secret_key="z" * 64)
    assert chosen.pseudonym_key == chosen_new_token.pseudonym_key  # the token is no input
    assert len({first.pseudonym_key, chosen.pseudonym_key, other.pseudonym_key}) == 3
    assert pseudonym(chosen.pseudonym_key, BANDUNG, 7001, "00") != pseudonym(other.pseudonym_key, BANDUNG, 7001, "00")


async def test_processes_starting_together_share_one_generated_key(db: Database) -> None:
    async def start() -> bytes:
        async with db.unit_of_work() as s:
            return (await load_keys(s, None)).pseudonym

    keys = await asyncio.gather(*(start() for _ in range(4)))
    assert len(set(keys)) == 1


def test_pseudonyms_carry_40_bits_in_crockford_base32() -> None:
    key = b"k" * 32
    shown = {pseudonym(key, BANDUNG, resident, "salt") for resident in range(100_000)}
    assert len(shown) == 100_000  # no two residents share one in a region this size
    assert PSEUDONYM_CHARS * 5 >= 40
    for name in list(shown)[:1000]:
        assert name is not None and len(name) == PSEUDONYM_CHARS + 1 and name[4] == "-"
        assert set(name.replace("-", "")) <= set(ALPHABET)
    assert pseudonym(key, BANDUNG, 7001, "salt") != pseudonym(key, CIREBON, 7001, "salt")
    assert pseudonym(key, BANDUNG, 7001, "salt") != pseudonym(key, BANDUNG, 7001, "other salt")
    assert pseudonym(key, BANDUNG, None, "salt") is None


async def test_an_invite_code_read_from_the_database_does_not_work(harness: BotHarness) -> None:
    [reply] = await harness.person(ADMIN_ID).send("/undang 32.73")
    link = re.search(r"start=inv_([A-Za-z0-9_-]+)", reply.text)
    assert link, reply.text
    async with harness.db.unit_of_work() as s:
        [invite] = (await s.exec(select(Invite))).scalars().all()  # type: ignore[call-overload]
    assert link.group(1) not in invite.code_hash and invite.code_hash == hashlib.sha256(link.group(1).encode()).hexdigest()

    thief = harness.person(6006)
    [answer] = await thief.send(f"/start inv_{invite.code_hash[:60]}")  # a deep link holds at most 64 characters
    assert "tidak berlaku" in answer.text
    [answer] = await thief.send(f"/start inv_{invite.code_hash}")
    assert "terdaftar sebagai petugas" not in answer.text
    async with harness.db.unit_of_work() as s:
        assert await s.get(Official, 6006) is None
        outcome, _ = await officials.accept_invite(s, code=invite.code_hash, telegram_id=6006, now=harness.clock())
        assert outcome is InviteOutcome.UNKNOWN
    [welcome] = await harness.person(6007).send(f"/start inv_{link.group(1)}")  # the link itself still works
    assert "terdaftar sebagai petugas Kota Bandung" in welcome.text


async def ratings(db: Database, region: str, residents: range) -> list[Feedback]:
    async with db.unit_of_work() as s:
        program = (await s.exec(select(Program).where(Program.region_code == region))).scalars().first()  # type: ignore[call-overload]
        if program is None:
            program = Program(region_code=region, name="Program uji", description="d", dimension="living")
            s.add(program)
            await s.flush()
        rows = []
        for rid in residents:
            row, created = await feedback_store.add_rating(
                s, resident_id=rid, program_id=program.id, region_code=region, rating=4, dedup_key=f"t:{region}:{rid}")
            assert created
            rows.append(row)
        return rows


async def test_ticket_numbers_are_per_region_random_and_drawn_again_when_taken(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with db.unit_of_work() as s:
        s.add_all([Resident(telegram_id=rid) for rid in range(100, 160)])
    bandung, cirebon = await ratings(db, BANDUNG, range(100, 130)), await ratings(db, CIREBON, range(130, 160))
    assert all(re.fullmatch(r"3273-[0-9A-HJKMNP-TV-Z]{5}", r.ticket or "") for r in bandung)
    assert all(re.fullmatch(r"3274-[0-9A-HJKMNP-TV-Z]{5}", r.ticket or "") for r in cirebon)
    numbers = [r.ticket for r in bandung]
    assert len(set(numbers)) == 30 and numbers != sorted(numbers)  # not a count: nothing to read from the order

    taken = bandung[0].ticket
    draws = iter([taken, taken, "3273-ZZZZZ"])
    monkeypatch.setattr(feedback_store, "new_ticket", lambda _code: next(draws))
    [row] = await ratings(db, BANDUNG, range(130, 131))
    assert row.ticket == "3273-ZZZZZ"  # two collisions, then a free number
    monkeypatch.setattr(feedback_store, "new_ticket", lambda _code: taken)
    with pytest.raises(RuntimeError, match="no free ticket number"):
        await ratings(db, BANDUNG, range(131, 132))


async def test_a_ticket_typed_in_any_case_with_or_without_the_dash_is_found(harness: BotHarness) -> None:
    await add_bandung_program(harness)
    ana = await resident_comment(harness, 7001, "kota bandung", "Kota Bandung", "Bandung Sehat", "Jalan berlubang")
    number = ticket_in(ana.last.text)
    typed = number.replace("-", "").lower()
    [mine] = await ana.send(f"/masukan {typed}")
    assert number in mine.text and "Jalan berlubang" in mine.text
    [none] = await harness.person(7002).send(f"/masukan {number}")  # another resident: not theirs
    assert "Jalan berlubang" not in none.text and "Tidak ada masukan Anda dengan nomor tiket" in none.text

    officer = await make_official(harness, 6100, BANDUNG)
    [found] = await officer.send(f"/masukanbaru {number[:4]} {number[5:].lower()}")
    assert number in found.text and "Jalan berlubang" in found.text and "Status: baru" in found.text
    assert any(number in text for text, _ in officer.buttons(found))
    elsewhere = await make_official(harness, 6200, CIREBON)
    [refused] = await elsewhere.send(f"/masukanbaru {number}")
    assert "Jalan berlubang" not in refused.text and "tidak ditemukan di wilayah Anda" in refused.text
    [nonsense] = await officer.send("/masukanbaru QW-000001")
    assert "tidak ditemukan di wilayah Anda" in nonsense.text and "3273-K7PXD" in nonsense.text


@pytest.fixture
async def old_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    """A database of its own, migrated only up to 0007, the revision before these changes."""
    async with database_at("0007", backend, tmp_path) as url:
        yield url


async def test_the_migration_gives_existing_rows_salts_and_numbers_and_keeps_invite_links(old_url: str) -> None:
    now = datetime.now(UTC)
    db = Database(old_url)
    try:
        async with db.unit_of_work() as s:  # seeded as a database of that time was: the cohort regions only
            cohort = [r for r in read_regions() if r["cohort_year"] is not None]
            await s.exec(sqlite_insert(Region).values(cohort) if s.bind.dialect.name == "sqlite"  # type: ignore[call-overload, union-attr]
                         else postgresql_insert(Region).values(cohort))
            await insert_programs(s, [{k: v for k, v in row.items() if k != "source_date"}  # not there until 0015
                                      for row in read_programs()])
            program_ids = {code: (await s.exec(select(Program.id).where(Program.region_code == code))).scalars().first()  # type: ignore[call-overload]
                           for code in (CIREBON, "81.71")}
            stamp = UTCDateTime()
            residents = sa.table("residents", *(sa.column(c) for c in ("telegram_id", "subscribed", "notify_new_programs",
                                                                      "blocked")),
                                 sa.column("created_at", stamp), sa.column("updated_at", stamp))
            await s.exec(residents.insert().values([  # type: ignore[call-overload]
                {"telegram_id": rid, "subscribed": False, "notify_new_programs": False, "blocked": False,
                 "created_at": now, "updated_at": now} for rid in (1, 2, 3)]))
            feedback = sa.table("feedback", *(sa.column(c) for c in ("resident_id", "program_id", "region_code", "rating",
                                                                    "status", "superseded")),
                                sa.column("created_at", stamp), sa.column("updated_at", stamp))
            await s.exec(feedback.insert().values([  # type: ignore[call-overload]
                {"resident_id": 1 + i % 3, "program_id": program_ids[code], "region_code": code, "rating": 3,
                 "status": "baru", "superseded": False, "created_at": now, "updated_at": now}
                for i, code in enumerate([CIREBON] * 1500 + ["81.71"] * 20)]))
            invites = sa.table("invites", sa.column("code"), sa.column("region_code"),
                               sa.column("created_at", stamp), sa.column("expires_at", stamp))
            await s.exec(invites.insert().values(code="sent-before-the-upgrade", region_code=BANDUNG,  # type: ignore[call-overload]
                                                 created_at=now, expires_at=now + timedelta(hours=72)))
    finally:
        await db.dispose()

    await upgrade_async(old_url)
    db = Database(old_url)
    try:
        async with db.unit_of_work() as s:
            salts = (await s.exec(select(Resident.pseudonym_salt))).scalars().all()  # type: ignore[call-overload]
            assert len(set(salts)) == 3 and all(re.fullmatch(r"[0-9a-f]{16}", salt) for salt in salts)
            rows = (await s.exec(select(Feedback.region_code, Feedback.ticket))).all()  # type: ignore[call-overload]
            assert len({number for _, number in rows}) == 1520
            assert all(number.startswith(code.replace(".", "") + "-") and len(number) == 10 for code, number in rows)
            outcome, region = await officials.accept_invite(s, code="sent-before-the-upgrade", telegram_id=6001, now=now)
            assert outcome is InviteOutcome.ACCEPTED and region is not None and region.code == BANDUNG
    finally:
        await db.dispose()


def test_a_short_secret_key_is_refused_and_an_empty_one_means_generate() -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY must be at least 32 characters"):
        load_settings(_env_file=None, bot_token=TEST_TOKEN, secret_key="rahasia")
    assert load_settings(_env_file=None, bot_token=TEST_TOKEN, secret_key="  ").secret_key is None
    assert load_settings(_env_file=None, bot_token=TEST_TOKEN, secret_key="a" * 32).secret_key is not None
