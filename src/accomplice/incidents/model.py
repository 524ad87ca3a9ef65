"""The incident record (after HURIDOCS Events Standard Formats) and its reading from one JSON object.

An event (`Incident`) has one or more acts (`act_types`), perpetrators with their kind, role and degree of
involvement, information (`Information`: which source says what, graded on the NATO/Admiralty scale, with
the source's connection to what it reports), interventions, and victims. A victim's identifying fields
(`Identity`) are kept apart from what may be shown (`Victim`): the store seals the former, everything else
shows a pseudonym.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from accomplice.incidents.dates import DatePrecisionError, parse_edtf_interval
from accomplice.incidents.vocab import (
    ACT_TYPES,
    CONNECTIONS,
    CONSENT_SCOPES,
    INVOLVEMENT_DEGREES,
    PERPETRATOR_KINDS,
    PLACE_PRECISIONS,
    RECORD_TYPES,
)

__all__ = [
    "CREDIBILITY",
    "RELIABILITY",
    "Identity",
    "Incident",
    "IncidentInputError",
    "Information",
    "Intervention",
    "Perpetrator",
    "Victim",
    "incident_from_json",
]

# NATO/Admiralty: source reliability A (completely reliable) .. F (cannot be judged), information
# credibility 1 (confirmed) .. 6 (cannot be judged). A source the file does not grade is "F6": we say we
# cannot judge rather than guess.
RELIABILITY = ("A", "B", "C", "D", "E", "F")
CREDIBILITY = ("1", "2", "3", "4", "5", "6")
UNGRADED = "F6"
REF_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
# Long enough for any real narrative of the shared file (the longest is ~1,100 characters), short enough
# that one record cannot fill the store.
MAX_TEXT = 20_000


class IncidentInputError(ValueError):
    """A record that cannot be read: the message names the field."""


@dataclass(frozen=True, slots=True)
class Perpetrator:
    name: str
    kind: str  # PERPETRATOR_KINDS
    role: str = ""
    degree: str = "alleged"  # INVOLVEMENT_DEGREES: as reported, until a reviewer grades it


@dataclass(frozen=True, slots=True)
class Information:
    """A source and what it says, with its Admiralty grade and connection."""

    title: str
    url: str | None
    date: str | None
    note: str = ""
    grade: str = UNGRADED  # reliability letter + credibility digit, e.g. "B2"
    connection: str = "document"  # CONNECTIONS


@dataclass(frozen=True, slots=True)
class Intervention:
    party: str
    action: str
    date: str | None = None


@dataclass(frozen=True, slots=True)
class Identity:
    """What identifies a victim or witness: never stored or shown in clear outside an unmasking."""

    name: str
    name_original: str = ""
    birth_date: str = ""
    home_town: str = ""
    family: str = ""
    contacts: str = ""
    photos: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "name_original": self.name_original,
            "birth_date": self.birth_date,
            "home_town": self.home_town,
            "family": self.family,
            "contacts": self.contacts,
            "photos": list(self.photos),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Identity:
        return cls(
            name=str(data.get("name") or ""),
            name_original=str(data.get("name_original") or ""),
            birth_date=str(data.get("birth_date") or ""),
            home_town=str(data.get("home_town") or ""),
            family=str(data.get("family") or ""),
            contacts=str(data.get("contacts") or ""),
            photos=tuple(str(p) for p in data.get("photos") or () if isinstance(p, str)),  # type: ignore[attr-defined]
        )


@dataclass(frozen=True, slots=True)
class Victim:
    """A victim as recorded: the identity (sealed by the store), the consent scope and the risk flag."""

    identity: Identity
    consent: str = "internal"  # CONSENT_SCOPES
    family_in_dprk: bool = False  # the risk flag: family still in the DPRK
    role: str = "victim"  # victim | witness


@dataclass(frozen=True, slots=True)
class Incident:
    ref: str
    title: str
    record_type: str
    act_types: tuple[str, ...]
    date: str  # EDTF
    date_start: str
    date_end: str | None
    date_precision: str
    place: str
    place_precision: str
    country: str
    latitude: float | None
    longitude: float | None
    perpetrators: tuple[Perpetrator, ...]
    victims_summary: str
    narrative: str
    sources: tuple[Information, ...]
    interventions: tuple[Intervention, ...] = ()
    victims: tuple[Victim, ...] = ()
    verified: bool = False
    notes: str = ""
    extra: Mapping[str, object] = field(default_factory=dict)


def _text(data: Mapping[str, object], key: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise IncidentInputError(f"{key}: missing")
        return ""
    if not isinstance(value, str):
        raise IncidentInputError(f"{key}: must be text, not {type(value).__name__}")
    if len(value) > limit:
        raise IncidentInputError(f"{key}: longer than {limit:,} characters")
    return value.strip()


def _list(data: Mapping[str, object], key: str) -> Sequence[Mapping[str, object]]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise IncidentInputError(f"{key}: must be a list of objects")
    return value


def _choice(value: str, vocabulary: Mapping[str, object], where: str) -> str:
    if value not in vocabulary:
        raise IncidentInputError(f"{where}: {value!r} is not one of {', '.join(vocabulary)}")
    return value


def _grade(value: str, where: str) -> str:
    grade = value.strip().upper()
    if len(grade) != 2 or grade[0] not in RELIABILITY or grade[1] not in CREDIBILITY:
        raise IncidentInputError(f"{where}: Admiralty grade {value!r} must be A-F then 1-6, e.g. B2")
    return grade


def _coordinate(data: Mapping[str, object], key: str, bound: float) -> float | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise IncidentInputError(f"{key}: {value!r} is not a number") from exc
    if not -bound <= number <= bound:
        raise IncidentInputError(f"{key}: {number} is outside ±{bound}")
    return number


def _victim(data: Mapping[str, object], where: str) -> Victim:
    name = _text(data, "name", limit=500)
    original = _text(data, "name_original", limit=500)
    if not name and not original:
        raise IncidentInputError(f"{where}.name: missing (name or name_original)")
    consent = _choice(_text(data, "consent") or "internal", CONSENT_SCOPES, f"{where}.consent")
    identity = Identity(
        name=name,
        name_original=original,
        birth_date=_text(data, "birth_date", limit=64),
        home_town=_text(data, "home_town", limit=500),
        family=_text(data, "family", limit=2_000),
        contacts=_text(data, "contacts", limit=2_000),
        photos=tuple(str(p) for p in data.get("photos") or () if isinstance(p, str)),  # type: ignore[attr-defined]
    )
    role = _text(data, "role") or "victim"
    if role not in ("victim", "witness"):
        raise IncidentInputError(f"{where}.role: {role!r} is not victim or witness")
    return Victim(identity, consent, bool(data.get("family_in_dprk") or data.get("risk")), role)


def incident_from_json(data: Mapping[str, object]) -> Incident:
    """One record in the shape of the shared `incidents.jsonl` (plus optional `victims`, `acts`,
    `interventions`, grades and coordinates); IncidentInputError names the field at fault."""
    if not isinstance(data, Mapping):
        raise IncidentInputError("a record must be a JSON object")
    ref = _text(data, "id", required=True, limit=128)
    if not REF_PATTERN.match(ref):
        raise IncidentInputError(f"id: {ref!r} may hold only letters, digits and . _ : -")
    record_type = _text(data, "type") or "other"
    if record_type not in RECORD_TYPES and record_type not in ACT_TYPES:
        raise IncidentInputError(f"type: {record_type!r} is not one of {', '.join(RECORD_TYPES)}")
    acts_value = data.get("acts") or [RECORD_TYPES.get(record_type, record_type)]
    if not isinstance(acts_value, list) or not acts_value:
        raise IncidentInputError("acts: must be a list of act types")
    acts = tuple(_choice(str(a), ACT_TYPES, "acts") for a in acts_value)
    start = _text(data, "date_start", required=True, limit=16)
    end = _text(data, "date_end", limit=16) or None
    precision = _text(data, "date_precision") or "day"
    try:
        edtf = parse_edtf_interval(start, end, precision)
    except DatePrecisionError as exc:
        raise IncidentInputError(f"date: {exc}") from exc
    country = _text(data, "country", limit=8).upper()
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        raise IncidentInputError(f"country: {country!r} is not an ISO 3166 alpha-2 code")
    latitude = _coordinate(data, "latitude", 90)
    longitude = _coordinate(data, "longitude", 180)
    if (latitude is None) != (longitude is None):
        raise IncidentInputError("latitude/longitude: give both or neither")
    place_precision = _text(data, "place_precision") or ("coordinates" if latitude is not None else "country")
    _choice(place_precision, PLACE_PRECISIONS, "place_precision")
    perpetrators = []
    for i, p in enumerate(_list(data, "perpetrators")):
        where = f"perpetrators[{i}]"
        perpetrators.append(
            Perpetrator(
                name=_text(p, "name", required=True, limit=500),
                kind=_choice(_text(p, "kind") or "person", PERPETRATOR_KINDS, f"{where}.kind"),
                role=_text(p, "role", limit=2_000),
                degree=_choice(_text(p, "degree") or "alleged", INVOLVEMENT_DEGREES, f"{where}.degree"),
            )
        )
    sources = []
    for i, s in enumerate(_list(data, "sources")):
        where = f"sources[{i}]"
        sources.append(
            Information(
                title=_text(s, "title", required=True, limit=2_000),
                url=_text(s, "url", limit=2_000) or None,
                date=_text(s, "date", limit=32) or None,
                note=_text(s, "reliability_note", limit=2_000),
                grade=_grade(_text(s, "grade") or UNGRADED, f"{where}.grade"),
                connection=_choice(_text(s, "connection") or "document", CONNECTIONS, f"{where}.connection"),
            )
        )
    interventions = tuple(
        Intervention(
            party=_text(v, "party", required=True, limit=500),
            action=_text(v, "action", limit=2_000),
            date=_text(v, "date", limit=32) or None,
        )
        for v in _list(data, "interventions")
    )
    victims = tuple(_victim(v, f"victims[{i}]") for i, v in enumerate(_list(data, "victims")))
    return Incident(
        ref=ref,
        title=_text(data, "title", required=True, limit=2_000),
        record_type=record_type,
        act_types=acts,
        date=edtf,
        date_start=start,
        date_end=end,
        date_precision=precision,
        place=_text(data, "place", limit=2_000),
        place_precision=place_precision,
        country=country,
        latitude=latitude,
        longitude=longitude,
        perpetrators=tuple(perpetrators),
        victims_summary=_text(data, "victims_summary"),
        narrative=_text(data, "narrative"),
        sources=tuple(sources),
        interventions=interventions,
        victims=victims,
        verified=bool(data.get("verified")),
        notes=_text(data, "notes"),
    )
