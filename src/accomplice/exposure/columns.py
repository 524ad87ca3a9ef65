"""The columns of the exposure data files, one description per kind: name, type, whether required, meaning,
the aliases a header may use and the field of the kind's record (`exposure.model`) the column fills.

The reader (`batch.exposure`) takes its required columns and header aliases from here, and the column tables
of docs/exposure-data.md are generated from here (`scripts/gen_exposure_docs.py`). Tests check that the
docs, the reader, the records (`RECORDS`) and their tables agree with this description.
"""

from __future__ import annotations

from dataclasses import dataclass

from accomplice.exposure.model import Evidence, Facility, Ownership, Shipment, SupplyRelation

__all__ = [
    "FILE_COLUMNS",
    "KINDS",
    "PARTY",
    "RECORDS",
    "REQUIRED",
    "SOURCE_COLUMNS",
    "FileColumn",
    "header_aliases",
    "required_columns",
]

# `required` of a column without which no row is read; other values say when the column is needed.
REQUIRED = "yes"
OPTIONAL = ""

# Column types, as the docs name them.
TEXT = "text"
DATE = "date"  # YYYY-MM-DD, or YYYY-MM / YYYY for the first (as an end: the last) day
NUMBER = "number"
WHOLE = "whole number"
COUNTRY = "country"  # an ISO code or a country name
PARTY = "party"  # a name, with an optional `<column>_country`
YES_NO = "yes/no"


@dataclass(frozen=True, slots=True)
class FileColumn:
    """One column of an exposure data file."""

    name: str
    type: str
    required: str
    help: str
    aliases: tuple[str, ...] = ()
    # The field of the kind's record this column fills, when not the one of its name (`start` and `end`
    # fill `period`, the source columns `source`, a shipment's role columns `parties`).
    fills: str = ""

    @property
    def field(self) -> str:
        return self.fills or self.name

    def header_aliases(self) -> dict[str, str]:
        """Alias → column; a party column's `<alias>_country` names its `<column>_country` too."""
        aliases = {alias: self.name for alias in self.aliases}
        if self.type == PARTY:
            aliases |= {f"{alias}_country": f"{self.name}_country" for alias in self.aliases}
        return aliases


def _party(name: str, required: str, help: str, *aliases: str, fills: str = "") -> FileColumn:
    return FileColumn(name, PARTY, required, help, aliases, fills)


def _id(help: str, *aliases: str, required: str = OPTIONAL) -> FileColumn:
    return FileColumn("id", TEXT, required, help, aliases)


# When the fact held (not when the source was published); an empty side is open.
PERIOD_COLUMNS = (
    FileColumn("start", DATE, OPTIONAL, "when the fact began to hold", ("from", "start_date"), "period"),
    FileColumn(
        "end",
        DATE,
        OPTIONAL,
        "when it ended (a year or a month: its last day)",
        ("until", "to", "end_date"),
        "period",
    ),
)

# The source a relation, ownership or evidence row cites, in the same row.
SOURCE_COLUMNS = (
    FileColumn(
        "source_title",
        TEXT,
        OPTIONAL,
        "the document: report, register extract, interview record",
        ("source",),
        "source",
    ),
    FileColumn("source_url", TEXT, OPTIONAL, "where it is", fills="source"),
    FileColumn("source_date", DATE, OPTIONAL, "when it was published", ("source_published",), "source"),
    FileColumn(
        "source_reliability",
        TEXT,
        OPTIONAL,
        "Admiralty grade A (completely reliable) … F (cannot be judged, the default)",
        ("reliability",),
        "source",
    ),
    FileColumn(
        "source_confidential",
        YES_NO,
        OPTIONAL,
        'a confidential source shows as "confidential source <id>" to readers without the right to see it',
        ("confidential",),
        "source",
    ),
    FileColumn(
        "source_id",
        TEXT,
        OPTIONAL,
        "a stable id; alone, it refers to a source stored earlier",
        fills="source",
    ),
)

_ONE_ROLE = "at least one role"
_DERIVED = "derived from the row's content when empty"

