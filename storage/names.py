"""Names as typed and as listed, made comparable: lower case, no accents or punctuation, single spaces.

Here because the seed files store the search key (storage/seed_build.py); bot/services/search.py matches with it.
"""

from __future__ import annotations

import re
import unicodedata

MAX_QUERY = 100
# No place name is longer; and NFKD takes quadratic time on a long run of accents (a forged 1 MB update:
# minutes on the event loop).
NORMALISE_MAX = 4 * MAX_QUERY


def normalise(text: str) -> str:
    """Lower-case, strip accents and punctuation, collapse spaces (of the first NORMALISE_MAX characters)."""
    text = unicodedata.normalize("NFKD", text[:NORMALISE_MAX])
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


def key_of(text: str) -> str:
    """The search key: normalised, without spaces ("Gunung Kidul" and "gunungkidul" alike)."""
    return normalise(text).replace(" ", "")
