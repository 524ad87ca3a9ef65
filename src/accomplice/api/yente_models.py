"""Models of the yente-compatible API: yente's field names and types, so that its clients read ours.

They follow yente's published models (yente.data.common, nomenklatura.matching.types): an entity has
`id`, `caption`, `schema`, `properties`, `datasets`, `referents`, `target` and three dates; a scored
entity adds `score`, `match`, `features` (yente 3/4), `explanations` (yente 5) and accomplice's
`explanation` sentences. Extra fields are additions that yente clients ignore.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AlgorithmOut",
    "AlgorithmsOut",
    "AlsoListedOut",
    "CatalogOut",
    "DatasetOut",
    "EntityAdjacentResponse",
    "EntityDetailResponse",
    "EntityExampleIn",
    "EntityExampleOut",
    "EntityMatchQuery",
    "EntityMatchResponse",
    "EntityMatchesOut",
    "EntityResponse",
    "ExtendPropertiesResponse",
    "ExtendResponse",
    "FeatureDocOut",
    "FeatureResultOut",
    "ReconcileCandidate",
    "ReconcileManifest",
    "ReconcileResult",
    "ReconcileV1Response",
    "ScoredEntityResponse",
    "SearchFacet",
    "SearchFacetItem",
    "SearchResponse",
    "SuggestResponse",
    "TotalSpec",
]


# A time as yente writes it: UTC, to the second, without a zone. Not `datetime`, whose schema (RFC 3339
# date-time) requires the zone that yente's clients do not expect.
YenteTime = Annotated[
    str,
    Field(
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$",
        description="UTC, to the second, without a zone (as yente writes times).",
        examples=["2024-05-03T00:00:00"],
    ),
]


class _Model(BaseModel):
    # `schema` is the field name yente clients read; pydantic reserves the attribute, hence the alias.
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class EntityResponse(_Model):
    id: str = Field(description="List key of the entry, e.g. `un:KPi.066`.")
    caption: str
    entity_schema: str = Field(alias="schema", description="FollowTheMoney schema.")
    properties: dict[str, list[str | EntityResponse]] = Field(
        description="Current values by FollowTheMoney property; adjacent entities inlined on /entities."
    )
    datasets: list[str] = Field(description="The lists (datasets) that state the entity.")
    referents: list[str] = Field(description="Keys of the same real-world entity on other lists.")
    target: bool = Field(description="Listed in the latest version of a list.")
    first_seen: YenteTime | None = None
    last_seen: YenteTime | None = None
    last_change: YenteTime | None = None


class AlsoListedOut(_Model):
    """The same entity's entry on another list, and why screening takes it for the same entity."""

    id: str = Field(description="List key of the other entry, e.g. `un:KPe.035`.")
    caption: str
    entity_schema: str = Field(alias="schema")
    datasets: list[str]
    target: bool = Field(description="Listed in the latest version of its list.")
    reasons: list[str] = Field(description="The evidence: a cited UN reference, a shared identifier...")


class EntityDetailResponse(EntityResponse):
    """`/entities/{id}`: the entity, and its entries on other lists (`referents`) with the evidence."""

    also_listed: list[AlsoListedOut] = Field(
        default_factory=list, description="The entries of `referents`, each with why it is the same entity."
    )


class AdjacentResults(_Model):
    results: list[str | EntityResponse]
    total: TotalSpec
    limit: int
    offset: int


class EntityAdjacentResponse(_Model):
    """yente's `/entities/{id}/adjacent`: the entity, and its adjacent entities by property."""

    entity: EntityResponse
    adjacent: dict[str, AdjacentResults]


class FeatureResultOut(_Model):
    """nomenklatura's FeatureResult: one feature's score and the evidence for it."""

    detail: str | None
    score: float
    query: str | None = None
    candidate: str | None = None


class DecidedOut(_Model):
    """An analyst's decision on a (query, entity) pair, as every screening output shows it."""

    judgement: str = Field(description="`match` or `no-match`.")
    by: str = Field(description="The analyst who decided.")
    at: str = Field(description="When, ISO 8601 UTC.")
    reason: str = Field(description="Why.")


class ScoredEntityResponse(EntityResponse):
    score: float = Field(description="accomplice's score, 0..1.")
    match: bool = Field(description="Whether the score reaches the threshold.")
    features: dict[str, float] = Field(description="Score of each feature that applied (yente 3/4).")
    explanations: dict[str, FeatureResultOut] = Field(description="Each feature with its evidence (yente 5).")
    explanation: list[str] = Field(description="The features as sentences analysts read.")
    decision: str | None = Field(None, description="`match` / `no-match` when an analyst decided.")
    decided: DecidedOut | None = Field(
        None, description="Who decided, when and why (a result decided `no-match` has `match: false`)."
    )


class TotalSpec(_Model):
    value: int
    relation: str = "eq"


class EntityExampleIn(_Model):
    """One query: an entity described as an example, as yente takes it."""

    id: str | None = None
    entity_schema: str = Field(alias="schema", max_length=64, examples=["Person"])
    properties: dict[str, str | list[Any]] = Field(examples=[{"name": ["Kim Jong Un"]}])


