"""yente's API and OpenRefine's reconciliation service, over accomplice's lists and matcher.

Clients written for yente (OpenSanctions' screening API) switch by changing the base URL: the paths,
query parameters and JSON are yente's (see services.yente for what each field means here). Routes parse,
call one use-case of services.yente and validate what leaves against the models in api.yente_models.

`/entities/{entity_id}` is shared with the web UI: a browser (whose Accept header prefers text/html) gets
the entity page, any other client (`Accept: */*`, `application/json`) gets yente's JSON.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Body, Depends, Form, Path, Query, Request, Response
from fastapi.responses import HTMLResponse
from markupsafe import escape
from pydantic import TypeAdapter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accomplice.api.auth import current_principal, require
from accomplice.api.models import Problem
from accomplice.api.routes import StoreDep
from accomplice.api.yente_models import (
    AlgorithmsOut,
    CatalogOut,
    EntityAdjacentResponse,
    EntityDetailResponse,
    EntityMatchQuery,
    EntityMatchResponse,
    ExtendPropertiesResponse,
    ExtendResponse,
    ReconcileManifest,
    ReconcileResult,
    ReconcileV1Response,
    SearchResponse,
    SuggestResponse,
)
from accomplice.errors import InputError
from accomplice.services import MAX_KEY_CHARS, MAX_QUERY_CHARS
from accomplice.services import yente as use
from accomplice.services.auth import Permission, Principal
from accomplice.settings import get_settings
from accomplice.store import Store
from accomplice.web.auth import PERMISSION_ATTR
from accomplice.web.routes import entity_page

__all__ = ["ReconcileCors", "prefers_html", "router"]

router = APIRouter()

DATASET = Annotated[
    str,
    Path(
        max_length=64,
        description="`default` (every loaded list) or one list, e.g. `ofac`, `un`, `eu_prk`, `uk`.",
    ),
]
TS_PATTERN = r"^\d{4}-\d{2}-\d{2}(T\d{2}(:\d{2}(:\d{2})?)?)?$"
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "The request cannot be answered (bad algorithm, batch size)."},
    404: {"model": Problem, "description": "No such dataset or entity."},
}
# Filters take list names and schemas; a client sending more than this many is not filtering.
MAX_FILTER_VALUES = 50
DatasetFilter = Annotated[list[str], Query(max_length=MAX_FILTER_VALUES)]
# Matching is CPU work under the GIL: more threads add no throughput, and each one competing with the
# event loop delays every response of the process by up to the interpreter's switch interval (5 ms). One
# matching thread per process answers in arrival order and keeps the loop free for the HTTP work; more
# processes (`accomplice serve --workers N`) add throughput.
MATCHING_THREADS = 1
_MATCHING = anyio.CapacityLimiter(MATCHING_THREADS)


def _json(model: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    # Validated once, serialised by pydantic's core (as api_entity does): the match route is a hot path.
    return Response(
        model.model_dump_json(by_alias=True),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
    )


def _q(accept: str, wanted: str) -> float:
    """The quality a client's Accept header gives to a media type, matching it exactly or by wildcard."""
    best = 0.0
    kind = wanted.split("/")[0]
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        media = media.strip().lower()
        if media not in (wanted, f"{kind}/*"):
            continue
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        best = max(best, quality)
    return best


def prefers_html(request: Request) -> bool:
    """Whether the client asks for HTML above JSON: browsers do (`text/html,...,*/*;q=0.8`); `requests`,
    `httpx` and yente clients send `*/*` or `application/json` and get JSON."""
    accept = request.headers.get("accept", "")
    html = _q(accept, "text/html")
    return html > 0 and html > _q(accept, "application/json")


_REQUIRE_SCREEN = require(Permission.SCREEN)


