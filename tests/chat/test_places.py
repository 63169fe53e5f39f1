"""Everyday names and places: every kabupaten/kota, kecamatan and desa names, aliases, point-in-polygon.

The search and the boundaries are tested on the shipped data; the resident's side end to end on both
databases; and migration 0012, which adds the regions outside the cohorts to a database seeded before.
"""

from __future__ import annotations

import asyncio
import csv
import gzip
import secrets
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text

from bot.render.callbacks import MAX_BYTES
from bot.render.keyboards import BUTTON_TEXT_MAX
from bot.services.places import PLACES
from bot.services.search import Match, RegionEntry, RegionIndex
from handlers.region import match_label
from storage.db import Database, alembic_config, upgrade
from storage.models import Region, Resident
from storage.names import key_of
from storage.seed import SEED_DIR, read_aliases, read_regions
from tests.support.harness import BotHarness
from tests.support.settings import PG_ADMIN_URL, pg_admin

GUNUNGKIDUL, KLATEN, SURAKARTA, SOLOK, BANYUMAS = "34.03", "33.10", "33.72", "13.02", "33.02"
ACEH_SELATAN = "11.01"  # in no cohort
# Near the Puncak pass, 2 km inside Kabupaten Cianjur from its border with Kabupaten Bogor; Cianjur's centre
# is 54 km away, Kota Bogor's 28 km: the nearest centre would be wrong.
PUNCAK = (-6.6629, 107.0406)
CIANJUR, KOTA_BOGOR = "32.03", "32.71"
INDIAN_OCEAN = (-8.0, 105.0)


@pytest.fixture(scope="module")
def index() -> RegionIndex:
    return RegionIndex([
        RegionEntry(r["code"], r["name"], r["kind"], r["province"], r["lat"], r["lon"], r["cohort_year"])
        for r in read_regions()
    ])


def codes(index: RegionIndex, query: str) -> list[str]:
    return [m.region.code for m in index.find(query).matches]


def labels(index: RegionIndex, query: str) -> list[str]:
    return [match_label(m) for m in index.find(query).matches]


def test_every_kabupaten_and_kota_is_shipped_with_its_boundary() -> None:
    regions = read_regions()
    assert len(regions) == 514 and len({r["code"] for r in regions}) == 514
    assert sum(1 for r in regions if r["cohort_year"]) == 98
    with gzip.open(SEED_DIR / "boundaries.txt.gz", "rt", encoding="utf-8") as f:
        assert sorted(line.split("\t", 1)[0] for line in f if line.strip()) == sorted(r["code"] for r in regions)


def test_the_place_file_keys_are_the_search_keys_of_the_names() -> None:
    with gzip.open(PLACES, "rt", encoding="utf-8", newline="\n") as f:
        rows = [line.rstrip("\n").split("\t") for line in f]
    assert len(rows) == 7_285 + 83_762
    assert all(key == key_of(name) for key, _code, name in rows)
    assert [(key, code) for key, code, _ in rows] == sorted((key, code) for key, code, _ in rows)
    assert {code[:5] for _, code, _ in rows} == {r["code"] for r in read_regions()}


def test_every_alias_names_a_known_region_and_its_source() -> None:
    known = {r["code"]: r["name"] for r in read_regions()}
    with (SEED_DIR / "aliases.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and all(row["region_code"] in known and row["source"].strip() for row in rows)
    assert len({key_of(row["alias"]) for row in rows}) == len(rows)
    assert len(read_aliases()) == len(rows)


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("solo", "Kota Surakarta"),
        ("Solo", "Kota Surakarta"),
        ("tangsel", "Kota Tangerang Selatan"),
        ("purwokerto", "Kabupaten Banyumas"),
        ("jogja", "Kota Yogyakarta"),
        ("yogya", "Kota Yogyakarta"),
        ("jaksel", "Kota Administrasi Jakarta Selatan"),
        ("jaktim", "Kota Administrasi Jakarta Timur"),
        ("timika", "Kabupaten Mimika"),
        ("siantar", "Kota Pematangsiantar"),
        ("surakarta", "Kota Surakarta"),
        ("kab bogor", "Kabupaten Bogor"),
        ("tangsell", "Kota Tangerang Selatan"),  # a typo of an everyday name
    ],
)
def test_everyday_names(index: RegionIndex, query: str, first: str) -> None:
    assert index.find(query).matches[0].region.name == first


def test_solo_no_longer_offers_solok_first(index: RegionIndex) -> None:
    found = codes(index, "solo")
    assert found[0] == SURAKARTA and SOLOK in found  # Solok still offered, after


def test_purwokerto_offers_banyumas_before_the_desa_called_purwokerto(index: RegionIndex) -> None:
    [first, *others] = index.find("purwokerto").matches
    assert (first.region.code, first.place) == (BANYUMAS, None)
    assert others and all(m.place is not None and m.place.kind == "desa" for m in others)


