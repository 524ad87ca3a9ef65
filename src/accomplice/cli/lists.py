"""`accomplice lists` and `accomplice lists diff`: what is loaded, and what changed between versions."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from accomplice import services
from accomplice.cli.app import get_store, out_console
from accomplice.lists.counts import DiffCounts, EntityCounts, diff_counts, split_changes, version_counts
from accomplice.lists.model import EntityChange, ListDiff, ListInfo, VersionInfo

app = typer.Typer(
    help="Lists, their versions and counts; diffs between versions.\n\nExample: accomplice lists --json",
    invoke_without_command=True,
)


@app.callback()
def lists(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Show every list with its versions, its entities and (apart) the links between them.

    Example: accomplice lists
    """
    if ctx.invoked_subcommand is not None:
        return
    store = get_store()
    infos = services.list_infos(store)
    if as_json:
        payload = [_list_json(info, services.list_versions(store, info.name)) for info in infos]
        out_console.print_json(json.dumps(payload))
        return
    out_console.print(_lists_table(infos))


def _counts_json(counts: EntityCounts) -> dict[str, int]:
    return {"entities": counts.entities, "links": counts.links}


def _version_json(v: VersionInfo) -> dict[str, object]:
    counts = version_counts(v)
    return {
        "seq": v.seq,
        "label": v.label,
        "data_date": v.data_date,
        "imported_at": v.imported_at.isoformat(),
        "checksum": v.checksum,
        "components": list(v.components),
        "entities": counts.held.entities,
        "links": counts.held.links,
        "added": _counts_json(counts.added),
        "removed": _counts_json(counts.removed),
        "counts": v.counts,
        "warnings": list(v.warnings),
    }


def _list_json(info: ListInfo, versions: list[VersionInfo]) -> dict[str, object]:
    return {
        "name": info.name,
        "title": info.title,
        "publisher": info.publisher,
        "format": info.format,
        "current_entities": info.current_entities,
        "current_links": info.current_links,
        "versions": [_version_json(v) for v in versions],
    }


# The title is the one long column (up to 70 characters): it takes one line, cut with "…", in whatever room
# the other columns leave, and never less than this; the list name beside it identifies the list, and
# `--json` gives the whole title.
TITLE_MIN_WIDTH = 12
# "3 (2024-05-03)" fits; a longer label (a file name) is cut with "…" so that the title keeps its room.
LATEST_MAX_WIDTH = 16
# Each column costs its padding (one space each side) and one border character, and the table one more.
COLUMN_FRAME = 3


def _lists_table(infos: list[ListInfo]) -> Table:
    # The import time, then the latest version's label, give way first, so that the title keeps at least
    # TITLE_MIN_WIDTH and no number is cut (`lists --json` and `lists diff` have both).
    for optional in (("latest", "imported at"), ("latest",), ()):
        headers, rows, widths = _lists_cells(infos, optional)
        if _title_room(widths) >= TITLE_MIN_WIDTH:
            break
    longest = max((len(info.title) for info in infos), default=0)
    table = Table()
    table.add_column("list", no_wrap=True, min_width=widths[0])
    table.add_column(
        "title",
        overflow="ellipsis",
        no_wrap=True,
        width=max(TITLE_MIN_WIDTH, min(longest, _title_room(widths))),
    )
    for header, width in zip(headers[1:], widths[1:], strict=True):
        numeric = header in ("versions", "entities", "links")
        # Numbers and names are never cut: only the title gives way.
        table.add_column(
            header,
            no_wrap=True,
            overflow="ellipsis",
            min_width=width,
            max_width=LATEST_MAX_WIDTH if header == "latest" else None,
            justify="right" if numeric else "left",
        )
    for info, row in zip(infos, rows, strict=True):
        table.add_row(row[0], info.title, *row[1:])
    return table


def _lists_cells(
    infos: list[ListInfo], optional: tuple[str, ...]
) -> tuple[list[str], list[list[str]], list[int]]:
    headers = ["list", "versions", *(("latest",) if "latest" in optional else ()), "entities", "links"]
    headers += ["imported at"] if "imported at" in optional else []
    rows = []
    for info in infos:
        cells = {
            "list": info.name,
            "versions": str(info.versions),
            "latest": f"{info.latest_seq} ({info.latest_label})" if info.latest_seq else "",
            "entities": f"{info.current_entities:,}",
            "links": f"{info.current_links:,}",
            "imported at": info.latest_imported_at.strftime("%Y-%m-%d %H:%M")
            if info.latest_imported_at
            else "",
        }
        rows.append([cells[header] for header in headers])
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    if "latest" in headers:
        widths[headers.index("latest")] = min(widths[headers.index("latest")], LATEST_MAX_WIDTH)
    return headers, rows, widths


def _title_room(widths: list[int]) -> int:
    return out_console.width - sum(width + COLUMN_FRAME for width in widths) - COLUMN_FRAME - 1


def _tally(counts: DiffCounts) -> str:
    """'12 entities added, 3 removed, 5 changed; 4 links added, 0 removed, 1 changed'."""

    def part(what: str, added: int, removed: int, changed: int) -> str:
        return f"{added:,} {what} added, {removed:,} removed, {changed:,} changed"

    entities = part("entities", counts.added.entities, counts.removed.entities, counts.changed.entities)
    links = part("links", counts.added.links, counts.removed.links, counts.changed.links)
    return f"{entities}; {links}"


def _render_diff(diff: ListDiff, limit: int) -> None:
    out_console.print(
        f"[bold]{diff.list_name}[/bold]: version {diff.old.seq} ({diff.old.label}) → "
        f"{diff.new.seq} ({diff.new.label}): {_tally(diff_counts(diff))}"
    )
    if diff.carried_components:
        out_console.print(
            f"[dim]version {diff.new.seq} has no {', '.join(diff.carried_components)} file; those values are "
            f"carried from earlier versions and not compared[/dim]"
        )
    for title, changes in (("Added", diff.added), ("Removed", diff.removed)):
        for kind, part in zip(("", " links"), split_changes(changes), strict=True):
            if not part:
                continue
            table = Table("key", "schema", "name", title=f"{title}{kind}")
            for change in part[:limit]:
                table.add_row(change.key, change.schema, change.caption)
            out_console.print(table)
            if len(part) > limit:
                out_console.print(f"… and {len(part) - limit} more (use --limit or --json)")
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

    counts = diff_counts(diff)
    return {
        "list": diff.list_name,
        "old": {"seq": diff.old.seq, "label": diff.old.label},
        "new": {"seq": diff.new.seq, "label": diff.new.label},
        "carried_components": list(diff.carried_components),
        "counts": {
            "added": _counts_json(counts.added),
            "removed": _counts_json(counts.removed),
            "changed": _counts_json(counts.changed),
        },
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
