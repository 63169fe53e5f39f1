"""Finding a kabupaten/kota from what a resident types: case-, accent- and prefix-insensitive, typo-tolerant."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

_KIND_WORDS = {
    "kabupaten": "kabupaten", "kab": "kabupaten", "kabu": "kabupaten", "kbp": "kabupaten", "regency": "kabupaten",
    "kota": "kota", "kot": "kota", "kodya": "kota", "city": "kota", "kotamadya": "kota",
}
MAX_QUERY = 100
# No region name is longer; and NFKD takes quadratic time on a long run of accents (a forged 1 MB update:
# minutes on the event loop).
NORMALISE_MAX = 4 * MAX_QUERY
# Everyday names that differ from the official ones.
_ALIASES = {"jogja": "yogyakarta", "jogjakarta": "yogyakarta", "yogya": "yogyakarta", "jogya": "yogyakarta"}


def normalise(text: str) -> str:
    """Lower-case, strip accents and punctuation, collapse spaces (of the first NORMALISE_MAX characters)."""
    text = unicodedata.normalize("NFKD", text[:NORMALISE_MAX])
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class RegionEntry:
    code: str
    name: str  # "Kota Bandung"
    kind: str  # kabupaten | kota
    province: str
    lat: float
    lon: float

    @property
    def base(self) -> str:
        """The name without its Kabupaten/Kota prefix, normalised."""
        return normalise(self.name.split(" ", 1)[1] if " " in self.name else self.name)


def split_kind(query: str) -> tuple[str | None, str]:
    """("kabupaten", "bogor") from "Kab. Bogor"; (None, "bandung") from "bandung"."""
    words = normalise(query[:MAX_QUERY]).split()
    if words and words[0] in _KIND_WORDS:
        kind, words = _KIND_WORDS[words[0]], words[1:]
    else:
        kind = None
    return kind, " ".join(_ALIASES.get(w, w) for w in words)


class RegionIndex:
    """An in-memory index of the ~100 regions (they change only when the seed does)."""

    def __init__(self, regions: list[RegionEntry]) -> None:
        self.regions = sorted(regions, key=lambda r: r.name)
        self._bases = [(r, r.base) for r in self.regions]

    def search(self, query: str, limit: int = 8) -> list[RegionEntry]:
        """Best matches first; an empty list when nothing is close enough."""
        kind, q = split_kind(query)
        if not q:
            # "kota" alone is too broad to list; a code such as "32.73" is handled below.
            return []
        code = q.replace(" ", ".")
        exact_code = [r for r in self.regions if r.code == code]
        if exact_code:
            return exact_code
        found = self._ranked(kind, q, limit)
        if not found and " " in q:
            # "saya tinggal di bandung", or a name wrapped in other words: try each longer word.
            for word in q.split():
                if len(word) >= 4:
                    found += [r for r in self._ranked(kind, word, limit) if r not in found]
        return found[:limit]

    def _ranked(self, kind: str | None, q: str, limit: int) -> list[RegionEntry]:
        candidates = [(region, base) for region, base in self._bases if not kind or region.kind == kind]
        scored = [(score, region) for region, base in candidates if (score := _score(q, base)) > 0]
        if not any(score >= 3 for score, _ in scored):
            # No name matches exactly or by prefix: also look for typos (the costly part, so only now).
            scored += [(score, region) for region, base in candidates if (score := _typo_score(q, base)) > 0]
        scored.sort(key=lambda item: (-item[0], item[1].name))
        return [region for _, region in scored[:limit]]

    def nearest(self, lat: float, lon: float) -> tuple[RegionEntry, float]:
        """The region whose centroid is closest, and the distance in km."""
        best = min(self.regions, key=lambda r: haversine_km(lat, lon, r.lat, r.lon))
        return best, haversine_km(lat, lon, best.lat, best.lon)

    def get(self, code: str) -> RegionEntry | None:
        return next((r for r in self.regions if r.code == code), None)


def _score(q: str, base: str) -> float:
    if q == base:
        return 4.0
    if base.startswith(q) and len(q) >= 3:
        return 3.0
    if len(q) >= 3 and (f" {q}" in f" {base}"):
        return 2.5
    if len(q) >= 4 and q in base:
        return 2.0
    return 0.0


def _typo_score(q: str, base: str) -> float:
    """Similarity below 1 for a near miss ("banyuwangy"), 0 when the name does not come close."""
    if len(q) < 4 or q in base:
        return 0.0
    # Compare with the whole name and with each of its words.
    ratio = max([SequenceMatcher(None, q, base).ratio()] + [SequenceMatcher(None, q, w).ratio() for w in base.split()])
    return ratio if ratio >= 0.78 else 0.0


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))
