"""Screening in yente's shapes: clients of OpenSanctions' yente switch to accomplice by changing a base URL.

yente (https://github.com/opensanctions/yente) answers `POST /match/{dataset}` with "query by example"
entities, `GET /search/{dataset}`, `GET /entities/{id}`, `GET /catalog` and `GET /algorithms`; OpenRefine
talks to the Reconciliation Service API. These use-cases take the same requests and return the same JSON,
computed by accomplice's own matcher over the lists in the store:

- a *dataset* is one loaded list (`ofac`, `un`, `eu_prk`, `uk`...), and `default` is all of them;
- a result is one real-world entity: the cluster of list entries that are the same person, firm or ship
  (matching.resolve). Its `id` is the leading entry in the requested datasets, `referents` the other
  entries, `properties` every current value of the entries in scope and `datasets` their lists;
- scores are accomplice's (0..1, calibrated so that DEFAULT_THRESHOLD is an alert); every yente algorithm
  name is accepted and answered by accomplice's matcher, which `/algorithms` says;
- `features` (yente 3/4) and `explanations` (yente 5) both carry the features that made the score, and
  `explanation` the sentences analysts read.

Dates: `first_seen`/`last_seen`/`last_change` come from the list versions that stated the entity (the
version's data date when the list gives one, else its import time).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from followthemoney import model as ftm
from followthemoney.types import registry

from accomplice import safejson
from accomplice.errors import InputError, NotFoundError
from accomplice.matching import DEFAULT_THRESHOLD, FeatureResult, Match, QueryEntity, query_entity
from accomplice.matching.build import IDENTIFIER_PROPS
from accomplice.matching.decisions import dismissed, without_dismissed
from accomplice.matching.features import (
    CAP_FEATURES,
    EVIDENCE_FEATURES,
    FEATURE_KINDS,
    NAME_FEATURES,
    label_of,
)
from accomplice.matching.resolve import link_reason
from accomplice.matching.scorer import schema_mismatch
from accomplice.services.auth import ANONYMOUS, Principal
from accomplice.services.list_twins import entity_twins, list_twins
from accomplice.services.lists import EntityDetail, entity_detail
from accomplice.services.screening import (
    ScreeningIndex,
    ScreeningRecord,
    birth_date_warning,
    check_query_length,
    clean_query,
    decided_json,
    lookup,
    screen_entity,
    screening_index,
    search_key,
    with_decisions,
)
from accomplice.services.screening import clean_dates as _dates
from accomplice.services.screening import country_codes as _countries
from accomplice.services.yente_filters import (
    DEFAULT_FACETS,
    Facts,
    SearchFilters,
    facet_counts,
    parse_filters,
    parse_sorts,
    sort_results,
)
from accomplice.store import Store
from accomplice.store.browse import iter_current_values
from accomplice.store.clock import aware
from accomplice.store.store import ENTITY_ID_PROP

__all__ = [
    "ALGORITHM",
    "DEFAULT_DATASET",
    "DEFAULT_MATCH_THRESHOLD",
    "MATCH_PAGE",
    "MAX_BATCH",
    "MAX_MATCHES",
    "RECONCILE_TYPES",
    "YENTE_ALGORITHMS",
    "MatchOptions",
    "algorithms",
    "catalog",
    "check_config",
    "entity_adjacent",
    "entity_json",
    "match_batch",
    "parse_sorts",
    "reconcile",
    "reconcile_manifest",
    "reconcile_preview",
    "resolve_algorithm",
    "search",
    "search_filters",
]

ALGORITHM = "accomplice-v1"
# yente's algorithm names (nomenklatura's matchers and yente's alias "best"). Clients send them out of
# habit; they all get accomplice's matcher, whose scores are calibrated on these lists' scripts.
YENTE_ALGORITHMS = ("best", "logic-v1", "logic-v2", "name-based", "name-qualified", "regression-v1")
DEFAULT_DATASET = "default"
# yente's defaults and bounds, so that clients tuned for it get the same page sizes.
MATCH_PAGE = 5
MAX_MATCHES = 500
MAX_BATCH = 100
SEARCH_PAGE = 10
MAX_SEARCH_PAGE = 500
# yente's MAX_RESULTS - MAX_PAGE: the deepest page start a client may ask for.
MAX_SEARCH_RESULTS = 9_999
MAX_SEARCH_OFFSET = MAX_SEARCH_RESULTS - MAX_SEARCH_PAGE
# yente's SCORE_THRESHOLD: a client that sends no threshold gets yente's `match` flags and `total`, as it
# would from yente. accomplice's own alert threshold (matching.DEFAULT_THRESHOLD, 0.80: the score at which
# its development sets are best separated, docs/benchmarks.md) stays what the CLI, web, jobs and
# reconciliation's `match` use; a yente client that wants it sends `threshold=0.8`.
DEFAULT_MATCH_THRESHOLD = 0.70
# A search box lists partial agreement too (a misspelt or half-remembered name); screening stays at the
# alert threshold. Plain substring hits are added after the screened ones.
SEARCH_THRESHOLD = 0.6
# OpenRefine shows candidates for a human to pick, so reconciliation returns weaker ones too; only those at
# the alert threshold are flagged `match` (which OpenRefine may accept automatically).
RECONCILE_CUTOFF = 0.5
# A yente example may repeat a property; more values than this are not a person's names but a document.
MAX_VALUES_PER_PROPERTY = 50
# The screener scores a handful of candidates (matching.screen.CANDIDATES_SCORED); results beyond that
# come only from analysts' confirmed matches. Asking for more than this per query finds nothing more.
SCREEN_LIMIT = 50
# Flat entities (values, lists, dates) kept for results: the entities that screening keeps returning are
# few (the designated people and firms a business deals with), and a result then costs no store read.
ENTITY_CACHE_SIZE = 10_000
# An entity page inlines at most this many adjacent entities in full; further ones stay ids, as yente
# leaves ids it cannot resolve, so that a hub (a bank with hundreds of links) answers as fast as others.
MAX_NESTED = 100
RECONCILE_TYPES = ("Person", "Organization", "Company", "Vessel")
# OpenRefine's preview pane size (pixels) that the small HTML card is laid out for.
PREVIEW_WIDTH = 430
PREVIEW_HEIGHT = 300

SCHEMA_LABELS = {"Organization": "Organisation"}


# --- datasets ------------------------------------------------------------------------------------------


def _version_date(data_date: str | None, imported_at: datetime) -> datetime:
    """A version's date: the date its publisher gave (2024-05-03, 2025-12) or else when it was imported."""
    if data_date:
        for fmt in ("%Y-%m-%d", "%Y-%m", "%Y"):
            try:
                return datetime.strptime(data_date[: len(fmt) + 2], fmt).replace(tzinfo=UTC)
            except ValueError:
                continue
    return aware(imported_at)


def _ts(when: datetime) -> str:
    """A time as yente writes it: UTC, to the second, without a zone (`2024-05-03T00:00:00`)."""
    return when.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class _Catalog:
    generation: str
    datasets: tuple[dict[str, object], ...]
    lists: frozenset[str]
    dates: dict[tuple[str, int], datetime]


_CATALOG: dict[str, _Catalog] = {}
_CATALOG_LOCK = threading.Lock()


