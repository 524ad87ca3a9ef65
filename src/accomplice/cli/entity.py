"""`accomplice entity KEY`: everything known about one entity, each value with its provenance."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from accomplice import services
from accomplice.cli.app import get_store, out_console


def _provenance(first: str, last: str, list_name: str, is_current: bool) -> str:
    span = first if first == last else f"{first} → {last}"
    return f"{list_name} {span}" + ("" if is_current else " (no longer listed)")


def entity(
    key: Annotated[str, typer.Argument(help="List key, e.g. ofac:12312, un:KPi.066, uk:11035.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON with every statement.")] = False,
) -> None:
    """Show an entity: names, identifiers, addresses, programs, relations, each with its provenance.

    Example: accomplice entity ofac:12312
    """
    detail = services.entity_detail(get_store(), key)
    if as_json:
        payload = services.entity_json(detail)
        out_console.print_json(json.dumps(payload, ensure_ascii=False))
        return
    row = detail.entity
    status = "listed" if row.is_current else "no longer listed"
    out_console.print(
        f"[bold]{row.caption}[/bold]  {row.key}  {row.schema}  ({status}; lists: {', '.join(row.lists)})"
    )
    table = Table("field", "value", "provenance (list, first seen → last seen)", show_lines=False)
    for prop, items in detail.by_prop().items():
        for i, s in enumerate(items):
            value = (
                s.value
                if s.original_value in (None, s.value)
                else f"{s.value}  [dim](as written: {s.original_value})[/dim]"
            )
            table.add_row(
                prop if i == 0 else "",
                value,
                _provenance(s.first_seen, s.last_seen, s.list_name, s.is_current),
            )
    out_console.print(table)
    if detail.relations:
        rel_table = Table("relation", "schema", "details", title="Relations")
        for rel, statements in detail.relations:
            details = "; ".join(f"{s.prop}={s.value}" for s in statements if s.prop != "id")
            rel_table.add_row(rel.key, rel.schema, details)
        out_console.print(rel_table)
