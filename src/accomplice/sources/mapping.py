"""Any CSV through a FollowTheMoney mapping file, plus an `accomplice:` block for what FtM mappings lack.

The mapping format is FollowTheMoney's own (`followthemoney.mapping`): queries with `filters` /
`filters_not`, entities with `schema`, `keys` or `id_column`, and properties with `column(s)`, `join`,
`split`, `template`, `literal(s)`, `format`, `fuzzy`, `required` and `entity`. FtM parses and validates
that part. What it lacks, and what the `accomplice:` block adds (see docs/sources/csv-mappings.md):

- list metadata (name, or the column that names the list; title, publisher, source URL, licence);
- readable, stable keys: `key_prefix` + the entity's key columns as written (FtM hashes them);
- the accepted encodings (strict UTF-8 unless the mapping says otherwise), the delimiter and the rows
  before the header;
- where the data date comes from (a "Last Updated" row before the header, or a column);
- the columns a file must have, and those that may be absent (older or newer layouts of one list);
- derived columns computed by named transforms in code (`accomplice.sources.transforms`).

Rows that carry the same key merge into one entity (the UK list has one row per alias). Values FtM
rejects are aggregated into warnings; structural problems are one-line `InputError`s naming the file and
line (or the mapping file, for a broken mapping).
"""

from __future__ import annotations

import codecs
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, cast

import yaml
from followthemoney import model
from followthemoney.exc import FollowTheMoneyException, InvalidData
from followthemoney.mapping import QueryMapping
from followthemoney.mapping.csv import CSVSource
from followthemoney.mapping.entity import EntityMapping
from followthemoney.mapping.property import PropertyMapping
from followthemoney.types import registry
from followthemoney.util import sanitize_text

from accomplice.errors import AccompliceError, InputError
from accomplice.lists.model import COMPONENT_MAIN, ListSpec, ProgressFn
from accomplice.sources.base import InputFile, Parsed, Plan, PreviousValues, make_plan
from accomplice.sources.builder import EntityBuilder
from accomplice.sources.files import csv_rows, guess_script_encoding, read_bytes
from accomplice.sources.rejects import Problems
from accomplice.sources.transforms import Transform, TransformError, get_transform

__all__ = [
    "SHIPPED_DIR",
    "CsvMapping",
    "MappedCsv",
    "list_name_from_text",
    "load_mapping",
    "shipped_mapping",
    "shipped_mappings",
]

SHIPPED_DIR = Path(__file__).parent / "mappings"

# Rows mapped between two progress callbacks.
PROGRESS_EVERY = 2_000
# A header that lacks many columns is another kind of file; naming the first few says enough.
MISSING_SHOWN = 5
# A key part joins the next with this; it cannot occur in a list name and reads well in a URL.
KEY_SEPARATOR = ":"

# Encodings that decode (almost) any byte: a file in another encoding (Cyrillic cp1251, Chinese GB18030,
# Korean EUC-KR) decodes "successfully" into mojibake such as "Êèì ×åí Ûí". Western text rarely has more
# than two non-ASCII characters in a row; the real UK HMT files (cp1252) never have more than one.
WESTERN_SINGLE_BYTE = frozenset({"cp1252", "iso8859-1", "iso8859-15"})
MOJIBAKE_RUN = re.compile(r"[^\x00-\x7f\s]{3,}")

_TEMPLATE_REF = re.compile(r"{{([^(}})]*)}}")

_TOP_KEYS = frozenset({"accomplice", "queries", "query"})
_QUERY_KEYS = frozenset({"entities", "filters", "filters_not", "csv_url", "csv_urls"})
_ENTITY_KEYS = frozenset({"schema", "keys", "key", "id_column", "key_literal", "properties"})
_PROPERTY_KEYS = frozenset(
    {
        "column",
        "columns",
        "join",
        "split",
        "entity",
        "format",
        "fuzzy",
        "required",
        "literal",
        "literals",
        "template",
    }
)
_VALUE_SOURCES = frozenset({"column", "columns", "literal", "literals", "template", "entity"})
_ACCOMPLICE_KEYS = frozenset(
    {
        "list",
        "file_kind",
        "key_prefix",
        "encodings",
        "skip_rows",
        "delimiter",
        "data_date",
        "columns",
        "optional_columns",
        "derived",
    }
)
_LIST_KEYS = frozenset({"name", "name_from", "title", "publisher", "source_url", "licence", "format"})
_NAME_FROM_KEYS = frozenset({"column", "prefix"})
_DATA_DATE_KEYS = frozenset({"preamble", "column", "format"})
_DERIVED_KEYS = frozenset({"transform", "column", "columns"})
_TRANSFORM_PARAMS = frozenset({"separators", "separator", "pattern", "invert", "century"})