def _catalog(store: Store, generation: str | None = None) -> _Catalog:
    generation = generation or store.generation()
    cached = _CATALOG.get(store.url)
    if cached is not None and cached.generation == generation:
        return cached
    with _CATALOG_LOCK:
        dates: dict[tuple[str, int], datetime] = {}
        datasets: list[dict[str, object]] = []
        infos = store.lists()
        for info in infos:
            versions = store.versions(info.name)
            for v in versions:
                dates[(info.name, v.seq)] = _version_date(v.data_date, v.imported_at)
            latest = versions[-1] if versions else None
            datasets.append(
                {
                    "name": info.name,
                    "title": info.title,
                    "summary": f"{info.publisher}; {info.current_entities:,} entities listed",
                    "url": info.source_url,
                    # Every list here is a government's or the UN's own publication.
                    "publisher": {"name": info.publisher, "official": True},
                    "license": info.licence,
                    "load": True,
                    "version": f"{latest.seq}:{latest.label}" if latest else "",
                    "index_version": f"{latest.seq}:{latest.label}" if latest else None,
                    "index_current": True,
                    "last_change": _ts(dates[(info.name, latest.seq)]) if latest else None,
                    "updated_at": _ts(dates[(info.name, latest.seq)]) if latest else None,
                    "last_export": _ts(aware(latest.imported_at)) if latest else None,
                    "entity_count": info.current_entities,
                    "children": [],
                }
            )
        default: dict[str, object] = {
            "name": DEFAULT_DATASET,
            "title": "Every loaded list",
            "summary": "All lists held by this accomplice store, screened together.",
            "url": None,
            "publisher": None,
            "license": None,
            "load": True,
            "version": generation,
            "index_version": generation,
            "index_current": True,
            "last_change": max((str(d["last_change"]) for d in datasets if d["last_change"]), default=None),
            "updated_at": max((str(d["updated_at"]) for d in datasets if d["updated_at"]), default=None),
            "entity_count": sum(int(str(d["entity_count"])) for d in datasets),
            "children": [d["name"] for d in datasets],
        }
        built = _Catalog(generation, (default, *datasets), frozenset(i.name for i in infos), dates)
        _CATALOG[store.url] = built
        return built


def catalog(store: Store) -> dict[str, object]:
    """yente's `/catalog`: every dataset (each loaded list, and `default` = all) with its version."""
    cat = _catalog(store)
    names = [str(d["name"]) for d in cat.datasets]
    return {"datasets": list(cat.datasets), "current": names, "outdated": [], "index_stale": False}


def dataset_lists(store: Store, dataset: str, generation: str | None = None) -> frozenset[str]:
    """The lists a dataset name stands for; an unknown name is NotFoundError (HTTP 404, as yente)."""
    cat = _catalog(store, generation)
    if dataset == DEFAULT_DATASET:
        return cat.lists
    if dataset in cat.lists:
        return frozenset({dataset})
    raise NotFoundError(f"no dataset named {dataset[:80]!r}; see /catalog")


def _scope(lists: frozenset[str], include: Sequence[str], exclude: Sequence[str]) -> frozenset[str]:
    if include:
        lists = lists & frozenset(include)
    return lists - frozenset(exclude)


# --- algorithms ----------------------------------------------------------------------------------------


def resolve_algorithm(name: str | None) -> str:
    """Our algorithm for a requested name: ours or any of yente's; anything else is an InputError (400)."""
    cleaned = (name or "best").strip().lower()
    if cleaned == ALGORITHM or cleaned in YENTE_ALGORITHMS:
        return ALGORITHM
    known = ", ".join((ALGORITHM, *YENTE_ALGORITHMS))
    raise InputError("algorithm", f"unknown algorithm {name[:40] if name else name!r}; use one of {known}")


# logic-v2's options (nomenklatura 4.x LogicV2.CONFIG): yente clients tune them per request. accomplice's
# matcher reads names by syllables across scripts, not by logic-v2's name-part alignment, so none of them
# has a counterpart: each is accepted (a client tuned for yente keeps working), type-checked, and listed
# back in the response's `config_ignored`. Name: (type, logic-v2's default, description).
LOGIC_V2_CONFIG: dict[str, tuple[str, object, str]] = {
    "nm_name_property": ("string", None, "The property to use for name matching (all names if unset)."),
    "nm_number_mismatch": ("float", 0.3, "Penalty for mismatching numbers in object or company names."),
    "nm_extra_query_name": ("float", 0.8, "Weight for name parts in the query not matched to the result."),
    "nm_extra_result_name": ("float", 0.2, "Weight for name parts in the result not matched to the query."),
    "nm_family_name_weight": ("float", 1.3, "Extra weight multiplier for family names in person matches."),
    "nm_fuzzy_cutoff_factor": ("float", 1.0, "Factor on the threshold below which a fuzzy name match is 0."),
}
CONFIG_TYPES: dict[str, tuple[type, ...]] = {"string": (str,), "float": (int, float), "boolean": (bool,)}


def config_docs() -> dict[str, dict[str, object]]:
    """nomenklatura's ConfigVarDoc of each option accepted in `config` (all accepted and ignored)."""
    return {
        name: {
            "description": f"{description} Accepted for yente clients; {ALGORITHM} does not apply it.",
            "type": kind,
            "default": default,
        }
        for name, (kind, default, description) in LOGIC_V2_CONFIG.items()
    }


def check_config(config: Mapping[str, object], algorithm: str | None) -> None:
    """yente refuses options its algorithm does not have (400); so does this, naming the known ones."""
    resolve_algorithm(algorithm)
    for name, value in config.items():
        spec = LOGIC_V2_CONFIG.get(name)
        if spec is None:
            known = ", ".join(LOGIC_V2_CONFIG)
            raise InputError("config", f"invalid configuration parameter {name[:64]!r}; known: {known}")
        kinds = CONFIG_TYPES[spec[0]]
        if value is not None and (isinstance(value, bool) or not isinstance(value, kinds)):
            raise InputError("config", f"{name} must be a {spec[0]}")


@cache
def feature_docs() -> dict[str, dict[str, object]]:
    """nomenklatura's FeatureDocs for accomplice's features: the docstring users read, and a coefficient.

    Our score is not a weighted sum: the best name feature gives it, caps lower it and evidence features
    add their own signed score. So name features have coefficient 1, caps 0 (they bound, not add), and
    evidence features 1 (their score already carries its sign and size). Built once: the features are
    registered at import. Callers must not change it (it is the same dict for every response).
    """
    docs: dict[str, dict[str, object]] = {}
    for feature in (*NAME_FEATURES, *CAP_FEATURES, *EVIDENCE_FEATURES, schema_mismatch):
        name = feature.__name__
        kind = FEATURE_KINDS.get(name, "cap")
        docs[name] = {
            "description": label_of(feature),
            "coefficient": 0.0 if kind == "cap" else 1.0,
            "url": f"/algorithms#{name}",
        }
    return docs


_DESCRIPTION = (
    "accomplice's matcher: names compared across scripts (Hangul, Hanja, Chinese, Cyrillic, Latin "
    "romanizations) by reading them as syllables, with dates of birth, countries and identifiers as "
    "evidence; one result per real-world entity across lists. Every yente algorithm name ("
    + ", ".join(YENTE_ALGORITHMS)
    + ") is answered by this matcher."
)


