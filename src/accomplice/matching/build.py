"""Turn a listed entity's properties, or a screening record, into what the matcher compares."""

from __future__ import annotations

import json
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from accomplice.matching.analyze import GroupLookup, NameHint, analyze_name, group_texts, text_groups
from accomplice.matching.decisions import entity_fingerprint
from accomplice.matching.index import TextTable
from accomplice.matching.model import IndexedEntity, NameForms, QueryEntity
from accomplice.matching.resolve import un_references
from accomplice.matching.scorer import schema_kind

__all__ = [
    "COUNTRY_PROPS",
    "IDENTIFIER_PROPS",
    "NAME_PROPS",
    "RecordEntities",
    "RecordError",
    "entity_from_record",
    "entity_record",
    "entity_records",
    "group_lookup",
    "han_hint",
    "indexed_entity",
    "known_group_texts",
    "normalise_identifier",
    "query_entity",
]

# FtM properties that hold a name of the entity, and whether a match on it is weak evidence.
NAME_PROPS: dict[str, bool] = {
    "name": False,
    "alias": False,
    "previousName": False,
    "abbreviation": True,
    "weakAlias": True,
}
COUNTRY_PROPS = (
    "nationality",
    "citizenship",
    "country",
    "jurisdiction",
    "flag",
    "birthCountry",
    "mainCountry",
)
# FtM identifier properties and the kind under which equal values count as the same identifier.
IDENTIFIER_PROPS: dict[str, str] = {
    "imoNumber": "imo",
    "mmsi": "mmsi",
    "swiftBic": "bic",
    "leiCode": "lei",
    "passportNumber": "passport",
    "idNumber": "id",
    "registrationNumber": "registration",
    "taxNumber": "tax",
    "innCode": "inn",
    "ogrnCode": "ogrn",
    "uscCode": "uscc",
    "vatCode": "vat",
    "callSign": "callsign",
}
BIRTH_PROPS = ("birthDate", "incorporationDate", "buildDate")
# Free-text properties where lists cite each other ("UN Ref KPi.066").
REFERENCE_PROPS = ("notes", "summary", "description", "programId", "program")
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
# Identifiers this short are list noise ("1", "0"), not evidence.
MIN_IDENTIFIER_LENGTH = 4
# BIC branch codes (characters 9-11) do not change the institution.
BIC_INSTITUTION_LENGTH = 8

HAN_HINTS = {"kp": "ko", "kr": "ko", "cn": "zh", "hk": "zh", "tw": "zh", "mo": "zh", "sg": "zh", "jp": "ja"}


def normalise_identifier(kind: str, value: str) -> str | None:
    cleaned = _NOT_ALNUM.sub("", value.upper())
    if kind == "imo":
        cleaned = cleaned.removeprefix("IMO")
        return cleaned if len(cleaned) == 7 and cleaned.isdigit() else None
    if kind == "bic":
        return cleaned[:BIC_INSTITUTION_LENGTH] if len(cleaned) >= BIC_INSTITUTION_LENGTH else None
    return cleaned if len(cleaned) >= MIN_IDENTIFIER_LENGTH else None


def han_hint(countries: Iterable[str]) -> str:
    """How to read Han characters given the record's countries: Korean, Chinese, Japanese or unknown."""
    hints = {HAN_HINTS[c] for c in countries if c in HAN_HINTS}
    return hints.pop() if len(hints) == 1 else ""


# Lists put other names in brackets inside one name: the EU writes DPRK ships as "Chol Ryong (Ryong Gun
# Bong)" (the present and the former name), firms as "KHATIBA IMAM AL-BUKHARI (KIB)" and some entries carry
# their UN reference, "SECOND ACADEMY OF NATURAL SCIENCES (KPe.018)".
_BRACKETED = re.compile(r"\(([^()]*)\)")
_LIST_REFERENCE = re.compile(r"^[A-Za-z]{2,4}[a-z]?\.\d+$")
# A bracketed single word this short is an acronym (KIB, DCB): an alias, but a weak one.
ACRONYM_MAX_LETTERS = 5


