"""yente's `/search` filters, facets and sorts, over entities as `/search` returns them.

yente runs these as Elasticsearch queries over its index; here they run over the (few hundred) entities a
name search finds, or over every listed entity when a client browses without a query. The semantics are
yente's (yente/search/queries.py `filter_query`, `facet_aggregations`, `parse_sorts`):

- `countries`, `topics`, `datasets` and each `filter=field:value` add a condition on a field; several
  values of one field are OR'ed (`filter_op=OR`, yente's default) or must all hold (`filter_op=AND`);
  conditions on different fields must all hold.
- `filter` names a field as yente indexes it: `properties.birthDate`, `schema`, `countries`, `topics`,
  `datasets`, `entity_id`/`id`, `referents`. A value matches a property when it equals one of its values
  (yente indexes dates and identifiers as keywords, so `properties.birthDate:1972` matches a value
  `1972` only, not `1972-01-26`). A field yente does not index matches nothing, as in yente.
- `changed_since` keeps entities whose last change is later than the given time.
- facets count values over the whole result, not over the returned page.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from followthemoney import model as ftm
from followthemoney.types import registry

from accomplice.errors import InputError

__all__ = [
    "DEFAULT_FACETS",
    "FACETS",
    "Facts",
    "FilterOp",
    "SearchFilters",
    "facet_counts",
    "parse_filters",
    "parse_sorts",
    "sort_results",
]


class FilterOp(enum.StrEnum):
    AND = "AND"
    OR = "OR"


# The facets yente offers (its `Facet` enum) and those it returns when none are named.
FACETS = ("datasets", "schema", "countries", "identifiers", "topics", "genders")
DEFAULT_FACETS = ("countries", "topics", "datasets")
# The properties whose values yente counts as an entity's countries (the `country` type group).
COUNTRY_PROPS = (
    "nationality",
    "citizenship",
    "country",
    "jurisdiction",
    "flag",
    "birthCountry",
    "mainCountry",
)
# Fields `sort` may name, as yente's index has them; others are ignored as yente ignores unmapped ones.
SORT_FIELDS = ("first_seen", "last_seen", "last_change", "caption", "entity_id", "id", "schema")
# A `filter` value longer than this names nothing listed; it is refused rather than compared.
MAX_FILTER_CHARS = 200


@dataclass(frozen=True)
class Facts:
    """What the filters and facets read of one result entity."""

    id: str
    schema: str
    caption: str
    datasets: frozenset[str]
    topics: frozenset[str]
    properties: Mapping[str, Sequence[str]]
    referents: tuple[str, ...] = ()
    target: bool = True
    last_change: datetime | None = None

    # Computed once: browsing counts the countries of every listed entity for each request's facets.
    @cached_property
    def countries(self) -> frozenset[str]:
        found = set()
        for prop in COUNTRY_PROPS:
            for value in self.properties.get(prop, ()):
                if code := registry.country.clean(value):
                    found.add(code)
        return frozenset(found)

    def field_values(self, name: str) -> frozenset[str]:
        """The values of a field as yente indexes it; empty for a field it does not index."""
        if name.startswith("properties."):
            return frozenset(self.properties.get(name.removeprefix("properties."), ()))
        if name == "schema":
            return frozenset({self.schema})
        if name == "countries":
            return self.countries
        if name == "topics":
            return self.topics
        if name == "datasets":
            return self.datasets
        if name in ("entity_id", "id"):
            return frozenset({self.id})
        if name == "referents":
            return frozenset(self.referents)
        if name == "identifiers":
            return self._typed(registry.identifier.name)
        if name == "genders":
            return frozenset(self.properties.get("gender", ()))
        return frozenset()

    def _typed(self, type_name: str) -> frozenset[str]:
        schema = ftm.get(self.schema)
        if schema is None:
            return frozenset()
        values: set[str] = set()
        for prop, found in self.properties.items():
            spec = schema.get(prop)
            if spec is not None and spec.type.name == type_name:
                values.update(found)
        return frozenset(values)


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """The conditions of one `/search` request; `accepts` says whether an entity passes them all."""

    conditions: tuple[tuple[str, str], ...] = ()
    op: FilterOp = FilterOp.OR
    target: bool | None = None
    changed_since: datetime | None = None
    grouped: Mapping[str, frozenset[str]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        grouped: dict[str, set[str]] = {}
        for name, value in self.conditions:
            grouped.setdefault(name, set()).add(value)
        object.__setattr__(self, "grouped", {k: frozenset(v) for k, v in grouped.items()})

    def accepts(self, facts: Facts) -> bool:
        if self.target is not None and facts.target != self.target:
            return False
        if self.changed_since is not None and (
            facts.last_change is None or facts.last_change <= self.changed_since
        ):
            return False
        for name, wanted in self.grouped.items():
            values = facts.field_values(name)
            if name == "countries":
                wanted = frozenset(registry.country.clean(w) or w.lower() for w in wanted)
            if self.op is FilterOp.OR and not wanted & values:
                return False
            if self.op is FilterOp.AND and not wanted <= values:
                return False
        return True


def parse_filters(
    *,
    countries: Sequence[str] = (),
    topics: Sequence[str] = (),
    datasets: Sequence[str] = (),
    filters: Sequence[str] = (),
    op: str = "OR",
    target: bool | None = None,
    changed_since: datetime | None = None,
) -> SearchFilters:
    """A request's filters; `filter` values without `field:` are an InputError (HTTP 400, as yente)."""
    try:
        operator = FilterOp(op.upper())
    except ValueError as exc:
        raise InputError("filter_op", f"{op[:10]!r} is not AND or OR") from exc
    conditions: list[tuple[str, str]] = [("countries", c) for c in countries]
    conditions += [("topics", t) for t in topics]
    conditions += [("datasets", d) for d in datasets]
    for text in filters:
        name, colon, value = text.partition(":")
        if not colon or not name or len(text) > MAX_FILTER_CHARS:
            raise InputError("filter", f"Invalid filter: {text[:MAX_FILTER_CHARS]!r}; use field:value")
        conditions.append((name, value))
    return SearchFilters(tuple(conditions), operator, target, changed_since)


