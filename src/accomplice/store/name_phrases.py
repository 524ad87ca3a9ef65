"""The phrase table of rigour's person-name tagger, read from the data rigour ships, to save beside the index.

rigour compiles its tagger's sources into its native library as zstd frames (person_names.txt: Wikidata
name forms and their group; symbols.json: name parts, nicknames and symbols) and builds the tagger from
them on first use, which costs 7.5 s of CPU per process. This module decompresses the same frames with
the system's libzstd, normalises every phrase with rigour's own normaliser and flags, and gives the
phrase -> group ids table (about 550,000 phrases, built in about 2 s once per index build).

Nothing here is trusted blindly: `verified_phrases` compares what the table answers with rigour's own
answers for every text the index already asked rigour about (about 100,000) and gives the table only
when all agree; otherwise (another rigour layout, no libzstd) screening asks rigour as before.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import logging
from collections.abc import Iterator, Mapping
from pathlib import Path

import rigour._core as rigour_core
from rigour.names import Symbol

from accomplice.matching.phrase_groups import PHRASE_SEPARATOR, PhraseTagger, encode_symbol

__all__ = ["phrase_table", "verified_phrases"]

log = logging.getLogger(__name__)

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# Larger than any frame rigour embeds (the person-name corpus is about 10 MB decompressed).
MAX_FRAME_BYTES = 64 << 20
# rigour.text.normalize.Normalize.CASEFOLD | NAME: how rigour's tagger normalises its phrases (casefold,
# then tokenise as a name and join with single spaces), with Cleanup.Noop (0).
TAGGER_FLAGS = (1 << 2) | (1 << 6)
TAGGER_CLEANUP = 0
# The person tagger's sources in symbols.json, and the category each one's ids are given.
PERSON_SYMBOL_SECTIONS = {
    "person_symbols": Symbol.Category.SYMBOL,
    "person_name_parts": Symbol.Category.NAME,
    "person_nick": Symbol.Category.NICK,
}
CORPUS_ARROW = " => "


def _zstd() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("zstd") or "libzstd.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.ZSTD_findFrameCompressedSize.restype = ctypes.c_size_t
    lib.ZSTD_findFrameCompressedSize.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    lib.ZSTD_decompress.restype = ctypes.c_size_t
    lib.ZSTD_decompress.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]
    lib.ZSTD_isError.restype = ctypes.c_uint
    lib.ZSTD_isError.argtypes = [ctypes.c_size_t]
    return lib


def _frames(library: bytes, zstd: ctypes.CDLL) -> Iterator[bytes]:
    """Every zstd frame embedded in `library`, decompressed (runs that only look like one are skipped)."""
    out = ctypes.create_string_buffer(MAX_FRAME_BYTES)
    at = library.find(ZSTD_MAGIC)
    while at >= 0:
        rest = library[at:]
        size = zstd.ZSTD_findFrameCompressedSize(rest, len(rest))
        if not zstd.ZSTD_isError(size):
            produced = zstd.ZSTD_decompress(out, MAX_FRAME_BYTES, rest, size)
            if not zstd.ZSTD_isError(produced):
                yield out.raw[:produced]
        at = library.find(ZSTD_MAGIC, at + 1)


def _normalise(text: str) -> str | None:
    return rigour_core._normalize(text, TAGGER_FLAGS, TAGGER_CLEANUP)


def _sources() -> tuple[str, dict[str, dict[str, list[str]]]] | None:
    """rigour's person-name corpus and its symbols.json, or None when they cannot be read."""
    zstd = _zstd()
    if zstd is None:
        return None
    library = Path(rigour_core.__file__).read_bytes()
    corpus: str | None = None
    symbols: dict[str, dict[str, list[str]]] | None = None
    for frame in _frames(library, zstd):
        if corpus is None and CORPUS_ARROW.encode() in frame[:4096]:
            corpus = frame.decode()
        elif symbols is None and frame.lstrip()[:1] == b"{" and b'"person_nick"' in frame:
            symbols = json.loads(frame)
    if corpus is None or symbols is None:
        return None
    return corpus, symbols


def phrase_table() -> dict[str, str] | None:
    """Every phrase of rigour's person tagger (normalised) -> its symbols (matching.phrase_groups) joined;
    None when rigour's data cannot be read. Built with the rules of rigour's own tagger builder."""
    sources = _sources()
    if sources is None:
        return None
    corpus, symbols = sources
    table: dict[str, list[str]] = {}

    def add(phrase: str, symbol: str) -> None:
        found = table.setdefault(phrase, [])
        if symbol not in found:
            found.append(symbol)

    for number, spellings in rigour_core.ordinals_dict().items():
        for form in spellings:
            if key := _normalise(form):
                add(key, encode_symbol(Symbol.Category.NUMERIC, str(number)))
    for section, category in PERSON_SYMBOL_SECTIONS.items():
        for symbol_id, aliases in symbols.get(section, {}).items():
            for alias in aliases:
                if key := _normalise(alias):
                    add(key, encode_symbol(category, symbol_id.upper()))
    for line in corpus.splitlines():
        forms, arrow, group_id = line.strip().rpartition(CORPUS_ARROW)
        if not arrow:
            continue
        normalised = {key for form in forms.split(", ") if (key := _normalise(form))}
        # rigour skips a group with fewer than two distinct forms: it maps a name to nothing new.
        if len(normalised) < 2:
            continue
        for key in normalised:
            add(key, encode_symbol(Symbol.Category.NAME, group_id))
    return {phrase: PHRASE_SEPARATOR.join(ids) for phrase, ids in table.items()}


def verified_phrases(known: Mapping[str, frozenset[str]]) -> dict[str, str] | None:
    """The phrase table, if it answers exactly as rigour did for every text of `known` (rigour's own
    groups of the index's words); None otherwise, and the reason is logged."""
    table = phrase_table()
    if table is None:
        log.info("screening index: rigour's tagger data not readable; queries will ask rigour")
        return None
    tagger = PhraseTagger(table.get)
    for text, groups in known.items():
        name = tagger.name(text)
        tagged = frozenset(str(span.symbol.id) for span in name.spans) if name is not None else frozenset()
        if tagged != groups:
            log.warning(
                "screening index: rigour's tagger phrases disagree on %r; queries will ask rigour", text
            )
            return None
    return table
