"""The baselines the screening benchmarks compare against: nomenklatura's logic-v2 and brute-force rapidfuzz.

logic-v2 is OpenSanctions' matcher (what yente runs). It scores pairs of FtM entities; it has no candidate
index of its own (yente uses Elasticsearch), so the benchmarks hand it candidates (documented there).
"""

from __future__ import annotations

import itertools
import time
import warnings
from collections.abc import Sequence

from followthemoney import model
from followthemoney.proxy import EntityProxy

from accomplice.matching import IndexedEntity

_ids = itertools.count()
LOGIC_V2_THRESHOLD = 0.7  # yente's default match threshold for logic-v2


def _algorithm():  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from nomenklatura.matching import LogicV2, ScoringConfig

    return LogicV2, ScoringConfig.defaults()


_LOGIC = None


def logic_v2():  # type: ignore[no-untyped-def]
    global _LOGIC
    if _LOGIC is None:
        algorithm, config = _algorithm()
        # The first comparison loads its data files (tens of seconds); do it before any timing.
        warm = make_proxy("Person", ["Kim Jong Un"])
        started = time.perf_counter()
        algorithm.compare(warm, make_proxy("Person", ["Kim Jong Il"]), config)
        _LOGIC = (algorithm, config, time.perf_counter() - started)
    return _LOGIC


def make_proxy(
    schema: str,
    names: Sequence[str],
    *,
    birth_dates: Sequence[str] = (),
    countries: Sequence[str] = (),
    identifiers: Sequence[tuple[str, str]] = (),
) -> EntityProxy:
    proxy = model.make_entity(schema if model.get(schema) else "LegalEntity")
    proxy.id = f"e{next(_ids)}"
    for name in names:
        proxy.add("name", name, quiet=True)
    if proxy.schema.is_a("Person"):
        for date in birth_dates:
            proxy.add("birthDate", date, quiet=True)
        for country in countries:
            proxy.add("nationality", country, quiet=True)
    else:
        for country in countries:
            proxy.add("country", country, quiet=True)
    for kind, value in identifiers:
        prop = {"imo": "imoNumber", "bic": "swiftBic", "passport": "passportNumber"}.get(kind)
        if prop and proxy.schema.get(prop):
            proxy.add(prop, value, quiet=True)
    return proxy


def proxy_of(entity: IndexedEntity) -> EntityProxy:
    ids = [(kind, value) for kind, value in entity.identifiers]
    return make_proxy(
        entity.schema,
        [n.text for n in entity.names],
        birth_dates=entity.birth_dates,
        countries=sorted(entity.countries),
        identifiers=ids,
    )


def logic_v2_score(query: EntityProxy, candidate: EntityProxy) -> float:
    algorithm, config, _ = logic_v2()
    return float(algorithm.compare(query, candidate, config).score)
