"""The metadata of an open-data dataset, in the form Satu Data Indonesia asks for, and its CKAN package.

Perpres No. 39 Tahun 2019 tentang Satu Data Indonesia: data produced by a *produsen data* must come with metadata
(Pasal 3 huruf b), whose information follows a standard structure and format (Pasal 7); for statistical data that
structure is BPS's, Peraturan BPS No. 5 Tahun 2020 tentang Petunjuk Teknis Metadata Statistik, whose *metadata
indikator* (MS-Ind) describes each figure by its concept and definition, its method of calculation, its unit, its
periodicity and the level it is presented at. Regional portals that run CKAN (the Satu Data portals of provinces
and kabupaten/kota) carry the same elements as a dataset's fields and extras. We give:

- judul, deskripsi, nama_dataset: the title, what the data is and how to read it, the portal's name for it;
- produsen_data, kontak: the producer (OPENDATA_PRODUCER) and how to reach it (OPENDATA_CONTACT);
- sumber_data, metode_penghitungan, kerahasiaan: where the figures come from, how they are counted, and why some
  are withheld (fewer than 5 residents behind a figure: bot/services/public_figures.py);
- frekuensi_penerbitan, periode_data, tanggal_pembaruan: monthly, the months covered, the day it was made;
- cakupan_wilayah, kode_wilayah, tingkat_penyajian, kode_referensi: the area (a kabupaten/kota or Indonesia), its
  Kemendagri code (the reference code Satu Data asks data to use), and the levels of the rows;
- kolom: each column's name, definition, type and unit (satuan);
- lisensi, format, bahasa, kata_kunci: the licence (OPENDATA_LICENSE, CC BY 4.0 by default), the files' formats,
  the language of the texts, keywords.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

from bot.i18n import N_, Translator
from bot.services.opendata import COLUMNS, LEVEL_PROGRAM, LEVEL_REGION, Dataset
from bot.services.public_figures import MIN_CONTRIBUTORS
from storage.zones import DEFAULT_ZONE, zone_hours

STANDARD = "Satu Data Indonesia (Perpres No. 39 Tahun 2019); metadata indikator (Peraturan BPS No. 5 Tahun 2020)"
# CKAN licence ids (its default register) and the versions we mean by them.
LICENCES = {
    "cc-by": ("Creative Commons Attribution 4.0 International (CC BY 4.0)",
              "https://creativecommons.org/licenses/by/4.0/"),
    "cc-by-sa": ("Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)",
                 "https://creativecommons.org/licenses/by-sa/4.0/"),
    "cc-zero": ("Creative Commons CC0 1.0 Universal", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "odc-by": ("Open Data Commons Attribution License", "https://opendatacommons.org/licenses/by/"),
    "odc-odbl": ("Open Data Commons Open Database License (ODbL)", "https://opendatacommons.org/licenses/odbl/"),
    "odc-pddl": ("Open Data Commons Public Domain Dedication and License",
                 "https://opendatacommons.org/licenses/pddl/"),
}
DATE, TEXT, INTEGER, DECIMAL, BOOLEAN = "date", "string", "integer", "number", "boolean"
# column: (type, definition, unit or None)
COLUMN_DOCS: dict[str, tuple[str, str, str | None]] = {
    "periode_mulai": (DATE, N_("First day of the month, in the region's local time (WIB, WITA or WIT)"), None),
    "periode_selesai": (DATE, N_("Last day of the month"), None),
    "kode_provinsi": (TEXT, N_("Province code of the Ministry of Home Affairs (Kemendagri)"), None),
    "nama_provinsi": (TEXT, N_("Province name"), None),
    "kode_kabupaten_kota": (TEXT, N_("Kabupaten/kota code of the Ministry of Home Affairs (Kemendagri)"), None),
    "nama_kabupaten_kota": (TEXT, N_("Kabupaten/kota name"), None),
    "tingkat": (TEXT, N_("Level of the row: kabupaten_kota (every program of the region together) or program"), None),
    "id_program": (INTEGER, N_("Number of the quick-win program in the bot's catalogue; empty on a region's row"), None),
    "nama_program": (TEXT, N_("Name of the quick-win program as the region wrote it; empty on a region's row"), None),
    "jumlah_penilaian": (INTEGER, N_("Ratings given in the month (a resident may rate again)"), N_("ratings")),
    "jumlah_warga_menilai": (INTEGER, N_("Different residents who rated in the month"), N_("residents")),
    "rata_rata_penilaian": (DECIMAL, N_("Average rating, on a scale of 1 (very poor) to 5 (very good)"),
                            N_("scale 1–5")),
    "penilaian_disembunyikan": (BOOLEAN, N_("True when the rating figures are withheld (too few residents)"), None),
    "jumlah_komentar": (INTEGER, N_("Comments sent in the month"), N_("comments")),
    "komentar_disembunyikan": (BOOLEAN, N_("True when the number of comments is withheld (too few residents)"), None),
    "jumlah_komentar_jatuh_tempo": (INTEGER, N_("Comments whose response deadline fell in the month or that were "
                                                "answered: the comments the on-time share is counted from"),
                                    N_("comments")),
    "jumlah_ditanggapi_tepat_waktu": (INTEGER, N_("Of those, comments answered by the deadline"), N_("comments")),
    "persentase_tepat_waktu": (DECIMAL, N_("Share of those comments answered by the deadline"), N_("percent")),
    "tepat_waktu_disembunyikan": (BOOLEAN, N_("True when the on-time figures are withheld (too few residents)"), None),
    "disembunyikan": (BOOLEAN, N_("True when any figure of the row is withheld"), None),
}
assert tuple(COLUMN_DOCS) == COLUMNS


@dataclass(frozen=True, slots=True)
class Publisher:
    producer: str  # OPENDATA_PRODUCER
    contact: str | None  # OPENDATA_CONTACT
    license_id: str  # OPENDATA_LICENSE


def _area(dataset: Dataset) -> str:
    return dataset.region.name if dataset.region else "Indonesia"


def title(dataset: Dataset, t: Translator) -> str:
    if dataset.region is None:
        return t.gettext("Residents' ratings of quick-win programs per kabupaten/kota, Indonesia, monthly")
    return t.gettext("Residents' ratings of quick-win programs, {region}, monthly").format(region=dataset.region.name)


def description(dataset: Dataset, t: Translator) -> str:
    what = (t.gettext("Per month, for every kabupaten/kota with quick-win programs in the bot: the number of ratings, "
                      "of residents who rated and the average rating, the number of comments, and the share of "
                      "comments answered by their deadline.")
            if dataset.region is None else
            t.gettext("Per month, for {region} and for each of its quick-win programs: the number of ratings, of "
                      "residents who rated and the average rating, the number of comments, and the share of comments "
                      "answered by their deadline.").format(region=dataset.region.name))
    return " ".join([
        what,
        t.gettext("The figures come from the ratings and comments residents send through the Quick Win Bot on "
                  "Telegram; the latest month is counted up to the day of the update."),
        suppression(t),
    ])


def suppression(t: Translator) -> str:
    return t.gettext("A figure is published only when at least {n} residents contributed to it, and never where it "
                     "would reveal a withheld figure by subtraction: otherwise it is empty and marked as withheld "
                     "(not enough data yet). The files hold no comment text and nothing that identifies a resident."
                     ).format(n=MIN_CONTRIBUTORS)


def licence(license_id: str) -> dict[str, str | None]:
    name, url = LICENCES.get(license_id, (license_id, None))
    return {"id": license_id, "nama": name, "url": url}


def keywords(t: Translator) -> list[str]:
    return ["quick win", "smart city", t.gettext("resident ratings"), t.gettext("public services"),
            t.gettext("open data")]


def metadata(dataset: Dataset, publisher: Publisher, t: Translator) -> dict[str, Any]:
    zone = dataset.region.timezone if dataset.region else DEFAULT_ZONE
    updated = (dataset.now.astimezone(UTC) + timedelta(hours=zone_hours(zone))).date()
    return {
        "standar_metadata": STANDARD,
        "nama_dataset": dataset.name,
        "judul": title(dataset, t),
        "deskripsi": description(dataset, t),
        "produsen_data": publisher.producer,
        "kontak": publisher.contact,
        "sumber_data": t.gettext("Ratings and comments residents sent through the Quick Win Bot on Telegram"),
        "metode_penghitungan": t.gettext(
            "Counted per calendar month in the region's local time. The average is the sum of the ratings divided "
            "by their number. The on-time share is the comments answered by their deadline divided by the comments "
            "answered or past their deadline. Comments marked as spam or abusive are not counted."),
        "kerahasiaan": suppression(t),
        "frekuensi_penerbitan": t.gettext("Monthly"),
        "periode_data": {"mulai": dataset.first.isoformat(), "selesai": dataset.last.isoformat()},
        "tanggal_pembaruan": updated.isoformat(),
        "cakupan_wilayah": _area(dataset),
        "kode_wilayah": dataset.region.code if dataset.region else None,
        "tingkat_penyajian": [LEVEL_REGION] if dataset.region is None else [LEVEL_REGION, LEVEL_PROGRAM],
        "kode_referensi": t.gettext("Region codes of the Ministry of Home Affairs (Kemendagri)"),
        "kolom": [{"nama": name, "tipe": kind, "definisi": t.gettext(text), "satuan": t.gettext(unit) if unit else None}
                  for name, (kind, text, unit) in COLUMN_DOCS.items()],
        "lisensi": licence(publisher.license_id),
        "format": ["CSV", "JSON"],
        "bahasa": t.lang,
        "kata_kunci": keywords(t),
    }


def package(dataset: Dataset, meta: dict[str, Any], *, org: str | None) -> dict[str, Any]:
    """The CKAN package (package_create / package_patch) of a dataset: core fields, and the rest as extras."""
    contact = meta["kontak"]
    fields: dict[str, Any] = {
        "name": dataset.name,
        "title": meta["judul"],
        "notes": meta["deskripsi"],
        "license_id": meta["lisensi"]["id"],
        "author": meta["produsen_data"],
        "maintainer": meta["produsen_data"],
        "tags": [{"name": word} for word in meta["kata_kunci"]],
        "extras": [{"key": key, "value": value} for key, value in (
            ("standar_metadata", meta["standar_metadata"]),
            ("produsen_data", meta["produsen_data"]),
            ("frekuensi_penerbitan", meta["frekuensi_penerbitan"]),
            ("periode_mulai", meta["periode_data"]["mulai"]),
            ("periode_selesai", meta["periode_data"]["selesai"]),
            ("tanggal_pembaruan", meta["tanggal_pembaruan"]),
            ("cakupan_wilayah", meta["cakupan_wilayah"]),
            ("kode_wilayah", meta["kode_wilayah"] or ""),
            ("sumber_data", meta["sumber_data"]),
            ("bahasa", meta["bahasa"]),
        )],
    }
    if contact and "@" in contact:
        fields["maintainer_email"] = contact
    elif contact:
        fields["extras"].append({"key": "kontak", "value": contact})
    if org:
        fields["owner_org"] = org
    return fields