async def screening_principal(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    """Who screens: a token with the `screen` permission, or nobody when public screening is switched on
    (ACCOMPLICE_PUBLIC_SCREENING, as yente deploys: the lists are public; decisions are not applied)."""
    if not principal.is_authenticated and get_settings().public_screening:
        return principal
    return await _REQUIRE_SCREEN(principal)


# The route stays guarded for the route audit (tests/test_auth_api.py): it needs `screen` unless the
# deployment opens it.
setattr(screening_principal, PERMISSION_ATTR, Permission.SCREEN.value)


@router.post(
    "/match/{dataset}",
    tags=["yente"],
    summary="Query by example: screen a batch of entities (yente's /match)",
    response_model=EntityMatchResponse,
    responses={
        **ERRORS,
        401: {"model": Problem, "description": "No token (or a revoked or expired one)."},
        403: {"model": Problem, "description": "The token's user may not screen."},
    },
)
async def match(
    body: EntityMatchQuery,
    dataset: DATASET,
    store: StoreDep,
    principal: Annotated[Principal, Depends(screening_principal)],
    limit: Annotated[
        int, Query(ge=0, le=use.MAX_MATCHES, description="Results per query (0: only `total`).")
    ] = use.MATCH_PAGE,
    threshold: Annotated[
        float, Query(ge=0, le=1, description="Score at which a result is a `match` (yente's 0.70).")
    ] = use.DEFAULT_MATCH_THRESHOLD,
    cutoff: Annotated[
        float | None,
        Query(
            ge=0,
            le=1,
            description="Lowest score returned, up to the threshold (default: the threshold, as yente 5.5).",
        ),
    ] = None,
    algorithm: Annotated[
        str,
        Query(
            max_length=40,
            description=f"`{use.ALGORITHM}`, or any yente name ({', '.join(use.YENTE_ALGORITHMS)}).",
        ),
    ] = "best",
    include_dataset: DatasetFilter = [],  # noqa: B006 - FastAPI copies defaults per request
    exclude_dataset: DatasetFilter = [],  # noqa: B006
    exclude_schema: DatasetFilter = [],  # noqa: B006
    topics: Annotated[
        list[str],
        Query(max_length=MAX_FILTER_VALUES, description="Keep results with any of these, e.g. `sanction`."),
    ] = [],  # noqa: B006
    changed_since: Annotated[
        str | None, Query(pattern=TS_PATTERN, description="Keep results changed since this date.")
    ] = None,
    exclude_entity_ids: Annotated[
        list[str],
        Query(max_length=MAX_FILTER_VALUES, description="Keys to leave out (any key of the entity)."),
    ] = [],  # noqa: B006
    hide_decided: Annotated[
        bool,
        Query(
            description="Leave out results an analyst decided are not a match (by default they are "
            "returned with `match: false`, `decision` and `decided`)."
        ),
    ] = False,
) -> Response:
    """Match entities described by example (name, birthDate, nationality, idNumber, imoNumber...), as yente's
    `/match` does, against the lists of `dataset`. Each query's response carries its own `status`.

    Needs the `screen` permission: send a token as `Authorization: Bearer <token>` or, as yente clients
    do, `Authorization: ApiKey <token>`; a server started with ACCOMPLICE_PUBLIC_SCREENING=true also
    answers without one (over the lists only, without any organisation's decisions)."""
    use.check_config(body.config, algorithm)
    options = use.MatchOptions(
        config=dict(body.config),
        threshold=threshold,
        cutoff=cutoff,
        limit=limit,
        include_dataset=tuple(include_dataset),
        exclude_dataset=tuple(exclude_dataset),
        exclude_schema=tuple(exclude_schema),
        topics=tuple(topics),
        changed_since=changed_since,
        exclude_entity_ids=tuple(exclude_entity_ids),
        hide_decided=hide_decided,
    )
    queries = {name: example.model_dump(by_alias=True) for name, example in body.queries.items()}
    return await anyio.to_thread.run_sync(
        _match_response, store, dataset, queries, options, algorithm, principal, limiter=_MATCHING
    )


def _match_response(
    store: Store,
    dataset: str,
    queries: dict[str, Any],
    options: use.MatchOptions,
    algorithm: str,
    principal: Principal,
) -> Response:
    result = use.match_batch(store, dataset, queries, options, algorithm=algorithm, principal=principal)
    headers = {"x-batch-size": str(len(result["responses"])), "x-matcher": str(result["algorithm"])}
    return _json(EntityMatchResponse.model_validate(result), headers=headers)


@router.get(
    "/search/{dataset}",
    tags=["yente"],
    summary="Search entities by name in any script (yente's /search)",
    response_model=SearchResponse,
    responses=ERRORS,
)
def search(
    dataset: DATASET,
    store: StoreDep,
    # The limit is documented, and checked by the service, whose refusal says what is too long.
    q: Annotated[
        str, Query(description="A name in any script.", json_schema_extra={"maxLength": MAX_QUERY_CHARS})
    ] = "",
    schema: Annotated[str, Query(max_length=64, description="Only entities of this schema.")] = "Thing",
    limit: Annotated[int, Query(ge=0, le=use.MAX_SEARCH_PAGE)] = use.SEARCH_PAGE,
    # yente's MAX_OFFSET: deeper pages are refused (422), as yente refuses them.
    offset: Annotated[int, Query(ge=0, le=use.MAX_SEARCH_OFFSET)] = 0,
    include_dataset: DatasetFilter = [],  # noqa: B006
    exclude_dataset: DatasetFilter = [],  # noqa: B006
    exclude_schema: DatasetFilter = [],  # noqa: B006
    countries: Annotated[
        list[str], Query(max_length=MAX_FILTER_VALUES, description="Keep entities of these countries.")
    ] = [],  # noqa: B006
    topics: Annotated[
        list[str], Query(max_length=MAX_FILTER_VALUES, description="Keep entities with these topics.")
    ] = [],  # noqa: B006
    datasets: Annotated[
        list[str], Query(max_length=MAX_FILTER_VALUES, description="Keep entities on these lists.")
    ] = [],  # noqa: B006
    filter: Annotated[
        list[str],
        Query(
            max_length=MAX_FILTER_VALUES,
            description="`field:value`, e.g. `properties.birthDate:1984-01-08`, `schema:Vessel`.",
        ),
    ] = [],  # noqa: B006
    filter_op: Annotated[
        Literal["AND", "OR"], Query(description="How several values of one field combine (yente: OR).")
    ] = "OR",
    changed_since: Annotated[
        str | None, Query(pattern=TS_PATTERN, description="Keep entities changed after this time.")
    ] = None,
    target: Annotated[bool | None, Query(deprecated=True, description="Only targeted entities.")] = None,
    facets: Annotated[
        list[Literal["datasets", "schema", "countries", "identifiers", "topics", "genders"]],
        Query(max_length=6, description="Facets to count over the whole result."),
    ] = ["countries", "topics", "datasets"],  # noqa: B006
    sort: Annotated[
        list[str],
        Query(max_length=MAX_FILTER_VALUES, description="`field:asc|desc`, e.g. `last_change:desc`."),
    ] = [],  # noqa: B006
    # yente's query-syntax switches: accomplice reads `q` as a name in any script, never as Lucene syntax,
    # so both are accepted and change nothing.
    fuzzy: bool = False,
    simple: bool = False,
) -> Response:
    """Entities whose names agree with `q` across scripts, then those whose listed names contain it;
    without `q`, every listed entity (browsing). Filters, facets and sorts as yente's."""
    filters = use.search_filters(
        countries=countries,
        topics=topics,
        datasets=datasets,
        filters=filter,
        filter_op=filter_op,
        target=target,
        changed_since=changed_since,
    )
    result = use.search(
        store,
        dataset,
        q,
        schema=schema,
        limit=limit,
        offset=offset,
        include_dataset=include_dataset,
        exclude_dataset=exclude_dataset,
        exclude_schema=exclude_schema,
        filters=filters,
        facets=list(dict.fromkeys(facets)),
        sorts=use.parse_sorts(sort),
    )
    return _json(SearchResponse.model_validate(result))


@router.get(
    "/entities/{entity_id}",
    tags=["yente"],
    summary="An entity with its adjacent entities inlined (yente's /entities); HTML for browsers",
    response_model=EntityDetailResponse,
    responses={404: ERRORS[404]},
)
def entity(
    request: Request,
    entity_id: Annotated[str, Path(max_length=MAX_KEY_CHARS, description="List key, e.g. `ofac:12312`.")],
    store: StoreDep,
    nested: Annotated[bool, Query(description="Inline adjacent entities (relations, their parties).")] = True,
) -> Response:
    vary = {"Vary": "Accept"}
    if prefers_html(request):
        page = entity_page(request, entity_id)
        page.headers.update(vary)
        return page
    return _json(
        EntityDetailResponse.model_validate(use.entity_json(store, entity_id, nested=nested)), headers=vary
    )


@router.get(
    "/entities/{entity_id}/adjacent",
    tags=["yente"],
    summary="An entity and its adjacent entities by property, paged (yente's /entities/{id}/adjacent)",
    response_model=EntityAdjacentResponse,
    responses={404: ERRORS[404]},
)
def entity_adjacent(
    entity_id: Annotated[str, Path(max_length=MAX_KEY_CHARS, description="List key, e.g. `ofac:9345`.")],
    store: StoreDep,
    limit: Annotated[int, Query(ge=0, le=use.MAX_SEARCH_PAGE)] = use.SEARCH_PAGE,
    offset: Annotated[int, Query(ge=0, le=use.MAX_SEARCH_OFFSET)] = 0,
) -> Response:
    found = use.entity_adjacent(store, entity_id, limit=limit, offset=offset)
    return _json(EntityAdjacentResponse.model_validate(found))


@router.get("/algorithms", tags=["yente"], summary="The matcher and the yente names it answers to")
def algorithms() -> AlgorithmsOut:
    return AlgorithmsOut.model_validate(use.algorithms())


# The catalog changes only when a list is loaded: clients may reuse it for a minute without asking, then
# revalidate with If-None-Match (a 304 costs no body).
CATALOG_MAX_AGE = 60


@router.get(
    "/catalog",
    tags=["yente"],
    summary="Datasets: each loaded list with its version, and `default`",
    response_model=CatalogOut,
    responses={304: {"description": "Unchanged since the ETag sent in If-None-Match."}},
)
@router.get("/manifest", include_in_schema=False, response_model=CatalogOut)
def catalog(request: Request, store: StoreDep) -> Response:
    """yente's DataCatalogModel, with an ETag: `If-None-Match` with it answers 304 until a list changes."""
    body = CatalogOut.model_validate(use.catalog(store)).model_dump_json(by_alias=True).encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={CATALOG_MAX_AGE}"}
    sent = {tag.strip().removeprefix("W/") for tag in request.headers.get("if-none-match", "").split(",")}
    if etag in sent or "*" in sent:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


# --- OpenRefine reconciliation --------------------------------------------------------------------------

RECONCILE_DATASET = Annotated[
    str, Query(max_length=64, description="`default` (every list) or one list; kept in the manifest's URLs.")
]
QUERIES = 'JSON object of reconciliation queries by key: {"q0": {"query": "...", "type": "Person"}}'
EXTEND = 'JSON data extension request: {"ids": ["ofac:20157"], "properties": [{"id": "birthDate"}]}'
PREFIX = Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS, description="What the user typed.")]
CURSOR = Annotated[
    int, Query(ge=0, le=use.MAX_SUGGEST_CURSOR, description="Suggestions to skip (the next page's start).")
]
RECONCILE_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "Not JSON, an unknown type, or too large a batch."},
    404: ERRORS[404],
}