def test_a_kecamatan_in_two_regions_offers_each_saying_which(index: RegionIndex) -> None:
    found = labels(index, "kecamatan wonosari")
    assert "Kecamatan Wonosari, Kabupaten Gunungkidul ★" in found  # marked: in a cohort
    assert "Kecamatan Wonosari, Kabupaten Malang" in found
    assert all(label.startswith("Kecamatan Wonosari, ") for label in found)
    plain = index.find("wonosari")  # kecamatan first, then the many desa called Wonosari
    assert {GUNUNGKIDUL, KLATEN} <= {m.region.code for m in plain.matches if m.place_kind == "kecamatan"}
    assert len(plain.matches) == 8 and plain.more > 30


def test_a_place_and_its_region_narrow_the_list(index: RegionIndex) -> None:
    assert labels(index, "wonosari klaten") == ["Kecamatan Wonosari, Kabupaten Klaten ★"]
    assert labels(index, "Wonosari, Gunungkidul") == ["Kecamatan Wonosari, Kabupaten Gunungkidul ★"]
    assert labels(index, "sukamaju bogor") == ["Desa Sukamaju, Kabupaten Bogor ★"]
    assert labels(index, "cibinong")[0] == "Kecamatan Cibinong, Kabupaten Bogor ★"


@pytest.mark.parametrize(
    ("spaced", "joined", "region"),
    [
        ("gunung kidul", "gunungkidul", "Kabupaten Gunungkidul"),
        ("tanjung pinang", "tanjungpinang", "Kota Tanjung Pinang"),
        ("kulon progo", "kulonprogo", "Kabupaten Kulon Progo"),
        ("pematang siantar", "pematangsiantar", "Kota Pematangsiantar"),
        ("palabuhan ratu", "palabuhanratu", "Kabupaten Sukabumi"),  # a kecamatan
    ],
)
def test_names_with_and_without_spaces(index: RegionIndex, spaced: str, joined: str, region: str) -> None:
    assert index.find(spaced).matches[0].region.name == region
    assert index.find(joined).matches[0].region.name == region
    assert index.find(spaced.title()).matches[0].region.name == region


def test_a_desa_outside_the_cohorts(index: RegionIndex) -> None:
    [match] = index.find("Keude Bakongan").matches
    assert match.region.code == ACEH_SELATAN and match.region.cohort_year is None
    assert match_label(match) == "Desa Keude Bakongan, Kabupaten Aceh Selatan"
    assert match_label(index.find("Distrik Wamena").matches[0]) == "Distrik Wamena, Kabupaten Jayawijaya"


def test_a_very_common_name_is_a_bounded_list_within_telegram_limits(index: RegionIndex) -> None:
    found = index.find("sukamaju")
    assert len(found.matches) == 8 and found.more > 50
    for match in found.matches:
        assert len(match_label(match)) <= BUTTON_TEXT_MAX
        assert len(f"v1:region:{match.region.code}".encode()) <= MAX_BYTES
    longest = max((Match(r) for r in index.regions), key=lambda m: len(m.region.name))
    assert match_label(longest) == "Kabupaten Administrasi Kepulauan Seribu"  # without its long province


def test_nonsense_and_huge_queries(index: RegionIndex) -> None:
    assert index.find("qwertyuiop asdf").matches == []
    assert index.find("desa").matches == [] and index.find("").matches == []
    assert index.find("cibinong " * 10_000).matches  # the first words are read


def test_a_location_near_a_border_lands_in_the_region_it_lies_in(index: RegionIndex) -> None:
    assert index.nearest(*PUNCAK)[0].code == KOTA_BOGOR  # what the nearest centre would have said
    region, km = index.locate(*PUNCAK)
    assert (region.code, km) == (CIANJUR, None)
    assert index.locate(-7.5667, 110.8167) == (index.get(SURAKARTA), None)  # Solo's centre
    assert index.locate(-7.9650, 110.6000)[0].code == GUNUNGKIDUL  # Wonosari town


def test_a_location_at_sea_is_offered_the_nearest_centre_with_its_distance(index: RegionIndex) -> None:
    region, km = index.locate(*INDIAN_OCEAN)
    assert km is not None and km > 50 and region.province in ("Lampung", "Banten")


# --- the resident's side, on both databases ---


async def consented(harness: BotHarness, telegram_id: int):  # type: ignore[no-untyped-def]
    p = harness.person(telegram_id)
    await p.send("/start")
    await p.press("Saya setuju")
    return p