def bracketed_names(text: str) -> list[tuple[str, bool]]:
    """The names inside one written name: the part outside brackets, and each bracketed part (weak or not)."""
    if "(" not in text:
        return []
    out: list[tuple[str, bool]] = []
    outside = " ".join(_BRACKETED.sub(" ", text).split())
    if outside and outside != text:
        out.append((outside, False))
    for part in _BRACKETED.findall(text):
        part = " ".join(part.split())
        if not part or _LIST_REFERENCE.match(part) or not any(ch.isalpha() for ch in part):
            continue
        acronym = " " not in part and len(part) <= ACRONYM_MAX_LETTERS
        out.append((part, acronym))
    return out


def _forms(names: Iterable[tuple[str, bool]], kind: str, han: str) -> tuple[NameForms, ...]:
    seen: dict[tuple[str, bool], None] = {}
    for text, weak in names:
        seen.setdefault((text, weak), None)
        for inner, inner_weak in bracketed_names(text):
            seen.setdefault((inner, weak or inner_weak), None)
    forms: dict[tuple[tuple[str, ...], bool, str], NameForms] = {}
    for text, weak in seen:
        for form in analyze_name(text, NameHint(kind, han, weak)):
            # "KIM, Jong Un" and "KIM Jong Un" read the same: one of them is enough to compare (a name's
            # glossary translation is another reading of the same letters, and stays).
            translated = form.org.translated if form.org is not None else ""
            forms.setdefault((form.tokens, form.weak, translated), form)
    return tuple(forms.values())


def indexed_entity(
    key: str,
    schema: str,
    caption: str,
    props: Mapping[str, Sequence[str]],
    lists: Sequence[str] = (),
    keys: Sequence[str] = (),
) -> IndexedEntity:
    countries = frozenset(v for p in COUNTRY_PROPS for v in props.get(p, ()))
    names = [(v, weak) for p, weak in NAME_PROPS.items() for v in props.get(p, ())]
    identifiers = frozenset(
        (kind, norm)
        for prop, kind in IDENTIFIER_PROPS.items()
        for value in props.get(prop, ())
        if (norm := normalise_identifier(kind, value)) is not None
    )
    return IndexedEntity(
        key=key,
        schema=schema,
        caption=caption,
        names=_forms(names, schema_kind(schema), han_hint(countries)),
        birth_dates=tuple(sorted({v for p in BIRTH_PROPS for v in props.get(p, ())})),
        countries=countries,
        identifiers=identifiers,
        lists=tuple(lists),
        keys=tuple(keys) or (key,),
        programs=tuple(sorted(set(props.get("programId", ())))),
        fingerprint=entity_fingerprint(props),
        references=un_references(v for p in REFERENCE_PROPS for v in props.get(p, ())) - {key},
    )


def query_entity(
    id: str,
    names: Sequence[str],
    *,
    schema: str | None = None,
    birth_dates: Sequence[str] = (),
    countries: Iterable[str] = (),
    identifiers: Iterable[tuple[str, str]] = (),
) -> QueryEntity:
    country_set = frozenset(countries)
    ids = frozenset(
        (kind, norm) for kind, value in identifiers if (norm := normalise_identifier(kind, value)) is not None
    )
    return QueryEntity(
        id=id,
        names=_forms(
            ((n, False) for n in names if n and n.strip()), schema_kind(schema), han_hint(country_set)
        ),
        schema=schema,
        birth_dates=tuple(birth_dates),
        countries=country_set,
        identifiers=ids,
    )


# --- compact records: an indexed entity as text, analysed again only when a query touches it ----------


def entity_record(entity: IndexedEntity) -> bytes:
    """The entity as one JSON record: its names as text with the hint each was read with, not analysed.

    Analysing a name is the expensive part of building an index; a record keeps only what gives the same
    analysis back (`entity_from_record`), a few hundred bytes per entity.
    """
    record = {
        "k": entity.key,
        "s": entity.schema,
        "c": entity.caption,
        "n": [[f.text, f.hint.kind, f.hint.han, f.hint.weak, _position_of(f)] for f in entity.names],
        "b": list(entity.birth_dates),
        "co": sorted(entity.countries),
        "i": sorted([kind, value] for kind, value in entity.identifiers),
        "l": list(entity.lists),
        "ks": list(entity.keys),
        "p": list(entity.programs),
        "f": entity.fingerprint,
        "r": sorted(entity.references),
    }
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()


def _position_of(forms: NameForms) -> int:
    """Which of the readings `analyze_name` gives for the name's text and hint this one is."""
    readings = analyze_name(forms.text, forms.hint)
    return readings.index(forms) if forms in readings else 0


