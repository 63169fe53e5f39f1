"""The kecamatan a point lies in, as precise as the shipped data allows, and that kecamatan's centre.

The project ships the kabupaten/kota boundaries (bot/services/boundaries.py) but no kecamatan boundaries: the
reference data has only each kecamatan's centre (storage/seed/kecamatan.tsv.gz, from districts.csv). So a point
is placed in its kabupaten/kota by the boundary, then given the kecamatan of that kabupaten/kota whose centre is
nearest. Near the border of two kecamatan this can name the neighbouring one; it never names a kecamatan of
another kabupaten/kota when the point is inside a known boundary. A point outside every boundary (at sea, in a
gap of the simplified boundaries) gets the nearest centre in the whole country.

Read on the first lookup, not at start-up: 7,282 lines, about 1 MB in memory.
"""

from __future__ import annotations

import functools
import gzip
import math
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from storage.seed_build import SEED_DIR

KECAMATAN = SEED_DIR / "kecamatan.tsv.gz"


@dataclass(frozen=True, slots=True)
class Kecamatan:
    code: str  # PP.RR.KK
    name: str
    lat: float  # the centre, as the reference data gives it
    lon: float

    @property
    def region_code(self) -> str:
        return self.code[:5]


def _distance2(lat: float, lon: float, k: Kecamatan) -> float:
    """Squared distance on a local flat map (longitude shrunk by the latitude): enough to rank nearby centres."""
    dx = (lon - k.lon) * math.cos(math.radians((lat + k.lat) / 2))
    return dx * dx + (lat - k.lat) ** 2


class KecamatanIndex:
    """Every kecamatan's centre, grouped by kabupaten/kota; loaded once, on first use (thread-safe)."""

    def __init__(self, path: Path = KECAMATAN) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._by_region: dict[str, list[Kecamatan]] | None = None
        self._by_code: dict[str, Kecamatan] = {}

    @property
    def by_region(self) -> dict[str, list[Kecamatan]]:
        if self._by_region is None:
            with self._lock:
                if self._by_region is None:
                    grouped: dict[str, list[Kecamatan]] = defaultdict(list)
                    with gzip.open(self.path, "rt", encoding="utf-8") as f:
                        for line in f:
                            if line.strip():
                                code, name, lat, lon = line.rstrip("\n").split("\t")
                                k = Kecamatan(code, name, float(lat), float(lon))
                                grouped[k.region_code].append(k)
                                self._by_code[code] = k
                    self._by_region = dict(grouped)
        return self._by_region

    def get(self, code: str) -> Kecamatan | None:
        _ = self.by_region
        return self._by_code.get(code)

    def locate(self, lat: float, lon: float, region: str | None) -> Kecamatan:
        """The kecamatan the point is taken to lie in, given the kabupaten/kota whose boundary holds it (None:
        none does); see the module's note on precision."""
        candidates = self.by_region.get(region, []) if region is not None else []
        if not candidates:
            candidates = [k for ks in self.by_region.values() for k in ks]
        return min(candidates, key=lambda k: _distance2(lat, lon, k))


@functools.cache
def shared() -> KecamatanIndex:
    """The one index of the process (built on first use, its file read on the first lookup)."""
    return KecamatanIndex()