async def test_typing_a_desa_outside_the_cohorts_sets_its_region(harness: BotHarness) -> None:
    p = await consented(harness, 7101)
    [choices] = await p.send("keude bakongan")
    assert p.buttons(choices)[0] == ("Desa Keude Bakongan, Kabupaten Aceh Selatan", f"v1:region:{ACEH_SELATAN}")
    await p.press("Keude Bakongan", choices)
    assert choices.text.startswith("Kabupaten/kota Anda sekarang Kabupaten Aceh Selatan, Aceh.")
    async with harness.db.unit_of_work() as s:
        resident = await s.get(Resident, 7101)
        assert resident is not None and resident.region_code == ACEH_SELATAN


async def test_everyday_names_and_a_shared_kecamatan_name_in_the_chat(harness: BotHarness) -> None:
    p = await consented(harness, 7102)
    [solo] = await p.send("solo")
    assert p.buttons(solo)[0] == ("Kota Surakarta (Jawa Tengah) ★", f"v1:region:{SURAKARTA}")
    assert "★ kabupaten/kota peserta Gerakan Menuju 100 Smart City" in solo.text
    [wonosari] = await p.send("wonosari")
    shown = [t for t, _ in p.buttons(wonosari)]
    assert "Kecamatan Wonosari, Kabupaten Gunungkidul ★" in shown and "Kecamatan Wonosari, Kabupaten Klaten ★" in shown
    assert len(shown) == 9  # eight places and the province list
    assert "juga ada di" in wonosari.text and "kabupaten/kota lain" in wonosari.text
    [narrowed] = await p.send("wonosari gunungkidul")
    assert next(t for t, _ in p.buttons(narrowed)) == "Kecamatan Wonosari, Kabupaten Gunungkidul ★"
    [nothing] = await p.send("qwertyuiop")
    assert nothing.text.startswith("Maaf, kami tidak menemukan kabupaten/kota, kecamatan, desa, atau kelurahan")


async def test_a_location_near_a_border_is_proposed_and_confirmed(harness: BotHarness) -> None:
    p = await consented(harness, 7103)
    [proposal] = await p.share_location(*PUNCAK)
    assert proposal.text == "Lokasi Anda berada di Kabupaten Cianjur, Jawa Barat. Apakah ini benar?"
    async with harness.db.unit_of_work() as s:
        assert (await s.get(Resident, 7103)).region_code is None  # type: ignore[union-attr]
    await p.press("Ya", proposal)
    assert proposal.text.startswith("Kabupaten/kota Anda sekarang Kabupaten Cianjur, Jawa Barat.")
    async with harness.db.unit_of_work() as s:
        assert (await s.get(Resident, 7103)).region_code == CIANJUR  # type: ignore[union-attr]


async def test_browsing_a_province_lists_all_its_regions_marking_the_cohorts(harness: BotHarness) -> None:
    p = await consented(harness, 7104)
    [provinces] = await p.send("🗂 Pilih dari daftar provinsi")
    await p.press("Aceh", provinces)
    assert provinces.text.startswith("Kabupaten/kota di Aceh:")
    shown = [t for t, _ in p.buttons(provinces)]
    assert "Kabupaten Aceh Barat" in shown and "Kabupaten Aceh Besar" in shown


# --- migration 0012 on a database seeded with the cohorts only ---


async def test_the_migration_adds_the_other_regions_to_a_database_seeded_before(
    backend: str, tmp_path: Path,
) -> None:
    if backend == "sqlite":
        url, name = f"sqlite+aiosqlite:///{tmp_path / 'before.db'}", None
    else:
        name = f"quickwin_mig_{secrets.token_hex(4)}"
        await pg_admin(f'CREATE DATABASE "{name}"')
        url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1) + f"/{name}"
    config = alembic_config(url)
    before = ScriptDirectory.from_config(config).get_revision("0012").down_revision
    assert isinstance(before, str)
    try:
        await asyncio.to_thread(upgrade, url, before)
        db = Database(url)
        cohorts = [r for r in read_regions() if r["cohort_year"]]
        async with db.unit_of_work() as s:
            await s.exec(text(  # type: ignore[call-overload]
                "INSERT INTO regions (code, name, kind, province, province_code, timezone, lat, lon, cohort_year) "
                "VALUES (:code, :name, :kind, :province, :province_code, :timezone, :lat, :lon, :cohort_year)"
            ), params=cohorts)
        await db.dispose()
        await asyncio.to_thread(upgrade, url)
        db = Database(url)
        async with db.unit_of_work() as s:
            total = await s.scalar(select(func.count()).select_from(Region))
            aceh = await s.get(Region, ACEH_SELATAN)
        await db.dispose()
        assert total == 514 and aceh is not None and aceh.cohort_year is None
        await asyncio.to_thread(command.downgrade, config, before)
        db = Database(url)
        async with db.unit_of_work() as s:
            assert await s.scalar(select(func.count()).select_from(Region)) == 98
        await db.dispose()
    finally:
        if name:
            await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
