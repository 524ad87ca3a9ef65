"""Alembic environment: runs on the connection that `accomplice.store.migrate` hands over."""

from __future__ import annotations

from alembic import context

# Imported for their side effect: each registers its area's tables on `metadata`.
from accomplice.store import (  # noqa: F401
    schema_auth,
    schema_cases,
    schema_dossiers,
    schema_exposure,
    schema_incidents,
    schema_jobs,
    schema_monitor,
    schema_oversight,
)
from accomplice.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached when someone runs plain `alembic` by hand
    raise RuntimeError("Run migrations through `accomplice db upgrade`, which supplies the connection.")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