def _label(facet: str, value: str) -> str:
    if facet == "schema":
        schema = ftm.get(value)
        return str(schema.plural) if schema is not None else value
    if facet == "countries":
        return str(registry.country.caption(value) or value)
    if facet == "topics":
        return str(registry.topic.caption(value) or value)
    if facet == "genders":
        return str(registry.gender.caption(value) or value)
    return value


FACET_TITLES = {
    "datasets": "Data sources",
    "schema": "Entity types",
    "countries": str(registry.country.plural),
    "topics": str(registry.topic.plural),
    "identifiers": str(registry.identifier.plural),
    "genders": str(registry.gender.plural),
}


def facet_counts(
    facts: Iterable[Facts], facets: Sequence[str], dataset_titles: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """yente's facets: per asked field, each value's number of results, most frequent first."""
    counts: dict[str, dict[str, int]] = {f: {} for f in facets}
    for one in facts:
        for facet in facets:
            for value in one.field_values(facet):
                counts[facet][value] = counts[facet].get(value, 0) + 1
    out: dict[str, dict[str, Any]] = {}
    for facet, values in counts.items():
        items = []
        for value, n in sorted(values.items(), key=lambda vn: (-vn[1], vn[0])):
            label = dataset_titles.get(value, value) if facet == "datasets" else _label(facet, value)
            items.append({"name": value, "label": label, "count": n})
        out[facet] = {"label": FACET_TITLES[facet], "values": items}
    return out


def parse_sorts(sorts: Sequence[str]) -> list[tuple[str, bool]]:
    """`field:asc|desc` (asc when left out or unknown, as yente) → (field, descending)."""
    parsed = []
    for text in sorts:
        name, _, order = text.rpartition(":") if ":" in text else (text, "", "asc")
        if name in SORT_FIELDS:
            parsed.append((name, order.lower() == "desc"))
    return parsed


def sort_results(results: list[dict[str, Any]], sorts: Sequence[tuple[str, bool]]) -> list[dict[str, Any]]:
    """Results in the asked order; a missing value sorts last (yente's `missing: _last`); ties keep the
    order they came in (best score first)."""
    ordered = list(results)
    for name, descending in reversed(sorts):
        key = "id" if name == "entity_id" else name
        present = [r for r in ordered if r.get(key) is not None]
        missing = [r for r in ordered if r.get(key) is None]
        present.sort(key=lambda r: str(r[key]), reverse=descending)
        ordered = present + missing
    return ordered
