"""Build entity records through FollowTheMoney, so every value is cleaned and typed as FtM defines it."""

from __future__ import annotations

import re
from functools import lru_cache

from followthemoney import model
from followthemoney.property import Property
from followthemoney.proxy import EntityProxy
from followthemoney.types import registry

from accomplice.lists.model import COMPONENT_MAIN, EntityRecord, Value

__all__ = ["LIST_KEY", "EntityBuilder"]

# A stable list key: a lower-case list prefix, a colon and the list's own id (ofac:12312, un:KPi.066).
LIST_KEY = re.compile(r"^[a-z][a-z0-9_]*:[\w.\-:]+$")

# Store keys carry a list prefix ("uk:13349", "eu:32017R1509:XIII.A:1"), which FtM's entity type rejects
# (it allows only [0-9a-zA-Z.-]); references are checked for this looser shape instead.
REFERENCE_KEY = re.compile(r"^\S{1,1024}$")

# FtM cleans every value of a type the same way, whatever the entity, except entity references (which
# refuse the entity's own id). Lists repeat the same countries, programs, genders and dates thousands of
# times (22,858 country values, 197 distinct, in the OFAC 2023-12-28 set), so those cleanings are cached.
CONTEXT_TYPES = frozenset({"entity"})
# Enough for every distinct repeated value of the largest list; names and remarks rarely repeat and only
# cycle through the cache.
CLEAN_CACHE_SIZE = 100_000


@lru_cache(maxsize=CLEAN_CACHE_SIZE)
def _clean_value(type_name: str, value: str, fuzzy: bool, date_format: str | None) -> str | None:
    cleaned = registry.get(type_name).clean(value, fuzzy=fuzzy, format=date_format)
    return None if cleaned is None else str(cleaned)


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
        cleaned = self._clean(prop_obj, value, fuzzy, date_format)
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

    def add_reference(self, prop: str, key: str | None, *, component: str = COMPONENT_MAIN) -> str | None:
        """Add a reference to another entity by its store key; None (and rejected) if not a key."""
        if key is None or not key.strip():
            return None
        key = key.strip()
        prop_obj = self.proxy.schema.get(prop)
        if prop_obj is None:
            raise ValueError(f"{self.proxy.schema.name} has no property {prop!r}")
        if prop_obj.type != registry.entity:
            raise ValueError(f"{self.proxy.schema.name}:{prop} is not a reference")
        if not REFERENCE_KEY.match(key) or key == self.key:
            self.rejected.append((prop, key))
            return None
        marker = (component, prop, key)
        if marker not in self._seen:
            self._seen.add(marker)
            self.values.append(Value(prop, key, component))
            self.proxy.unsafe_add(prop_obj, key, cleaned=True)
        return key

    def clean(
        self, prop: str, value: str, *, fuzzy: bool = False, date_format: str | None = None
    ) -> str | None:
        """The value `add` would store for `prop`, without adding it (None if FtM refuses it)."""
        prop_obj = self.proxy.schema.get(prop)
        if prop_obj is None:
            raise ValueError(f"{self.proxy.schema.name} has no property {prop!r}")
        value = value.strip()
        return self._clean(prop_obj, value, fuzzy, date_format) if value else None

    def _clean(self, prop_obj: Property, value: str, fuzzy: bool, date_format: str | None) -> str | None:
        if prop_obj.type == registry.entity and LIST_KEY.match(value):
            # Our stable list keys ("ofac:12312") contain a colon, which FtM's entity-id cleaning refuses.
            return value
        if prop_obj.type.name in CONTEXT_TYPES:
            cleaned = prop_obj.type.clean(value, fuzzy=fuzzy, format=date_format, proxy=self.proxy)
            return None if cleaned is None else str(cleaned)
        return _clean_value(prop_obj.type.name, value, fuzzy, date_format)

    def set_schema(self, schema: str) -> None:
        """Narrow or widen the schema (e.g. an OFAC entity that turns out to own a vessel IMO)."""
        schema_obj = model.get(schema)
        if schema_obj is None:
            raise ValueError(f"unknown FtM schema {schema!r}")
        self.proxy.schema = schema_obj

    def record(self) -> EntityRecord:
        caption = self.caption or self.proxy.caption or self.key
        return EntityRecord(self.key, self.schema, str(caption), list(self.values))
