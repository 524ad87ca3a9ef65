"""FollowTheMoney JSON lines: OpenSanctions `entities.ftm.json` exports and custom lists.

One JSON object per line: `{"id": ..., "schema": ..., "properties": {prop: [values]}}`; other fields
(`caption`, `datasets`, `referents`, `first_seen`, ...) are read where useful or ignored. Keys are the ids
as given, so the same OpenSanctions entity loaded from two exports is one entity of the store. Lines are
read one at a time (exports run to gigabytes); the whole file is hashed in chunks for the plan.

Structural problems (not JSON, no id, unknown schema or property, values that are not text) are a
one-line InputError naming the file and line. Values FtM's cleaning rejects are aggregated warnings.
Lines repeating an id merge into one entity, as FtM's own aggregation does.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from followthemoney import model
from followthemoney.exc import InvalidData
from followthemoney.types import registry

from accomplice import safejson
from accomplice.errors import InputError
from accomplice.lists.model import COMPONENT_MAIN, ListSpec, ProgressFn, SourceFile
from accomplice.sources.base import InputFile, Parsed, Plan, PreviousValues
from accomplice.sources.builder import EntityBuilder
from accomplice.sources.files import MAX_FILE_BYTES, combined_checksum, guess_script_encoding
from accomplice.sources.mapping import list_name_from_text
from accomplice.sources.rejects import Problems

__all__ = ["FtmJson", "ftm_list_name"]

# Lines read between two progress callbacks.
PROGRESS_EVERY = 5_000
# Hashing reads the file in chunks of this size, so that a multi-gigabyte export never sits in memory.
HASH_CHUNK = 1 << 20
# Suffixes OpenSanctions and FtM tools give entity files; stripped to name the list after the file.
SUFFIXES = (".ftm.json", ".jsonl", ".json", ".ftm", ".ijson")


def ftm_list_name(path: Path) -> str:
    """The list name a file gets without --list: its name without suffix, in [a-z0-9_]."""
    name = path.name
    for suffix in SUFFIXES:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    sanitised = list_name_from_text(name)
    if not sanitised:
        raise InputError(str(path), "cannot name a list after this file; give --list")
    return sanitised if sanitised[0].isalpha() else f"ftm_{sanitised}"


def _source_file(path: Path) -> SourceFile:
    if not path.exists():
        raise InputError(str(path), "no such file")
    if path.is_dir():
        raise InputError(str(path), "is a folder, expected a FollowTheMoney JSON lines file")
    size = path.stat().st_size
    if size == 0:
        raise InputError(str(path), "file is empty")
    if size > MAX_FILE_BYTES:
        raise InputError(str(path), f"file is {size:,} bytes, larger than any list we accept")
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(HASH_CHUNK):
            digest.update(chunk)
    return SourceFile(path.name, COMPONENT_MAIN, digest.hexdigest(), size)


def _text(path: Path, raw: bytes, line: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        guess = guess_script_encoding(raw)
        hint = f"; it looks like {guess}" if guess else ""
        raise InputError(
            str(path), f"not valid UTF-8 text (byte 0x{raw[exc.start]:02x}){hint}; FtM JSON is UTF-8", line
        ) from None


def _values(path: Path, line: int, prop: str, raw: Any) -> list[str]:
    items = raw if isinstance(raw, list) else [raw]
    values = []
    for item in items:
        if item is None:
            continue
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise InputError(
                str(path),
                f"property {prop!r} holds {type(item).__name__} values, not text "
                "(a nested export? load the flat entities.ftm.json)",
                line,
            )
        values.append(str(item))
    return values


class FtmJson:
    """Loader for FollowTheMoney entities as JSON lines."""

    name = "ftm"

    def plan(self, path: Path, *, list_name: str | None = None) -> Plan:
        file = _source_file(path)
        name = list_name or ftm_list_name(path)
        if list_name_from_text(name) != name:
            raise InputError(str(path), f"list name {name!r}: use lower-case letters, digits and _")
        spec = ListSpec(
            name,
            f"FollowTheMoney entities from {path.name}",
            "",
            "",
            "ftm-json",
            "",
        )
        return Plan(spec, (InputFile(path, COMPONENT_MAIN),), (file,), combined_checksum([file]))

    def parse(
        self, plan: Plan, progress: ProgressFn | None = None, previous: PreviousValues | None = None
    ) -> Parsed:
        """Parse the file; `previous` is unused, this format's files each hold whole values."""
        path = plan.inputs[0].path
        total = plan.files[0].size
        problems = Problems(path.name)
        builders: dict[str, EntityBuilder] = {}
        read = 0
        with path.open("rb") as fh:
            for line, raw in enumerate(fh, start=1):
                read += len(raw)
                if raw.strip():
                    self._entity(path, line, _text(path, raw, line), builders, problems)
                if progress and line % PROGRESS_EVERY == 0:
                    progress(f"reading {path.name}", read, total)
        if progress:
            progress(f"reading {path.name}", total, total)
        if not builders:
            raise InputError(str(path), "holds no FollowTheMoney entities")
        return Parsed([b.record() for b in builders.values()], problems.warnings())

    @staticmethod
    def _entity(
        path: Path, line: int, text: str, builders: dict[str, EntityBuilder], problems: Problems
    ) -> None:
        try:
            data = safejson.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(str(path), f"invalid JSON: {exc.msg} (column {exc.colno})", line) from None
        if not isinstance(data, dict):
            raise InputError(str(path), f"expected a JSON object per line, found {type(data).__name__}", line)
        key = data.get("id")
        if not isinstance(key, str) or not key.strip() or any(c.isspace() for c in key):
            raise InputError(str(path), f"entity id {key!r} is missing or not a single word", line)
        schema_name = data.get("schema")
        schema = model.get(schema_name) if isinstance(schema_name, str) else None
        if schema is None:
            raise InputError(str(path), f"{key}: unknown FtM schema {schema_name!r}", line)
        properties = data.get("properties", {})
        if not isinstance(properties, dict):
            raise InputError(str(path), f"{key}: properties must be a JSON object", line)
        props = {}
        for prop in properties:
            prop_obj = schema.get(prop)
            if prop_obj is None:
                raise InputError(str(path), f"{key}: {schema.name} has no property {prop!r}", line)
            props[prop] = prop_obj
        builder = builders.get(key)
        if builder is None:
            builder = builders[key] = EntityBuilder(key, schema.name)
        elif builder.schema != schema.name:
            try:
                builder.set_schema(str(model.common_schema(builder.schema, schema.name).name))
            except InvalidData:
                raise InputError(
                    str(path),
                    f"{key}: schema {schema.name} conflicts with {builder.schema} of a line before",
                    line,
                ) from None
        caption = data.get("caption")
        if builder.caption is None and isinstance(caption, str) and caption.strip():
            builder.caption = caption.strip()
        before = len(builder.rejected)
        # Countries first: phone numbers parse better knowing them (as FtM's own mapper does).
        ordered = sorted(properties.items(), key=lambda item: props[item[0]].type != registry.country)
        for prop, raw in ordered:
            is_reference = props[prop].type == registry.entity
            for value in _values(path, line, prop, raw):
                if is_reference:
                    builder.add_reference(prop, value)
                    continue
                try:
                    builder.add(prop, value)
                except InvalidData:
                    builder.rejected.append((prop, value))
        for prop, value in builder.rejected[before:]:
            problems.rejected(prop, value, line)