SHIPMENT_COLUMNS = (
    _id("the customs entry id", "entry_id", "entry", "entry_number", required=REQUIRED),
    FileColumn("date", DATE, REQUIRED, "the entry date", ("day", "entry_date"), "day"),
    _party("importer", _ONE_ROLE, "the importer of record", fills="parties"),
    _party("exporter", _ONE_ROLE, "the exporter (shipper)", "shipper", fills="parties"),
    _party("consignee", _ONE_ROLE, "the consignee", fills="parties"),
    _party("notify", _ONE_ROLE, "the notify party", "notify_party", fills="parties"),
    _party("manufacturer", _ONE_ROLE, "the manufacturer", fills="parties"),
    FileColumn("goods", TEXT, OPTIONAL, "the goods, in words", ("goods_description", "description")),
    FileColumn("hs_code", TEXT, OPTIONAL, "the HS code (dots and spaces dropped)", ("hs",)),
    FileColumn("quantity", NUMBER, OPTIONAL, "how much"),
    FileColumn("value", NUMBER, OPTIONAL, "the declared value"),
    FileColumn("origin", COUNTRY, OPTIONAL, "the country of origin", ("origin_country", "country_of_origin")),
    FileColumn("port_lading", TEXT, OPTIONAL, "the port of lading"),
    FileColumn("port_unlading", TEXT, OPTIONAL, "the port of unlading"),
    FileColumn("vessel", TEXT, OPTIONAL, "the vessel's name", ("vessel_name",), "vessel_name"),
    FileColumn("imo", TEXT, OPTIONAL, "the vessel's IMO number", ("vessel_imo", "imo_number"), "vessel_imo"),
)

RELATION_COLUMNS = (
    _id(_DERIVED),
    _party("supplier", REQUIRED, "sells the goods"),
    _party("buyer", REQUIRED, "buys them"),
    FileColumn("tier", WHOLE, OPTIONAL, "as the importer declares it (1 = its direct supplier)"),
    FileColumn("goods", TEXT, OPTIONAL, "the goods, in words"),
    FileColumn(
        "hs_prefixes",
        TEXT,
        OPTIONAL,
        "HS code prefixes separated by `;`: the goods the relation is about (empty: any goods)",
        ("hs_prefix", "hs_codes"),
    ),
    *PERIOD_COLUMNS,
    *SOURCE_COLUMNS,
)

OWNERSHIP_COLUMNS = (
    _id(_DERIVED),
    _party("owner", REQUIRED, "holds the share"),
    # The owner's schema is the owner party's (like a party column's `_country`), not the record's.
    FileColumn(
        "owner_schema", TEXT, OPTIONAL, "`Person` for people (default: a legal entity)", fills="owner"
    ),
    _party("owned", REQUIRED, "the firm held", "asset"),
    FileColumn(
        "share",
        NUMBER,
        OPTIONAL,
        "percent held, 0–100 (`%` allowed; empty: control, no figure)",
        ("percentage",),
    ),
    *PERIOD_COLUMNS,
    *SOURCE_COLUMNS,
)

FACILITY_COLUMNS = (
    _id("the facility id (evidence names it)", "facility", "facility_id", required=REQUIRED),
    _party("operator", REQUIRED, "runs the facility"),
    FileColumn("name", TEXT, OPTIONAL, "the facility's name"),
    FileColumn("location", TEXT, OPTIONAL, "where it is", ("address",)),
    FileColumn("country", COUNTRY, OPTIONAL, "the country it is in"),
    *PERIOD_COLUMNS,
)

_ONE_SUBJECT = "one of subject, facility"
_SOURCE_NEEDED = "source_title or source_id"

EVIDENCE_COLUMNS = (
    _id(_DERIVED),
    _party("subject", _ONE_SUBJECT, "the party North Korean nationals work(ed) for"),
    FileColumn(
        "facility",
        TEXT,
        _ONE_SUBJECT,
        "the id of a stored facility, or of one in this import",
        ("facility_id",),
        "subject",
    ),
    FileColumn("statement", TEXT, OPTIONAL, "what the source says"),
    FileColumn("workers", WHOLE, OPTIONAL, "how many workers", ("workers_count", "worker_count")),
    *PERIOD_COLUMNS,
    *(
        FileColumn(c.name, c.type, _SOURCE_NEEDED, c.help, c.aliases, c.fills)
        if c.name in ("source_title", "source_id")
        else c
        for c in SOURCE_COLUMNS
    ),
)

FILE_COLUMNS: dict[str, tuple[FileColumn, ...]] = {
    "shipments": SHIPMENT_COLUMNS,
    "relations": RELATION_COLUMNS,
    "ownership": OWNERSHIP_COLUMNS,
    "facilities": FACILITY_COLUMNS,
    "evidence": EVIDENCE_COLUMNS,
}
KINDS = tuple(FILE_COLUMNS)
# The record a row of each kind becomes: the one the reader makes, the store keeps and the engine traces.
RECORDS: dict[str, type] = {
    "shipments": Shipment,
    "relations": SupplyRelation,
    "ownership": Ownership,
    "facilities": Facility,
    "evidence": Evidence,
}


def required_columns(kind: str) -> tuple[str, ...]:
    """The columns every row of a file of this kind must have."""
    return tuple(c.name for c in FILE_COLUMNS[kind] if c.required == REQUIRED)


def header_aliases(kind: str) -> dict[str, str]:
    """Every header alias of a kind's file, to the column it stands for."""
    aliases: dict[str, str] = {}
    for column in FILE_COLUMNS[kind]:
        aliases |= column.header_aliases()
    return aliases
