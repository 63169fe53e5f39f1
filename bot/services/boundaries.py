"""Which kabupaten/kota a point lies in: point-in-polygon on the shipped, simplified boundaries.

The boundaries (storage/seed/boundaries.txt.gz, written by storage/seed_build.py) are read on the first
lookup, not at start-up, into flat integer arrays: about 2 MB for the 514 regions' ~120,000 points. A
lookup tests the even–odd rule (a ray to the east) on the rings whose box holds the point — a ring of a
hole counts like any other, so holes and islands need no special case; a few milliseconds at most.

A maintained geometry library (Shapely) does the same, but importing it with NumPy adds about 25 MB to
the process and building its polygons from GeoJSON about 0.7 s; these few lines need neither.
"""

from __future__ import annotations

import gzip
import threading
from array import array
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

from storage.seed_build import SCALE, SEED_DIR

BOUNDARIES = SEED_DIR / "boundaries.txt.gz"


@dataclass(frozen=True, slots=True)
class Shape:
    """One region's rings: points in `xs`/`ys`, ring k spanning starts[k]:starts[k+1], boxes of 4 per ring."""

    code: str
    xs: array
    ys: array
    starts: array
    boxes: array  # min x, max x, min y, max y of each ring
    box: tuple[int, int, int, int]

    def contains(self, x: int, y: int) -> bool:
        inside = False
        xs, ys, boxes = self.xs, self.ys, self.boxes
        for k in range(len(self.starts) - 1):
            if y < boxes[4 * k + 2] or y > boxes[4 * k + 3] or x > boxes[4 * k + 1]:
                continue  # the ray cannot cross this ring
            start, end = self.starts[k], self.starts[k + 1]
            j = end - 1
            for i in range(start, end):
                yi, yj = ys[i], ys[j]
                if (yi > y) != (yj > y) and x < xs[i] + (xs[j] - xs[i]) * (y - yi) / (yj - yi):
                    inside = not inside
                j = i
        return inside


def parse_line(line: str) -> Shape:
    code, rings = line.rstrip("\n").split("\t")
    xs, ys, starts, boxes = array("i"), array("i"), array("I", [0]), array("i")
    for ring in rings.split(";"):
        numbers = list(map(int, ring.split(",")))
        ring_x = list(accumulate(numbers[0::2]))
        ring_y = list(accumulate(numbers[1::2]))
        xs.extend(ring_x)
        ys.extend(ring_y)
        starts.append(len(xs))
        boxes.extend((min(ring_x), max(ring_x), min(ring_y), max(ring_y)))
    box = (min(boxes[0::4]), max(boxes[1::4]), min(boxes[2::4]), max(boxes[3::4]))
    return Shape(code, xs, ys, starts, boxes, box)


class Boundaries:
    """The regions' shapes, read once on the first lookup (thread-safe)."""

    def __init__(self, path: Path = BOUNDARIES) -> None:
        self.path = path
        self._shapes: list[Shape] | None = None
        self._lock = threading.Lock()

    @property
    def shapes(self) -> list[Shape]:
        if self._shapes is None:
            with self._lock:
                if self._shapes is None:
                    with gzip.open(self.path, "rt", encoding="utf-8") as f:
                        self._shapes = [parse_line(line) for line in f if line.strip()]
        return self._shapes

    def region_at(self, lat: float, lon: float) -> str | None:
        """The code of the region whose boundary holds the point, or None (at sea, outside Indonesia, a gap)."""
        x, y = round(lon * SCALE), round(lat * SCALE)
        for shape in self.shapes:
            x0, x1, y0, y1 = shape.box
            if x0 <= x <= x1 and y0 <= y <= y1 and shape.contains(x, y):
                return shape.code
        return None