def list_name_from_text(text: str) -> str:
    """A list name from free text (a file name, a program key): lower case, [a-z0-9_] only."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def shipped_mappings() -> list[str]:
    return sorted(p.name for p in SHIPPED_DIR.glob("*.yml"))


def shipped_mapping(name: str) -> Path:
    """The path of a mapping shipped with accomplice (`uk_hmt_conlist.yml`; the `.yml` may be left out)."""
    filename = name if name.endswith(".yml") else f"{name}.yml"
    path = SHIPPED_DIR / filename
    if "/" in name or "\\" in name or not path.is_file():
        raise AccompliceError(f"no shipped mapping {name!r}; known: {', '.join(shipped_mappings())}")
    return path


# -- the mapping --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DerivedColumn:
    name: str
    transform: Transform
    columns: tuple[str, ...]
    params: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class DataDateRule:
    preamble: str | None
    column: str | None
    format: str | None


@dataclass(frozen=True, slots=True)
class MappedEntity:
    """One FtM entity mapping, with what we need beside it: its key parts and its property mappings."""

    ftm: EntityMapping
    key_literal: str | None

    @property
    def name(self) -> str:
        return str(self.ftm.name)

    @property
    def key_columns(self) -> tuple[str, ...]:
        if self.ftm.id_column is not None:
            return (str(self.ftm.id_column),)
        return tuple(str(k) for k in self.ftm.keys)

    @property
    def properties(self) -> list[PropertyMapping]:
        return self.ftm.properties


@dataclass(frozen=True, slots=True)
class MappedQuery:
    number: int
    source: CSVSource
    entities: tuple[MappedEntity, ...]

    def accepts(self, record: dict[str, str]) -> bool:
        return bool(self.source.check_filters(record))


@dataclass(frozen=True, slots=True)
class CsvMapping:
    """A validated mapping file: FtM queries plus the `accomplice:` block."""

    path: Path
    list_name: str | None
    name_from: str | None
    name_prefix: str
    title: str
    publisher: str
    source_url: str
    licence: str
    format: str
    file_kind: str
    key_prefix: str
    encodings: tuple[str, ...]
    skip_rows: int
    delimiter: str
    data_date: DataDateRule | None
    required_columns: tuple[str, ...]
    optional_columns: frozenset[str]
    derived: tuple[DerivedColumn, ...]
    queries: tuple[MappedQuery, ...]
    notices: tuple[str, ...]

    def spec(self, list_name: str, first_row: Mapping[str, str]) -> ListSpec:
        def fill(text: str) -> str:
            return _TEMPLATE_REF.sub(lambda m: first_row.get(m.group(1), ""), text).strip()

        return ListSpec(
            list_name,
            fill(self.title) or list_name,
            fill(self.publisher),
            fill(self.source_url),
            self.format,
            self.licence,
        )


class _MappingError(Exception):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def _str(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _MappingError(f"{where} must be a non-empty text")
    return value


def _str_list(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _MappingError(f"{where} must be a list of column names")
    return tuple(value)


def _dict(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise _MappingError(f"{where} must be a mapping of names to settings")
    return value


def _no_unknown(data: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise _MappingError(f"{where}: unknown setting {', '.join(map(repr, unknown))}")


def _encoding(name: object) -> str:
    text = _str(name, "accomplice.encodings")
    try:
        return codecs.lookup(text).name
    except LookupError:
        raise _MappingError(f"accomplice.encodings: unknown encoding {text!r}") from None


def _check_ftm_entity(where: str, data: dict[str, Any]) -> None:
    """Check names before FtM does, to name the entity and schema in the message."""
    _no_unknown(data, _ENTITY_KEYS, where)
    schema_name = data.get("schema")
    schema = model.get(schema_name) if isinstance(schema_name, str) else None
    if schema is None:
        raise _MappingError(f"{where}: unknown FtM schema {schema_name!r}")
    for key in ("keys", "key", "id_column"):
        if key in data:
            _str_list(data[key], f"{where}.{key}")
    for prop_name, prop_data in _dict(data.get("properties", {}), f"{where}.properties").items():
        if schema.get(prop_name) is None:
            raise _MappingError(f"{where}: {schema.name} has no property {prop_name!r}")
        prop_where = f"{where}.properties.{prop_name}"
        _no_unknown(_dict(prop_data, prop_where), _PROPERTY_KEYS, prop_where)
        if not _VALUE_SOURCES & set(prop_data):
            raise _MappingError(f"{prop_where}: needs column, columns, literal, template or entity")


def _query_refs(query: QueryMapping, data: Mapping[str, Any]) -> set[str]:
    refs = {str(r) for r in query.refs}
    for key in ("filters", "filters_not"):
        refs.update(str(k) for k in _dict(data.get(key, {}), key))
    return refs


def _load_queries(raw: Mapping[str, Any], notices: list[str]) -> tuple[list[MappedQuery], set[str]]:
    if "queries" in raw and "query" in raw:
        raise _MappingError("give either queries or query, not both")
    queries_data = raw.get("queries", [raw["query"]] if "query" in raw else None)
    if not isinstance(queries_data, list) or not queries_data:
        raise _MappingError("no queries: a mapping needs `queries:` with at least one entity mapping")
    queries: list[MappedQuery] = []
    refs: set[str] = set()
    for number, qdata in enumerate(queries_data, start=1):
        where = f"query {number}"
        qdata = _dict(qdata, where)
        if "database" in qdata:
            raise _MappingError(f"{where}: SQL sources are not supported, only the CSV file given to load")
        _no_unknown(qdata, _QUERY_KEYS, where)
        for key in ("filters", "filters_not"):
            for column, wanted in _dict(qdata.get(key, {}), f"{where}.{key}").items():
                if not isinstance(wanted, str | int | float | list | None):
                    raise _MappingError(f"{where}.{key}.{column}: give a value or a list of values")
        for name, edata in _dict(qdata.get("entities", {}), f"{where}.entities").items():
            _check_ftm_entity(f"{where}, entity {name!r}", _dict(edata, f"{where}, entity {name!r}"))
        # FtM insists on a source; the file comes from the command line, so name a placeholder that is
        # never opened (we feed the rows ourselves).
        ftm_data = {k: v for k, v in qdata.items() if k not in ("csv_url", "csv_urls")}
        ftm_data["csv_url"] = "accomplice-input.csv"
        # Cells are text: a filter written `Group ID: 123` must compare as "123".
        for key in ("filters", "filters_not"):
            if key in ftm_data:
                ftm_data[key] = {col: _filter_values(wanted) for col, wanted in ftm_data[key].items()}
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                query = QueryMapping(model, ftm_data)
        except FollowTheMoneyException as exc:
            raise _MappingError(f"{where}: {exc}") from None
        except (TypeError, AttributeError, ValueError) as exc:
            # FtM assumes well-formed YAML structures; anything else surfaces as a Python error.
            raise _MappingError(f"{where}: not a valid FtM query ({exc})") from None
        notices.extend(f"{where}: {w.message}" for w in caught)
        entities = tuple(
            MappedEntity(e, _literal(qdata["entities"][e.name].get("key_literal"))) for e in query.entities
        )
        queries.append(MappedQuery(number, cast(CSVSource, query.source), entities))
        refs |= _query_refs(query, qdata)
    return queries, refs


def _filter_values(wanted: object) -> list[str | None]:
    items = wanted if isinstance(wanted, list) else [wanted]
    return [None if item is None else str(item) for item in items]


def _literal(value: object) -> str | None:
    return None if value is None else str(value)


def _load_derived(data: Mapping[str, Any]) -> tuple[DerivedColumn, ...]:
    derived = []
    for name, spec in _dict(data, "accomplice.derived").items():
        where = f"accomplice.derived.{name}"
        spec = _dict(spec, where)
        _no_unknown(spec, _DERIVED_KEYS | _TRANSFORM_PARAMS, where)
        if ("column" in spec) == ("columns" in spec):
            raise _MappingError(f"{where}: give column or columns")
        columns = _str_list(spec.get("column", spec.get("columns")), f"{where}.columns")
        params = {k: v for k, v in spec.items() if k not in _DERIVED_KEYS}
        try:
            transform = get_transform(_str(spec.get("transform"), f"{where}.transform"), params)
        except TransformError as exc:
            raise _MappingError(f"{where}: {exc}") from None
        derived.append(DerivedColumn(name, transform, columns, params))
    return tuple(derived)


def _load_block(block: Mapping[str, Any], path: Path) -> dict[str, Any]:
    _no_unknown(block, _ACCOMPLICE_KEYS, "accomplice")
    out: dict[str, Any] = {}
    meta = _dict(block.get("list", {}), "accomplice.list")
    _no_unknown(meta, _LIST_KEYS, "accomplice.list")
    name_from = meta.get("name_from")
    if name_from is not None:
        nf = _dict(name_from, "accomplice.list.name_from")
        _no_unknown(nf, _NAME_FROM_KEYS, "accomplice.list.name_from")
        out["name_from"] = _str(nf.get("column"), "accomplice.list.name_from.column")
        out["name_prefix"] = str(nf.get("prefix", ""))
    else:
        out["name_from"], out["name_prefix"] = None, ""
    name = meta.get("name")
    if name is not None:
        name = _str(name, "accomplice.list.name")
        if list_name_from_text(name) != name:
            raise _MappingError(f"accomplice.list.name {name!r}: use lower-case letters, digits and _")
    elif out["name_from"] is None:
        name = list_name_from_text(path.stem)
    out["list_name"] = name
    for key, default in (("title", ""), ("publisher", ""), ("source_url", ""), ("licence", "")):
        out[key] = str(meta.get(key, default))
    out["format"] = str(meta.get("format", "csv"))
    out["file_kind"] = str(block.get("file_kind", f"a file for the mapping {path.name}"))
    out["key_prefix"] = str(block.get("key_prefix", ""))
    encodings = block.get("encodings", ["utf-8"])
    if not isinstance(encodings, list) or not encodings:
        raise _MappingError("accomplice.encodings must be a list of encodings, e.g. [utf-8, cp1252]")
    out["encodings"] = tuple(_encoding(e) for e in encodings)
    skip = block.get("skip_rows", 0)
    if not isinstance(skip, int) or isinstance(skip, bool) or skip < 0:
        raise _MappingError("accomplice.skip_rows must be a whole number, 0 or more")
    out["skip_rows"] = skip
    delimiter = block.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n':
        raise _MappingError("accomplice.delimiter must be one character (not a quote or line break)")
    out["delimiter"] = delimiter
    date_rule = block.get("data_date")
    if date_rule is not None:
        rule = _dict(date_rule, "accomplice.data_date")
        _no_unknown(rule, _DATA_DATE_KEYS, "accomplice.data_date")
        if ("preamble" in rule) == ("column" in rule):
            raise _MappingError("accomplice.data_date: give preamble (a row label) or column")
        fmt = rule.get("format")
        out["data_date"] = DataDateRule(
            rule.get("preamble"), rule.get("column"), None if fmt is None else str(fmt)
        )
        if rule.get("preamble") is not None and skip == 0:
            raise _MappingError("accomplice.data_date.preamble needs skip_rows: the row is before the header")
    else:
        out["data_date"] = None
    out["columns"] = _str_list(block["columns"], "accomplice.columns") if "columns" in block else None
    out["optional_columns"] = frozenset(_str_list(block.get("optional_columns", []), "optional_columns"))
    out["derived"] = _load_derived(block.get("derived", {}))
    return out


def _read_yaml(path: Path) -> Any:
    data = read_bytes(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(str(path), "mapping file is not UTF-8 text") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        line = mark.line + 1 if mark is not None else None
        raise InputError(str(path), f"invalid mapping YAML: {problem}", line) from None


def _unwrap_dataset(raw: dict[str, Any]) -> dict[str, Any]:
    """Accept FtM's own layout too: one dataset name holding `queries:` (as `ftm map` reads it)."""
    if len(raw) == 1:
        (value,) = raw.values()
        if isinstance(value, dict) and ("queries" in value or "query" in value):
            return value
    return raw


