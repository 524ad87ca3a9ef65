"""The lists a store holds and their versions: the catalogue, each list's versions, finding one by name."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Engine, func, select

from accomplice.errors import NotFoundError
from accomplice.lists.counts import is_link_schema
from accomplice.lists.model import ListInfo, SourceFile, VersionInfo
from accomplice.store.clock import aware
from accomplice.store.schema import entities, entity_lists, list_versions, source_lists

__all__ = ["ListVersions", "version_from_row"]


def version_from_row(row: Any) -> VersionInfo:
    files = tuple(SourceFile(**f) for f in row.files)
    return VersionInfo(
        list_name=row.list_name,
        seq=row.seq,
        label=row.label,
        data_date=row.data_date,
        imported_at=aware(row.imported_at),
        checksum=row.checksum,
        components=tuple(row.components),
        files=files,
        counts=dict(row.counts),
        warnings=tuple(row.warnings),
    )


# List versions and decisions written through any Store of this process, by store URL: caches that ask


class ListVersions:
    """The lists of one store and their versions (read only: `ListImport` writes them)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def lists(self) -> list[ListInfo]:
        with self.engine.connect() as conn:
            specs = conn.execute(select(source_lists).order_by(source_lists.c.name)).all()
            version_rows = conn.execute(select(list_versions).order_by(list_versions.c.seq)).all()
            current: dict[str, int] = defaultdict(int)
            current_links: dict[str, int] = defaultdict(int)
            for list_name, schema, count in conn.execute(
                select(entity_lists.c.list_name, entities.c.schema, func.count())
                .join(entities, entities.c.key == entity_lists.c.entity_key)
                .where(entity_lists.c.is_current.is_(True))
                .group_by(entity_lists.c.list_name, entities.c.schema)
            ):
                (current_links if is_link_schema(schema) else current)[list_name] += int(count)
        by_list: dict[str, list[Any]] = defaultdict(list)
        for row in version_rows:
            by_list[row.list_name].append(row)
        infos = []
        for spec in specs:
            versions = by_list.get(spec.name, [])
            latest = versions[-1] if versions else None
            infos.append(
                ListInfo(
                    name=spec.name,
                    title=spec.title,
                    publisher=spec.publisher,
                    source_url=spec.source_url,
                    format=spec.format,
                    licence=spec.licence,
                    versions=len(versions),
                    latest_seq=latest.seq if latest else None,
                    latest_label=latest.label if latest else None,
                    latest_imported_at=version_from_row(latest).imported_at if latest else None,
                    current_entities=current[spec.name],
                    current_links=current_links[spec.name],
                )
            )
        return infos

    def versions(self, list_name: str) -> list[VersionInfo]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(list_versions)
                .where(list_versions.c.list_name == list_name)
                .order_by(list_versions.c.seq)
            ).all()
        return [version_from_row(r) for r in rows]

    def version(self, list_name: str, ref: str | int | None = None) -> VersionInfo:
        """Find a version by number, label, data date, `latest` or `previous` (None means latest)."""
        versions = self.versions(list_name)
        if not versions:
            raise NotFoundError(f"list {list_name!r} has no versions in {self.url}")
        if ref is None or ref == "latest":
            return versions[-1]
        if ref == "previous":
            if len(versions) < 2:
                raise NotFoundError(f"list {list_name!r} has only one version")
            return versions[-2]
        text = str(ref)
        for candidate in versions:
            if text == str(candidate.seq) or text == f"{list_name}@{candidate.seq}":
                return candidate
        matches = [v for v in versions if text in (v.label, v.data_date)]
        if matches:
            return matches[-1]
        known = ", ".join(f"{v.seq} ({v.label})" for v in versions)
        raise NotFoundError(f"list {list_name!r} has no version {text!r}; known: {known}")

    def latest_checksum(self, list_name: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(list_versions.c.checksum)
                .where(list_versions.c.list_name == list_name)
                .order_by(list_versions.c.seq.desc())
                .limit(1)
            ).scalar()

    def coverage(self, list_name: str, seq: int) -> dict[str, int]:
        """For each component, the latest version up to `seq` that covered it (whose values hold at `seq`)."""
        return {c: v.seq for v in self.versions(list_name) if v.seq <= seq for c in v.components}
