"""A small Indonesian word list that flags a comment for an official's review ("perlu ditinjau").

A flag only asks a person to look: nothing is hidden or refused because of it, so a false alarm costs an
official a glance, and a missed insult is still there for them to mark. The list holds common insults,
profanity and threats in Indonesian and a few regional languages (Javanese, Sundanese, Minang, Malay),
with their usual spellings and abbreviations. Slurs against groups are left out rather than spelled out,
and so are words that are everyday vocabulary in a complaint ("bodoh", "gila", "bangkai", "maling",
"babi", "monyet"). Some listed words also have an innocent sense ("anjing liar"; "bunuh diri", which an
official should see at once anyway): hence a review, never an automatic decision.

Matching is by whole word after folding the usual disguises: case, accents and full-width letters; digits
and symbols for letters (4nj1ng, b@ngsat); repeated letters (anjiiing); a masked letter (b*ngsat); letters
spelled out one by one (a n j i n g, a.n.j.i.n.g); the shorthand for a repeated word (anjing2); and the
suffixes -nya, -lah, -kah, -mu, -ku. One pass over the text and no regular expression: the cost is linear
in its length, whatever it contains.
"""

from __future__ import annotations

import unicodedata

WORDS = frozenset({
    # insults
    "anjing", "anjeng", "anjg", "ajg", "njing", "asu", "asw", "bangsat", "bangsad", "bgst", "bajingan", "brengsek",
    "berengsek", "bangke", "keparat", "kampret", "kampang", "bedebah", "laknat", "sialan", "kunyuk",
    # calling someone stupid
    "goblok", "goblog", "gblk", "tolol", "tlol", "bego", "dungu", "idiot", "geblek", "koplak",
    # profanity
    "tai", "taik", "tahi", "jancok", "jancuk", "dancok", "matamu", "ndasmu", "cocote", "pukimak", "kimak", "puki",
    "pantek", "bacot", "kontol", "kntl", "memek", "ngentot", "entot",
    # sexual insults
    "lonte", "perek", "sundal", "jablay",
    # threats (and a cry for help: bunuh diri)
    "mampus", "bunuh",
})
SUFFIXES = ("nya", "lah", "kah", "mu", "ku")
_DISGUISES = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
                            "@": "a", "$": "s"})
_INSIDE = frozenset("'`")  # dropped inside a word; other signs separate words, except * (a masked letter)


def _collapse(word: str) -> str:
    """Runs of one letter as one: anjiiing → anjing (the words on the list have no doubled letters)."""
    out: list[str] = []
    for ch in word:
        if not out or out[-1] != ch:
            out.append(ch)
    return "".join(out)


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).translate(_DISGUISES)
    words: list[str] = []
    current: list[str] = []
    for ch in folded + " ":
        if ch.isalnum() or ch == "*":
            current.append(ch)
        elif ch in _INSIDE and current:
            continue
        elif current:
            words.append(_collapse("".join(current)))
            current = []
    return words


def _masked(word: str) -> bool:
    """b*ngsat: a listed word of 4 letters or more, fewer than half of them written as *."""
    if len(word) < 4 or word.count("*") * 2 >= len(word):
        return False
    return any(len(w) == len(word) and all(c in ("*", d) for c, d in zip(word, w, strict=True)) for w in WORDS)


def _listed(word: str) -> bool:
    word = word.rstrip("2")  # anjing2: the written shorthand for a repeated word
    if word in WORDS:
        return True
    if "*" in word:
        return _masked(word)
    return any(word.endswith(s) and word[: -len(s)] in WORDS for s in SUFFIXES)


def flagged(text: str) -> list[str]:
    """The listed words found in the text (empty: nothing to review)."""
    words = _words(text)
    found = [w for w in words if _listed(w)]
    run: list[str] = []  # letters written one by one: "a n j i n g"
    for word in [*words, ""]:
        if len(word) == 1:
            run.append(word)
            continue
        if len(run) > 2 and _listed(_collapse("".join(run))):
            found.append("".join(run))
        run = []
    return found
