"""Decoding screening input files: only as what the file declares, or as what the user says it is.

A file is read without being told its encoding only when the bytes themselves say what they are: UTF-8
(with or without its byte-order mark; plain ASCII is UTF-8) and UTF-16 with a byte-order mark (Excel's
"Unicode text"). Everything else is refused with one line naming the file, the line of the first byte that
is not UTF-8 and the encoding it looks like, and the user names the encoding (`accomplice screen
--encoding cp1251`, the `encoding` field of an upload).

There is deliberately no fallback to a single-byte code page. cp1252 and latin-1 decode any byte string,
so a Cyrillic cp1251 file read as cp1252 turns "Иван" into "Èâàí" without an error, and GB18030 or EUC-KR
Chinese and Korean names turn into Latin letters just as quietly: the screen then finds nothing, and a
silent miss is the worst failure a sanctions screen can have. No test on the bytes tells cp1252 from
cp1251 for certain (the encoding guess is statistics, and a file of one short name gives it nothing to go
on), so a guess only words the error; it never decides how names are read.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from accomplice.errors import InputError
from accomplice.sources.files import NON_ASCII_RUN, guess_script_encoding

__all__ = ["ENCODING_EXAMPLES", "Guess", "check_encoding", "decode_input", "guess"]

# Offered by the upload form and named in errors: the encodings screening files really come in (Western
# and Cyrillic Windows code pages, the Chinese and Korean national encodings, Japanese, UTF-16 without a
# byte-order mark). Any other Python codec name is accepted too.
ENCODING_EXAMPLES = (
    "cp1252",
    "latin-1",
    "cp1251",
    "koi8-r",
    "gb18030",
    "big5",
    "euc-kr",
    "shift_jis",
    "utf-16-le",
    "utf-16-be",
)
# A file whose non-ASCII bytes all stand alone or in pairs inside ASCII words ("Jos\xe9", "Gon\xe7\xe3o") is
# Western text in a single-byte code page: Cyrillic words are runs of such bytes, and every Chinese or Korean
# character is two. The statistical guess cannot tell cp1252 from cp1250 or cp1251 on a few accented
# letters, so such a file is named cp1252, the code page of Western Windows (latin-1 reads the same letters).
WESTERN_MAX_RUN_BYTES = 2
WESTERN_MEAN_RUN_BYTES = 1.5
WESTERN_GUESS = "cp1252"
# Below this many non-ASCII bytes (a name or two) the guess is often wrong (GB18030 read as Big5): the
# message says that it is a guess from a few letters.
FEW_BYTES = 32
# Byte-order marks that declare a file's encoding (UTF-32's before UTF-16's, which they begin with): the
# codec that reads the file and strips the mark, and the encodings a user may name for such a file.
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32", "utf-32", frozenset({"utf-32", "utf-32-le"})),
    (codecs.BOM_UTF32_BE, "UTF-32", "utf-32", frozenset({"utf-32", "utf-32-be"})),
    (codecs.BOM_UTF8, "UTF-8", "utf-8-sig", frozenset({"utf-8", "utf-8-sig"})),
    (codecs.BOM_UTF16_LE, "UTF-16", "utf-16", frozenset({"utf-16", "utf-16-le"})),
    (codecs.BOM_UTF16_BE, "UTF-16", "utf-16", frozenset({"utf-16", "utf-16-be"})),
)


def _how_to_name(example: str) -> str:
    return f"name its encoding (--encoding {example} on the command line; an upload's encoding field)"


def check_encoding(name: str, encoding: str | None) -> str | None:
    """The codec's canonical name (`latin-1` gives `iso8859-1`), None when none is given; else InputError."""
    if encoding is None or not encoding.strip():
        return None
    wanted = encoding.strip()
    try:
        canonical = codecs.lookup(wanted).name
        b"a".decode(canonical)  # refuses byte-to-byte codecs such as base64 or zlib
    except UnicodeDecodeError:
        pass  # a text encoding in which one byte is not a character (UTF-16)
    except LookupError:
        raise InputError(
            name, f"unknown text encoding {wanted[:40]!r}; e.g. {', '.join(ENCODING_EXAMPLES[:6])}"
        ) from None
    return canonical