_RECONCILED = TypeAdapter(dict[str, ReconcileResult])


def _reconciled(store: Store, dataset: str, queries: str) -> Response:
    results = _RECONCILED.validate_python(use.reconcile(store, dataset, queries))
    return Response(_RECONCILED.dump_json(results, by_alias=True), media_type="application/json")


def _manifest(request: Request, store: Store, dataset: str, *, in_path: bool) -> Response:
    use.dataset_lists(store, dataset)
    manifest = use.reconcile_manifest(
        str(request.base_url), dataset if in_path else None, query_string=request.url.query
    )
    return _json(ReconcileManifest.model_validate(manifest))


def _answer(store: Store, dataset: str, queries: str | None, extend: str | None) -> Response:
    """A reconciliation POST: data extension when `extend` is sent, else the `queries`."""
    if extend:
        return _json(ExtendResponse.model_validate(use.extend(store, dataset, extend)))
    if queries is None:
        raise InputError("queries", "send `queries` (reconciliation) or `extend` (data extension)")
    return _reconciled(store, dataset, queries)


@router.post(
    "/reconcile/match",
    tags=["reconciliation"],
    summary="Reconciliation API 1.0 draft: a JSON list of queries",
    response_model=ReconcileV1Response,
    responses=RECONCILE_ERRORS,
)
def reconcile_v1(
    body: Annotated[
        dict[str, Any], Body(description='{"queries": [{"type": "Person", "conditions": [...]}]}')
    ],
    store: StoreDep,
    dataset: RECONCILE_DATASET = use.DEFAULT_DATASET,
) -> Response:
    """The 1.0 draft's matching endpoint: each query's `conditions` (`matchType` `name` or `property`)
    screened as a 0.2 query is; results in order, each with its `candidates`."""
    return _json(ReconcileV1Response.model_validate(use.reconcile_v1(store, dataset, body)))