def _build(path: Path) -> CsvMapping:
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise InputError(str(path), "a mapping file must be a YAML mapping with `queries:`")
    try:
        raw = _unwrap_dataset(raw)
        _no_unknown(raw, _TOP_KEYS, "mapping")
        notices: list[str] = []
        queries, refs = _load_queries(raw, notices)
        block = _load_block(_dict(raw.get("accomplice", {}), "accomplice"), path)
        derived: tuple[DerivedColumn, ...] = block["derived"]
        derived_names = {d.name for d in derived}
        sources = {c for d in derived for c in d.columns}
        for i, d in enumerate(derived):
            later = {e.name for e in derived[i:]}
            if later & set(d.columns):
                raise _MappingError(f"accomplice.derived.{d.name} reads a derived column defined after it")
        for extra in (block["name_from"], block["data_date"].column if block["data_date"] else None):
            if extra:
                sources.add(extra)
        optional: frozenset[str] = block["optional_columns"]
        needed = (refs | sources) - derived_names
        if block["columns"] is not None:
            declared = set(block["columns"]) | optional
            unknown = sorted(needed - declared)
            if unknown:
                raise _MappingError(
                    f"unknown column {', '.join(map(repr, unknown))}: not in accomplice.columns or "
                    "optional_columns"
                )
            required = tuple(block["columns"])
        else:
            required = tuple(sorted(needed - optional))
        unused = sorted(derived_names - refs - sources)
        if unused:
            notices.append(f"derived columns not used by any property: {', '.join(unused)}")
    except _MappingError as exc:
        raise InputError(str(path), str(exc), exc.line) from None
    return CsvMapping(
        path=path,
        list_name=block["list_name"],
        name_from=block["name_from"],
        name_prefix=block["name_prefix"],
        title=block["title"],
        publisher=block["publisher"],
        source_url=block["source_url"],
        licence=block["licence"],
        format=block["format"],
        file_kind=block["file_kind"],
        key_prefix=block["key_prefix"],
        encodings=block["encodings"],
        skip_rows=block["skip_rows"],
        delimiter=block["delimiter"],
        data_date=block["data_date"],
        required_columns=required,
        optional_columns=optional,
        derived=derived,
        queries=tuple(queries),
        notices=tuple(notices),
    )


