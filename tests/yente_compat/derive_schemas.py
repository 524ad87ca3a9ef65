"""Regenerate yente-5.5.0-schemas.json: the JSON schemas of yente's own response models.

yente 5.5.0 pins fastapi 0.136, followthemoney 4.9 and nomenklatura 4.10, which conflict with
accomplice's; so it is installed in a throwaway venv, never in ours, and only its models' schemas are
kept. Run with that venv's Python:

    python3.11 -m venv /tmp/yente-venv && /tmp/yente-venv/bin/pip install yente==5.5.0
    cd tests/yente_compat && /tmp/yente-venv/bin/python derive_schemas.py > yente-5.5.0-schemas.json
"""

import json
import sys

from yente.data.common import (  # type: ignore[import-not-found]
    AlgorithmResponse,
    DataCatalogModel,
    EntityAdjacentResponse,
    EntityMatchResponse,
    EntityResponse,
    SearchResponse,
    StatusResponse,
)
from yente.data.freebase import (  # type: ignore[import-not-found]
    FreebaseEntityResult,
    FreebaseExtendPropertiesResponse,
    FreebaseExtendResponse,
)

MODELS = (
    DataCatalogModel,
    EntityMatchResponse,
    SearchResponse,
    AlgorithmResponse,
    EntityResponse,
    EntityAdjacentResponse,
    StatusResponse,
    FreebaseEntityResult,
    FreebaseExtendResponse,
    FreebaseExtendPropertiesResponse,
)
json.dump(
    {m.__name__: m.model_json_schema(mode="serialization") for m in MODELS},
    sys.stdout,
    indent=1,
    sort_keys=True,
)