class RecordError(ValueError):
    """A record that does not decode: the persisted index it came from is damaged."""


def record_cluster_keys(data: bytes) -> tuple[str, ...]:
    record = _decode(data)
    return tuple(record["ks"]) or (str(record["k"]),)


def _decode(data: bytes) -> dict[str, Any]:
    try:
        record = json.loads(data)
    except ValueError as exc:
        raise RecordError(f"entity record does not decode: {exc}") from exc
    if not isinstance(record, dict) or "k" not in record or "n" not in record:
        raise RecordError("entity record lacks its key or names")
    return record


def entity_from_record(data: bytes) -> IndexedEntity:
    """The indexed entity a record was written from (`entity_record`), names analysed again."""
    record = _decode(data)
    names = []
    for text, kind, han, weak, position in record["n"]:
        readings = analyze_name(text, NameHint(kind, han, weak))
        if position < len(readings):
            names.append(readings[position])
    return IndexedEntity(
        key=record["k"],
        schema=record["s"],
        caption=record["c"],
        names=tuple(names),
        birth_dates=tuple(record["b"]),
        countries=frozenset(record["co"]),
        identifiers=frozenset((kind, value) for kind, value in record["i"]),
        lists=tuple(record["l"]),
        keys=tuple(record["ks"]),
        programs=tuple(record["p"]),
        fingerprint=record["f"],
        references=frozenset(record["r"]),
    )


# Entities a record source keeps analysed: those queries touched lately. A batch over every name of a
# list touches many; a server's searches come back to the same few.
RECORD_CACHE_SIZE = 200_000


class RecordEntities:
    """The entities of a persisted index: JSON records in one byte array, analysed on first use."""

    def __init__(self, blob: np.ndarray[Any, Any], starts: np.ndarray[Any, Any]) -> None:
        self._blob = blob
        self._starts = starts
        self._cache: OrderedDict[int, IndexedEntity] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._starts) - 1

    def record(self, position: int) -> bytes:
        return bytes(self._blob[int(self._starts[position]) : int(self._starts[position + 1])])

    def entity(self, position: int) -> IndexedEntity:
        with self._lock:
            found = self._cache.get(position)
            if found is not None:
                self._cache.move_to_end(position)
                return found
        entity = entity_from_record(self.record(position))
        with self._lock:
            self._cache[position] = entity
            while len(self._cache) > RECORD_CACHE_SIZE:
                self._cache.popitem(last=False)
        return entity

    def cluster_keys(self, position: int) -> tuple[str, ...]:
        with self._lock:
            found = self._cache.get(position)
        if found is not None:
            return found.keys or (found.key,)
        return record_cluster_keys(self.record(position))


def entity_records(entities: Iterable[IndexedEntity]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Every entity's record in one byte array, and where each starts (n + 1 offsets)."""
    records = [entity_record(e) for e in entities]
    starts = np.zeros(len(records) + 1, dtype=np.int64)
    np.cumsum([len(r) for r in records], out=starts[1:])
    return np.frombuffer(b"".join(records), dtype=np.uint8), starts


GROUP_SEPARATOR = "\x1f"


def known_group_texts(entities: Iterable[IndexedEntity]) -> dict[str, str]:
    """rigour's name groups of every text the entities' names were looked up by (words of Latin names,
    whole names in other scripts), joined: what a persisted index keeps so that analysing its names
    again, and queries made of the same words, do not need rigour's tagger. Names of firms and ships
    too: a query without a schema is read as a person's name as well."""
    table: dict[str, str] = {}
    for entity in entities:
        for forms in entity.names:
            for text in group_texts(forms.text):
                # Lower-cased too: queries are typed "Kim" where lists write "KIM" (each entry is
                # rigour's answer for that very text).
                for variant in (text, text.lower()):
                    if variant not in table:
                        table[variant] = GROUP_SEPARATOR.join(sorted(text_groups(variant)))
    return table


def group_lookup(table: TextTable) -> GroupLookup:
    def lookup(text: str) -> frozenset[str] | None:
        value = table.get(text)
        if value is None:
            # rigour folds case before it looks a name up: "Kim" is in the groups of "kim".
            value = table.get(text.lower())
        if value is None:
            return None
        return frozenset(sys.intern(g) for g in value.split(GROUP_SEPARATOR) if g)

    return lookup
