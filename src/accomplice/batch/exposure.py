"""Read exposure data files: shipments, supply relations, ownership, facilities and labour evidence.

Each kind is a CSV, XLSX or JSON lines file with the columns documented in docs/exposure-data.md;
ownership (and the companies it names) may also come as FollowTheMoney JSON lines. Reading validates
everything before anything is stored: a bad date, a missing required column, a share outside 0–100, an
unknown country or a wrong encoding is a one-line `InputError` naming the file and the line.

Parties are named, not identified, in trade data: a row gives a name and perhaps a country. Rows of one
file naming the same folded name and country are one party (`PartyName.norm_key`); which party id it
gets, and which listed entity it is, is decided later by screening (services.exposure).
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from followthemoney.types import registry

from accomplice import safejson
from accomplice.batch.inputs import Columns, InputRow, read_bytes
from accomplice.errors import InputError
from accomplice.exposure.columns import KINDS, header_aliases, required_columns
from accomplice.exposure.model import (
    SHIPMENT_ROLES,
    Evidence,
    Facility,
    Ownership,
    Period,
    Shipment,
    Source,
    SupplyRelation,
    facility_id,
)
from accomplice.exposure.urls import is_web_url
from accomplice.names.normalize import fold
from accomplice.sources.files import decode

__all__ = [
    "KINDS",
    "ParsedFile",
    "ParsedRow",
    "PartyName",
    "parse_date",
    "read_exposure_bytes",
    "read_exposure_file",
    "read_exposure_rows",
]

RELIABILITY_GRADES = "ABCDEF"
# "F: reliability cannot be judged" is the honest default for a source nobody graded.
DEFAULT_RELIABILITY = "F"
# Schemas of FtM entities that can be parties (owners, owned firms); others in the file are ignored.
FTM_PARTY_SCHEMAS = ("Company", "Organization", "LegalEntity", "Person", "PublicBody")
TRUE_WORDS = ("true", "yes", "y", "1", "x")
FALSE_WORDS = ("false", "no", "n", "0", "")

# Required columns and header aliases of each kind, from the one description of the files' columns.
COLUMNS: dict[str, Columns] = {
    kind: Columns(required=required_columns(kind), aliases=header_aliases(kind)) for kind in KINDS
}


@dataclass(frozen=True, slots=True)
class PartyName:
    """A party as trade data names it: a name, a country code, a schema; or a listed entity's key."""

    name: str
    country: str | None = None
    schema: str = "LegalEntity"
    entity_key: str | None = None  # an FtM file may refer to a listed entity by its store key

    @property
    def norm_key(self) -> str:
        """The identity of a party within and across files: folded name and country."""
        if self.entity_key is not None:
            return f"key|{self.entity_key}"
        return f"{fold(self.name)}|{self.country or ''}"


# A file's rows are the trade records of `exposure.model`, with their parties named by norm_key (evidence
# about a facility by its id) until the import gives the parties their ids.
ParsedRow = Shipment | SupplyRelation | Ownership | Facility | Evidence


@dataclass(slots=True)
class ParsedFile:
    """A whole file, validated: its rows, the parties it names (by norm_key) and the sources it cites."""

    kind: str
    path: str
    checksum: str
    rows: list[ParsedRow] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # the line of each row, by record id
    parties: dict[str, PartyName] = field(default_factory=dict)
    party_lines: dict[str, int] = field(default_factory=dict)  # first line naming each party
    ignored: int = 0  # FtM entities of other schemas


# --- values -------------------------------------------------------------------------------------------

_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def parse_date(text: str, *, end: bool = False) -> date:
    """An ISO date, or a year or a month standing for its first day (its last day when `end`).

    Sources often date labour only to a year ("since 2017"); a period's end given as a year means
    the whole of that year. XLSX cells arrive as "2019-03-01 00:00:00", which the time part allows.
    """
    match = _DATE.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a date; use YYYY-MM-DD (or YYYY-MM, YYYY)")
    year, month, day = int(match[1]), match[2], match[3]
    if month is None:
        return date(year, 12, 31) if end else date(year, 1, 1)
    if day is None:
        m = int(month)
        return date(year, m, calendar.monthrange(year, m)[1] if end else 1)
    return date(year, int(month), int(day))


