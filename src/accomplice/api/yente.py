"""yente's API and OpenRefine's reconciliation service, over accomplice's lists and matcher.

Clients written for yente (OpenSanctions' screening API) switch by changing the base URL: the paths,
query parameters and JSON are yente's (see services.yente for what each field means here). Routes parse,
call one use-case of services.yente and validate what leaves against the models in api.yente_models.

`/entities/{entity_id}` is shared with the web UI: a browser (whose Accept header prefers text/html) gets
the entity page, any other client (`Accept: */*`, `application/json`) gets yente's JSON.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Form, Path, Query, Request, Response
from fastapi.responses import HTMLResponse
from markupsafe import escape
from pydantic import TypeAdapter

from accomplice.api.auth import require
from accomplice.api.models import Problem
from accomplice.api.routes import StoreDep
from accomplice.api.yente_models import (
    AlgorithmsOut,
    CatalogOut,
    EntityDetailResponse,
    EntityMatchQuery,
    EntityMatchResponse,
    ReconcileManifest,
    ReconcileResult,
    SearchResponse,
)
from accomplice.errors import InputError
from accomplice.services import MAX_KEY_CHARS, MAX_QUERY_CHARS
from accomplice.services import yente as use
from accomplice.services.auth import Permission, Principal
from accomplice.store import Store
from accomplice.web.routes import entity_page

__all__ = ["prefers_html", "router"]

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
    principal: Annotated[Principal, Depends(require(Permission.SCREEN))],
    limit: Annotated[int, Query(ge=1, le=use.MAX_MATCHES, description="Results per query.")] = use.MATCH_PAGE,
    threshold: Annotated[
        float, Query(ge=0, le=1, description="Score at which a result is a `match`.")
    ] = use.DEFAULT_MATCH_THRESHOLD,
    cutoff: Annotated[
        float | None,
        Query(ge=0, le=1, description="Lowest score returned (default: the threshold, as yente 5)."),
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
    do, `Authorization: ApiKey <token>`."""
    if body.config:
        raise InputError("config", f"algorithm {use.ALGORITHM} takes no configuration parameters")
    options = use.MatchOptions(
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
    return _json(
        EntityMatchResponse.model_validate(result), headers={"x-batch-size": str(len(result["responses"]))}
    )


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
    limit: Annotated[int, Query(ge=1, le=use.MAX_SEARCH_PAGE)] = use.SEARCH_PAGE,
    offset: Annotated[int, Query(ge=0, le=use.MAX_SEARCH_PAGE)] = 0,
    include_dataset: DatasetFilter = [],  # noqa: B006
    exclude_dataset: DatasetFilter = [],  # noqa: B006
    exclude_schema: DatasetFilter = [],  # noqa: B006
) -> Response:
    """Entities whose names agree with `q` across scripts, then those whose listed names contain it."""
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


@router.get("/algorithms", tags=["yente"], summary="The matcher and the yente names it answers to")
def algorithms() -> AlgorithmsOut:
    return AlgorithmsOut.model_validate(use.algorithms())


@router.get("/catalog", tags=["yente"], summary="Datasets: each loaded list with its version, and `default`")
def catalog(store: StoreDep) -> CatalogOut:
    return CatalogOut.model_validate(use.catalog(store))


# --- OpenRefine reconciliation --------------------------------------------------------------------------

RECONCILE_DATASET = Annotated[
    str, Query(max_length=64, description="`default` (every list) or one list; kept in the manifest's URLs.")
]
QUERIES = 'JSON object of reconciliation queries by key: {"q0": {"query": "...", "type": "Person"}}'


_RECONCILED = TypeAdapter(dict[str, ReconcileResult])


def _reconciled(store: Store, dataset: str, queries: str) -> Response:
    results = _RECONCILED.validate_python(use.reconcile(store, dataset, queries))
    return Response(_RECONCILED.dump_json(results, by_alias=True), media_type="application/json")


@router.get(
    "/reconcile",
    tags=["reconciliation"],
    summary="OpenRefine: the service manifest, or results for `queries`",
    response_model=ReconcileManifest | dict[str, ReconcileResult],
    responses={404: ERRORS[404]},
)
def reconcile_get(
    request: Request,
    store: StoreDep,
    dataset: RECONCILE_DATASET = use.DEFAULT_DATASET,
    queries: Annotated[str | None, Query(max_length=1_000_000, description=QUERIES)] = None,
) -> Response:
    """The Reconciliation Service API 0.2 manifest; with `queries`, the results (as POST does)."""
    use.dataset_lists(store, dataset)
    if queries is not None:
        return _reconciled(store, dataset, queries)
    manifest = use.reconcile_manifest(str(request.base_url), query_string=request.url.query)
    return _json(ReconcileManifest.model_validate(manifest))


@router.post(
    "/reconcile",
    tags=["reconciliation"],
    summary="OpenRefine: reconcile a batch of names",
    response_model=dict[str, ReconcileResult],
    responses={400: {"model": Problem, "description": "`queries` is not a JSON object of queries."}},
)
def reconcile_post(
    store: StoreDep,
    queries: Annotated[str, Form(max_length=1_000_000, description=QUERIES)],
    dataset: RECONCILE_DATASET = use.DEFAULT_DATASET,
) -> Response:
    """Each query (`query`, `type`, `limit`, `properties` such as birthDate or nationality) screened; results
    with `id`, `name`, `score` (0..100), `match` (at accomplice's alert threshold) and `type`."""
    return _reconciled(store, dataset, queries)


@router.get(
    "/reconcile/suggest/entity",
    tags=["reconciliation"],
    summary="OpenRefine: entities whose names start like or agree with `prefix`",
)
def reconcile_suggest(
    store: StoreDep,
    prefix: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS)],
    dataset: RECONCILE_DATASET = use.DEFAULT_DATASET,
) -> dict[str, Any]:
    found = use.search(store, dataset, prefix, limit=use.SEARCH_PAGE)
    return {
        "prefix": prefix,
        "result": [
            {"id": r["id"], "name": r["caption"], "description": "; ".join(r["datasets"])}
            for r in found["results"]
        ],
    }


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
