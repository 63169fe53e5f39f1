"""the date of a program's source, and the seeded programs corrected against their sources

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 09:00:00

`programs.source_date` is when the program's source was published, so that its status is read as of then.
A database seeded before this revision keeps its rows (the seeder never overwrites), so here the seeded
programs get their source's date, and the texts the seed shipped with and has since corrected (see
storage/seed/ATTRIBUTION.md) are replaced, each field only where it still reads as shipped: a name,
description or status an official has changed is left alone. The values are written out here, not read
from the seed, which may change again. Downgrading puts back the texts that still read as corrected.
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROGRAMS = sa.table(
    "programs",
    sa.column("region_code", sa.String), sa.column("name", sa.String), sa.column("description", sa.Text),
    sa.column("status", sa.String), sa.column("source_url", sa.String), sa.column("source_date", sa.Date),
)

# Each shipped source: its URL, its date, its region and the programs (as named before and after) citing it.
SOURCES = (
    ("https://rakyatjabarnews.com/pemkot-cirebon-gelar-final-review-masterplan-smart-city-dan-program-quick-win/",
     date(2017, 11, 2), "32.74", ("Cirebon Melet (Melek Internet)", "Cirebon Brojol Aja Klalen",
                                  "Wadul Bae (Warga Peduli Bocah Lan Mboke)",
                                  "Cirebon Lengko (Layanan Elektronik Kesehatan Online)")),
    ("https://bangsaonline.com/berita/39216/menuju-smart-city-gresik-siapkan-empat-program-unggulan-ini",
     date(2017, 11, 15), "35.25", ("dr. Kepo (Dokter Kependudukan Online)", "dr. Kepo (Kependudukan Online)",
                                   "SiBling (Sistem Informasi Laboratorium Lingkungan)",
                                   "GoPloong (Go Pelayanan Limbah Domestik Online Gresik)", "Posyandu Go")),
    ("https://www.riaudetil.com/news/daerah/pelalawan/kepala-bappeda-pelalawan-tegaskan-tak-ada-anggaran-khusus-"
     "untuk-smart-city_2017-11-21", date(2017, 11, 21), "14.05",
     ("SIPOLAN (Sistem Informasi Pelayanan Perizinan On The Spot)", "Pelalawan Sehat")),
    ("https://aptika.kominfo.go.id/?p=679", date(2018, 7, 1), "34.04", ("SIMARDA", "e-Retribusi", "e-PPID")),
    ("https://aptika.kominfo.go.id/2020/02/mimpi-kota-jambi-menjadi-smart-city", date(2020, 2, 25), "15.71",
     ("SIPATEN (Sistem Informasi Pelayanan Administrasi Terpadu Kecamatan)", "SIPADEK",
      "SIPADEK (Sistem Pelayanan Administrasi Terpadu Perkantoran)")),
    ("https://www.gatra.com/news-453190-teknologi-ini-tiga-quick-win-prioritas-smart-city-banyumas.html",
     date(2019, 10, 25), "33.02", ("Pattas Sosial Mitra Kurir Langit", "PSC 119-Satria",
                                   "Salinmas (Sampah Online Banyumas)")),
    ("https://jateng.antaranews.com/berita/273704/kota-magelang-masuk-25-besar-kota-cerdas", date(2019, 11, 6),
     "33.71", ("Aplikasi Magelang Cerdas", "E-Retribusi: Bakul Pasar", "Rojak (Ronda Jam Kerja)")),
    ("http://kominfo.kulonprogokab.go.id/web/view_berita/813/Tertarik-Smart-City-Komisi-A-DPRD-Pekalongan-"
     "Kunjungi-Kulon-Progo", date(2018, 12, 18), "34.01", ("BumilKu",)),
    ("https://kominfo.kulonprogokab.go.id/detil/933/smart-city-kulon-progo-dinilai-lebih-baik", date(2019, 7, 19),
     "34.01", ("Bela-Beli Kulon Progo (belabeli.com)", "IzinKu")),
    ("https://riaupos.co/nasional/28/02/2020/25174/smart-city-siak-dijadikan-pilot-project", date(2020, 2, 26),
     "14.08", ("Pesona Siak",)),
    ("https://fbeta.republika.co.id/amp/qkbojq423/depok-kembangkan-inovasi-untuk-capai-100-persen-smart-city",
     date(2020, 11, 24), "32.76", ("Wifi Depok Bersahabat",)),
)

# (region, name as shipped, name as corrected, {column: (as shipped, as corrected)})
CORRECTIONS: tuple[tuple[str, str, str | None, dict[str, tuple[str, str]]], ...] = (
    ("32.74", "Cirebon Brojol Aja Klalen", None, {"description": (
        "Layanan penerbitan akta kelahiran secara langsung ketika kelahiran dilaporkan secara daring.",
        "Akta kelahiran langsung diterbitkan begitu kelahiran dilaporkan secara daring.")}),
    ("32.74", "Cirebon Lengko (Layanan Elektronik Kesehatan Online)", None, {"description": (
        "Layanan kesehatan elektronik yang dapat diakses secara daring.",
        "Layanan kesehatan yang dapat diakses secara daring.")}),
    ("35.25", "dr. Kepo (Dokter Kependudukan Online)", "dr. Kepo (Kependudukan Online)", {}),
    ("35.25", "SiBling (Sistem Informasi Laboratorium Lingkungan)", None, {"description": (
        "Layanan jemput berbasis aplikasi Android untuk laboratorium pengujian kualitas lingkungan.",
        "Aplikasi Android untuk meningkatkan layanan Laboratorium Uji Kualitas Lingkungan kepada industri dan "
        "masyarakat dengan cara jemput bola.")}),
    ("34.04", "SIMARDA", None, {"status": ("direncanakan", "berjalan"), "description": (
        "Program percepatan yang disebut dalam evaluasi daerah peserta angkatan 2017. Kepanjangan nama dan "
        "rincian layanan belum tersedia.",
        "Salah satu dari tiga program quick win Kabupaten Sleman. Rincian program belum tersedia.")}),
    ("34.04", "e-Retribusi", None, {"status": ("direncanakan", "berjalan")}),
    ("34.04", "e-PPID", None, {"status": ("direncanakan", "berjalan"), "description": (
        "Layanan permohonan informasi publik melalui PPID secara elektronik.",
        "Layanan permohonan informasi publik secara elektronik melalui Pejabat Pengelola Informasi dan "
        "Dokumentasi (PPID).")}),
    ("15.71", "SIPADEK", "SIPADEK (Sistem Pelayanan Administrasi Terpadu Perkantoran)", {"description": (
        "Sistem layanan administrasi terpadu, dengan kepanjangan Sistem Pelayanan Administrasi Terpadu Perkantoran.",
        "Layanan administrasi perkantoran terpadu. Rincian program belum tersedia.")}),
    ("33.02", "Pattas Sosial Mitra Kurir Langit", None, {"status": ("direncanakan", "berjalan"), "description": (
        "Bantuan yang cepat dan tanggap bagi warga kurang mampu yang menderita penyakit kronis.",
        "Pattas (Penanganan Cepat, Tanggap, dan Tuntas): pendampingan bagi warga miskin yang menderita sakit "
        "kronis.")}),
    ("33.02", "PSC 119-Satria", None, {"status": ("direncanakan", "berjalan")}),
    ("33.71", "Rojak (Ronda Jam Kerja)", None, {"description": (
        "Ronda lingkungan pada jam kerja. Kegiatan ini tidak berbasis teknologi informasi.",
        "Salah satu dari tiga program percepatan Kota Magelang. Rincian program belum tersedia.")}),
    ("34.01", "BumilKu", None, {"status": ("direncanakan", "berjalan")}),
    ("34.01", "Bela-Beli Kulon Progo (belabeli.com)", None, {"status": ("direncanakan", "berjalan"), "description": (
        "Program produk lokal dan pasokan beras melalui kelompok tani.",
        "Gerakan membeli produk lokal Kulon Progo, antara lain pasokan beras yang dikelola sendiri melalui "
        "gabungan kelompok tani (gapoktan), dengan aplikasi belabeli.com.")}),
    ("34.01", "IzinKu", None, {"status": ("direncanakan", "berjalan")}),
    ("35.79", "Among Tani", None, {"status": ("direncanakan", "berjalan")}),
    ("11.71", "Berindah", None, {"status": ("direncanakan", "berjalan")}),
    ("81.71", "Ambon Menuju Kota Musik Dunia", None, {"status": ("direncanakan", "berjalan")}),
)


def _correct(*, forward: bool) -> None:
    """Each field from one value to the other where it still holds the first; then the renames."""
    bind = op.get_bind()
    pick = (lambda pair: pair) if forward else (lambda pair: pair[::-1])
    for region, shipped, renamed, fields in CORRECTIONS:
        names = (shipped, renamed) if renamed else (shipped,)
        for column, pair in fields.items():
            before, after = pick(pair)
            bind.execute(
                PROGRAMS.update()
                .where(PROGRAMS.c.region_code == region, PROGRAMS.c.name.in_(names), PROGRAMS.c[column] == before)
                .values({column: after})
            )
        if renamed:
            before, after = pick((shipped, renamed))
            other = PROGRAMS.alias("other")
            taken = sa.select(sa.literal(1)).select_from(other).where(
                other.c.region_code == region, other.c.name == after
            )
            bind.execute(
                PROGRAMS.update()
                .where(PROGRAMS.c.region_code == region, PROGRAMS.c.name == before, ~taken.exists())
                .values(name=after)
            )


def upgrade() -> None:
    op.add_column("programs", sa.Column("source_date", sa.Date(), nullable=True))
    bind = op.get_bind()
    for url, published, region, names in SOURCES:
        bind.execute(
            PROGRAMS.update()
            .where(PROGRAMS.c.region_code == region, PROGRAMS.c.name.in_(names), PROGRAMS.c.source_url == url,
                   PROGRAMS.c.source_date.is_(None))
            .values(source_date=published)
        )
    _correct(forward=True)


def downgrade() -> None:
    _correct(forward=False)
    op.drop_column("programs", "source_date")  # SQLite drops a column in place since 3.35: no table rebuild