def algorithms() -> dict[str, object]:
    """yente's `/algorithms`: ours under its name and under each yente name it stands in for."""
    features = feature_docs()
    entries = []
    for name in (ALGORITHM, *YENTE_ALGORITHMS):
        description = _DESCRIPTION if name == ALGORITHM else f"Alias of {ALGORITHM}: {_DESCRIPTION}"
        entries.append(
            {
                "name": name,
                "description": description,
                "features": features,
                "docs": {
                    "name": name,
                    "description": description,
                    "config": config_docs(),
                    "features": features,
                },
            }
        )
    return {"algorithms": entries, "default": ALGORITHM, "best": ALGORITHM}


# --- entities in yente's shape -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Flat:
    """One list entry as yente shows an entity, with what filters need."""

    data: dict[str, Any]
    lists: tuple[str, ...]
    topics: frozenset[str]
    last_change: datetime | None


_ENTITIES: OrderedDict[tuple[str, str, str], _Flat] = OrderedDict()
_ENTITIES_LOCK = threading.Lock()


def _topics(props: Mapping[str, list[str]]) -> frozenset[str]:
    """The list's own topics, and `sanction` for an entry under a sanctions programme."""
    topics = set(props.get("topics", ()))
    if props.get("programId") or props.get("program"):
        topics.add("sanction")
    return frozenset(topics)


def _flat_of(detail: EntityDetail, dates: Mapping[tuple[str, int], datetime]) -> _Flat:
    row = detail.entity
    props: dict[str, list[str]] = {}
    changes: list[datetime] = []
    for s in detail.statements:
        if s.prop == ENTITY_ID_PROP or not s.is_current:
            continue
        values = props.setdefault(s.prop, [])
        if s.value not in values:
            values.append(s.value)
        if (when := dates.get((s.list_name, s.first_seq))) is not None:
            changes.append(when)
    presence = detail.presence()
    first = [d for s in presence if (d := dates.get((s.list_name, s.first_seq))) is not None]
    last = [d for s in presence if (d := dates.get((s.list_name, s.last_seq))) is not None]
    last_change = max(changes, default=None)
    data = {
        "id": row.key,
        "caption": row.caption,
        "schema": row.schema,
        "properties": props,
        "datasets": list(row.lists),
        "referents": [],
        "target": row.is_current,
        "first_seen": _ts(min(first)) if first else None,
        "last_seen": _ts(max(last)) if last else None,
        "last_change": _ts(last_change) if last_change else None,
    }
    return _Flat(data, row.lists, _topics(props), last_change)


def _flat(store: Store, key: str, cat: _Catalog) -> _Flat:
    cache_key = (store.url, cat.generation, key)
    with _ENTITIES_LOCK:
        found = _ENTITIES.get(cache_key)
        if found is not None:
            _ENTITIES.move_to_end(cache_key)
            return found
    flat = _flat_of(entity_detail(store, key), cat.dates)
    with _ENTITIES_LOCK:
        _ENTITIES[cache_key] = flat
        while len(_ENTITIES) > ENTITY_CACHE_SIZE:
            _ENTITIES.popitem(last=False)
    return flat


def _copy(data: Mapping[str, Any]) -> dict[str, Any]:
    """A response's own copy of a cached entity (its properties are changed when entities are nested)."""
    out = dict(data)
    out["properties"] = {p: list(v) for p, v in data["properties"].items()}
    return out


def _entity_prop(schema: str, prop: str) -> Any:
    found = ftm.get(schema)
    return found.get(prop) if found is not None else None


def entity_json(store: Store, key: str, *, nested: bool = True) -> dict[str, Any]:
    """yente's `/entities/{id}`: the entity with adjacent entities inlined in its properties.

    As yente does: each relation naming the entity (an Ownership, an UnknownLink...) appears under the
    reverse property (`ownershipOwner`, `unknownLinkSubject`...) with its own entity properties inlined
    (the other party in full), and the entity's own entity-valued properties are inlined likewise. The
    entity itself is not repeated inside its relations. `referents` are the same entity's entries on
    other lists, as screening groups them; `also_listed` gives each with the evidence joining it.
    """
    cat = _catalog(store)
    detail = entity_detail(store, key)
    root = _copy(_flat_of(detail, cat.dates).data)
    twins = entity_twins(store, detail)
    root["referents"] = [t.entity.key for t in twins]
    root["also_listed"] = [
        {
            "id": t.entity.key,
            "caption": t.entity.caption,
            "schema": t.entity.schema,
            "datasets": list(t.entity.lists),
            "target": t.entity.is_current,
            "reasons": [link_reason(link, key) for link in t.links],
        }
        for t in twins
    ]
    if not nested:
        return root
    budget = [MAX_NESTED]

    def inline(ref: str) -> Any:
        if budget[0] <= 0:
            return ref
        budget[0] -= 1
        try:
            return _copy(_flat(store, ref, cat).data)
        except NotFoundError:
            return ref

    for prop, values in list(root["properties"].items()):
        spec = _entity_prop(detail.entity.schema, prop)
        if spec is not None and spec.type == registry.entity:
            root["properties"][prop] = [inline(v) if v != key else v for v in values]
    for rel_row, statements in detail.relations:
        relation = _copy(_flat_of(EntityDetail(rel_row, statements, ()), cat.dates).data)
        pointing: list[str] = []
        for prop, values in list(relation["properties"].items()):
            spec = _entity_prop(rel_row.schema, prop)
            if spec is None or spec.type != registry.entity:
                continue
            if key in values and spec.reverse is not None:
                pointing.append(spec.reverse.name)
            others = [inline(v) for v in values if v != key]
            if others:
                relation["properties"][prop] = others
            else:
                del relation["properties"][prop]
        for reverse in pointing or ["relations"]:
            root["properties"].setdefault(reverse, []).append(relation)
    return root


def entity_adjacent(store: Store, key: str, *, limit: int, offset: int) -> dict[str, Any]:
    """yente's `/entities/{id}/adjacent`: the entity without nesting, and by property the adjacent
    entities `/entities/{id}` inlines (relations with their other party, linked entities), paged."""
    nested = entity_json(store, key, nested=True)
    adjacent: dict[str, list[Any]] = {}
    for prop, values in list(nested["properties"].items()):
        linked = [v for v in values if isinstance(v, dict)]
        if linked:
            adjacent[prop] = linked
            plain = [v for v in values if not isinstance(v, dict)]
            if plain:
                nested["properties"][prop] = plain
            else:
                del nested["properties"][prop]
    nested.pop("also_listed", None)
    return {
        "entity": nested,
        "adjacent": {
            prop: {
                "results": linked[offset : offset + limit],
                "total": {"value": len(linked), "relation": "eq"},
                "limit": limit,
                "offset": offset,
            }
            for prop, linked in adjacent.items()
        },
    }


def _merged(
    store: Store, keys: Sequence[str], cat: _Catalog, scope: frozenset[str]
) -> tuple[dict[str, Any], frozenset[str], datetime | None] | None:
    """The cluster's entries in scope as one yente entity: the first as id, every value of them all."""
    flats = []
    for key in keys:
        try:
            flat = _flat(store, key, cat)
        except NotFoundError:
            continue
        if flat.data["target"] and set(flat.lists) & scope:
            flats.append(flat)
    if not flats:
        return None
    lead = _copy(flats[0].data)
    props: dict[str, list[str]] = lead["properties"]
    datasets = dict.fromkeys(lead["datasets"])
    for other in flats[1:]:
        for prop, values in other.data["properties"].items():
            into = props.setdefault(prop, [])
            into.extend(v for v in values if v not in into)
        datasets.update(dict.fromkeys(other.data["datasets"]))
    lead["datasets"] = sorted(d for d in datasets if d in scope)
    lead["referents"] = [k for k in keys if k != lead["id"]]
    seen = [f.data["first_seen"] for f in flats if f.data["first_seen"]]
    last = [f.data["last_seen"] for f in flats if f.data["last_seen"]]
    lead["first_seen"] = min(seen, default=None)
    lead["last_seen"] = max(last, default=None)
    changes = [f.last_change for f in flats if f.last_change is not None]
    last_change = max(changes, default=None)
    lead["last_change"] = _ts(last_change) if last_change else None
    topics = frozenset(t for f in flats for t in f.topics)
    return lead, topics, last_change


