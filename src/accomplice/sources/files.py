"""Reading input files safely: checksums, decoding with a clear error, CSV rows with line numbers."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from accomplice.errors import InputError
from accomplice.lists.model import SourceFile

__all__ = [
    "combined_checksum",
    "csv_rows",
    "decode",
    "guess_encoding",
    "guess_script_encoding",
    "read_bytes",
    "source_file",
]

# CSV fields in sanctions lists hold long remarks; Python's default limit (128 KiB) is enough, but a
# hostile file with one endless field must fail with our message, not a csv.Error deep in a loop.
MAX_FIELD_CHARS = 1_000_000
# Files larger than this are not sanctions lists; refuse them before reading them into memory.
MAX_FILE_BYTES = 2_000_000_000
# The DOS end-of-file marker OFAC still appends to its legacy CSV files.
DOS_EOF = "\x1a"
# Runs of non-ASCII bytes (with the spaces between them): the names of a file in another script.
NON_ASCII_RUN = re.compile(rb"[\x80-\xff]+(?:[ ]+[\x80-\xff]+)*")
# Runs of non-ASCII bytes on which to guess the real encoding: plenty for charset_normalizer, quick.
GUESS_SAMPLE = 2_000

csv.field_size_limit(MAX_FIELD_CHARS)


def read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise InputError(str(path), "no such file")
    if path.is_dir():
        raise InputError(str(path), "is a folder, expected a file")
    size = path.stat().st_size
    if size == 0:
        raise InputError(str(path), "file is empty")
    if size > MAX_FILE_BYTES:
        raise InputError(str(path), f"file is {size:,} bytes, larger than any sanctions list we accept")
    return path.read_bytes()


def source_file(path: Path, component: str) -> SourceFile:
    data = read_bytes(path)
    return SourceFile(path.name, component, hashlib.sha256(data).hexdigest(), len(data))


def combined_checksum(files: Sequence[SourceFile]) -> str:
    """One checksum for a set of files: identical content in the same roles gives the same value."""
    digest = hashlib.sha256()
    for f in sorted(files, key=lambda f: (f.component, f.name.lower())):
        digest.update(f"{f.component}:{f.sha256}\n".encode())
    return digest.hexdigest()


def guess_encoding(data: bytes) -> str | None:
    """Best guess of a byte string's encoding, used only to word an error message."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    return best.encoding if best is not None else None


def guess_script_encoding(data: bytes) -> str | None:
    """Guess an encoding from the runs of non-ASCII bytes only (names in another script).

    The rest of a list is ASCII or Western text; given whole, it outvotes a few dozen names and the guess
    reads GB18030 as Korean or Korean as Baltic.
    """
    runs = [m.group(0) for m, _ in zip(NON_ASCII_RUN.finditer(data), range(GUESS_SAMPLE), strict=False)]
    return guess_encoding(b" ".join(runs)) if runs else None


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(path: Path, data: bytes, encodings: Sequence[str]) -> str:
    """Decode with the first encoding that fits; otherwise a one-line error naming the line and a guess."""
    if data.startswith(b"\xef\xbb\xbf") and "utf-8" in encodings:
        data = data[3:]
    first_error: UnicodeDecodeError | None = None
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
    assert first_error is not None
    guess = guess_encoding(data)
    hint = f"; it looks like {guess}" if guess else ""
    raise InputError(
        str(path),
        f"not valid {'/'.join(encodings)} text (byte 0x{data[first_error.start]:02x}){hint}",
        line=_line_of(data, first_error.start),
    )


def csv_rows(path: Path, text: str, *, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, fields) for every non-empty CSV row, with csv errors as InputError."""
    text = text.rstrip().rstrip(DOS_EOF)
    if "\x00" in text:
        raise InputError(
            str(path),
            "contains NUL bytes; this is not a text CSV file",
            line=text[: text.index("\x00")].count("\n") + 1,
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    # Lines are those where a record starts: a quoted field may span lines, and an unbalanced quote is
    # only noticed lines later (or at the end of the file), far from the row that has it.
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(
                str(path), f"malformed CSV in the row starting here (unbalanced quote?): {exc}", line=start
            ) from None
        line, start = start, reader.line_num + 1
        if not row or all(not field.strip() for field in row):
            continue
        yield line, row
