"""Response models of the JSON API: the typed contract published at /openapi.json.

Pydantic lives only here, at the HTTP boundary; services hand over plain dataclasses and dicts, and these
models validate that what leaves the server has the documented shape.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from accomplice.lists.counts import EntityCounts, diff_counts, version_counts
from accomplice.lists.model import EntityChange, ListDiff, ListInfo, VersionInfo

__all__ = [
    "DiffCounts",
    "DiffOut",
    "EntityChangeOut",
    "EntityOut",
    "EntityRefOut",
    "HealthOut",
    "ListDetailOut",
    "ListOut",
    "ListingOut",
    "LookupHit",
    "LookupOut",
    "MatchedName",
    "Problem",
    "PropChangeOut",
    "ReadyOut",
    "RelationOut",
    "Seen",
    "SourceFileOut",
    "StatementOut",
    "VersionOut",
    "VersionRef",
    "VersionSummary",
]


class _Model(BaseModel):
    # `schema` is FollowTheMoney's word and the field name clients expect, but pydantic reserves the
    # attribute, so the models call it `entity_schema` and publish it as `schema`; likewise `list_name`
    # is published as `list` (a field named `list` would hide the builtin in the class body).
    model_config = ConfigDict(populate_by_name=True, frozen=True)


class Problem(_Model):
    """Every error: a human-readable reason (validation errors carry FastAPI's list of field errors)."""

    detail: str


class HealthOut(_Model):
    status: Literal["ok"]
    store: str = Field(description="Store backend: sqlite or postgresql.")


class ReadyOut(_Model):
    status: Literal["ok", "unavailable"] = Field(description="`ok` when ready, as yente answers.")
    backend: str
    lists: int = Field(description="Lists held by the store.")
    detail: str | None = None


class VersionRef(_Model):
    seq: int = Field(description="Version number within its list, from 1.")
    label: str


class SourceFileOut(_Model):
    name: str
    component: str
    sha256: str
    size: int


class EntityLinkCounts(_Model):
    entities: int = Field(description="People, organisations, vessels, aircraft...")
    links: int = Field(description="Relations between entities (ownership, associates, 'Linked To').")

    @classmethod
    def of(cls, counts: EntityCounts) -> EntityLinkCounts:
        return cls(entities=counts.entities, links=counts.links)


def _version_counts(v: VersionInfo) -> dict[str, object]:
    counts = version_counts(v)
    return {
        "entities": counts.held.entities,
        "links": counts.held.links,
        "added": EntityLinkCounts.of(counts.added),
        "removed": EntityLinkCounts.of(counts.removed),
        "counts": v.counts,
    }


class VersionSummary(_Model):
    seq: int
    label: str
    data_date: str | None
    imported_at: datetime
    entities: int = Field(description="Entities in this version, links not included.")
    links: int = Field(description="Links (relations between entities) in this version.")
    added: EntityLinkCounts = Field(description="Entities and links new since the version before.")
    removed: EntityLinkCounts = Field(description="Entities and links gone since the version before.")
    counts: dict[str, int] = Field(
        description="Records per schema (`schema:Person`...); `entities`, `added_entities` and "
        "`removed_entities` count records, links included, and `added_links`/`removed_links` the links."
    )

    @classmethod
    def of(cls, v: VersionInfo) -> VersionSummary:
        return cls.model_validate(
            {"seq": v.seq, "label": v.label, "data_date": v.data_date, "imported_at": v.imported_at}
            | _version_counts(v)
        )


class VersionOut(VersionSummary):
    checksum: str
    components: list[str]
    files: list[SourceFileOut]
    warnings: list[str]

    @classmethod
    def of(cls, v: VersionInfo) -> VersionOut:
        return cls.model_validate(
            {"seq": v.seq, "label": v.label, "data_date": v.data_date, "imported_at": v.imported_at}
            | _version_counts(v)
            | {
                "checksum": v.checksum,
                "components": list(v.components),
                "files": [
                    SourceFileOut(name=f.name, component=f.component, sha256=f.sha256, size=f.size)
                    for f in v.files
                ],
                "warnings": list(v.warnings),
            }
        )


class _ListBase(_Model):
    name: str
    title: str
    publisher: str
    source_url: str
    format: str
    licence: str
    current_entities: int = Field(description="Entities listed in the latest version, links not included.")
    current_links: int = Field(description="Links (relations between entities) in the latest version.")
    latest: VersionRef | None


def _list_fields(info: ListInfo) -> dict[str, object]:
    return {
        "name": info.name,
        "title": info.title,
        "publisher": info.publisher,
        "source_url": info.source_url,
        "format": info.format,
        "licence": info.licence,
        "current_entities": info.current_entities,
        "current_links": info.current_links,
        "latest": VersionRef(seq=info.latest_seq, label=info.latest_label or "")
        if info.latest_seq is not None
        else None,
    }


class ListOut(_ListBase):
    versions: list[VersionSummary]

    @classmethod
    def of(cls, info: ListInfo, versions: tuple[VersionInfo, ...]) -> ListOut:
        return cls.model_validate(
            {**_list_fields(info), "versions": [VersionSummary.of(v) for v in versions]}
        )


class ListDetailOut(_ListBase):
    versions: list[VersionOut]

    @classmethod
    def of(cls, info: ListInfo, versions: tuple[VersionInfo, ...]) -> ListDetailOut:
        return cls.model_validate({**_list_fields(info), "versions": [VersionOut.of(v) for v in versions]})


class PropChangeOut(_Model):
    prop: str
    added: list[str]
    removed: list[str]


class EntityChangeOut(_Model):
    key: str
    entity_schema: str = Field(validation_alias="schema", serialization_alias="schema")
    caption: str
    changes: list[PropChangeOut] = Field(description="Changed fields; empty for added and removed entities.")

    @classmethod
    def of(cls, c: EntityChange) -> EntityChangeOut:
        return cls(
            key=c.key,
            entity_schema=c.schema,
            caption=c.caption,
            changes=[
                PropChangeOut(prop=p.prop, added=list(p.added), removed=list(p.removed)) for p in c.changes
            ],
        )


class DiffCounts(_Model):
    added: EntityLinkCounts
    removed: EntityLinkCounts
    changed: EntityLinkCounts

    @classmethod
    def of(cls, diff: ListDiff) -> DiffCounts:
        counts = diff_counts(diff)
        return cls(
            added=EntityLinkCounts.of(counts.added),
            removed=EntityLinkCounts.of(counts.removed),
            changed=EntityLinkCounts.of(counts.changed),
        )


class DiffOut(_Model):
    list_name: str = Field(validation_alias="list", serialization_alias="list")
    old: VersionRef
    new: VersionRef
    program: str | None = Field(description="Program filter applied (substring of a program id), if any.")
    carried_components: list[str] = Field(
        description="Parts of the list (aliases, addresses) the newer version has no file for; carried over "
        "from earlier versions and therefore not compared."
    )
    counts: DiffCounts
    added: list[EntityChangeOut]
    removed: list[EntityChangeOut]
    changed: list[EntityChangeOut]

    @classmethod
    def of(cls, diff: ListDiff, program: str | None) -> DiffOut:
        return cls(
            list_name=diff.list_name,
            old=VersionRef(seq=diff.old.seq, label=diff.old.label),
            new=VersionRef(seq=diff.new.seq, label=diff.new.label),
            program=program,
            carried_components=list(diff.carried_components),
            counts=DiffCounts.of(diff),
            added=[EntityChangeOut.of(c) for c in diff.added],
            removed=[EntityChangeOut.of(c) for c in diff.removed],
            changed=[EntityChangeOut.of(c) for c in diff.changed],
        )


class Seen(_Model):
    seq: int
    label: str


class StatementOut(_Model):
    """One value with its provenance: which list stated it, first and last seen in which version."""

    prop: str
    value: str
    original_value: str | None = Field(
        description="The value as the list wrote it, when cleaning changed it."
    )
    lang: str | None
    list_name: str = Field(validation_alias="list", serialization_alias="list")
    component: str
    first_seen: Seen
    last_seen: Seen
    current: bool = Field(description="False when the latest version of the list no longer states it.")


class EntityRefOut(_Model):
    key: str
    entity_schema: str = Field(validation_alias="schema", serialization_alias="schema")
    caption: str
    listed: bool


class RelationOut(EntityRefOut):
    properties: dict[str, list[str]]
    list_name: str | None = Field(validation_alias="list", serialization_alias="list")
    first_seen: Seen | None
    last_seen: Seen | None


class ListingOut(_Model):
    list_name: str = Field(validation_alias="list", serialization_alias="list")
    first_seen: Seen
    last_seen: Seen
    current: bool


class EntityOut(_Model):
    key: str
    entity_schema: str = Field(validation_alias="schema", serialization_alias="schema")
    caption: str
    listed: bool = Field(description="Listed in the latest version of at least one list.")
    lists: list[str]
    listings: list[ListingOut]
    properties: dict[str, list[StatementOut]]
    relations: list[RelationOut] = Field(description="Relation entities (links, ownership) naming this one.")
    more_relations: int = Field(description="Relations beyond those returned.")
    referents: dict[str, EntityRefOut] = Field(
        description="Entities named by this entity's or its relations' values, by key."
    )


class MatchedName(_Model):
    prop: str = Field(description="Where the name is listed: name, alias, weakAlias, previousName...")
    value: str


class LookupHit(EntityRefOut):
    lists: list[str]
    matched: list[MatchedName] = Field(description="The listed names that contain the query.")


class LookupOut(_Model):
    query: str
    method: Literal["plain"] = Field(
        description="`plain`: case-insensitive substring of a listed name or alias, or an exact key; "
        "no transliteration or fuzzy matching."
    )
    results: list[LookupHit]