@cache
def _load_cached(path: Path, mtime_ns: int, size: int) -> CsvMapping:
    return _build(path)


def load_mapping(path: Path) -> CsvMapping:
    """Read and validate a mapping file; a broken one is a one-line InputError naming the file."""
    path = path.resolve()
    if not path.is_file():
        raise InputError(str(path), "mapping file not found" if not path.exists() else "not a file")
    stat = path.stat()
    return _load_cached(path, stat.st_mtime_ns, stat.st_size)


# -- reading the CSV ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Table:
    header: list[str]
    header_line: int
    preamble: list[list[str]]
    rows: list[tuple[int, list[str]]]


def _decode(path: Path, data: bytes, encodings: Sequence[str]) -> str:
    """Decode with the first encoding that fits; refuse Western single-byte text that reads as mojibake."""
    failure: UnicodeDecodeError | None = None
    for encoding in encodings:
        raw = data[3:] if encoding == "utf-8" and data.startswith(codecs.BOM_UTF8) else data
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            failure = failure or exc
            continue
        if encoding in WESTERN_SINGLE_BYTE:
            suspicious = MOJIBAKE_RUN.search(text)
            if suspicious:
                guess = guess_script_encoding(data)
                hint = f"; it looks like {guess}" if guess and guess != encoding else ""
                tried = "/".join(encodings[: encodings.index(encoding)]) or encoding
                raise InputError(
                    str(path),
                    f"not valid {tried} text, and read as {encoding} it gives {suspicious.group(0)[:12]!r}"
                    f"{hint}",
                    line=text.count("\n", 0, suspicious.start()) + 1,
                )
        return text
    assert failure is not None
    guess = guess_script_encoding(data)
    hint = f"; it looks like {guess}" if guess else ""
    bad = failure.object[failure.start]
    offset = failure.start + (len(data) - len(failure.object))
    raise InputError(
        str(path),
        f"not valid {'/'.join(encodings)} text (byte 0x{bad:02x}){hint}",
        line=data.count(b"\n", 0, offset) + 1,
    )


