"""Read screening input files (CSV, XLSX, JSON lines) as records, and write results (JSONL, CSV).

Input columns: `id` and `name` are required; `schema`, `birth_date`, `nationality`, `imo` are optional, and
any other identifier column named after its kind (`passport`, `bic`, `lei`, `registration`...) is used as
evidence. Bad files get one-line errors naming the file and the line.
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

from accomplice.errors import InputError
from accomplice.sources.files import decode

__all__ = ["IDENTIFIER_COLUMNS", "SCREENING_COLUMNS", "Columns", "InputRow", "read_rows"]

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
ENCODINGS = ("utf-8", "cp1252")


def _normalise_header(header: str, aliases: Mapping[str, str] = ALIASES) -> str:
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


def _clean(row: dict[str, object]) -> InputRow:
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
    columns = [_normalise_header(h, spec.aliases) for h in header]
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
        yield reader.line_num, _clean(dict(zip(columns, values, strict=False)))


def _jsonl_rows(path: str, text: str, spec: Columns) -> Iterator[tuple[int, InputRow]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"invalid JSON: {exc.msg}", line=number) from None
        if not isinstance(data, dict):
            raise InputError(path, "each line must be a JSON object", line=number)
        row = _clean(
            {
                _normalise_header(str(k), spec.aliases): v
                for k, v in data.items()
                if not isinstance(v, (dict, list))
            }
        )
        _check_columns(path, list(row), spec)
        yield number, row


def _xlsx_rows(path: Path, spec: Columns) -> Iterator[tuple[int, InputRow]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise InputError(str(path), f"not a readable XLSX workbook: {exc}") from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        header = next(rows)
    except StopIteration:
        raise InputError(str(path), "workbook's first sheet is empty") from None
    columns = [_normalise_header(str(h or ""), spec.aliases) for h in header]
    _check_columns(str(path), columns, spec)
    for number, values in enumerate(rows, start=2):
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        yield number, _clean(dict(zip(columns, values, strict=False)))
    book.close()


def read_rows(
    source: str | Path,
    *,
    fmt: str | None = None,
    stdin: IO[bytes] | None = None,
    columns: Columns = SCREENING_COLUMNS,
) -> Iterator[tuple[int, InputRow]]:
    """Yield (line number, row) from a CSV, XLSX or JSONL file, or from standard input for `-`.

    `columns` names the required columns and header aliases (screening input by default).
    """
    name = str(source)
    suffix = Path(name).suffix.lower().lstrip(".")
    kind = fmt or {"jsonl": "jsonl", "ndjson": "jsonl", "json": "jsonl", "xlsx": "xlsx"}.get(suffix, "csv")
    if name == "-":
        data = (stdin or sys.stdin.buffer).read()
        path = Path("<stdin>")
    else:
        path = Path(name)
        if not path.exists():
            raise InputError(name, "no such file")
        if kind == "xlsx":
            yield from _xlsx_rows(path, columns)
            return
        data = path.read_bytes()
    if not data.strip():
        raise InputError(str(path), "file is empty")
    text = decode(path, data, ENCODINGS if kind == "csv" else ("utf-8",))
    if kind == "jsonl":
        yield from _jsonl_rows(str(path), text, columns)
    else:
        yield from _csv_rows(str(path), text, columns)
