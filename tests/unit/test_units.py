"""Unit tests: region search, callback codec, formatting, configuration, import validation."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.config import ConfigError, Settings, StoreSettings, load_settings
from bot.i18n import I18n
from bot.render.callbacks import MAX_BYTES, decode, encode
from bot.services.feedback import parse_ticket
from bot.services.importer import parse
from bot.services.search import MAX_QUERY, RegionEntry, RegionIndex, normalise, split_kind
from handlers.common import plain
from storage.codes import new_ticket
from storage.seed import read_regions


@pytest.fixture(scope="module")
def index() -> RegionIndex:
    return RegionIndex([RegionEntry(r["code"], r["name"], r["kind"], r["province"], r["lat"], r["lon"]) for r in read_regions()])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("bandung", ["Kabupaten Bandung", "Kota Bandung"]),
        ("BANDUNG", ["Kabupaten Bandung", "Kota Bandung"]),
        ("kab bogor", ["Kabupaten Bogor"]),
        ("Kab. Bogor", ["Kabupaten Bogor"]),
        ("kota bogor", ["Kota Bogor"]),
        ("banyuwangy", ["Kabupaten Banyuwangi"]),
        ("Bányuwangi", ["Kabupaten Banyuwangi"]),
        ("kulon progo", ["Kabupaten Kulon Progo"]),
        ("jogja", ["Kota Yogyakarta"]),
        ("tangerang selatan", ["Kota Tangerang Selatan"]),
        ("32.73", ["Kota Bandung"]),
        ("xyzzy", []),
        ("", []),
        ("!!!", []),
        ("kota", []),
        ("🙂", []),
    ],
)
def test_region_search(index: RegionIndex, query: str, expected: list[str]) -> None:
    """The best matches first (kecamatan and desa of the same name may follow: tests/chat/test_places.py)."""
    found = [r.name for r in index.search(query)]
    assert found[: len(expected)] == expected and (expected or not found)


def test_region_search_survives_huge_input(index: RegionIndex) -> None:
    """A pasted wall of text is cut to MAX_QUERY characters first: the same answer as for its beginning."""
    found = [r.name for r in index.search("bandung " * 1000)]
    assert found[:2] == ["Kabupaten Bandung", "Kota Bandung"]
    assert found == [r.name for r in index.search(("bandung " * 1000)[:MAX_QUERY])]


def test_nearest_region(index: RegionIndex) -> None:
    region, km = index.nearest(-6.9175, 107.6191)  # Gedung Sate, Bandung
    assert region.name == "Kota Bandung" and km < 10
    region, km = index.nearest(-8.65, 115.22)  # Denpasar
    assert region.name == "Kota Denpasar"


def test_normalise_and_kind() -> None:
    assert normalise("  Kab.  Kulon–Progo ") == "kab kulon progo"
    assert split_kind("Kabupaten Gresik") == ("kabupaten", "gresik")
    assert split_kind("Kota") == ("kota", "")


def test_callback_codec_round_trip() -> None:
    data = encode("rate", 123456, 5, "0a1b2c3d4e5f6a7b")
    assert data == "v1:rate:123456:5:0a1b2c3d4e5f6a7b"
    cb = decode(data)
    assert cb is not None and cb.action == "rate" and cb.int(0) == 123456 and cb.int(1) == 5
    assert cb.str(2) == "0a1b2c3d4e5f6a7b"
    assert decode(encode("region", "32.73")).str(0) == "32.73"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "forged",
    [None, "", "v0:rate:1:5:0a1b2c3d4e5f6a7b", "v1:rate:1:6:0a1b2c3d4e5f6a7b", "v1:rate:1:5",
     "v1:rate:-1:5:0a1b2c3d4e5f6a7b", "v1:rate:1:5:0a1b2c3d", "v1:rate:01:5:0a1b2c3d4e5f6a7b", "v1:nope", "v1:region:32.73; DROP TABLE", "v1:prog:1:0:extra", "v1:" + "x" * 70,
     "v1:lang:fr", "v1:region:../..", "v1:prog:99999999999:0"],
)
def test_callback_codec_rejects_forgeries(forged: str | None) -> None:
    assert decode(forged) is None


def test_callback_codec_refuses_to_build_bad_data() -> None:
    with pytest.raises(ValueError):
        encode("rate", 1, 9, "0a1b2c3d4e5f6a7b")
    with pytest.raises(ValueError):
        encode("prog", 1)
    longest = encode("rate", 9_999_999_999, 5, "f" * 16)
    assert len(longest.encode()) <= MAX_BYTES


def test_ticket_numbers() -> None:
    numbers = {new_ticket("32.73") for _ in range(2000)}
    assert len(numbers) > 1990 and all(re.fullmatch(r"3273-[0-9A-HJKMNP-TV-Z]{5}", n) for n in numbers)
    assert parse_ticket("3273-K7PXD") == "3273-K7PXD"
    assert parse_ticket(" 3273k7pxd ") == parse_ticket("3273 k7pxd") == parse_ticket("3273-K7PXD")
    assert parse_ticket("3273-K7PXO") == "3273-K7PX0" and parse_ticket("3273-i7pxl") == "3273-17PX1"  # misread
    for typed in ("hello", "QW-000042", "3273-K7PX", "3273-K7PXDD", "3273-K7PXU", "3273-K7PXD\n", "32.73-K7PXD", "",
                  "3273-" + "K" * 100):
        assert parse_ticket(typed) is None, typed


def test_number_and_date_formatting() -> None:
    i18n = I18n("id")
    t_id, t_en = i18n.get("id"), i18n.get("en")
    assert t_id.decimal(4.25) == "4,2" or t_id.decimal(4.25) == "4,3"
    assert t_id.decimal(4.0) == "4,0" and t_en.decimal(4.0) == "4.0"
    assert t_id.integer(12345) == "12.345" and t_en.integer(12345) == "12,345"
    moment = datetime(2026, 11, 27, 1, 30, tzinfo=UTC)
    assert t_id.datetime(moment, "WIB") == "27 Nov 2026, 08.30 WIB"
    assert t_id.datetime(moment, "WITA") == "27 Nov 2026, 09.30 WITA"
    assert t_en.datetime(moment, "WIT") == "27 Nov 2026, 10:30 WIT"


def test_language_resolution() -> None:
    i18n = I18n("id")
    assert i18n.resolve("en", "id") == "en"
    assert i18n.resolve(None, "en-GB") == "en"
    assert i18n.resolve(None, "ms") == "id"
    assert i18n.resolve(None, "fr") == "id"
    assert i18n.resolve(None, None) == "id"
    assert I18n("en").resolve(None, "de") == "en"


def test_plain_text_of_html() -> None:
    assert plain("<b>A</b> &amp; &lt;script&gt;") == "A & <script>"


def test_settings_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BOT_TOKEN", "ADMIN_IDS", "DATABASE_URL", "DEFAULT_LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match=r"(?s)BOT_TOKEN is not set.*BotFather"):
        load_settings(Settings, _env_file=None)
    with pytest.raises(ConfigError, match=r"(?s)does not look like a Telegram bot token.*BotFather"):
        load_settings(Settings, _env_file=None, bot_token="hello")
    with pytest.raises(ConfigError, match="ADMIN_IDS"):
        load_settings(Settings, _env_file=None, bot_token="123456:abcdefghijklmnopqrstuvwxyz", admin_ids="12,abc")
    s = load_settings(
        Settings, _env_file=None, bot_token="123456:abcdefghijklmnopqrstuvwxyz", admin_ids=" 12, 34 ",
        database_url="postgresql://u@h/db", telegram_api_url="http://127.0.0.1:8081/",
    )
    assert s.admin_ids == frozenset({12, 34})
    assert s.database_url == "postgresql+asyncpg://u@h/db"
    assert s.bot_api_base_url == "http://127.0.0.1:8081/bot"
    assert s.bot_api_file_url == "http://127.0.0.1:8081/file/bot"
    assert "abcdefghijklmnopqrstuvwxyz" not in repr(s)
    assert load_settings(StoreSettings, _env_file=None).database_url == "sqlite+aiosqlite:///quickwin.db"
    with pytest.raises(ConfigError, match="DEFAULT_LANGUAGE"):
        load_settings(StoreSettings, _env_file=None, default_language="fr")


def test_import_parse_reports_every_bad_row() -> None:
    text = (
        "region_code,name,description,dimension,agency,status,source_url\n"
        "32.73,Bandung Sehat,Layanan kesehatan daring.,living,,berjalan,https://example.org\n"
        "32.73,,Tanpa nama,living,,,\n"
        "32.73,Bandung Sehat,Ganda,living,,,\n"
        "32.73,Lain,Deskripsi,galaxy,,dibatalkan,ftp://x\n"
    )
    rows, errors = parse(text)
    assert len(rows) == 4
    assert (3, "name is empty") in errors
    assert (4, "same program as line 2") in errors
    assert any(line == 5 and "dimension" in why for line, why in errors)
    assert any(line == 5 and "status" in why for line, why in errors)
    assert any(line == 5 and "source_url" in why for line, why in errors)
    assert parse("name,description\nx,y\n")[1][0][0] == 1