def _read_table(path: Path, mapping: CsvMapping, *, first_only: bool = False) -> _Table:
    text = _decode(path, read_bytes(path), mapping.encodings)
    rows = csv_rows(path, text, delimiter=mapping.delimiter)
    preamble: list[list[str]] = []
    for _ in range(mapping.skip_rows):
        found = next(rows, None)
        if found is None:
            raise InputError(str(path), f"ends before its header row; not {mapping.file_kind}?")
        preamble.append(found[1])
    first = next(rows, None)
    if first is None:
        raise InputError(str(path), f"has no header row; not {mapping.file_kind}?")
    header_line, header = first
    header = [h.strip().lstrip("\ufeff") for h in header]
    _check_header(path, mapping, header, header_line)
    body: list[tuple[int, list[str]]] = []
    for line, row in rows:
        # Every writer of these files writes every field; a row with more or fewer is a quote that opens
        # (or closes) where it should not, which would shift values into the wrong columns.
        if len(row) != len(header):
            raise InputError(
                str(path),
                f"row has {len(row)} fields but the header has {len(header)}; unbalanced quote?",
                line,
            )
        body.append((line, row))
        if first_only:
            break
    if not body:
        raise InputError(str(path), "has a header but no data rows", header_line)
    return _Table(header, header_line, preamble, body)