class EntityMatchQuery(_Model):
    weights: dict[str, float] = Field(
        default_factory=dict, description="Accepted for yente clients; accomplice's features have no weights."
    )
    config: dict[str, str | int | float | bool | None] = Field(
        default_factory=dict, description="Algorithm configuration; accomplice's matcher takes none."
    )
    queries: dict[str, EntityExampleIn]


class EntityExampleOut(_Model):
    id: str | None = None
    entity_schema: str = Field(alias="schema")
    properties: dict[str, list[str]]


class EntityMatchesOut(_Model):
    status: int = Field(description="200, or 400 for a query that cannot be screened (see `detail`).")
    detail: str | None = None
    warnings: list[str] = Field(
        default_factory=list,
        description="What of the query was not used (a birthDate that is not a date); the rest was screened.",
    )
    results: list[ScoredEntityResponse]
    total: TotalSpec = Field(description="Results that reach the threshold.")
    query: EntityExampleOut


class FeatureDocOut(_Model):
    """nomenklatura's FeatureDoc."""

    description: str | None
    coefficient: float
    url: str


class EntityMatchResponse(_Model):
    responses: dict[str, EntityMatchesOut]
    matcher: dict[str, FeatureDocOut] = Field(description="The features of the matcher (yente 3/4).")
    limit: int
    algorithm: str = Field(description="The matcher that answered (every yente name maps to it).")
    requested_algorithm: str | None = Field(
        None, description="The algorithm the request named (`best` when none): answered by `algorithm`."
    )
    threshold: float
    config_ignored: list[str] = Field(
        default_factory=list, description="The `config` options accepted but not applied by `algorithm`."
    )


class SearchFacetItem(_Model):
    name: str
    label: str
    count: int


class SearchFacet(_Model):
    label: str
    values: list[SearchFacetItem]


class SearchResponse(_Model):
    results: list[EntityResponse]
    facets: dict[str, SearchFacet]
    total: TotalSpec
    limit: int
    offset: int


class PublisherOut(_Model):
    """followthemoney's DataPublisher, as yente's DataCatalogModel nests it."""

    name: str
    url: str | None = None
    country: str | None = None
    country_label: str | None = Field(None, description="followthemoney computes it; yente requires it.")
    official: bool = False


class DatasetOut(_Model):
    """yente's YenteDatasetModel (followthemoney's DatasetModel with the index fields)."""

    name: str
    title: str
    summary: str | None = None
    url: str | None = None
    publisher: PublisherOut | None = None
    license: str | None = None
    load: bool
    version: str
    index_version: str | None = None
    index_current: bool
    updated_at: YenteTime | None = None
    last_export: YenteTime | None = None
    last_change: YenteTime | None = Field(None, description="accomplice: the list's latest data date.")
    entity_count: int
    children: list[str]


class CatalogOut(_Model):
    datasets: list[DatasetOut]
    current: list[str]
    outdated: list[str]
    index_stale: bool


class AlgorithmDocsOut(_Model):
    name: str
    description: str | None = None
    config: dict[str, Any]
    features: dict[str, FeatureDocOut]


class AlgorithmOut(_Model):
    name: str
    description: str | None = None
    features: dict[str, FeatureDocOut]
    docs: AlgorithmDocsOut


class AlgorithmsOut(_Model):
    algorithms: list[AlgorithmOut]
    default: str
    best: str


class ReconcileType(_Model):
    id: str
    name: str


class ReconcileCandidate(_Model):
    id: str
    name: str
    score: float = Field(description="0..100.")
    match: bool = Field(description="The score reaches accomplice's alert threshold.")
    type: list[ReconcileType]
    description: str


class ReconcileResult(_Model):
    result: list[ReconcileCandidate]


class ReconcileManifest(_Model):
    versions: list[str]
    name: str
    identifierSpace: str
    schemaSpace: str
    documentation: str | None = None
    defaultTypes: list[ReconcileType]
    view: dict[str, str]
    preview: dict[str, str | int]
    suggest: dict[str, dict[str, str]]
    extend: dict[str, Any] | None = None
    batchSize: int


class SuggestItem(_Model):
    id: str
    name: str
    description: str | None = None


class SuggestResponse(_Model):
    """A suggest service's answer (types, properties or entities), reconciliation API 0.2."""

    prefix: str
    result: list[SuggestItem]


class ExtendProperty(_Model):
    id: str
    name: str


class ExtendPropertiesResponse(_Model):
    type: str
    limit: int
    properties: list[ExtendProperty]


class ExtendValue(_Model):
    str: str


class ExtendResponse(_Model):
    meta: list[ExtendProperty]
    rows: dict[str, dict[str, list[ExtendValue]]]


class ReconcileV1Candidates(_Model):
    candidates: list[ReconcileCandidate]


class ReconcileV1Response(_Model):
    """The reconciliation API 1.0 draft's answer: one entry per query, in the order sent."""

    results: list[ReconcileV1Candidates]
