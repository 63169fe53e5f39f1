"""Build the shipped place data in seed/ from the reference files (run again when they change).

    python -m storage.seed_build SOURCE_DIR

SOURCE_DIR holds regions_all.csv, districts.csv, villages.csv and kabkota_boundaries.geojson.gz (Kepmendagri
2025, from cahyadsn/wilayah and cahyadsn/wilayah_boundaries; see seed/ATTRIBUTION.md). Writes:

- seed/regions.csv: every kabupaten/kota; the smart-city cohort year where there is one (a region listed in
  2018 and 2019 counts as 2019, as the notes in ATTRIBUTION.md explain), else empty;
- seed/places.tsv.gz: every kecamatan (code PP.RR.KK) and desa/kelurahan (PP.RR.KK.DDDD), as lines
  ``key<TAB>code<TAB>name``, sorted by the search key (storage.names.key_of of the name), so that the bot
  searches the file's text as it is (bot/services/places.py);
- seed/boundaries.txt.gz: one line per kabupaten/kota, ``code<TAB>ring;ring;…``, each ring as integers in
  1/100,000 degree, ``lon,lat`` of its first point then the differences to each next point. Compact to ship and
  to read (a tenth of the memory a parsed GeoJSON keeps): see bot/services/boundaries.py;
- seed/kecamatan.tsv.gz: the centre of every kecamatan, ``code<TAB>name<TAB>lat<TAB>lon`` (5 decimals), where a
  location a resident adds to a comment is kept unless they agree to the exact point (bot/services/evidence.py).
"""

from __future__ import annotations

import csv
import gzip
import itertools
import json
import sys
from pathlib import Path
from typing import Any

from storage.names import key_of

SEED_DIR = Path(__file__).resolve().parent / "seed"
SCALE = 100_000  # 1/100,000 degree: about a metre, far finer than the ~1 km simplification
REGION_COLUMNS = ("code", "name", "kind", "province", "province_code", "timezone", "lat", "lon", "cohort_year")


def build_regions(source: Path) -> list[dict[str, str]]:
    rows = []
    with (source / "regions_all.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            cohort = row["smart_city_cohort"].split("/")[-1]  # "2018/2019" → 2019
            rows.append({
                "code": row["kemendagri_code"], "name": row["region_name"], "kind": row["region_type"],
                "province": row["province"], "province_code": row["province_code"], "timezone": row["time_zone"],
                "lat": str(round(float(row["centroid_lat"]), 4)), "lon": str(round(float(row["centroid_lon"]), 4)),
                "cohort_year": cohort,
            })
    return sorted(rows, key=lambda r: r["code"])


def build_places(source: Path) -> list[str]:
    places: list[tuple[str, str]] = []
    with (source / "districts.csv").open(encoding="utf-8", newline="") as f:
        places += [(row["kecamatan_code"], row["kecamatan_name"]) for row in csv.DictReader(f)]
    with (source / "villages.csv").open(encoding="utf-8", newline="") as f:
        places += [(row["village_code"], row["village_name"]) for row in csv.DictReader(f)]
    rows = sorted((key_of(name), code, " ".join(name.split())) for code, name in places)
    return [f"{key}\t{code}\t{name}" for key, code, name in rows if key]


def encode_ring(ring: list[list[float]]) -> str:
    points = [(round(lon * SCALE), round(lat * SCALE)) for lon, lat in ring]
    numbers = [*points[0]]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        numbers += [x1 - x0, y1 - y0]
    return ",".join(map(str, numbers))


def build_boundaries(source: Path) -> list[str]:
    with gzip.open(source / "kabkota_boundaries.geojson.gz", "rt", encoding="utf-8") as f:
        features: list[dict[str, Any]] = json.load(f)["features"]
    lines = []
    for feature in sorted(features, key=lambda feat: feat["properties"]["code"]):
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        rings = [encode_ring(ring) for polygon in polygons for ring in polygon]
        lines.append(f"{feature['properties']['code']}\t{';'.join(rings)}")
    return lines


def build_kecamatan(source: Path) -> list[str]:
    """Kecamatan with a centre in the source (3 of 7,285 have none and are left out)."""
    with (source / "districts.csv").open(encoding="utf-8", newline="") as f:
        rows = [(r["kecamatan_code"], " ".join(r["kecamatan_name"].split()), float(r["centroid_lat"]),
                 float(r["centroid_lon"])) for r in csv.DictReader(f) if r["centroid_lat"] and r["centroid_lon"]]
    return [f"{code}\t{name}\t{lat:.5f}\t{lon:.5f}" for code, name, lat, lon in sorted(rows)]


def write_gzip(path: Path, text: str) -> None:
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:  # same bytes on each run
        f.write(text.encode("utf-8"))


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    source = Path(argv[0])
    with (SEED_DIR / "regions.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, REGION_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(build_regions(source))
    write_gzip(SEED_DIR / "places.tsv.gz", "\n".join(build_places(source)) + "\n")
    write_gzip(SEED_DIR / "boundaries.txt.gz", "\n".join(build_boundaries(source)) + "\n")
    write_gzip(SEED_DIR / "kecamatan.tsv.gz", "\n".join(build_kecamatan(source)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