def _check_header(path: Path, mapping: CsvMapping, header: list[str], line: int) -> None:
    present = set(header)
    missing = [c for c in mapping.required_columns if c not in present]
    if missing:
        shown = ", ".join(missing[:MISSING_SHOWN])
        more = f" and {len(missing) - MISSING_SHOWN} more" if len(missing) > MISSING_SHOWN else ""
        raise InputError(str(path), f"missing columns {shown}{more}; not {mapping.file_kind}?", line)
    read = set(mapping.required_columns) | mapping.optional_columns
    twice = sorted({name for name in header if name in read and header.count(name) > 1})
    if twice:
        raise InputError(str(path), f"column {twice[0]!r} appears twice in the header", line)
    clash = sorted({d.name for d in mapping.derived} & present)
    if clash:
        raise InputError(
            str(path),
            f"has columns named like derived columns of {mapping.path.name}: {', '.join(clash)}",
            line,
        )


def _record(header: list[str], row: list[str]) -> dict[str, str]:
    record: dict[str, str] = {}
    for name, cell in zip(header, row, strict=False):
        # Most cells of a sanctions CSV are empty; skip them before FtM's (NFC-normalising) sanitiser.
        if name and cell and not cell.isspace():
            value = sanitize_text(cell)
            if value is not None:
                record[name] = value
    return record


def _derive(mapping: CsvMapping, record: dict[str, str]) -> dict[str, list[str]]:
    derived: dict[str, list[str]] = {}
    for column in mapping.derived:
        # A derived column may read earlier derived columns, with all their values (a list split, then
        # cleaned item by item).
        sources: list[str | None] = []
        for name in column.columns:
            if name in derived:
                # Positions matter to coalesce/unless_equal/join: an empty derived column is one None.
                sources.extend(derived[name] or [None])
            else:
                sources.append(record.get(name))
        values = column.transform.fn(sources, column.params)
        derived[column.name] = values
        if values:
            record[column.name] = values[0]
    return derived


# -- mapping rows to entities ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Entities:
    builders: dict[str, EntityBuilder]
    first_line: dict[str, int]
    problems: Problems


def _values(pm: PropertyMapping, record: dict[str, str], derived: dict[str, list[str]]) -> list[str]:
    """The raw values of one property mapping, as FtM's PropertyMapping would give them.

    Reimplemented (a few lines) for two gaps: derived columns may hold several values, and a template
    whose columns are all empty gives nothing rather than its literal text alone ("Parent: ").
    """
    if pm.template is not None:
        refs = list(pm.replacements.values())
        if not any(record.get(ref) for ref in refs):
            return []
        return [str(v) for v in pm.record_values(record) if v]
    values: list[str] = [str(v) for v in pm.literals]
    for ref in pm.refs:
        if ref in derived:
            values.extend(derived[ref])
        elif ref in record:
            values.append(record[ref])
    if pm.join is not None:
        values = [pm.join.join(values)] if values else []
    if pm.split is not None:
        values = [part for value in values for part in value.split(pm.split)]
    return values