@router.get(
    "/reconcile",
    tags=["reconciliation"],
    summary="OpenRefine: the service manifest, or results for `queries`",
    response_model=ReconcileManifest | dict[str, ReconcileResult],
    responses=RECONCILE_ERRORS,
)
def reconcile_get(
    request: Request,
    store: StoreDep,
    dataset: RECONCILE_DATASET = use.DEFAULT_DATASET,
    queries: Annotated[str | None, Query(max_length=1_000_000, description=QUERIES)] = None,
    extend: Annotated[str | None, Query(max_length=1_000_000, description=EXTEND)] = None,
) -> Response:
    """The Reconciliation Service API 0.2 manifest; with `queries` or `extend`, their answer (as POST)."""
    use.dataset_lists(store, dataset)
    if queries is not None or extend:
        return _answer(store, dataset, queries, extend)
    return _manifest(request, store, dataset, in_path=False)


@router.post(
    "/reconcile",
    tags=["reconciliation"],
    summary="OpenRefine: reconcile a batch of names, or extend reconciled rows with data",
    response_model=dict[str, ReconcileResult] | ExtendResponse,
    responses=RECONCILE_ERRORS,
)
def reconcile_post(
    store: StoreDep,
    queries: Annotated[str | None, Form(max_length=1_000_000, description=QUERIES)] = None,
    extend: Annotated[str | None, Form(max_length=1_000_000, description=EXTEND)] = None,
    dataset: RECONCILE_DATASET = use.DEFAULT_DATASET,
) -> Response:
    """Each query (`query`, `type`, `limit`, `properties` such as birthDate or nationality) screened; results
    with `id`, `name`, `score` (0..100), `match` (at accomplice's alert threshold) and `type`. With `extend`,
    the asked properties of each id (data extension)."""
    return _answer(store, dataset, queries, extend)


