"""Every operation of the published OpenAPI schema, fuzzed in-process by schemathesis.

Schemathesis reads /openapi.json from the app itself and sends requests generated from each operation's
parameters and body (valid ones and near-misses) through the ASGI interface, with an analyst's API token,
and checks that no answer is a server error and that every answer conforms to the schema: the documented
content type, and for documented status codes the documented body. The store holds the real UN list, so
that lookups, matches and entities find something. Examples per operation are few, to keep CI short.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from accomplice import services
from accomplice.api import create_app
from accomplice.services import auth as accounts
from accomplice.store import Store, open_store

# Enough to reach each parameter's edge cases (empty, huge, odd scripts, wrong types) on every operation
# while the whole file stays within a minute or two on a shared CI machine.
EXAMPLES_PER_OPERATION = 25
OPERATOR = accounts.operator_principal("tester")


@pytest.fixture(scope="module")
def fuzz_store(raw_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'accomplice.db'}")
    services.load_list(store, "un", raw_dir / "un/un_consolidated_2026-02-27.xml")
    accounts.add_user(store, OPERATOR, name="fuzz-analyst", roles=["analyst"], org="ngo")
    # Built before the first request, as `accomplice serve` does at start: otherwise the first operation
    # that screens pays for the build, which on a loaded 2-core machine outlasts the client's 10 s timeout.
    services.screening_index(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def token(fuzz_store: Store) -> str:
    return accounts.issue_token(fuzz_store, OPERATOR, user="fuzz-analyst").secret


@pytest.fixture(scope="module")
def api_schema(fuzz_store: Store) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(fuzz_store))


def test_every_operation_answers_without_server_error_and_within_its_schema(
    api_schema: Any, token: str
) -> None:
    # Each operation is driven by hypothesis directly: schemathesis' pytest plugin (`from_fixture`) does
    # not run under this pytest version, and one loop reports every failing operation at once.
    failures = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 10, "the schema's operations were found, not silently none"
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            case.call_and_validate(
                headers={"Authorization": f"Bearer {token}"},
                checks=[not_a_server_error, content_type_conformance, response_schema_conformance],
            )

        try:
            check()
        except (
            Exception,
            BaseExceptionGroup,
        ) as exc:  # collected, so that one run names every operation that fails
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
