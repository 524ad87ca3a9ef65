"""Statement rows as `StatementView`s: each value with the labels of the versions it was first and last
seen in, open intervals closed at the latest version that covered the value's component."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, select

from accomplice.lists.model import StatementView
from accomplice.store.schema import list_versions

__all__ = ["make_views", "statement_views", "version_labels"]

_Q_VERSION_LABELS = (
    select(list_versions.c.list_name, list_versions.c.seq, list_versions.c.label, list_versions.c.components)
    .where(list_versions.c.list_name.in_(bindparam("lists", expanding=True)))
    .order_by(list_versions.c.seq)
)


def statement_views(conn: Connection, rows: Sequence[Any]) -> list[StatementView]:
    """Statement rows with their provenance: version labels, and open intervals closed at the latest
    version that covered the component."""
    lists = sorted({r.list_name for r in rows})
    versions = conn.execute(_Q_VERSION_LABELS, {"lists": lists}).all() if lists else []
    labels, latest = version_labels([(v.list_name, v.seq, v.label, v.components) for v in versions])
    return make_views(rows, labels, latest)


def version_labels(
    versions: Iterable[Any],
) -> tuple[dict[tuple[str, int], str], dict[tuple[str, str], int]]:
    """From (list, seq, label, components) in version order: each version's label, and the latest
    version that covered each component of each list."""
    labels: dict[tuple[str, int], str] = {}
    latest: dict[tuple[str, str], int] = {}
    for list_name, seq, label, components in versions:
        labels[(list_name, seq)] = label
        for component in components:
            latest[(list_name, component)] = seq
    return labels, latest


def make_views(
    rows: Iterable[Any], labels: dict[tuple[str, int], str], latest: dict[tuple[str, str], int]
) -> list[StatementView]:
    views = []
    for r in rows:
        last_seq = (
            r.last_seq if r.last_seq is not None else latest.get((r.list_name, r.component), r.first_seq)
        )
        views.append(
            StatementView(
                entity_key=r.entity_key,
                list_name=r.list_name,
                component=r.component,
                schema=r.schema,
                prop=r.prop,
                value=r.value,
                lang=r.lang,
                original_value=r.original_value,
                first_seq=r.first_seq,
                last_seq=last_seq,
                first_seen=labels.get((r.list_name, r.first_seq), str(r.first_seq)),
                last_seen=labels.get((r.list_name, last_seq), str(last_seq)),
                is_current=r.is_current,
            )
        )
    return views
