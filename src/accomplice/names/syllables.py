"""Shared machinery for syllable keys: splitting Latin names into words, segmenting a word into syllables, and
aligning romanized words with the per-character readings of a Han name.

Chinese (pinyin) and Cantonese keys use the same machinery with different syllable tables; the two key spaces
are never mixed.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Container, Iterable, Mapping, Sequence

__all__ = [
    "MAX_ALTERNATIVES",
    "MAX_WORDS",
    "align_words",
    "combine_pieces",
    "fold_latin",
    "latin_words",
    "segment",
]

# A word rarely has more than a handful of readings; a cap keeps a hostile input ("aaaaaaaa…") from producing
# millions of segmentations while leaving every real name its full set (the longest real names measured on
# the rigour 1.5.0 groups have under 20).
MAX_ALTERNATIVES = 64

# Chinese names have two to four syllables, company names rarely more than a dozen words; longer inputs are
# not names and are not aligned (the rotation search is quadratic in the number of words).
MAX_WORDS = 12

# Apostrophe look-alikes that lists use for the Wade–Giles aspiration mark or the pinyin syllable divider.
_APOSTROPHES = str.maketrans({c: "'" for c in "’‘ʼʻ`´′ʹ"})
# Hyphen look-alikes: a hyphen separates the syllables of a given name (Tse-tung, Tai-man).
_HYPHENS = str.maketrans({c: "-" for c in "‐‑‒–—―−"})
_WORD_SPLIT = re.compile(r"[^\w'\-]+")


def fold_latin(word: str) -> str:
    """Lower-case ``word`` and strip its diacritics, writing ü (ű, ǖ…) as ``v`` as pinyin input methods do.

    Tone marks (ā á ǎ à), the Wade–Giles circumflex (ê) and breve (ŭ) carry nothing a key needs.
    """
    decomposed = unicodedata.normalize("NFD", word.lower())
    decomposed = decomposed.replace("u\u0308", "v").replace("u\u030b", "v")
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def latin_words(text: str) -> list[str]:
    """The words of a Latin-script name, folded (see :func:`fold_latin`), hyphens and apostrophes kept.

    Commas, dots, slashes and brackets separate words; NFKC first, so full-width letters count.
    """
    normal = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).translate(_HYPHENS)
    words = []
    for raw in _WORD_SPLIT.split(normal):
        folded = fold_latin(raw).strip("-'")
        if folded:
            words.append(folded)
    return words


def segment(
    piece: str,
    table: Mapping[str, tuple[str, ...]],
    max_len: int,
    *,
    initial_only: Container[str] = (),
    limit: int = MAX_ALTERNATIVES,
) -> list[tuple[str, ...]]:
    """Every way to write ``piece`` as a run of surface forms of ``table``, as key-syllable tuples.

    ``table`` maps a surface spelling to the key syllables it may stand for; a surface in ``initial_only`` may
    only start the piece. Results are ordered with the fewest syllables first (the reading a native reader
    takes), then in table order, and capped at ``limit``.
    """
    if not piece:
        return []
    # spans[i] = the (end, keys) pairs of surfaces starting at i that can still reach the end of the piece.
    size = len(piece)
    reach = [False] * (size + 1)
    reach[size] = True
    spans: list[list[tuple[int, tuple[str, ...]]]] = [[] for _ in range(size)]
    for start in range(size - 1, -1, -1):
        for end in range(min(size, start + max_len), start, -1):
            if reach[end]:
                surface = piece[start:end]
                keys = table.get(surface)
                if keys and (start == 0 or surface not in initial_only):
                    spans[start].append((end, keys))
        reach[start] = bool(spans[start])
    if not reach[0]:
        return []
    found: list[tuple[str, ...]] = []
    seen: set[tuple[str, ...]] = set()

    def walk(position: int, acc: tuple[tuple[str, ...], ...]) -> bool:
        if position == size:
            for combination in itertools.product(*acc):
                if combination not in seen:
                    seen.add(combination)
                    found.append(combination)
                    if len(found) >= limit:
                        return False
            return True
        return all(walk(end, (*acc, keys)) for end, keys in spans[position])

    walk(0, ())
    found.sort(key=len)
    return found


def combine_pieces(
    pieces: Sequence[Sequence[tuple[str, ...]]], limit: int = MAX_ALTERNATIVES
) -> list[tuple[str, ...]]:
    """The alternatives of a hyphenated word: one alternative of each piece, concatenated, capped."""
    if not pieces or any(not alternatives for alternatives in pieces):
        return []
    result: list[tuple[str, ...]] = []
    for combination in itertools.product(*pieces):
        result.append(tuple(itertools.chain.from_iterable(combination)))
        if len(result) >= limit:
            break
    return result


def align_words(
    readings: Sequence[Iterable[str]],
    words: Sequence[Sequence[tuple[str, ...]]],
    *,
    rotations: bool,
) -> tuple[str, ...] | None:
    """Align romanized words with the readings of a Han name, every character and every word used once.

    ``readings`` holds the candidate syllables of each Han character; ``words`` the alternatives of each Latin
    word (as :func:`~accomplice.names.chinese.latin_pinyin_keys` returns them). With ``rotations`` the words
    may also be read starting at any word, so that "Xiaohong Ma" (given name first) aligns with 马晓红. The
    answer is the syllable sequence in character order, or ``None`` when no alignment exists.
    """
    if not readings or not words or len(words) > MAX_WORDS or any(not w for w in words):
        return None
    sets = [frozenset(r) for r in readings]
    count = len(words)
    listed = list(words)
    orders = [listed[i:] + listed[:i] for i in range(count)] if rotations else [listed]
    for order in orders:
        found = _align(sets, order)
        if found is not None:
            return found
    return None


def _align(
    sets: Sequence[frozenset[str]], words: Sequence[Sequence[tuple[str, ...]]]
) -> tuple[str, ...] | None:
    failed: set[tuple[int, int]] = set()
    size = len(sets)

    def walk(word: int, position: int) -> tuple[str, ...] | None:
        if word == len(words):
            return () if position == size else None
        if (word, position) in failed:
            return None
        for alternative in words[word]:
            end = position + len(alternative)
            if end > size:
                continue
            if all(syllable in sets[position + k] for k, syllable in enumerate(alternative)):
                rest = walk(word + 1, end)
                if rest is not None:
                    return alternative + rest
        failed.add((word, position))
        return None

    return walk(0, 0)
