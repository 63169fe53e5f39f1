"""Kecamatan and desa/kelurahan names, to find the kabupaten/kota a resident lives in by the place they name.

The 91,047 places of storage/seed/places.tsv.gz (lines ``key<TAB>code<TAB>name``, sorted by key; written by
storage/seed_build.py) are read on the first search, not at start-up, and kept as the file's text and the
offset of each line: about 9 MB, read in under 0.1 s, searched by bisection on the keys.
"""

from __future__ import annotations

import gzip
import threading
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path

from storage.seed_build import SEED_DIR

PLACES = SEED_DIR / "places.tsv.gz"


@dataclass(frozen=True, slots=True)
class Place:
    code: str  # PP.RR.KK (kecamatan) or PP.RR.KK.DDDD (desa/kelurahan)
    name: str

    @property
    def region_code(self) -> str:
        return self.code[:5]

    @property
    def kind(self) -> str:
        """kecamatan, kelurahan (village code 1xxx) or desa (2xxx)."""
        if len(self.code) <= 8:
            return "kecamatan"
        return "kelurahan" if self.code[9] == "1" else "desa"


class _Lines:
    """The file's lines as a sequence of keys, for bisect."""

    def __init__(self, text: str, starts: array) -> None:
        self.text, self.starts = text, starts

    def __len__(self) -> int:
        return len(self.starts) - 1

    def __getitem__(self, i: int) -> str:
        start = self.starts[i]
        return self.text[start : self.text.index("\t", start)]

    def place(self, i: int) -> Place:
        _key, code, name = self.text[self.starts[i] : self.starts[i + 1] - 1].split("\t")
        return Place(code, name)


class PlaceIndex:
    """Exact and prefix look-ups by search key (storage.names.key_of); loaded once, on first use (thread-safe)."""

    def __init__(self, path: Path = PLACES) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._lines: _Lines | None = None
        self._kecamatan_keys: list[str] = []

    @property
    def lines(self) -> _Lines:
        if self._lines is None:
            with self._lock:
                if self._lines is None:
                    self._lines = self._load()
        return self._lines

    def _load(self) -> _Lines:
        with gzip.open(self.path, "rt", encoding="utf-8", newline="\n") as f:
            text = f.read()
        starts, find, at = array("I", [0]), text.find, 0
        kecamatan: set[str] = set()
        while (end := find("\n", at)) >= 0:
            tab = find("\t", at)
            if text[tab + 9] == "\t":  # a kecamatan's code is 8 characters
                kecamatan.add(text[at:tab])
            at = end + 1
            starts.append(at)
        self._kecamatan_keys = sorted(kecamatan)
        return _Lines(text, starts)

    def exact(self, key: str) -> list[Place]:
        lines = self.lines
        found, i = [], bisect_left(lines, key)
        while i < len(lines) and lines[i] == key:
            found.append(lines.place(i))
            i += 1
        return found

    def prefix(self, key: str, *, limit: int) -> list[Place]:
        """Places whose key starts with `key` and is longer, at most `limit`, in key order."""
        lines = self.lines
        found: list[Place] = []
        i = bisect_left(lines, key + "\x00")
        while i < len(lines) and len(found) < limit and lines[i].startswith(key):
            found.append(lines.place(i))
            i += 1
        return found

    def kecamatan_keys(self) -> list[str]:
        """Every kecamatan's key once, for typo-tolerant matching."""
        _ = self.lines
        return self._kecamatan_keys