# --- matching ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MatchOptions:
    """yente's query parameters of `/match` (the ones that mean something for lists in a store)."""

    threshold: float = DEFAULT_MATCH_THRESHOLD
    cutoff: float | None = None  # lower bound for results returned; None: the threshold (as yente 5)
    limit: int = MATCH_PAGE
    include_dataset: tuple[str, ...] = ()
    exclude_dataset: tuple[str, ...] = ()
    exclude_schema: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    changed_since: str | None = None
    exclude_entity_ids: tuple[str, ...] = ()
    # Leave out results an analyst decided are not a match (by default they are returned, `match: false`,
    # with their `decision` and `decided`).
    hide_decided: bool = False
    # yente's `config` (logic-v2's options), checked by check_config; accomplice's matcher takes none.
    config: Mapping[str, object] = field(default_factory=dict)


def _values(raw: object) -> list[str]:
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for item in items[:MAX_VALUES_PER_PROPERTY]:
        if isinstance(item, str | int | float) and not isinstance(item, bool):
            text = clean_query(str(item))
            if text:
                out.append(text)
    return out


# Property types whose values yente echoes normalised: "North Korea" is `kp`, "1984-1-8" is `1984-01-08`.
NORMALISED_TYPES = frozenset({"country", "date"})


def _normalised(prop_type: Any, values: list[str]) -> list[str]:
    """Values as FollowTheMoney cleans them for country and date properties (yente's echo); a value
    that does not clean is kept as sent (accomplice's own date and country readers may still use it)."""
    if prop_type.name not in NORMALISED_TYPES:
        return values
    out: list[str] = []
    for value in values:
        cleaned = prop_type.clean(value) or value
        if cleaned not in out:
            out.append(cleaned)
    return out


def _parse_example(example: Mapping[str, Any]) -> tuple[str, dict[str, list[str]]]:
    """The schema and cleaned properties of a yente example; InputError when it cannot be screened."""
    schema_name = str(example.get("schema") or "")
    schema = ftm.get(schema_name)
    if schema is None:
        raise InputError("query", f"unknown schema {schema_name[:64]!r}; use a FollowTheMoney schema")
    raw = example.get("properties") or {}
    props: dict[str, list[str]] = {}
    for prop, value in raw.items() if isinstance(raw, Mapping) else ():
        spec = schema.get(str(prop))
        if spec is None:
            continue  # yente drops properties its schema does not have
        values = _normalised(spec.type, _values(value))
        if values:
            props[str(prop)] = values
    for prop, values in props.items():
        for value in values:
            check_query_length(value, "query", f"The {prop}")
    return schema.name, props


NAME_QUERY_PROPS = ("name", "alias", "previousName", "weakAlias", "firstName", "lastName")
BIRTH_QUERY_PROPS = ("birthDate", "incorporationDate", "buildDate")
COUNTRY_QUERY_PROPS = ("nationality", "citizenship", "country", "jurisdiction", "flag", "birthCountry")


def _date_warnings(props: Mapping[str, list[str]]) -> list[str]:
    """A sentence for each date given that is not one: the query is screened without it, and says so."""
    return [
        problem
        for prop in BIRTH_QUERY_PROPS
        for value in props.get(prop, ())
        if (problem := birth_date_warning(value, prop))
    ]


def _query(schema: str, props: Mapping[str, list[str]], query_id: str) -> tuple[QueryEntity, str]:
    names = [v for p in ("name", "alias", "previousName", "weakAlias") for v in props.get(p, ())]
    parts = [props.get(p, [""])[0] for p in ("firstName", "middleName", "lastName") if props.get(p)]
    if parts and not names:
        names.append(" ".join(parts))
    identifiers = [(kind, v) for prop, kind in IDENTIFIER_PROPS.items() for v in props.get(prop, ())]
    if not names and not identifiers:
        raise InputError("query", "has no name and no identifier to match on")
    births = _dates([v for p in BIRTH_QUERY_PROPS for v in props.get(p, ())])
    countries = _countries([v for p in COUNTRY_QUERY_PROPS for v in props.get(p, ())])
    query = query_entity(
        query_id,
        names,
        schema=schema,
        birth_dates=births,
        countries=countries,
        identifiers=identifiers,
    )
    # Who was screened, as the CLI and web say it: decisions taken there apply here too.
    record = ScreeningRecord(
        query_id,
        " | ".join(names),
        schema,
        births[0] if births else None,
        ";".join(countries) or None,
    )
    return query, record.fingerprint


