"""Finding a kabupaten/kota from what a resident types: its name, an everyday name, or a kecamatan or desa in it.

Case-, accent-, spacing- and prefix-insensitive, typo-tolerant. Everyday names (Solo, Tangsel, Purwokerto)
come from storage/seed/aliases.csv, each with its source; kecamatan and desa/kelurahan from bot/services/places.py,
read on the first search. A shared location is placed by bot/services/boundaries.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.services.boundaries import Boundaries
from bot.services.places import Place, PlaceIndex
from storage.names import MAX_QUERY, key_of, normalise
from storage.seed import read_aliases

__all__ = ["MAX_QUERY", "Found", "Match", "RegionEntry", "RegionIndex", "normalise", "split_kind"]

_KIND_WORDS = {
    "kabupaten": "kabupaten", "kab": "kabupaten", "kabu": "kabupaten", "kbp": "kabupaten", "regency": "kabupaten",
    "kota": "kota", "kot": "kota", "kodya": "kota", "city": "kota", "kotamadya": "kota",
    "kecamatan": "kecamatan", "kec": "kecamatan", "kecamatn": "kecamatan", "distrik": "kecamatan",
    "desa": "desa", "kelurahan": "desa", "kel": "desa", "kampung": "desa", "nagari": "desa", "gampong": "desa",
}
PAPUA = frozenset({"91", "92", "93", "94", "95", "96"})  # a kecamatan is called a distrik there
# How well a name matches, best first; a kecamatan's typo scores below 1.
ALIAS, REGION, PLACE_IN_REGION, KECAMATAN, REGION_PREFIX, VILLAGE, REGION_WORD, REGION_PART = (
    4.2, 4.0, 3.9, 3.5, 3.0, 2.8, 2.5, 2.0)
KECAMATAN_PREFIX, VILLAGE_PREFIX = 1.5, 1.2
REGION_TYPO = 1.0  # plus the similarity (0.78–1): a misspelt kabupaten/kota before a place's longer name
TYPO_CUTOFF = 78  # rapidfuzz ratio, 0–100
PREFIX_LIMIT = 200  # places read per prefix look-up


@dataclass(frozen=True, slots=True)
class RegionEntry:
    code: str
    name: str  # "Kota Bandung"
    kind: str  # kabupaten | kota
    province: str
    lat: float
    lon: float
    cohort_year: int | None = None  # the 100 Smart City Movement's cohort, if the region is in one

    @property
    def base(self) -> str:
        """The name without its Kabupaten/Kota (Administrasi) prefix, normalised."""
        words = self.name.split(" ")
        words = words[1:] if len(words) > 1 else words
        if words[0] == "Administrasi" and len(words) > 1:
            words = words[1:]
        return normalise(" ".join(words))


@dataclass(frozen=True, slots=True)
class Match:
    region: RegionEntry
    place: Place | None = None  # the kecamatan or desa/kelurahan that matched, if it was not the region
    score: float = 0.0

    @property
    def place_kind(self) -> str | None:
        """kecamatan, distrik, desa or kelurahan."""
        if self.place is None:
            return None
        kind = self.place.kind
        return "distrik" if kind == "kecamatan" and self.place.code[:2] in PAPUA else kind


@dataclass
class Found:
    matches: list[Match] = field(default_factory=list)
    more: int = 0  # regions that also match but are not shown


def split_kind(query: str) -> tuple[str | None, str]:
    """("kabupaten", "bogor") from "Kab. Bogor"; (None, "bandung") from "bandung"."""
    words = normalise(query[:MAX_QUERY]).split()
    if words and words[0] in _KIND_WORDS:
        return _KIND_WORDS[words[0]], " ".join(words[1:])
    return None, " ".join(words)


class RegionIndex:
    """The kabupaten/kota in memory, with their everyday names and (loaded on first use) their places."""

    def __init__(
        self, regions: list[RegionEntry], *, aliases: list[tuple[str, str]] | None = None,
        places: PlaceIndex | None = None, boundaries: Boundaries | None = None,
    ) -> None:
        self.regions = sorted(regions, key=lambda r: r.name)
        self._by_code = {r.code: r for r in self.regions}
        self._keys = [(r, r.base, key_of(r.base)) for r in self.regions]
        pairs = read_aliases() if aliases is None else aliases
        self._aliases: dict[str, list[RegionEntry]] = {}
        for alias, code in pairs:
            if code in self._by_code:
                self._aliases.setdefault(key_of(alias), []).append(self._by_code[code])
        self.places = places if places is not None else PlaceIndex()
        self.boundaries = boundaries if boundaries is not None else Boundaries()

    def get(self, code: str) -> RegionEntry | None:
        return self._by_code.get(code)

    def search(self, query: str, limit: int = 8) -> list[RegionEntry]:
        """The regions `find` offers, best first."""
        return [m.region for m in self.find(query, limit).matches]

    def find(self, query: str, limit: int = 8) -> Found:
        """Best matches first, one per region (the best reason for each); empty when nothing is close enough."""
        kind, q = split_kind(query)
        if not q:
            return Found()  # "kota" alone is too broad to list
        if (exact := self._by_code.get(q.replace(" ", "."))) is not None:
            return Found([Match(exact, None, REGION)])
        best: dict[str, Match] = {}
        self._collect(best, kind, q)
        if kind is not None:  # "Kota Baru" may be Kabupaten Kotabaru, or a desa: the whole text, as a name
            self._collect(best, None, normalise(query[:MAX_QUERY]), exact_only=True)
        if not best and " " in q:
            self._refine(best, kind, q)
        if not best and " " in q:
            # "saya tinggal di bandung": a region, an everyday name or a kecamatan among longer words.
            for word in (w for w in q.split() if len(w) >= 4):
                self._collect(best, kind, word, exact_only=True, villages=False)
        ranked = sorted(best.values(), key=lambda m: (-m.score, m.region.name))
        return Found(ranked[:limit], max(0, len(ranked) - limit))

    def _collect(
        self, best: dict[str, Match], kind: str | None, q: str, *, exact_only: bool = False, villages: bool = True,
    ) -> None:
        key = key_of(q)
        region_kind = kind if kind in ("kabupaten", "kota") else None
        if kind in (None, "kabupaten", "kota"):
            for region in self._aliases.get(key, []):
                _offer(best, Match(region, None, ALIAS))
            for region, base, base_key in self._keys:
                if region_kind and region.kind != region_kind:
                    continue
                score = REGION if base_key == key else 0.0 if exact_only else _score(q, key, base, base_key)
                if score:
                    _offer(best, Match(region, None, score))
        if region_kind is None:
            for place in self.places.exact(key):
                if (kind == "kecamatan" and place.kind != "kecamatan") or (kind == "desa" and place.kind == "kecamatan"):
                    continue
                if place.kind == "kecamatan" or villages:
                    self._offer_place(best, place, KECAMATAN if place.kind == "kecamatan" else VILLAGE)
            if not exact_only and len(key) >= 4:
                for place in self.places.prefix(key, limit=PREFIX_LIMIT):
                    if place.kind == "kecamatan" and kind != "desa":
                        self._offer_place(best, place, KECAMATAN_PREFIX)
                    elif place.kind != "kecamatan" and kind != "kecamatan" and villages and len(key) >= 5:
                        self._offer_place(best, place, VILLAGE_PREFIX)
        if not exact_only and _typos_wanted(best, kind):
            self._typos(best, kind, key)

    def _offer_place(self, best: dict[str, Match], place: Place, score: float) -> None:
        region = self._by_code.get(place.region_code)
        if region is not None:
            _offer(best, Match(region, place, score))

    def _typos(self, best: dict[str, Match], kind: str | None, key: str) -> None:
        """Near misses ("banyuwangy"), among regions, everyday names and kecamatan: the costly part, so last."""
        if len(key) < 4:
            return
        if kind in (None, "kabupaten", "kota"):
            choices = {base_key: r for r, _base, base_key in self._keys if kind in (None, r.kind)}
            for choice, score, _ in process.extract(key, list(choices), scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF,
                                                   limit=10):
                _offer(best, Match(choices[choice], None, REGION_TYPO + score / 100))
            for choice, score, _ in process.extract(key, list(self._aliases), scorer=fuzz.ratio,
                                                   score_cutoff=TYPO_CUTOFF, limit=5):
                for region in self._aliases[choice]:
                    _offer(best, Match(region, None, REGION_TYPO + score / 100))
        if kind in (None, "kecamatan"):
            for choice, score, _ in process.extract(key, self.places.kecamatan_keys(), scorer=fuzz.ratio,
                                                   score_cutoff=TYPO_CUTOFF + 7, limit=10):
                for place in self.places.exact(choice):
                    if place.kind == "kecamatan":
                        self._offer_place(best, place, score / 100 - 0.01)

    def _refine(self, best: dict[str, Match], kind: str | None, q: str) -> None:
        """"wonosari klaten", "cibinong bogor": a place's name, then its kabupaten/kota or province (or the reverse)."""
        words = q.split()
        for i in range(1, len(words)):
            for place_words, region_words in ((words[:i], words[i:]), (words[i:], words[:i])):
                within = self._regions_named(" ".join(region_words))
                if not within:
                    continue
                for place in self.places.exact(key_of(" ".join(place_words))):
                    if place.region_code in within and (kind != "kecamatan" or place.kind == "kecamatan"):
                        self._offer_place(best, place, PLACE_IN_REGION + (0.05 if place.kind == "kecamatan" else 0))

    def _regions_named(self, text: str) -> set[str]:
        kind, q = split_kind(text)
        key = key_of(q)
        if not key:
            return set()
        codes = {r.code for r in self._aliases.get(key, [])}
        for region, _base, base_key in self._keys:
            if kind in ("kabupaten", "kota") and region.kind != kind:
                continue
            if base_key == key or (base_key.startswith(key) and len(key) >= 4) or key_of(region.province) == key:
                codes.add(region.code)
        return codes

    def locate(self, lat: float, lon: float) -> tuple[RegionEntry, float | None]:
        """The region whose boundary holds the point (and None); else the one with the nearest centroid and its
        distance in km (at sea, outside Indonesia, or in a gap of the simplified boundaries)."""
        code = self.boundaries.region_at(lat, lon)
        if code is not None and (region := self._by_code.get(code)) is not None:
            return region, None
        return self.nearest(lat, lon)

    def nearest(self, lat: float, lon: float) -> tuple[RegionEntry, float]:
        """The region whose centroid is closest, and the distance in km."""
        found = min(self.regions, key=lambda r: haversine_km(lat, lon, r.lat, r.lon))
        return found, haversine_km(lat, lon, found.lat, found.lon)


def _typos_wanted(best: dict[str, Match], kind: str | None) -> bool:
    """Only where no kabupaten/kota matched well ("makasar" is a kecamatan in Jakarta, and Kota Makassar);
    for "kecamatan …", only where no kecamatan did."""
    for m in best.values():
        if m.score >= REGION_PREFIX and (m.place is not None if kind == "kecamatan" else m.place is None):
            return False
    return True


def _offer(best: dict[str, Match], match: Match) -> None:
    held = best.get(match.region.code)
    if held is None or match.score > held.score:
        best[match.region.code] = match


def _score(q: str, key: str, base: str, base_key: str) -> float:
    if base_key.startswith(key) and len(key) >= 3:
        return REGION_PREFIX
    if len(q) >= 3 and f" {q}" in f" {base}":
        return REGION_WORD
    if len(key) >= 4 and key in base_key:
        return REGION_PART
    return 0.0


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))