def _country(text: str) -> str | None:
    if not text:
        return None
    lowered = text.strip().lower()
    if re.fullmatch(r"[a-z]{2}", lowered):
        return lowered
    code = registry.country.clean(text, fuzzy=True)
    if code is None:
        raise ValueError(f"unknown country {text!r}; use an ISO code such as cn, ru, kp")
    return str(code)


def _number(text: str, what: str) -> float | None:
    if not text:
        return None
    try:
        return float(text.replace(",", "").replace(" ", ""))
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a number") from None


def _integer(text: str, what: str) -> int | None:
    value = _number(text, what)
    if value is None:
        return None
    if value != int(value) or value < 0:
        raise ValueError(f"{what} {text!r} is not a whole number")
    return int(value)


def _share(text: str) -> float | None:
    value = _number(text.rstrip("%"), "share")
    if value is not None and not 0 <= value <= 100:
        raise ValueError(f"share {text!r} is outside 0–100 (percent)")
    return value


def _flag(text: str, what: str) -> bool:
    lowered = text.strip().lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    raise ValueError(f"{what} {text!r} is not yes/no")


def _period(row: InputRow) -> Period:
    start = parse_date(row["start"]) if row.get("start") else None
    end = parse_date(row["end"], end=True) if row.get("end") else None
    if start and end and end < start:
        raise ValueError(f"period ends ({end}) before it starts ({start})")
    return Period(start, end)


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:16]


def _source(row: InputRow, *, required: bool) -> Source | None:
    """The source a row cites; one given by `source_id` alone has no title (a reference, see `Source`)."""
    source_id = row.get("source_id", "")
    title = row.get("source_title", "")
    if not source_id and not title:
        if required:
            raise ValueError(
                "a source is required: give source_title (and source_url, source_date) or source_id"
            )
        return None
    url = (row.get("source_url") or "").strip()
    if url and not is_web_url(url):
        raise ValueError(f"source_url {url[:80]!r} is not an http:// or https:// address")
    grade = (row.get("source_reliability") or DEFAULT_RELIABILITY).strip().upper()
    if grade not in RELIABILITY_GRADES or len(grade) != 1:
        raise ValueError(f"source_reliability {grade!r} is not a grade A–F")
    return Source(
        source_id or f"src:{_digest(title, row.get('source_url', ''))}",
        title,
        url or None,
        parse_date(row["source_date"]) if row.get("source_date") else None,
        grade,
        _flag(row.get("source_confidential", ""), "source_confidential"),
    )


# --- rows ---------------------------------------------------------------------------------------------


