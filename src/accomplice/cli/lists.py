"""`accomplice lists` and `accomplice lists diff`: what is loaded, and what changed between versions."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from accomplice import services
from accomplice.cli.app import get_store, out_console
from accomplice.lists.model import EntityChange, ListDiff

app = typer.Typer(
    help="Lists, their versions and counts; diffs between versions.\n\nExample: accomplice lists --json",
    invoke_without_command=True,
)


@app.callback()
def lists(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Show every list with its versions and entity counts.

    Example: accomplice lists
    """
    if ctx.invoked_subcommand is not None:
        return
    store = get_store()
    infos = services.list_infos(store)
    if as_json:
        payload = []
        for info in infos:
            versions = services.list_versions(store, info.name)
            payload.append(
                {
                    "name": info.name,
                    "title": info.title,
                    "publisher": info.publisher,
                    "format": info.format,
                    "current_entities": info.current_entities,
                    "versions": [
                        {
                            "seq": v.seq,
                            "label": v.label,
                            "data_date": v.data_date,
                            "imported_at": v.imported_at.isoformat(),
                            "checksum": v.checksum,
                            "components": list(v.components),
                            "counts": v.counts,
                        }
                        for v in versions
                    ],
                }
            )
        out_console.print_json(json.dumps(payload))
        return
    table = Table("list", "title", "versions", "latest", "entities now", "imported at")
    for info in infos:
        imported = info.latest_imported_at.strftime("%Y-%m-%d %H:%M") if info.latest_imported_at else ""
        table.add_row(
            info.name,
            info.title,
            str(info.versions),
            f"{info.latest_seq} ({info.latest_label})" if info.latest_seq else "",
            f"{info.current_entities:,}",
            imported,
        )
    out_console.print(table)


def _render_diff(diff: ListDiff, limit: int) -> None:
    out_console.print(
        f"[bold]{diff.list_name}[/bold]: version {diff.old.seq} ({diff.old.label}) → "
        f"{diff.new.seq} ({diff.new.label}): "
        f"{len(diff.added)} added, {len(diff.removed)} removed, {len(diff.changed)} changed"
    )
    if diff.carried_components:
        out_console.print(
            f"[dim]version {diff.new.seq} has no {', '.join(diff.carried_components)} file; those values are "
            f"carried from earlier versions and not compared[/dim]"
        )
    for title, changes in (("Added", diff.added), ("Removed", diff.removed)):
        if not changes:
            continue
        table = Table("key", "schema", "name", title=title)
        for change in changes[:limit]:
            table.add_row(change.key, change.schema, change.caption)
        out_console.print(table)
        if len(changes) > limit:
            out_console.print(f"… and {len(changes) - limit} more (use --limit or --json)")
    if diff.changed:
        table = Table("key", "name", "field", "added", "removed", title="Changed")
        for change in diff.changed[:limit]:
            for i, prop in enumerate(change.changes):
                table.add_row(
                    change.key if i == 0 else "",
                    change.caption if i == 0 else "",
                    prop.prop,
                    "; ".join(prop.added),
                    "; ".join(prop.removed),
                )
        out_console.print(table)
        if len(diff.changed) > limit:
            out_console.print(f"… and {len(diff.changed) - limit} more (use --limit or --json)")


def _diff_json(diff: ListDiff) -> dict[str, object]:
    def change(c: EntityChange) -> dict[str, object]:
        return {
            "key": c.key,
            "schema": c.schema,
            "caption": c.caption,
            "changes": [
                {"prop": p.prop, "added": list(p.added), "removed": list(p.removed)} for p in c.changes
            ],
        }

    return {
        "list": diff.list_name,
        "old": {"seq": diff.old.seq, "label": diff.old.label},
        "new": {"seq": diff.new.seq, "label": diff.new.label},
        "carried_components": list(diff.carried_components),
        "added": [change(c) for c in diff.added],
        "removed": [change(c) for c in diff.removed],
        "changed": [change(c) for c in diff.changed],
    }


@app.command("diff")
def diff(
    source: Annotated[str, typer.Argument(help="List name, e.g. ofac, un, uk.")],
    old: Annotated[str | None, typer.Argument(help="Older version: number, label or date.")] = None,
    new: Annotated[str | None, typer.Argument(help="Newer version (default: latest).")] = None,
    program: Annotated[
        str | None, typer.Option("--program", help="Only entities whose programs contain this text.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Rows shown per table.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole diff as JSON.")] = False,
) -> None:
    """Show entities added, removed and changed (with the fields that changed) between two versions.

    Example: accomplice lists diff ofac 2023-12-28 2024-05-03 --program DPRK
    """
    store = get_store()
    result = services.diff_list(store, source, old, new)
    if program:
        result = services.filter_diff_by_program(store, result, program)
    if as_json:
        out_console.print_json(json.dumps(_diff_json(result), ensure_ascii=False))
        return
    _render_diff(result, limit)
