"""Build entity records through FollowTheMoney, so every value is cleaned and typed as FtM defines it."""

from __future__ import annotations

import re

from followthemoney import model
from followthemoney.proxy import EntityProxy
from followthemoney.types import registry

from accomplice.lists.model import COMPONENT_MAIN, EntityRecord, Value

__all__ = ["EntityBuilder"]

# Store keys are namespaced by list (`ofac:12312`, `un:KPi.066`); FtM's entity-id cleaning rejects the colon,
# so a reference to another entity (UnknownLink.subject, Vessel.owner) is kept as the key it names.
ENTITY_KEY = re.compile(r"^[\w.:\-]{1,255}$")


class EntityBuilder:
    """Accumulates values for one entity; values FtM cannot clean are kept in `rejected` for the report."""

    def __init__(self, key: str, schema: str) -> None:
        self.key = key
        self.proxy: EntityProxy = model.make_entity(schema)
        self.proxy.id = key
        self.values: list[Value] = []
        self.rejected: list[tuple[str, str]] = []
        self._seen: set[tuple[str, str, str]] = set()
        self.caption: str | None = None

    @property
    def schema(self) -> str:
        return str(self.proxy.schema.name)

    def has(self, prop: str) -> bool:
        return self.proxy.schema.get(prop) is not None

    def add(
        self,
        prop: str,
        value: str | None,
        *,
        component: str = COMPONENT_MAIN,
        fuzzy: bool = False,
        date_format: str | None = None,
        lang: str | None = None,
    ) -> str | None:
        """Clean and add a value; returns the cleaned value, or None when empty or not valid for `prop`."""
        if value is None:
            return None
        value = value.strip()
        if not value:
            return None
        prop_obj = self.proxy.schema.get(prop)
        if prop_obj is None:
            raise ValueError(f"{self.proxy.schema.name} has no property {prop!r}")
        if prop_obj.type == registry.entity:
            cleaned = value if ENTITY_KEY.match(value) else None
        else:
            cleaned = prop_obj.type.clean(value, fuzzy=fuzzy, format=date_format, proxy=self.proxy)
        if cleaned is None:
            self.rejected.append((prop, value))
            return None
        original = value if value != cleaned else None
        marker = (component, prop, cleaned)
        if marker not in self._seen:
            self._seen.add(marker)
            self.values.append(Value(prop, cleaned, component, lang, original))
            self.proxy.unsafe_add(prop_obj, cleaned, cleaned=True)
        return str(cleaned)

    def set_schema(self, schema: str) -> None:
        """Narrow or widen the schema (e.g. an OFAC entity that turns out to own a vessel IMO)."""
        schema_obj = model.get(schema)
        if schema_obj is None:
            raise ValueError(f"unknown FtM schema {schema!r}")
        self.proxy.schema = schema_obj

    def record(self) -> EntityRecord:
        caption = self.caption or self.proxy.caption or self.key
        return EntityRecord(self.key, self.schema, str(caption), list(self.values))
