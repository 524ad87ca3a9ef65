"""CSV rows → incident records through a column mapping (header → field), including Uwazi's CSV export.

Uwazi (HURIDOCS) writes one column per template property, named by its label, several values in one cell
separated by `|`, a date range as `start ~ end`, and links as `[Name](address)`; `UWAZI_MAPPING` maps the
labels a violations template usually has. A mapping of one's own is YAML or JSON of the same shape:
`{"columns": {"Header": "field"}, "separator": "|", "defaults": {"type": "other"}}`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

__all__ = ["FIELDS", "UWAZI_MAPPING", "ColumnMapping", "record_from_row"]

# The fields a column may fill; "perpetrators" and "sources" take several values.
FIELDS = frozenset(
    {
        "id",
        "title",
        "type",
        "acts",
        "date",
        "date_start",
        "date_end",
        "date_precision",
        "place",
        "place_precision",
        "country",
        "latitude",
        "longitude",
        "perpetrators",
        "victims_summary",
        "narrative",
        "sources",
        "notes",
    }
)
_LINK = re.compile(r"^\[(?P<name>[^\]]*)\]\((?P<url>[^)]+)\)$")


class ColumnMapping:
    def __init__(
        self,
        columns: Mapping[str, str],
        *,
        separator: str = "|",
        range_separator: str = "~",
        defaults: Mapping[str, str] | None = None,
    ) -> None:
        unknown = sorted(set(columns.values()) - FIELDS)
        if unknown:
            raise ValueError(
                f"mapping names unknown fields: {', '.join(unknown)} (known: {', '.join(sorted(FIELDS))})"
            )
        self.columns = {k.strip().casefold(): v for k, v in columns.items()}
        self.separator = separator
        self.range_separator = range_separator
        self.defaults = dict(defaults or {})

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> ColumnMapping:
        columns = data.get("columns")
        if not isinstance(columns, Mapping) or not columns:
            raise ValueError("a mapping needs `columns`: {header: field}")
        defaults = data.get("defaults") or {}
        if not isinstance(defaults, Mapping):
            raise ValueError("`defaults` must map fields to values")
        return cls(
            {str(k): str(v) for k, v in columns.items()},
            separator=str(data.get("separator") or "|"),
            range_separator=str(data.get("range_separator") or "~"),
            defaults={str(k): str(v) for k, v in defaults.items()},
        )


# Uwazi's own columns and the labels a violations template commonly gives its properties.
UWAZI_MAPPING = ColumnMapping(
    {
        "Title": "title",
        "Generated ID": "id",
        "ID": "id",
        "Date": "date",
        "Date of incident": "date",
        "Date of violation": "date",
        "Country": "country",
        "Place": "place",
        "Location": "place",
        "Geolocation": "place",
        "Perpetrator": "perpetrators",
        "Perpetrators": "perpetrators",
        "Alleged perpetrators": "perpetrators",
        "Violation": "type",
        "Type of violation": "type",
        "Summary": "narrative",
        "Description": "narrative",
        "Victims": "victims_summary",
        "Source": "sources",
        "Sources": "sources",
        "Notes": "notes",
    },
    defaults={"type": "other", "date_precision": "day"},
)


def _slug_type(value: str) -> str:
    return re.sub(r"[^a-z]+", "_", value.casefold()).strip("_")


def record_from_row(row: Mapping[str, str], mapping: ColumnMapping) -> dict[str, object]:
    """One record in the shape of incidents.jsonl; fields the row leaves empty take the defaults."""
    values: dict[str, str] = dict(mapping.defaults)
    for header, cell in row.items():
        field = mapping.columns.get((header or "").strip().casefold().split("__", 1)[0])
        if field and cell and cell.strip() and not values.get(f"_set_{field}"):
            values[field] = cell.strip()
            values[f"_set_{field}"] = "1"
    record: dict[str, object] = {k: v for k, v in values.items() if not k.startswith("_set_")}
    if "date" in record:
        start, _, end = str(record.pop("date")).partition(mapping.range_separator)
        record["date_start"] = start.strip()
        if end.strip():
            record["date_end"] = end.strip()
    if "type" in record:
        record["type"] = _slug_type(str(record["type"]))
    if "acts" in record:
        record["acts"] = [_slug_type(a) for a in str(record["acts"]).split(mapping.separator) if a.strip()]
    if "perpetrators" in record:
        record["perpetrators"] = [
            {"name": name.strip(), "kind": mapping.defaults.get("perpetrator_kind", "company")}
            for name in str(record["perpetrators"]).split(mapping.separator)
            if name.strip()
        ]
    if "sources" in record:
        sources = []
        for item in str(record["sources"]).split(mapping.separator):
            link = _LINK.match(item.strip())
            if link:
                sources.append({"title": link["name"] or link["url"], "url": link["url"]})
            elif item.strip():
                sources.append({"title": item.strip()})
        record["sources"] = sources
    if not record.get("id") and record.get("title"):
        # Uwazi's export has no stable id unless the template generates one: title and date make one,
        # so that importing the same export twice adds nothing.
        digest = hashlib.sha256(f"{record['title']}|{record.get('date_start', '')}".encode()).hexdigest()[:12]
        record["id"] = f"CSV-{digest}"
    return record