class _Reader:
    def __init__(self, parsed: ParsedFile) -> None:
        self.parsed = parsed

    def party(
        self, row: InputRow, column: str, line: int, *, required: bool = True, schema: str = ""
    ) -> str | None:
        name = " ".join(row.get(column, "").split())
        if not name:
            if required:
                raise ValueError(f"{column} is empty")
            return None
        party = PartyName(
            name,
            _country(row.get(f"{column}_country", "")),
            schema or row.get(f"{column}_schema") or "LegalEntity",
        )
        key = party.norm_key
        self.parsed.parties.setdefault(key, party)
        self.parsed.party_lines.setdefault(key, line)
        return key

    def shipments(self, line: int, row: InputRow) -> Shipment:
        parties = tuple(
            (role, key)
            for role in SHIPMENT_ROLES
            if (key := self.party(row, role, line, required=False)) is not None
        )
        if not parties:
            raise ValueError(f"names no party; give at least one of {', '.join(SHIPMENT_ROLES)}")
        return Shipment(
            row["id"],
            parse_date(row["date"]),
            parties,
            row.get("goods", ""),
            row.get("hs_code", "").replace(".", "").replace(" ", ""),
            _number(row.get("quantity", ""), "quantity"),
            _number(row.get("value", ""), "value"),
            _country(row.get("origin", "")),
            row.get("port_lading") or None,
            row.get("port_unlading") or None,
            row.get("vessel") or None,
            row.get("imo") or None,
        )

    def relations(self, line: int, row: InputRow) -> SupplyRelation:
        supplier = self.party(row, "supplier", line)
        buyer = self.party(row, "buyer", line)
        assert supplier is not None
        assert buyer is not None
        prefixes = tuple(p.replace(".", "") for p in re.split(r"[;,|\s]+", row.get("hs_prefixes", "")) if p)
        if any(not p.isdigit() for p in prefixes):
            raise ValueError(f"hs_prefixes {row['hs_prefixes']!r} must be digits, separated by ;")
        period = _period(row)
        return SupplyRelation(
            row.get("id") or f"rel:{_digest(supplier, buyer, prefixes, period)}",
            supplier,
            buyer,
            period,
            prefixes,
            _integer(row.get("tier", ""), "tier"),
            _source(row, required=False),
            row.get("goods", ""),
        )

    def ownership(self, line: int, row: InputRow) -> Ownership:
        owner = self.party(row, "owner", line)
        owned = self.party(row, "owned", line)
        assert owner is not None
        assert owned is not None
        period = _period(row)
        return Ownership(
            row.get("id") or f"own:{_digest(owner, owned, period)}",
            owner,
            owned,
            _share(row.get("share", "")),
            period,
            _source(row, required=False),
        )

    def facilities(self, line: int, row: InputRow) -> Facility:
        operator = self.party(row, "operator", line)
        assert operator is not None
        return Facility(
            facility_id(row["id"]),
            operator,
            row.get("name", ""),
            row.get("location", ""),
            _country(row.get("country", "")),
            _period(row),
        )

    def evidence(self, line: int, row: InputRow) -> Evidence:
        subject = self.party(row, "subject", line, required=False)
        facility = facility_id(row["facility"]) if row.get("facility") else None
        if (subject is None) == (facility is None):
            raise ValueError("give exactly one of subject (a party name) or facility (a facility id)")
        source = _source(row, required=True)
        assert source is not None
        period = _period(row)
        # The subject: a party by its norm_key, or a facility by its id (which only facility ids start with).
        return Evidence(
            row.get("id")
            or f"ev:{_digest(subject or facility, source.id, period, row.get('statement', ''))}",
            subject or facility or "",
            period,
            source,
            row.get("statement", ""),
            _integer(row.get("workers", ""), "workers"),
        )