def _changed_since(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InputError("changed_since", f"{text[:40]!r} is not an ISO date or time") from exc
    return aware(when)


def _features(features: Iterable[FeatureResult]) -> tuple[dict[str, float], dict[str, dict[str, Any]]]:
    scores: dict[str, float] = {}
    explained: dict[str, dict[str, Any]] = {}
    for f in features:
        if f.name not in scores or f.score > scores[f.name]:
            scores[f.name] = f.score
            explained[f.name] = {"detail": f.detail, "score": f.score, "query": None, "candidate": None}
    return scores, explained


def _scored(
    store: Store,
    matches: Sequence[Match],
    cat: _Catalog,
    scope: frozenset[str],
    options: MatchOptions,
    since: datetime | None,
) -> tuple[list[dict[str, Any]], int]:
    """The page of results (at most `limit`, best first) and, as yente's `total`, how many of all the
    results that pass the filters reach the threshold (not only those on the page)."""
    excluded = frozenset(options.exclude_entity_ids)
    results: list[dict[str, Any]] = []
    total = 0
    for match in matches:
        if excluded & frozenset(match.keys or (match.key,)):
            continue
        merged = _merged(store, match.keys or (match.key,), cat, scope)
        if merged is None:
            continue
        entity, topics, last_change = merged
        if entity["schema"] in options.exclude_schema:
            continue
        if options.topics and not topics & frozenset(options.topics):
            continue
        if since is not None and (last_change is None or last_change < since):
            continue
        features, explanations = _features(match.features)
        entity.update(
            score=match.score,
            # An analyst's "not a match" is the answer for this pair: the score stays, as evidence.
            match=match.score >= options.threshold and not dismissed(match),
            features=features,
            explanations=explanations,
            explanation=match.explanation,
        )
        if match.decision:
            entity["decision"] = match.decision
        if match.decided is not None:
            entity["decided"] = decided_json(match.decided)
        total += entity["match"]
        if len(results) < options.limit:
            results.append(entity)
    return results, total


def _echo(example: Mapping[str, Any], schema: str | None, props: Mapping[str, list[str]]) -> dict[str, Any]:
    query_id = example.get("id")
    return {
        "id": str(query_id)[:255] if query_id is not None else None,
        "schema": schema or str(example.get("schema") or "")[:64],
        "properties": dict(props),
    }


def match_batch(
    store: Store,
    dataset: str,
    queries: Mapping[str, Mapping[str, Any]],
    options: MatchOptions,
    *,
    algorithm: str | None = None,
    principal: Principal = ANONYMOUS,
) -> dict[str, Any]:
    """yente's `POST /match/{dataset}`: each example screened, results in yente's shape.

    The decisions applied are the caller's (Principal.decision_org): an importer's organisation's or the
    enforcement side's shared ones, never the other's.

    A query that cannot be screened (unknown schema, no name or identifier) gets its own `status` 400 and
    `detail`, and the other queries of the batch are answered: one bad row does not cost a batch of 100.
    """
    name = resolve_algorithm(algorithm)
    if not queries:
        raise InputError("queries", "no queries provided")
    if len(queries) > MAX_BATCH:
        raise InputError("queries", f"{len(queries)} queries in one batch; at most {MAX_BATCH}")
    index: ScreeningIndex = with_decisions(store, screening_index(store), principal.decision_org)
    cat = _catalog(store, index.generation)
    scope = _scope(
        dataset_lists(store, dataset, index.generation), options.include_dataset, options.exclude_dataset
    )
    since = _changed_since(options.changed_since)
    cutoff = options.threshold if options.cutoff is None else min(options.cutoff, options.threshold)
    parsed = _parse_batch(queries)
    responses: dict[str, Any] = {}
    for query_name, (schema, props, query, fingerprint) in parsed.items():
        matches = screen_entity(index, query, fingerprint, threshold=cutoff, limit=SCREEN_LIMIT)
        if options.hide_decided:
            matches = without_dismissed(matches)
        results, total = _scored(store, matches, cat, scope, options, since)
        responses[query_name] = {
            "status": 200,
            "warnings": _date_warnings(props),
            "results": results,
            "total": {"value": total, "relation": "eq"},
            "query": _echo(queries[query_name], schema, props),
        }
    return {
        "responses": responses,
        "matcher": feature_docs(),
        "limit": options.limit,
        "algorithm": name,
        "requested_algorithm": (algorithm or "best").strip().lower(),
        "threshold": options.threshold,
        "config_ignored": sorted(options.config),
    }


def _parse_batch(
    queries: Mapping[str, Mapping[str, Any]],
) -> dict[str, tuple[str, dict[str, list[str]], QueryEntity, str]]:
    """Every example of a batch parsed before any is screened: one that cannot be screened (unknown
    schema, no name and no identifier) refuses the whole request with HTTP 400, as yente does, naming the
    query. A client that reads only the HTTP status must not take an unscreened row for a clean one."""
    parsed = {}
    for query_name, example in queries.items():
        try:
            schema, props = _parse_example(example)
            query, fingerprint = _query(schema, props, str(query_name))
        except InputError as exc:
            raise InputError("queries", f"query {str(query_name)[:40]!r}: {exc.reason}") from exc
        parsed[query_name] = (schema, props, query, fingerprint)
    return parsed


# --- search --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Browsed:
    """One listed entry as browsing (`/search` without `q`) filters it: its values, lists and last change."""

    key: str
    schema: str
    caption: str
    lists: tuple[str, ...]
    properties: dict[str, list[str]]
    topics: frozenset[str]
    last_change: datetime | None
    first_seen: datetime | None
    last_seen: datetime | None
    cluster: tuple[str, ...]


_BROWSE: dict[str, tuple[str, dict[str, _Browsed]]] = {}
_BROWSE_LOCK = threading.Lock()


def _browse_table(store: Store, cat: _Catalog) -> dict[str, _Browsed]:
    """Every current entry with what filters read, built in one pass over the current values and kept
    until a list changes: browsing the whole store must not read each entity on its own."""
    cached = _BROWSE.get(store.url)
    if cached is not None and cached[0] == cat.generation:
        return cached[1]
    with _BROWSE_LOCK:
        cached = _BROWSE.get(store.url)
        if cached is not None and cached[0] == cat.generation:
            return cached[1]
        rows = {row.key: row for row in store.iter_current_entities()}
        # An open interval (still listed) ends at the list's latest version.
        latest: dict[str, int] = {}
        for list_name, seq in cat.dates:
            latest[list_name] = max(seq, latest.get(list_name, seq))
        props: dict[str, dict[str, list[str]]] = {}
        changes: dict[str, datetime] = {}
        seen: dict[str, tuple[datetime, datetime]] = {}
        for v in iter_current_values(store):
            if v.entity_key not in rows:
                continue
            first = cat.dates.get((v.list_name, v.first_seq))
            if v.prop == ENTITY_ID_PROP:  # the statement saying which versions listed the entry
                last_seq = v.last_seq if v.last_seq is not None else latest.get(v.list_name, v.first_seq)
                last = cat.dates.get((v.list_name, last_seq))
                if first is not None and last is not None:
                    was = seen.get(v.entity_key)
                    seen[v.entity_key] = (min(first, was[0]), max(last, was[1])) if was else (first, last)
                continue
            values = props.setdefault(v.entity_key, {}).setdefault(v.prop, [])
            if v.value not in values:
                values.append(v.value)
            if first is not None and (v.entity_key not in changes or first > changes[v.entity_key]):
                changes[v.entity_key] = first
        clusters = list_twins(store, list(rows))
        table = {}
        for key, row in sorted(rows.items()):
            entry_props = props.get(key, {})
            first_seen, last_seen = seen.get(key, (None, None))
            table[key] = _Browsed(
                key,
                row.schema,
                row.caption,
                row.lists,
                entry_props,
                _topics(entry_props),
                changes.get(key),
                first_seen,
                last_seen,
                tuple(sorted(clusters[key])),
            )
        _BROWSE[store.url] = (cat.generation, table)
        _BROWSED.clear()
        return table


def _browsed_facts(members: Sequence[_Browsed], scope: frozenset[str]) -> tuple[Facts, dict[str, Any]] | None:
    """A cluster's entries in scope as one result's facts, as `_merged` joins them for the response, and
    the values browsing sorts by."""
    inside = [m for m in members if set(m.lists) & scope]
    if not inside:
        return None
    props: dict[str, list[str]] = {}
    for member in inside:
        for prop, values in member.properties.items():
            into = props.setdefault(prop, [])
            into.extend(v for v in values if v not in into)
    changes = [m.last_change for m in inside if m.last_change is not None]
    lead = inside[0]
    facts = Facts(
        id=lead.key,
        schema=lead.schema,
        caption=lead.caption,
        datasets=frozenset(lst for m in inside for lst in m.lists if lst in scope),
        topics=frozenset(t for m in inside for t in m.topics),
        properties=props,
        referents=tuple(m.key for m in members if m.key != lead.key),
        last_change=max(changes, default=None),
    )
    firsts = [m.first_seen for m in inside if m.first_seen is not None]
    lasts = [m.last_seen for m in inside if m.last_seen is not None]
    sortable = {
        "id": lead.key,
        "schema": lead.schema,
        "caption": lead.caption,
        "last_change": _ts(facts.last_change) if facts.last_change else None,
        "first_seen": _ts(min(firsts)) if firsts else None,
        "last_seen": _ts(max(lasts)) if lasts else None,
    }
    return facts, sortable


# Scopes whose browsing list is kept (the default dataset, and a few single lists clients browse).
BROWSE_SCOPES_KEPT = 8
_BROWSED: OrderedDict[tuple[str, str, frozenset[str]], list[tuple[tuple[str, ...], Facts, dict[str, Any]]]]
_BROWSED = OrderedDict()


def _browse(
    store: Store, cat: _Catalog, scope: frozenset[str]
) -> list[tuple[tuple[str, ...], Facts, dict[str, Any]]]:
    """Every listed entity in scope, one per cluster, in the order of their ids (yente's browse order
    when every score is equal); kept per scope until a list changes."""
    table = _browse_table(store, cat)
    cache_key = (store.url, cat.generation, scope)
    with _BROWSE_LOCK:
        if (kept := _BROWSED.get(cache_key)) is not None:
            _BROWSED.move_to_end(cache_key)
            return kept
    seen: set[tuple[str, ...]] = set()
    found = []
    for entry in table.values():
        if entry.cluster in seen:
            continue
        seen.add(entry.cluster)
        joined = _browsed_facts([table[k] for k in entry.cluster if k in table], scope)
        if joined is not None:
            found.append((entry.cluster, *joined))
    found.sort(key=lambda item: item[1].id)
    with _BROWSE_LOCK:
        _BROWSED[cache_key] = found
        while len(_BROWSED) > BROWSE_SCOPES_KEPT:
            _BROWSED.popitem(last=False)
    return found


def search_filters(
    *,
    countries: Sequence[str] = (),
    topics: Sequence[str] = (),
    datasets: Sequence[str] = (),
    filters: Sequence[str] = (),
    filter_op: str = "OR",
    target: bool | None = None,
    changed_since: str | None = None,
) -> SearchFilters:
    """`/search`'s filter parameters, checked (a bad one is an InputError, HTTP 400)."""
    return parse_filters(
        countries=countries,
        topics=topics,
        datasets=datasets,
        filters=filters,
        op=filter_op,
        target=target,
        changed_since=_changed_since(changed_since),
    )


def _schema_passes(name: str, wanted: Any, exclude_schema: Sequence[str]) -> bool:
    found = ftm.get(name)
    return found is not None and found.is_a(wanted) and name not in exclude_schema


def search(
    store: Store,
    dataset: str,
    text: str,
    *,
    schema: str = "Thing",
    limit: int = SEARCH_PAGE,
    offset: int = 0,
    include_dataset: Sequence[str] = (),
    exclude_dataset: Sequence[str] = (),
    exclude_schema: Sequence[str] = (),
    filters: SearchFilters | None = None,
    facets: Sequence[str] = DEFAULT_FACETS,
    sorts: Sequence[tuple[str, bool]] = (),
) -> dict[str, Any]:
    """yente's `GET /search/{dataset}`: entities whose names agree with the text, best first, then
    filtered (yente_filters), counted into facets over the whole result, sorted and paged.

    Public over list data: names screened across scripts (no analysts' decisions: they are not list data),
    then entities whose listed names contain the text. Without a text: every listed entity in scope, in
    the order of their ids (browsing, as yente's empty query does).
    """
    wanted = ftm.get(schema)
    if wanted is None:
        raise InputError("schema", f"unknown schema {schema[:64]!r}")
    filters = filters or SearchFilters()
    # yente's window: no result beyond the first MAX_SEARCH_RESULTS, so a deep page is cut short.
    limit = max(0, min(limit, MAX_SEARCH_RESULTS - offset))
    index = screening_index(store)
    cat = _catalog(store, index.generation)
    scope = _scope(dataset_lists(store, dataset, index.generation), include_dataset, exclude_dataset)
    titles = {str(d["name"]): str(d["title"]) for d in cat.datasets}
    query_text = clean_query(text)
    check_query_length(query_text, "q")
    if not query_text:
        browsed = [
            (keys, facts, sortable)
            for keys, facts, sortable in _browse(store, cat, scope)
            if _schema_passes(facts.schema, wanted, exclude_schema) and filters.accepts(facts)
        ]
        if sorts:
            # Sorted by what browsing holds of every entry, so that no entry is read on its own.
            order = sort_results([{**s, "_at": i} for i, (_, _, s) in enumerate(browsed)], sorts)
            browsed = [browsed[row["_at"]] for row in order]
        page = [
            e
            for keys, _, _ in browsed[offset : offset + limit]
            if (e := _merged_result(store, keys, cat, scope)) is not None
        ]
        return _paged(page, [f for _, f, _ in browsed], facets, titles, limit, offset, capped=False)
    clusters: list[tuple[str, ...]] = []
    capped = False
    try:
        key = search_key(store, query_text)
    except NotFoundError:  # shaped like a list key, naming none: no name to screen, nothing found
        return _paged([], [], facets, titles, limit, offset, capped=False)
    if key is not None:  # a key finds its entry (with its other lists' entries), as the search box does
        clusters.append(list_twins(store, [key])[key])
    else:
        query = query_entity("search", [query_text], schema=None if wanted.name == "Thing" else wanted.name)
        screened = index.screener.screen(query, threshold=SEARCH_THRESHOLD, limit=SCREEN_LIMIT)
        for match in screened:
            clusters.append(match.keys or (match.key,))
        known = {k for keys in clusters for k in keys}
        looked_up = lookup(store, query_text, limit=SCREEN_LIMIT)
        for row in looked_up:
            if row.key not in known:
                clusters.append((row.key,))
                known.add(row.key)
        # More may agree than one query collects: yente's `total` says so with the relation "gte".
        capped = len(screened) >= SCREEN_LIMIT or len(looked_up) >= SCREEN_LIMIT
    results: list[dict[str, Any]] = []
    found_facts: list[Facts] = []
    for keys in clusters:
        merged = _merged(store, keys, cat, scope)
        if merged is None:
            continue
        entity, entity_topics, last_change = merged
        facts = Facts(
            id=entity["id"],
            schema=entity["schema"],
            caption=entity["caption"],
            datasets=frozenset(entity["datasets"]),
            topics=entity_topics,
            properties=entity["properties"],
            referents=tuple(entity["referents"]),
            target=bool(entity["target"]),
            last_change=last_change,
        )
        if not _schema_passes(entity["schema"], wanted, exclude_schema) or not filters.accepts(facts):
            continue
        results.append(entity)
        found_facts.append(facts)
    if sorts:
        results = sort_results(results, sorts)
    return _search_page(results, found_facts, facets, titles, limit, offset, capped=capped)


def _merged_result(
    store: Store, keys: Sequence[str], cat: _Catalog, scope: frozenset[str]
) -> dict[str, Any] | None:
    merged = _merged(store, keys, cat, scope)
    return merged[0] if merged is not None else None


def _search_page(
    results: list[dict[str, Any]],
    facts: Sequence[Facts],
    facets: Sequence[str],
    titles: Mapping[str, str],
    limit: int,
    offset: int,
    *,
    capped: bool,
) -> dict[str, Any]:
    return _paged(results[offset : offset + limit], facts, facets, titles, limit, offset, capped=capped)


def _paged(
    page: list[dict[str, Any]],
    facts: Sequence[Facts],
    facets: Sequence[str],
    titles: Mapping[str, str],
    limit: int,
    offset: int,
    *,
    capped: bool,
) -> dict[str, Any]:
    """One page of results, with `total` and the facets counted over every result, not the page."""
    return {
        "results": page,
        "facets": facet_counts(facts, facets, titles),
        "total": {"value": len(facts), "relation": "gte" if capped else "eq"},
        "limit": limit,
        "offset": offset,
    }


# --- reconciliation (OpenRefine, Reconciliation Service API 0.2) ----------------------------------------


def _type(schema: str) -> dict[str, str]:
    found = ftm.get(schema)
    label = SCHEMA_LABELS.get(schema) or (str(found.label) if found is not None else schema)
    return {"id": schema, "name": label}


def reconcile_manifest(
    base_url: str, dataset: str | None = None, *, query_string: str = ""
) -> dict[str, Any]:
    """The service manifest OpenRefine reads when the service is added (W3C reconciliation API 0.2).

    `dataset` None is the service at `/reconcile` (the list chosen by `?dataset=`, kept in every URL);
    a name is yente's `/reconcile/{dataset}`, whose suggest and extend services sit under that path."""
    base = base_url.rstrip("/")
    suffix = f"?{query_string}" if query_string else ""
    service = f"{base}/reconcile" if dataset is None else f"{base}/reconcile/{dataset}"
    return {
        "versions": ["0.2"],
        "name": "accomplice sanctions screening" + (f" ({dataset})" if dataset else ""),
        "identifierSpace": f"{base}/entities/",
        "schemaSpace": "https://followthemoney.tech/explorer/schemata/",
        "documentation": f"{base}/openapi.json",
        "defaultTypes": [_type(s) for s in RECONCILE_TYPES],
        "view": {"url": f"{base}/entities/{{{{id}}}}"},
        "preview": {
            "url": f"{base}/reconcile/preview?id={{{{id}}}}" + (f"&{query_string}" if query_string else ""),
            "width": PREVIEW_WIDTH,
            "height": PREVIEW_HEIGHT,
        },
        "suggest": {
            kind: {"service_url": service, "service_path": f"/suggest/{kind}{suffix}"}
            for kind in ("entity", "type", "property")
        },
        "extend": {
            "propose_properties": {"service_url": service, "service_path": f"/extend/property{suffix}"},
            "property_settings": [
                {
                    "name": "limit",
                    "label": "Limit",
                    "type": "number",
                    "default": 0,
                    "help_text": "Maximum number of values to return per row (0 for no limit).",
                }
            ],
        },
        "batchSize": MAX_BATCH,
    }


def reconcile_schema(name: str | None) -> str:
    """The FollowTheMoney schema a reconciliation type names; an unknown one is an InputError (400)."""
    schema = str(name) if name else "LegalEntity"
    if ftm.get(schema) is None:
        raise InputError("type", f"unknown type {schema[:64]!r}; see /reconcile/suggest/type")
    return schema


def _reconcile_one(
    index: ScreeningIndex, store: Store, cat: _Catalog, scope: frozenset[str], query: Mapping[str, Any]
) -> list[dict[str, Any]]:
    text = clean_query(str(query.get("query") or ""))
    wanted = query.get("type")
    if isinstance(wanted, list):
        wanted = wanted[0] if wanted else None
    if isinstance(wanted, Mapping):
        wanted = wanted.get("id")
    schema = reconcile_schema(str(wanted) if wanted else None)
    limit = query.get("limit")
    limit = (
        limit if isinstance(limit, int) and not isinstance(limit, bool) and 0 < limit <= MAX_MATCHES else 5
    )
    props: dict[str, list[str]] = {"name": [text]} if text else {}
    for item in query.get("properties") or ():
        if not isinstance(item, Mapping):
            continue
        pid = str(item.get("pid") or item.get("p") or "")
        values = _values(item.get("v"))
        if pid and values:
            props.setdefault(pid, []).extend(values)
    _, cleaned = _parse_example({"schema": schema, "properties": props})
    try:
        entity, _ = _query(schema, cleaned, "reconcile")
    except InputError:
        return []  # an empty cell (no name, no identifier): nothing to reconcile, as OpenRefine expects
    results = []
    for match in index.screener.screen(entity, threshold=RECONCILE_CUTOFF, limit=SCREEN_LIMIT):
        merged = _merged(store, match.keys or (match.key,), cat, scope)
        if merged is None:
            continue
        data = merged[0]
        results.append(
            {
                "id": data["id"],
                "name": data["caption"],
                "score": round(match.score * 100, 1),
                "match": match.score >= DEFAULT_THRESHOLD,
                "type": [_type(data["schema"])],
                "description": "; ".join(data["datasets"]),
            }
        )
        if len(results) >= limit:
            break
    return results


def reconcile(store: Store, dataset: str, payload: str) -> dict[str, Any]:
    """A batch of reconciliation queries (the `queries` form field, JSON) → results per query key.

    Public over list data, like search: the names are screened against the lists only (analysts'
    decisions are not list data and are not applied). A query of an unknown type refuses the batch (HTTP
    400, as yente does); one with nothing to screen (an empty cell) gets no results.
    """
    try:
        queries = safejson.loads(payload)
    except ValueError as exc:
        raise InputError("queries", "is not JSON") from exc
    if not isinstance(queries, Mapping):
        raise InputError("queries", "must be a JSON object of queries by key")
    return reconcile_queries(store, dataset, queries)


def reconcile_queries(store: Store, dataset: str, queries: Mapping[str, Any]) -> dict[str, Any]:
    """`reconcile` of queries already read from JSON."""
    if len(queries) > MAX_BATCH:
        raise InputError("queries", f"{len(queries)} queries in one batch; at most {MAX_BATCH}")
    index = screening_index(store)
    cat = _catalog(store, index.generation)
    scope = dataset_lists(store, dataset, index.generation)
    out: dict[str, Any] = {}
    for key, query in queries.items():
        if not isinstance(query, Mapping):
            raise InputError("queries", f"query {str(key)[:40]!r} must be an object")
        try:
            out[str(key)] = {"result": _reconcile_one(index, store, cat, scope, query)}
        except InputError as exc:
            raise InputError("queries", f"query {str(key)[:40]!r}: {exc}") from exc
    return out


@dataclass(frozen=True, slots=True)
class Preview:
    """What the small preview card of one entity shows."""

    key: str
    caption: str
    schema: str
    lists: tuple[str, ...]
    facts: tuple[tuple[str, str], ...]


PREVIEW_PROPS = ("alias", "birthDate", "nationality", "country", "imoNumber", "programId", "address")
PREVIEW_VALUES = 3


def reconcile_preview(store: Store, key: str) -> Preview:
    """The facts the preview card shows for one entity: names, dates, countries, programmes."""
    flat = _flat(store, key, _catalog(store))
    props = flat.data["properties"]
    facts = tuple(
        (prop, "; ".join(props[prop][:PREVIEW_VALUES])) for prop in PREVIEW_PROPS if props.get(prop)
    )
    return Preview(flat.data["id"], flat.data["caption"], flat.data["schema"], flat.lists, facts)


# --- reconciliation: suggest, data extension, the 1.0 draft ---------------------------------------------

# Suggestions per page, as yente's MATCH_PAGE for suggest; OpenRefine asks for the next page by `cursor`.
SUGGEST_PAGE = 10
# The deepest suggest page: a prefix that needs more than this is not being completed but enumerated.
MAX_SUGGEST_CURSOR = 1_000


def _prefixed(prefix: str, *texts: str) -> bool:
    wanted = prefix.strip().lower()
    return any(text.lower().startswith(wanted) or wanted in text.lower() for text in texts if text)


def _page(items: Sequence[dict[str, Any]], cursor: int, limit: int = SUGGEST_PAGE) -> list[dict[str, Any]]:
    if not 0 <= cursor <= MAX_SUGGEST_CURSOR:
        raise InputError("cursor", f"must be between 0 and {MAX_SUGGEST_CURSOR}")
    return list(items[cursor : cursor + limit])


def _matchable_schemata() -> list[Any]:
    return [s for s in ftm.schemata.values() if s.matchable and not s.abstract]


def suggest_type(prefix: str, cursor: int = 0) -> dict[str, Any]:
    """Reconciliation 0.2 type suggest: the matchable FollowTheMoney schemata whose name or label fit."""
    found = [
        {"id": s.name, "name": str(s.plural), "description": str(s.description or s.label)}
        for s in sorted(_matchable_schemata(), key=lambda s: s.name)
        if _prefixed(prefix, s.name, str(s.label))
    ]
    return {"prefix": prefix, "result": _page(found, cursor)}


def _extend_props(schema: Any) -> list[Any]:
    """A schema's properties a table cell can hold: not hidden, not links to other entities."""
    return [p for p in schema.properties.values() if not p.hidden and p.type != registry.entity]


def suggest_property(prefix: str, cursor: int = 0) -> dict[str, Any]:
    """Reconciliation 0.2 property suggest: properties of the matchable schemata whose name or label fit."""
    seen: dict[str, dict[str, Any]] = {}
    for schema in _matchable_schemata():
        for prop in _extend_props(schema):
            if prop.name not in seen and _prefixed(prefix, prop.name, str(prop.label)):
                seen[prop.name] = {
                    "id": prop.name,
                    "name": str(prop.label),
                    "description": str(prop.description or prop.label),
                }
    found = sorted(seen.values(), key=lambda p: str(p["id"]))
    return {"prefix": prefix, "result": _page(found, cursor)}


def suggest_entity(store: Store, dataset: str, prefix: str, cursor: int = 0) -> dict[str, Any]:
    """Reconciliation 0.2 entity suggest: entities whose names agree with or contain the prefix."""
    found = search(store, dataset, prefix, limit=SUGGEST_PAGE, offset=cursor)
    return {
        "prefix": prefix,
        "result": [
            {"id": r["id"], "name": r["caption"], "description": "; ".join(r["datasets"])}
            for r in found["results"]
        ],
    }


def extend_properties(schema_name: str, limit: int = 0) -> dict[str, Any]:
    """The properties proposed for data extension of a type: its featured ones first, then the rest."""
    schema = ftm.get(schema_name)
    if schema is None:
        raise InputError("type", f"unknown type {schema_name[:64]!r}; see /reconcile/suggest/type")
    props = sorted(_extend_props(schema), key=lambda p: (p.name not in schema.featured, p.name))
    out = [{"id": p.name, "name": str(p.label)} for p in props]
    return {"type": schema.name, "limit": limit, "properties": out[:limit] if limit > 0 else out}


def _extend_query(payload: str) -> tuple[list[str], list[tuple[str, int]]]:
    try:
        query = safejson.loads(payload)
    except ValueError as exc:
        raise InputError("extend", "is not JSON") from exc
    if not isinstance(query, Mapping):
        raise InputError("extend", 'must be a JSON object {"ids": [...], "properties": [{"id": ...}]}')
    ids, props = query.get("ids"), query.get("properties")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise InputError("extend", "`ids` must be a list of entity ids")
    if not isinstance(props, list) or not all(isinstance(p, Mapping) and "id" in p for p in props):
        raise InputError("extend", "`properties` must be a list of objects with an `id`")
    if len(ids) > MAX_BATCH:
        raise InputError("extend", f"{len(ids)} ids in one batch; at most {MAX_BATCH}")
    wanted = []
    for prop in props[:MAX_FILTER_PROPS]:
        settings = prop.get("settings") if isinstance(prop.get("settings"), Mapping) else {}
        limit = settings.get("limit", 0) if isinstance(settings, Mapping) else 0
        count = int(limit) if isinstance(limit, int | str) and str(limit).isdigit() else 0
        wanted.append((str(prop["id"])[:64], count))
    return ids, wanted


# More properties than a schema has cannot be asked for usefully (Person has about 70).
MAX_FILTER_PROPS = 200


def extend(store: Store, dataset: str, payload: str) -> dict[str, Any]:
    """Reconciliation 0.2 data extension: for each id, the values of each asked property.

    Values are the entity's current ones on the lists of `dataset` (with the same entity's other lists,
    as /match merges them); an unknown id gets an empty row, as yente gives it."""
    ids, wanted = _extend_query(payload)
    cat = _catalog(store)
    scope = dataset_lists(store, dataset, cat.generation)
    meta: dict[str, dict[str, str]] = {}
    rows: dict[str, dict[str, list[dict[str, str]]]] = {}
    for entity_id in ids:
        rows[entity_id] = {}
        try:
            keys = list_twins(store, [entity_id])[entity_id]
        except NotFoundError:
            continue
        merged = _merged(store, (entity_id, *(k for k in keys if k != entity_id)), cat, scope)
        if merged is None:
            continue
        entity = merged[0]
        schema = ftm.get(entity["schema"])
        for pid, limit in wanted:
            prop = schema.get(pid) if schema is not None else None
            if prop is None:
                continue
            meta.setdefault(pid, {"id": pid, "name": str(prop.label)})
            values = entity["properties"].get(pid, [])
            rows[entity_id][pid] = [{"str": v} for v in (values[:limit] if limit > 0 else values)]
    return {"meta": list(meta.values()), "rows": rows}


def _v1_query(query: Mapping[str, Any]) -> dict[str, Any]:
    """A reconciliation 1.0 draft query (`conditions`) as the 0.2 query the matcher takes."""
    name_parts: list[str] = []
    props: list[dict[str, Any]] = []
    conditions = query.get("conditions")
    for condition in conditions if isinstance(conditions, list) else ():
        if not isinstance(condition, Mapping):
            continue
        value = condition.get("propertyValue")
        if condition.get("matchType") == "name":
            name_parts.extend(_values(value))
        elif condition.get("matchType") == "property" and condition.get("propertyId"):
            props.append({"pid": str(condition["propertyId"]), "v": value})
    out: dict[str, Any] = {"query": " ".join(name_parts), "properties": props}
    for key in ("type", "limit"):
        if key in query:
            out[key] = query[key]
    return out


def reconcile_v1(store: Store, dataset: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """The reconciliation 1.0 draft's `POST /match`: `{"queries": [...]}` answered in order as
    `{"results": [{"candidates": [...]}]}`, each candidate as in 0.2 (id, name, score, match, type)."""
    queries = body.get("queries")
    if not isinstance(queries, list):
        raise InputError("queries", "must be a JSON list of queries")
    for i, query in enumerate(queries):
        # The draft requires conditions; a 0.2-style `{"query": ...}` here would find nothing, silently.
        conditions = query.get("conditions") if isinstance(query, Mapping) else None
        if not isinstance(conditions, list) or not conditions:
            raise InputError(
                f"queries[{i}]",
                "needs a non-empty `conditions` list ({matchType, propertyValue}); a 0.2 query with "
                "`query` goes to POST /reconcile",
            )
    batch = {str(i): _v1_query(q) for i, q in enumerate(queries)}
    answered = reconcile_queries(store, dataset, batch)
    return {"results": [{"candidates": answered[str(i)]["result"]} for i in range(len(queries))]}