def _key(mapping: CsvMapping, entity: MappedEntity, record: dict[str, str]) -> str | None:
    parts = [entity.key_literal] if entity.key_literal else []
    for column in entity.key_columns:
        value = record.get(column)
        if not value:
            return None
        parts.append(value)
    return mapping.key_prefix + KEY_SEPARATOR.join(parts)


def _cleans(pm: PropertyMapping, value: str) -> bool:
    if pm.prop.type == registry.entity:
        return bool(value.strip())
    try:
        return pm.prop.type.clean(value, fuzzy=bool(pm.fuzzy), format=pm.format or pm.prop.format) is not None
    except InvalidData:
        return False


def _add_value(builder: EntityBuilder, pm: PropertyMapping, value: str) -> str | None:
    try:
        cleaned = builder.add(
            str(pm.prop.name), value, fuzzy=bool(pm.fuzzy), date_format=pm.format or pm.prop.format
        )
    except InvalidData:
        builder.rejected.append((str(pm.prop.name), value))
        return None
    if cleaned is not None and builder.caption is None and pm.prop.name == "name":
        builder.caption = cleaned
    return cleaned


def _map_row(
    mapping: CsvMapping,
    query: MappedQuery,
    line: int,
    record: dict[str, str],
    derived: dict[str, list[str]],
    out: _Entities,
) -> int:
    """Map one row through one query; returns how many entities it produced."""
    keys: dict[str, str] = {}
    produced = 0
    for entity in query.entities:
        # No key: this row has no such entity (e.g. a company without a parent). FtM skips it too.
        key = _key(mapping, entity, record)
        if key is None:
            continue
        raw = [(pm, _values(pm, record, derived)) for pm in entity.properties if pm.entity is None]
        if any(pm.required and not any(_cleans(pm, v) for v in values) for pm, values in raw):
            continue
        schema = str(entity.ftm.schema.name)
        builder = out.builders.get(key)
        if builder is None:
            builder = out.builders[key] = EntityBuilder(key, schema)
            out.first_line[key] = line
        elif builder.schema != schema:
            try:
                builder.set_schema(str(model.common_schema(builder.schema, schema).name))
            except InvalidData:
                out.problems.add(
                    "rows whose schema conflicts with an earlier row of the same key, skipped",
                    f"{key}: {schema}, not {builder.schema} as on line {out.first_line[key]}",
                    line,
                )
                continue
        keys[entity.name] = key
        # Countries first, as FtM's own mapper does: phone numbers parse better knowing the country.
        raw.sort(key=lambda item: item[0].prop.type != registry.country)
        before = len(builder.rejected)
        for pm, values in raw:
            for value in values:
                if pm.prop.type == registry.entity:
                    # A column holding the source's id of another row: the same prefix makes its key.
                    builder.add_reference(str(pm.prop.name), mapping.key_prefix + value)
                else:
                    _add_value(builder, pm, value)
        for pm in entity.properties:
            if pm.entity is not None and pm.entity in keys:
                builder.add_reference(str(pm.prop.name), keys[pm.entity])
        for prop, value in builder.rejected[before:]:
            out.problems.rejected(prop, value, line)
        produced += 1
    return produced