def read_exposure_rows(
    kind: str, rows: Iterator[tuple[int, InputRow]], *, path: str, checksum: str
) -> ParsedFile:
    """Validate rows of one kind (from a file or an API body) into a ParsedFile; errors name the line."""
    if kind not in KINDS:
        raise InputError(path, f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    parsed = ParsedFile(kind, path, checksum)
    reader = _Reader(parsed)
    parse: Callable[[int, InputRow], ParsedRow] = getattr(reader, kind)
    seen: dict[str, int] = {}
    for line, row in rows:
        try:
            item = parse(line, row)
        except (ValueError, KeyError) as exc:
            message = str(exc) if isinstance(exc, ValueError) else f"missing value for {exc}"
            raise InputError(path, message, line=line) from None
        if item.id in seen:
            raise InputError(path, f"id {item.id!r} repeats line {seen[item.id]}", line=line)
        seen[item.id] = line
        parsed.rows.append(item)
    parsed.lines = seen
    if not parsed.rows:
        raise InputError(path, f"holds no {kind}")
    return parsed


def _is_ftm(path: Path, data: bytes) -> bool:
    if path.name.lower().endswith((".ftm.json", ".ftm.jsonl")):
        return True
    if path.suffix.lower() not in (".json", ".jsonl", ".ndjson"):
        return False
    first = next((line for line in data.splitlines() if line.strip()), b"")
    try:
        obj = safejson.loads(first)
    except ValueError:
        return False
    return isinstance(obj, dict) and "schema" in obj and isinstance(obj.get("properties"), dict)


def read_exposure_file(kind: str, source: str | Path, *, encoding: str | None = None) -> ParsedFile:
    """Read and validate a CSV, XLSX or JSONL file of one kind (FtM JSON lines for ownership, UTF-8).

    `encoding` names that of a CSV or JSONL file that is neither UTF-8 nor UTF-16 with a byte-order mark.
    """
    path = Path(source)
    if not path.is_file():
        raise InputError(str(path), "no such file")
    return read_exposure_bytes(kind, str(path), path.read_bytes(), encoding=encoding)


def read_exposure_bytes(kind: str, name: str, data: bytes, *, encoding: str | None = None) -> ParsedFile:
    """Read and validate the bytes of an uploaded file of one kind; `name` (with its suffix, which says
    the format) names the file in errors; `encoding` as for `read_exposure_file`."""
    path = Path(name)
    checksum = hashlib.sha256(data).hexdigest()
    if kind == "ownership" and _is_ftm(path, data):
        return _read_ftm_ownership(path, data, checksum)
    if kind not in COLUMNS:
        raise InputError(name, f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    rows = read_bytes(name, data, columns=COLUMNS[kind], encoding=encoding)
    return read_exposure_rows(kind, rows, path=name, checksum=checksum)


def _ftm_first(props: Mapping[str, Any], *names: str) -> str:
    for name in names:
        values = props.get(name) or []
        if isinstance(values, list) and values and isinstance(values[0], str) and values[0].strip():
            return values[0].strip()
    return ""


def _read_ftm_ownership(path: Path, data: bytes, checksum: str) -> ParsedFile:
    """FollowTheMoney JSON lines: Ownership entities (owner, asset, percentage, startDate, endDate) and
    the companies and people they name. A reference to an id not in the file is taken as the key of a
    listed entity of the store (checked when the file is stored)."""
    text = decode(path, data, ("utf-8",))
    parsed = ParsedFile("ownership", str(path), checksum)
    entities: dict[str, tuple[int, PartyName]] = {}
    ownerships: list[tuple[int, str, Mapping[str, Any]]] = []
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = safejson.loads(raw)
        except json.JSONDecodeError as exc:
            raise InputError(str(path), f"invalid JSON: {exc.msg}", line=line) from None
        if (
            not isinstance(obj, dict)
            or not isinstance(obj.get("id"), str)
            or not isinstance(obj.get("properties"), dict)
        ):
            raise InputError(
                str(path), "each line must be an FtM entity with id, schema and properties", line=line
            )
        schema, props = obj.get("schema"), obj["properties"]
        if schema == "Ownership":
            ownerships.append((line, obj["id"], props))
        elif schema in FTM_PARTY_SCHEMAS:
            name = _ftm_first(props, "name", "alias")
            if not name:
                raise InputError(str(path), f"{schema} {obj['id']!r} has no name", line=line)
            try:
                country = _country(_ftm_first(props, "country", "jurisdiction", "nationality", "mainCountry"))
            except ValueError as exc:
                raise InputError(str(path), str(exc), line=line) from None
            entities[obj["id"]] = (line, PartyName(name, country, str(schema)))
        else:
            parsed.ignored += 1
    if not ownerships:
        raise InputError(str(path), "holds no Ownership entities")

    def ref(line: int, props: Mapping[str, Any], prop: str) -> str:
        target = _ftm_first(props, prop)
        if not target:
            raise InputError(str(path), f"Ownership without {prop}", line=line)
        party_line, party = entities.get(target, (line, PartyName(target, entity_key=target)))
        parsed.parties.setdefault(party.norm_key, party)
        parsed.party_lines.setdefault(party.norm_key, party_line)
        return party.norm_key

    for line, entity_id, props in ownerships:
        try:
            start = _ftm_first(props, "startDate")
            end = _ftm_first(props, "endDate")
            period = _period({"start": start, "end": end})
            share = _share(_ftm_first(props, "percentage"))
        except ValueError as exc:
            raise InputError(str(path), str(exc), line=line) from None
        url = _ftm_first(props, "sourceUrl")
        publisher = _ftm_first(props, "publisher")
        source = (
            Source(f"src:{_digest(publisher or url, url)}", publisher or url, url or None)
            if url or publisher
            else None
        )
        parsed.rows.append(
            Ownership(entity_id, ref(line, props, "owner"), ref(line, props, "asset"), share, period, source)
        )
        parsed.lines.setdefault(entity_id, line)
    return parsed
