"""Turn a listed entity's properties, or a screening record, into what the matcher compares."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from accomplice.matching.analyze import NameHint, analyze_name
from accomplice.matching.decisions import entity_fingerprint
from accomplice.matching.model import IndexedEntity, NameForms, QueryEntity
from accomplice.matching.resolve import un_references
from accomplice.matching.scorer import schema_kind

__all__ = [
    "COUNTRY_PROPS",
    "IDENTIFIER_PROPS",
    "NAME_PROPS",
    "han_hint",
    "indexed_entity",
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
    forms: dict[tuple[tuple[str, ...], bool], NameForms] = {}
    for text, weak in seen:
        for form in analyze_name(text, NameHint(kind, han, weak)):
            # "KIM, Jong Un" and "KIM Jong Un" read the same: one of them is enough to compare.
            forms.setdefault((form.tokens, form.weak), form)
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