def _declared(name: str, data: bytes, named: str | None) -> str | None:
    """The codec a byte-order mark declares (None without one); InputError if it contradicts `named`."""
    for bom, label, codec, compatible in _BOMS:
        if data.startswith(bom):
            if named is not None and named not in compatible:
                raise InputError(name, f"starts with a {label} byte-order mark, so it is not {named} text")
            return codec
    return None


@dataclass(frozen=True, slots=True)
class Guess:
    """The encoding a file seems to be in, to word an error (never to decode), and how sure that is."""

    encoding: str
    sure: bool

    def __str__(self) -> str:
        if self.encoding == WESTERN_GUESS:
            return f"it looks like {WESTERN_GUESS} (Western European)"
        return f"it looks like {self.encoding}" if self.sure else f"it may be {self.encoding} (few letters)"


def guess(data: bytes) -> Guess | None:
    """The encoding the non-ASCII bytes of a file (its names) seem to be in."""
    sizes = [len(m.group(0)) for m in NON_ASCII_RUN.finditer(data)]
    if not sizes:
        return None
    if max(sizes) <= WESTERN_MAX_RUN_BYTES and sum(sizes) / len(sizes) <= WESTERN_MEAN_RUN_BYTES:
        return Guess(WESTERN_GUESS, sure=True)
    found = guess_script_encoding(data)
    # A file without NUL bytes is not UTF-16 or UTF-32, whatever a few Chinese characters suggest.
    if found is None or found.startswith("utf"):
        return None
    return Guess(found, sure=sum(sizes) >= FEW_BYTES)


def _line_at(data: bytes, offset: int, encoding: str) -> int:
    # Decoded, not counted in bytes: a UTF-16 line break is two bytes, and a multi-byte character may
    # hold a 0x0a byte in encodings other than UTF-8.
    try:
        return data[:offset].decode(encoding, errors="replace").count("\n") + 1
    except UnicodeError:  # a codec without the "replace" handler (idna, punycode): count the bytes
        return data.count(b"\n", 0, offset) + 1


def _no_nul(name: str, text: str, encoding: str) -> str:
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError(name, f"contains NUL characters; it is not {encoding} text", line=line)
    return text


def decode_input(name: str, data: bytes, encoding: str | None = None) -> str:
    """The text of a screening input file: UTF-8 or UTF-16 with a byte-order mark, or `encoding` if given.

    `encoding` is a name `check_encoding` accepts. A byte-order mark that contradicts it is refused: the
    file says one thing and the user another.
    """
    named = check_encoding(name, encoding)
    declared = _declared(name, data, named)
    codec = declared or named or "utf-8"
    if codec == "utf-8" and b"\x00" in data:
        # No text file holds NUL bytes; UTF-16 without a byte-order mark holds one in every ASCII letter.
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        how = _how_to_name("utf-16-le")
        raise InputError(name, f"contains NUL bytes; is it UTF-16 without a byte-order mark? {how}", line)
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        line = _line_at(data, exc.start, codec)
        byte = f"byte 0x{data[exc.start]:02x}"
        if named is not None or declared is not None:
            raise InputError(name, f"not valid {codec} text ({byte})", line=line) from None
        seems = guess(data)
        looks = f"; {seems}" if seems else ""
        how = _how_to_name(seems.encoding if seems else ENCODING_EXAMPLES[0])
        raise InputError(name, f"not UTF-8 text ({byte}){looks}: {how}, or save it as UTF-8", line) from None
    except UnicodeError as exc:  # codecs such as idna refuse whole labels, with no position to name
        raise InputError(name, f"not valid {codec} text ({exc})") from None
    return _no_nul(name, text.removeprefix("\ufeff"), codec)