def _suggest_entity(store: Store, dataset: str, prefix: str, cursor: int) -> Response:
    return _json(SuggestResponse.model_validate(use.suggest_entity(store, dataset, prefix, cursor)))


@router.get(
    "/reconcile/suggest/entity",
    tags=["reconciliation"],
    summary="OpenRefine: entities whose names start like or agree with `prefix`",
    response_model=SuggestResponse,
    responses=RECONCILE_ERRORS,
)
def reconcile_suggest(
    store: StoreDep, prefix: PREFIX, cursor: CURSOR = 0, dataset: RECONCILE_DATASET = use.DEFAULT_DATASET
) -> Response:
    return _suggest_entity(store, dataset, prefix, cursor)


@router.get(
    "/reconcile/suggest/type",
    tags=["reconciliation"],
    summary="OpenRefine: entity types (FollowTheMoney schemata) that fit `prefix`",
    response_model=SuggestResponse,
)
def reconcile_suggest_type(prefix: PREFIX, cursor: CURSOR = 0) -> Response:
    return _json(SuggestResponse.model_validate(use.suggest_type(prefix, cursor)))


@router.get(
    "/reconcile/suggest/property",
    tags=["reconciliation"],
    summary="OpenRefine: properties that fit `prefix`",
    response_model=SuggestResponse,
)
def reconcile_suggest_property(prefix: PREFIX, cursor: CURSOR = 0) -> Response:
    return _json(SuggestResponse.model_validate(use.suggest_property(prefix, cursor)))


