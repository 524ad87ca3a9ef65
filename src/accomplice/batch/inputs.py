"""Read screening input files (CSV, XLSX, JSON lines) as records, and write results (JSONL, CSV).

Input columns: `id` and `name` are required; `schema`, `birth_date`, `nationality`, `imo` are optional, and
any other identifier column named after its kind (`passport`, `bic`, `lei`, `registration`...) is used as
evidence. Text files are UTF-8 or UTF-16 with a byte-order mark unless the caller names their encoding
(see `batch.encodings`). Bad files get one-line errors naming the file and the line.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from accomplice import safejson
from accomplice.batch.encodings import check_encoding, decode_input
from accomplice.errors import InputError

__all__ = [
    "FORMATS",
    "IDENTIFIER_COLUMNS",
    "SCREENING_COLUMNS",
    "Columns",
    "InputRow",
    "clean_row",
    "input_format",
    "normalise_header",
    "read_bytes",
    "read_rows",
]

InputRow = dict[str, str]

REQUIRED = ("id", "name")
OPTIONAL = ("schema", "birth_date", "nationality", "imo")
# Extra columns read as identifiers of that kind (see matching.build.IDENTIFIER_PROPS).
IDENTIFIER_COLUMNS = (
    "passport",
    "bic",
    "swift",
    "lei",
    "registration",
    "tax",
    "inn",
    "ogrn",
    "mmsi",
    "id_number",
)
# Header aliases screening teams commonly use.
ALIASES = {
    "full_name": "name",
    "dob": "birth_date",
    "date_of_birth": "birth_date",
    "country": "nationality",
    "imo_number": "imo",
    "type": "schema",
}


def normalise_header(header: str, aliases: Mapping[str, str] = ALIASES) -> str:
    """A column header as the readers name it: lower case, words joined by `_`, aliases resolved."""
    key = header.strip().lower().replace(" ", "_").replace("-", "_")
    return aliases.get(key, key)


@dataclass(frozen=True, slots=True)
class Columns:
    """The columns a kind of input file must have, and the header aliases it accepts."""

    required: Sequence[str] = REQUIRED
    aliases: Mapping[str, str] = field(default_factory=lambda: ALIASES)


SCREENING_COLUMNS = Columns()


def _check_columns(path: str, columns: list[str], spec: Columns) -> None:
    missing = [c for c in spec.required if c not in columns]
    if missing:
        found = ", ".join(columns[:12]) or "none"
        raise InputError(path, f"missing column(s) {', '.join(missing)}; found: {found}", line=1)


def _check_cells(path: str, line: int, row: InputRow) -> InputRow:
    for column, value in row.items():
        if len(value) > MAX_CELL_CHARS:
            raise InputError(
                path, f"{column} is {len(value):,} characters long; at most {MAX_CELL_CHARS:,} are read", line
            )
    return row


def _check_unpacked_size(path: Path, data: bytes | None) -> None:
    """Refuse a workbook whose parts unpack to more than MAX_XLSX_UNPACKED_BYTES (a zip bomb)."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data) if data is not None else path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise InputError(str(path), f"not a readable XLSX workbook: {exc}") from None
    # zipfile stops reading a part at its declared size, so a part that lies about it only truncates.
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise InputError(
            str(path),
            f"unpacks to {unpacked / 2**20:,.0f} MiB, more than the {MAX_XLSX_UNPACKED_BYTES // 2**20} MiB "
            "a workbook may hold; save it as CSV or split it",
        )


def clean_row(row: dict[str, object]) -> InputRow:
    """A row's cells as stripped strings (an empty cell, or None, is ""); unnamed columns dropped."""
    return {k: ("" if v is None else str(v)).strip() for k, v in row.items() if k}


def _csv_rows(path: str, text: str, spec: Columns) -> Iterator[tuple[int, InputRow]]:
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(path, "file is empty") from None
    except csv.Error as exc:
        raise InputError(path, f"malformed CSV header: {exc}", line=1) from None
    columns = [normalise_header(h, spec.aliases) for h in header]
    _check_columns(path, columns, spec)
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(path, f"malformed CSV: {exc}", line=reader.line_num) from None
        if not values or all(not v.strip() for v in values):
            continue
        if len(values) > len(columns):
            raise InputError(
                path, f"{len(values)} fields but the header has {len(columns)}", line=reader.line_num
            )
        yield (
            reader.line_num,
            _check_cells(path, reader.line_num, clean_row(dict(zip(columns, values, strict=False)))),
        )


def _jsonl_rows(path: str, text: str, spec: Columns) -> Iterator[tuple[int, InputRow]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = safejson.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"invalid JSON: {exc.msg}", line=number) from None
        if not isinstance(data, dict):
            raise InputError(path, "each line must be a JSON object", line=number)
        row = clean_row(
            {
                normalise_header(str(k), spec.aliases): v
                for k, v in data.items()
                if not isinstance(v, (dict, list))
            }
        )
        _check_columns(path, list(row), spec)
        yield number, _check_cells(path, number, row)


