"""Recurring topics in residents' comments: frequent words and two-word phrases, Indonesian first."""

from __future__ import annotations

import re
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

# Indonesian (with chat spellings and the formulae that close a complaint), then English. One string,
# wrapped for reading: a word a line would run to hundreds of lines.
_STOP_TEXT = """
    yang dan di ke dari ini itu untuk dengan tidak sudah saya kami kita ada akan juga bisa lebih sangat tapi
    atau karena pada dalam jadi masih belum agar mohon tolong min pak bu nya dll aku anda kamu dia mereka
    beliau kalian ia gue gua lu lo adalah ialah merupakan yaitu yakni oleh para sebagai seperti secara bahwa
    jika kalau kalo bila apabila maka supaya sehingga namun tetapi melainkan serta lalu kemudian setelah
    sebelum sejak sampai hingga ketika saat waktu selama sambil terhadap tentang bagi antara tanpa menurut
    kepada daripada dapat harus boleh perlu mau ingin hendak sedang telah pernah lagi saja hanya pun lah kah
    sih deh dong kok nih tuh kan loh lho ya yah iya tak bukan belom ga gak nggak enggak engga ngga tdk gk yg
    dgn utk sdh udh udah blm krn tp jg aja sy kmi bgt banget sangatlah apa siapa mana kapan mengapa kenapa
    bagaimana gimana berapa apakah itulah sini situ sana begitu begini demikian tersebut hal cara semua
    semuanya setiap tiap banyak sedikit beberapa segala seluruh sendiri satu dua tiga pertama kali hari minggu
    bulan tahun sekarang nanti tadi kemarin besok sering selalu terima kasih makasih trims bapak ibu mas mbak
    kak bang admin kakak om tante sekali paling cukup terlalu agak amat makin semakin pula tentu mungkin
    memang benar seharusnya sebaiknya sebenarnya sepertinya biasanya akhirnya selanjutnya kayaknya terutama
    semoga moga mudah-mudahan harap diharapkan segera tindak lanjut lanjutkan dilanjutkan tindaklanjuti
    ditindaklanjuti perhatikan diperhatikan mantap mantab kurang lewat melalui
    oke okay ok the a an and or but if of to in on at for with from by about as into like than then so not no
    yes is are was were be been being am do does did doing have has had having it its this that these those
    there here what which who whom whose when where why how all any both each few more most other some such
    only own same too very can will just should would could may might must shall i me my we our you your he
    him his she her they them their also please thank thanks get got really much many again still even always
    already yet don doesn didn isn aren wasn won
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())

# Every pattern is possessive (++, *+): what it took it never gives back, so no input makes it retry.
# Links and e-mail addresses are found by looking at whitespace-separated chunks, not by a pattern:
# "\S+@\S+\.\S+" took cubic time on a run of "@" (1,990 of them: seconds per comment).
_MENTION = re.compile(r"[@#]\w++")
_SEGMENT = re.compile(r"[.,;:!?()\[\]{}\"/|]++")
_WORD = re.compile(r"[^\W\d_]++(?:-[^\W\d_]++)*+")
_LINKS = ("http://", "https://", "www.")
_VOWELS = frozenset("aiueo")
MIN_ROOT = 4
MIN_WORD = 3
WORD_MAX = 40  # letters; "mempertanggungjawabkannya" has 25: anything longer is not a word
CHUNK_MAX = 100  # characters between spaces; longer is a link, a code or noise (and NFKC is quadratic on it)
TEXT_MAX = 4096  # characters of a comment looked at (stored comments are shorter; older rows may not be)
CHECK_EVERY = 64  # comments between two looks at the deadline

# Words that only look inflected: stripping their "particle" or "possessive" would break them.
_NOT_CLITIC = frozenset({"sekolah", "masalah", "istilah", "langkah", "sedekah", "ketemu", "bertemu"})


def _strip_clitics(word: str) -> str:
    """Drop the particles -lah -kah -pun, then -nya -ku -mu, when a root of MIN_ROOT letters is left."""
    for endings in (("lah", "kah", "pun"), ("nya", "ku", "mu")):
        if word in _NOT_CLITIC:
            return word
        for end in endings:
            if word.endswith(end) and len(word) - len(end) >= MIN_ROOT:
                word = word[: -len(end)]
                break
    return word


def _unprefixed(word: str) -> list[str]:
    """Roots left by one prefix di-, me(N)-, pe(N)-, ber-, ter- (with the nasal's lost consonant restored)."""
    out = []
    if word.startswith("di"):
        out.append(word[2:])
    for base in ("me", "pe"):
        if not word.startswith(base):
            continue
        rest = word[2:]
        if rest.startswith("ny") and rest[2:3] in _VOWELS:
            out.append("s" + rest[2:])  # menyapu -> sapu
        elif rest.startswith("ng"):
            out.append(rest[2:])  # mengantri -> antri, menggali -> gali
            if rest[2:3] in _VOWELS:
                out.append("k" + rest[2:])  # mengurus -> kurus or urus: the corpus decides
        elif rest.startswith("n"):
            out.append(rest[1:])  # mendaftar -> daftar
            if rest[1:2] in _VOWELS:
                out.append("t" + rest[1:])  # menunggu -> tunggu
        elif rest.startswith("m"):
            out.append(rest[1:])  # membangun -> bangun, memperbaiki -> perbaiki
            if rest[1:2] in _VOWELS:
                out.append("p" + rest[1:])  # memakai -> pakai
        if rest[:1] in set("lmnrwy") and rest[1:2] in _VOWELS:
            out.append(rest)  # melayani -> layani, merawat -> rawat
    for base in ("ber", "ter"):
        if word.startswith(base):
            out.append(word[3:])
            if word[3:4] in _VOWELS:
                out.append(word[2:])  # terasa -> rasa
    if word.startswith("be") and len(word) > 4 and word[2] not in _VOWELS and word[3:5] == "er":
        out.append(word[2:])  # bekerja -> kerja
    return out


def _unsuffixed(word: str) -> list[str]:
    return [word[: -len(end)] for end in ("kan", "an", "i") if word.endswith(end)]


def _candidates(word: str) -> set[str]:
    """Every plausible root of a word, of at least MIN_ROOT letters and with a vowel."""
    found = set(_unprefixed(word)) | set(_unsuffixed(word))
    for stem in _unprefixed(word):
        found.update(_unsuffixed(stem))
    if word.startswith("ke") and word.endswith("an"):
        found.add(word[2:-2])  # kerusakan -> rusak, kebersihan -> bersih
    return {c for c in found if len(c) >= MIN_ROOT and _VOWELS & set(c) and c != word}


def _on_time(deadline: float | None, n: int, every: int = CHECK_EVERY) -> None:
    if deadline is not None and n % every == 0 and time.monotonic() > deadline:
        raise TimeoutError("recurring topics: past the deadline")


def _roots(words: set[str], deadline: float | None = None) -> dict[str, str]:
    """Map each word to a root, taking an affix off only when the root is attested.

    A candidate root counts when it is itself a word of the comments or a candidate of another
    word: then "pelayanan", "layanan" and "dilayani" meet at "layan", while "digital" never turns
    into "gital". Among those, the shortest wins (the most affixes removed).
    """
    candidates = {}
    for n, word in enumerate(words):
        _on_time(deadline, n, every=1024)
        candidates[word] = _candidates(word)
    sharers: defaultdict[str, int] = defaultdict(int)
    for cands in candidates.values():
        for c in cands:
            sharers[c] += 1
    roots = {}
    for word, cands in candidates.items():
        good = [c for c in cands if c in words or sharers[c] >= 2]
        roots[word] = min(good, key=lambda c: (len(c), c)) if good else word
    for word in words:  # follow chains once more: a root that is itself a word with a shorter root
        seen = 0
        while roots.get(roots[word], roots[word]) != roots[word] and seen < 3:
            roots[word] = roots[roots[word]]
            seen += 1
    return roots


def _reduplicated(token: str) -> str:
    head, _, tail = token.partition("-")
    return head if head == tail else token  # anak-anak -> anak


def _is_address(chunk: str) -> bool:
    """name@host.domain, as the old pattern meant it: something, "@", something, ".", something."""
    at = chunk.find("@", 1)
    return at > 0 and "." in chunk[at + 2 : -1]


def _lines(comment: str) -> Iterator[str]:
    """The comment's lines, lower-cased, without links, e-mail addresses, mentions and hashtags.

    Linear in the length whatever the text: chunks are cut at whitespace, the long ones dropped before
    NFKC (which sorts runs of combining marks in quadratic time), and the patterns cannot backtrack.
    """
    for line in comment[:TEXT_MAX].replace("\t", "\n").splitlines():  # a line break ends a phrase
        kept = []
        for chunk in line.split():
            if len(chunk) > CHUNK_MAX:
                continue
            chunk = (chunk if chunk.isascii() else unicodedata.normalize("NFKC", chunk)).lower()
            if not chunk.startswith(_LINKS) and not _is_address(chunk):
                kept.append(chunk)
        yield _MENTION.sub(" ", " ".join(kept))


def _segments(comment: str) -> list[list[str]]:
    """Meaningful words of a comment, per stretch between punctuation (phrases never cross it)."""
    out = []
    for line in _lines(comment):
        for part in _SEGMENT.split(line):
            words = []
            for token in _WORD.findall(part):
                word = _strip_clitics(_reduplicated(token))
                if MIN_WORD <= len(word) <= WORD_MAX and word not in STOP_WORDS and token not in STOP_WORDS:
                    words.append(word)
            if words:
                out.append(words)
    return out


def recurring_topics(comments: Iterable[str], limit: int = 8, *, deadline: float | None = None) -> list[tuple[str, int]]:
    """The most frequent topics as (most frequent surface form, comments mentioning it), best first.

    Past `deadline` (a time.monotonic() value) it raises TimeoutError rather than go on.
    """
    parsed = []
    for n, comment in enumerate(comments):
        _on_time(deadline, n)
        if comment:
            parsed.append(_segments(comment))
    roots = _roots({w for segments in parsed for words in segments for w in words}, deadline)
    counts: Counter[tuple[str, ...]] = Counter()
    surfaces: Counter[tuple[tuple[str, ...], str]] = Counter()  # one Counter, not one per key: junk has many
    for n, segments in enumerate(parsed):
        _on_time(deadline, n)
        seen: dict[tuple[str, ...], str] = {}
        for words in segments:
            for i, word in enumerate(words):
                seen.setdefault((roots[word],), word)
                if i + 1 < len(words) and roots[word] != roots[words[i + 1]]:
                    seen.setdefault((roots[word], roots[words[i + 1]]), f"{word} {words[i + 1]}")
        for key, surface in seen.items():  # once per comment
            counts[key] += 1
            surfaces[key, surface] += 1
    # A word that is no more frequent than a phrase containing it says nothing the phrase does not.
    covered = {part for key, n in counts.items() if len(key) == 2 and n >= 2 for part in key if counts[(part,)] <= n}
    forms: dict[tuple[str, ...], tuple[int, int, str]] = {}  # the most frequent form, then the shortest
    for (key, surface), m in surfaces.items():
        if counts[key] >= 2 and (key not in forms or (-m, len(surface), surface) < forms[key]):
            forms[key] = (-m, len(surface), surface)
    topics = [(forms[key][2], n) for key, n in counts.items() if n >= 2 and not (len(key) == 1 and key[0] in covered)]
    topics.sort(key=lambda t: (-t[1], t[0]))
    return topics[:limit]