TYPE = Annotated[str, Query(min_length=1, max_length=64, description="The type (schema), e.g. `Person`.")]
PROPOSE_LIMIT = Annotated[int, Query(ge=0, le=500, description="At most this many (0: all).")]


@router.get(
    "/reconcile/extend/property",
    tags=["reconciliation"],
    summary="OpenRefine: the properties proposed for data extension of a type",
    response_model=ExtendPropertiesResponse,
    responses=RECONCILE_ERRORS,
)
def reconcile_extend_property(type: TYPE, limit: PROPOSE_LIMIT = 0) -> Response:
    return _json(ExtendPropertiesResponse.model_validate(use.extend_properties(type, limit)))


# OpenRefine shows the preview in a frame of its own page: this card may be framed, and carries no script.
PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors *"


@router.get(
    "/reconcile/preview",
    tags=["reconciliation"],
    summary="OpenRefine: a small HTML card of one entity",
    response_class=HTMLResponse,
    # Errors are JSON like the rest of the API (the card itself is HTML).
    responses={
        404: {
            "description": "No such entity.",
            "content": {"application/json": {"schema": Problem.model_json_schema()}},
        }
    },
)
def reconcile_preview(
    store: StoreDep, id: Annotated[str, Query(min_length=1, max_length=MAX_KEY_CHARS)]
) -> HTMLResponse:
    card = use.reconcile_preview(store, id)
    rows = "".join(f"<tr><th>{escape(prop)}</th><td>{escape(value)}</td></tr>" for prop, value in card.facts)
    html = (
        "<!doctype html><html><head><meta charset=utf-8>"
        f"<title>{escape(card.caption)}</title></head>"
        '<body style="font:13px sans-serif;margin:6px">'
        f'<h3 style="margin:0 0 4px">{escape(card.caption)}</h3>'
        f'<p style="margin:0 0 6px;color:#555">{escape(card.schema)} · {escape(card.key)} · '
        f"{escape(', '.join(card.lists))}</p>"
        f'<table style="border-collapse:collapse;text-align:left">{rows}</table></body></html>'
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": PREVIEW_CSP})


# yente's paths: the dataset in the path (`/reconcile/{dataset}`), the services under it. Declared after
# the fixed paths above, so that `/reconcile/preview` or `/reconcile/suggest/...` are never a dataset.


@router.get(
    "/reconcile/{dataset}",
    tags=["reconciliation"],
    summary="OpenRefine set up for yente: the manifest of one dataset, or results for `queries`",
    response_model=ReconcileManifest | dict[str, ReconcileResult],
    responses=RECONCILE_ERRORS,
)
def reconcile_dataset_get(
    request: Request,
    store: StoreDep,
    dataset: DATASET,
    queries: Annotated[str | None, Query(max_length=1_000_000, description=QUERIES)] = None,
    extend: Annotated[str | None, Query(max_length=1_000_000, description=EXTEND)] = None,
) -> Response:
    use.dataset_lists(store, dataset)
    if queries is not None or extend:
        return _answer(store, dataset, queries, extend)
    return _manifest(request, store, dataset, in_path=True)


@router.post(
    "/reconcile/{dataset}",
    tags=["reconciliation"],
    summary="OpenRefine set up for yente: reconcile or extend against one dataset",
    response_model=dict[str, ReconcileResult] | ExtendResponse,
    responses=RECONCILE_ERRORS,
)
def reconcile_dataset_post(
    store: StoreDep,
    dataset: DATASET,
    queries: Annotated[str | None, Form(max_length=1_000_000, description=QUERIES)] = None,
    extend: Annotated[str | None, Form(max_length=1_000_000, description=EXTEND)] = None,
) -> Response:
    return _answer(store, dataset, queries, extend)


@router.get(
    "/reconcile/{dataset}/suggest/entity",
    tags=["reconciliation"],
    summary="OpenRefine set up for yente: entity suggest within one dataset",
    response_model=SuggestResponse,
    responses=RECONCILE_ERRORS,
)
def reconcile_dataset_suggest(
    store: StoreDep, dataset: DATASET, prefix: PREFIX, cursor: CURSOR = 0
) -> Response:
    return _suggest_entity(store, dataset, prefix, cursor)


@router.get(
    "/reconcile/{dataset}/suggest/type",
    tags=["reconciliation"],
    summary="OpenRefine set up for yente: type suggest",
    response_model=SuggestResponse,
    responses=RECONCILE_ERRORS,
)
def reconcile_dataset_suggest_type(
    store: StoreDep, dataset: DATASET, prefix: PREFIX, cursor: CURSOR = 0
) -> Response:
    use.dataset_lists(store, dataset)
    return reconcile_suggest_type(prefix, cursor)


@router.get(
    "/reconcile/{dataset}/suggest/property",
    tags=["reconciliation"],
    summary="OpenRefine set up for yente: property suggest",
    response_model=SuggestResponse,
    responses=RECONCILE_ERRORS,
)
def reconcile_dataset_suggest_property(
    store: StoreDep, dataset: DATASET, prefix: PREFIX, cursor: CURSOR = 0
) -> Response:
    use.dataset_lists(store, dataset)
    return reconcile_suggest_property(prefix, cursor)


@router.get(
    "/reconcile/{dataset}/extend/property",
    tags=["reconciliation"],
    summary="OpenRefine set up for yente: the properties proposed for data extension",
    response_model=ExtendPropertiesResponse,
    responses=RECONCILE_ERRORS,
)
def reconcile_dataset_extend_property(
    store: StoreDep,
    dataset: DATASET,
    type: TYPE,
    limit: PROPOSE_LIMIT = 0,
) -> Response:
    use.dataset_lists(store, dataset)
    return reconcile_extend_property(type, limit)


# --- CORS on the reconciliation service ----------------------------------------------------------------

# The reconciliation API is called from pages of other origins (OpenRefine's, a testbench's): the spec
# makes CORS a MUST. Its data are the public lists, so any origin may read them, and no credentials are
# ever allowed (a page elsewhere must not act with a user's session cookie).
CORS_PREFIX = "/reconcile"
CORS_HEADERS = (
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
    (b"access-control-allow-headers", b"Content-Type, Accept"),
)
# How long a browser may reuse a preflight answer (seconds): a day, as the answer never changes.
CORS_MAX_AGE = b"86400"


class ReconcileCors:
    """Pure ASGI middleware: CORS headers on every reconciliation response (errors included), preflight
    (OPTIONS) answered at once; and yente's leniency on `/match`: a body without Content-Type is JSON."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith("/match/") and not any(k == b"content-type" and v for k, v in scope["headers"]):
            # yente's clients (and curl -d without -H) send JSON without saying so; yente reads it.
            kept = [(k, v) for k, v in scope["headers"] if k != b"content-type"]
            scope = {**scope, "headers": [*kept, (b"content-type", b"application/json")]}
        if not (path == CORS_PREFIX or path.startswith(CORS_PREFIX + "/")):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            headers = [*CORS_HEADERS, (b"access-control-max-age", CORS_MAX_AGE), (b"content-length", b"0")]
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *CORS_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_cors)