class MappedCsv:
    """A CSV list read through a FollowTheMoney mapping file (see the module docstring)."""

    def __init__(self, mapping: Path, *, name: str = "csv") -> None:
        self.name = name
        self.mapping_path = mapping

    @property
    def mapping(self) -> CsvMapping:
        return load_mapping(self.mapping_path)

    def plan(self, path: Path, *, list_name: str | None = None) -> Plan:
        mapping = self.mapping
        if path.is_dir():
            raise InputError(str(path), f"is a folder; give the CSV file ({mapping.file_kind})")
        table = _read_table(path, mapping, first_only=True)
        first = _record(table.header, table.rows[0][1])
        if list_name is None:
            list_name = self._list_name(path, mapping, first, table.rows[0][0])
        elif list_name_from_text(list_name) != list_name or not list_name:
            raise InputError(str(path), f"list name {list_name!r}: use lower-case letters, digits and _")
        spec = mapping.spec(list_name, first)
        return make_plan(spec, [InputFile(path, COMPONENT_MAIN), InputFile(mapping.path, COMPONENT_MAIN)])

    @staticmethod
    def _list_name(path: Path, mapping: CsvMapping, first: Mapping[str, str], line: int) -> str:
        if mapping.name_from is None:
            assert mapping.list_name is not None
            return mapping.list_name
        value = first.get(mapping.name_from)
        name = list_name_from_text(mapping.name_prefix + (value or ""))
        if not value or not name:
            raise InputError(str(path), f"no {mapping.name_from} to name the list by; give --list", line)
        return name

    def parse(
        self, plan: Plan, progress: ProgressFn | None = None, previous: PreviousValues | None = None
    ) -> Parsed:
        """Parse the file; `previous` is unused, this format's files each hold whole values."""
        mapping = self.mapping
        path = plan.inputs[0].path
        table = _read_table(path, mapping)
        problems = Problems(path.name)
        out = _Entities({}, {}, problems)
        list_values: dict[str, int] = {}
        total = len(table.rows)
        for done, (line, row) in enumerate(table.rows, start=1):
            record = _record(table.header, row)
            derived = _derive(mapping, record)
            if mapping.name_from is not None:
                list_values.setdefault(record.get(mapping.name_from, ""), line)
            accepting = [q for q in mapping.queries if q.accepts(record)]
            if not accepting:
                problems.add("rows no query of the mapping accepts, skipped", _row_hint(record), line)
            elif sum(_map_row(mapping, q, line, record, derived, out) for q in accepting) == 0:
                keys = sorted({c for q in accepting for e in q.entities for c in e.key_columns})
                problems.add(
                    f"rows without {' or '.join(keys)} give no entity, skipped", _row_hint(record), line
                )
            if progress and (done % PROGRESS_EVERY == 0 or done == total):
                progress(f"mapping {path.name}", done, total)
        self._check_one_list(path, mapping, plan, list_values)
        if not out.builders:
            raise InputError(str(path), f"no row gives an entity through {mapping.path.name}")
        notes = [f"{mapping.path.name}: {n}" for n in mapping.notices] + problems.warnings()
        return Parsed(
            [b.record() for b in out.builders.values()],
            notes,
            data_date=self._data_date(path, mapping, table, notes),
        )

    @staticmethod
    def _check_one_list(path: Path, mapping: CsvMapping, plan: Plan, values: dict[str, int]) -> None:
        """A file whose rows name several lists cannot be one version of the list its first row names."""
        if mapping.name_from is None:
            return
        names = {list_name_from_text(mapping.name_prefix + v): line for v, line in values.items()}
        if len(names) > 1 and plan.spec.name in names:
            line = next(ln for name, ln in names.items() if name != plan.spec.name)
            named = ", ".join(sorted(v or "(empty)" for v in values))
            raise InputError(
                str(path),
                f"rows name several lists in {mapping.name_from} ({named}); load each alone or give --list",
                line,
            )

    @staticmethod
    def _data_date(path: Path, mapping: CsvMapping, table: _Table, notes: list[str]) -> str | None:
        rule = mapping.data_date
        if rule is None:
            return None
        if rule.preamble is not None:
            label = rule.preamble.casefold()
            for row in table.preamble:
                cells = [c.strip() for c in row]
                if cells and cells[0].casefold() == label:
                    value = next((c for c in cells[1:] if c), None)
                    if value is not None:
                        parsed = _parse_date(value, rule.format)
                        if parsed is None:
                            notes.append(f"{path.name}: {rule.preamble} {value!r} is not a date")
                        return parsed
            notes.append(f"{path.name}: no {rule.preamble!r} row before the header; no data date")
            return None
        assert rule.column is not None
        dates = []
        index = table.header.index(rule.column) if rule.column in table.header else None
        if index is not None:
            for _, row in table.rows:
                if index < len(row) and row[index].strip():
                    parsed = _parse_date(row[index].strip(), rule.format)
                    if parsed:
                        dates.append(parsed)
        # The newest date in the column: an export's "last_seen" is the day the export was made.
        return max(dates) if dates else None


def _parse_date(value: str, fmt: str | None) -> str | None:
    if fmt is not None:
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            return None
    cleaned = registry.date.clean(value)
    return cleaned[:10] if cleaned else None


def _row_hint(record: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in list(record.items())[:3])