def _unreadable_workbook() -> tuple[type[BaseException], ...]:
    """What openpyxl raises on a damaged workbook, when it opens it or later as it reads the sheet's rows
    (read-only mode reads lazily): a broken zip or deflate stream (zlib.error, EOFError), XML that does not
    parse (ElementTree's and lxml's errors are SyntaxErrors), parts missing or of the wrong kind."""
    import zipfile
    import zlib

    from openpyxl.utils.exceptions import InvalidFileException

    return (
        InvalidFileException,
        OSError,
        EOFError,
        KeyError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        SyntaxError,
        zipfile.BadZipFile,
        zlib.error,
    )


def _xlsx_rows(path: Path, spec: Columns, data: bytes | None = None) -> Iterator[tuple[int, InputRow]]:
    from openpyxl import load_workbook

    _check_unpacked_size(path, data)
    unreadable = _unreadable_workbook()
    try:
        book = load_workbook(io.BytesIO(data) if data is not None else path, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows)
    except StopIteration:
        raise InputError(str(path), "workbook's first sheet is empty") from None
    except unreadable as exc:
        raise InputError(str(path), f"not a readable XLSX workbook: {_first_line(exc)}") from None
    columns = [normalise_header(str(h or ""), spec.aliases) for h in header]
    _check_columns(str(path), columns, spec)
    number = 1
    while True:
        # Only openpyxl's reading is guarded: an error of the checks below is not the workbook's.
        try:
            values = next(rows)
        except StopIteration:
            break
        except unreadable as exc:
            raise InputError(
                str(path), f"not a readable XLSX workbook: {_first_line(exc)}", number + 1
            ) from None
        number += 1
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        yield number, _check_cells(str(path), number, clean_row(dict(zip(columns, values, strict=False))))
    book.close()


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200] or type(exc).__name__


# An XLSX is a zip: what it unpacks to, not its size, is what parsing costs. A workbook of names at the
# 20 MiB upload limit unpacks to about 100 MiB of XML; 256 MiB leaves room for wide sheets, while a
# 400 KB file holding one 400 MiB shared string (a zip bomb) is refused before a byte is parsed.
MAX_XLSX_UNPACKED_BYTES = 256 * 1024 * 1024
# No name, identifier or note in an input row is longer: a cell past it is a mistake or an attack, and
# every later step (screening, storing, rendering) would pay for its length.
MAX_CELL_CHARS = 10_000

FORMATS = ("csv", "xlsx", "jsonl")
_SUFFIX_FORMATS = {"jsonl": "jsonl", "ndjson": "jsonl", "json": "jsonl", "xlsx": "xlsx"}


def input_format(name: str, fmt: str | None = None) -> str:
    """The input format: `fmt` if given, else told by the file name's suffix (CSV when it says nothing)."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise InputError(name, f"unknown input format {fmt!r}; use {', '.join(FORMATS)}")
        return fmt
    return _SUFFIX_FORMATS.get(Path(name).suffix.lower().lstrip("."), "csv")


def read_rows(
    source: str | Path,
    *,
    fmt: str | None = None,
    stdin: IO[bytes] | None = None,
    columns: Columns = SCREENING_COLUMNS,
    encoding: str | None = None,
) -> Iterator[tuple[int, InputRow]]:
    """Yield (line number, row) from a CSV, XLSX or JSONL file, or from standard input for `-`.

    `columns` names the required columns and header aliases (screening input by default); `encoding`
    that of a CSV or JSONL file that is neither UTF-8 nor UTF-16 with a byte-order mark.
    """
    name = str(source)
    kind = input_format(name, fmt)
    if name == "-":
        data = (stdin or sys.stdin.buffer).read()
        yield from read_bytes("<stdin>", data, fmt=kind, columns=columns, encoding=encoding)
        return
    path = Path(name)
    if not path.exists():
        raise InputError(name, "no such file")
    if kind == "xlsx":
        _no_encoding_for_xlsx(name, encoding)
        yield from _xlsx_rows(path, columns)
        return
    yield from read_bytes(name, path.read_bytes(), fmt=kind, columns=columns, encoding=encoding)


def _no_encoding_for_xlsx(name: str, encoding: str | None) -> None:
    if check_encoding(name, encoding) is not None:
        raise InputError(name, "an XLSX workbook declares its own encoding; name one only for CSV or JSONL")


def read_bytes(
    name: str,
    data: bytes,
    *,
    fmt: str | None = None,
    columns: Columns = SCREENING_COLUMNS,
    encoding: str | None = None,
) -> Iterator[tuple[int, InputRow]]:
    """Yield (line number, row) from the bytes of an uploaded file; `name` names it in errors."""
    kind = input_format(name, fmt)
    path = Path(name)
    if not data.strip():
        raise InputError(name, "file is empty")
    if kind == "xlsx":
        _no_encoding_for_xlsx(name, encoding)
        yield from _xlsx_rows(path, columns, data)
        return
    text = decode_input(name, data, encoding)
    if kind == "jsonl":
        yield from _jsonl_rows(name, text, columns)
    else:
        yield from _csv_rows(name, text, columns)
