"""The redacted public version of a record: what a published incident shows to anyone.

Victims appear only as figures (how many victims, how many witnesses); no pseudonym, consent, risk flag or
identifying field goes out, nor the recording team or who published it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["PUBLIC_FIELDS", "public_version"]

# Every key a public record may hold: the export test checks the output against this set.
PUBLIC_FIELDS = frozenset(
    {
        "id",
        "title",
        "type",
        "acts",
        "date",
        "date_start",
        "date_end",
        "date_precision",
        "place",
        "place_precision",
        "country",
        "latitude",
        "longitude",
        "perpetrators",
        "victims_summary",
        "victim_count",
        "witness_count",
        "narrative",
        "sources",
        "interventions",
        "verified",
    }
)


def public_version(record: Mapping[str, object], victim_roles: Sequence[str]) -> dict[str, object]:
    """The public fields of `record` (an incident as JSON, without victims) and the victim figures."""
    public = {k: v for k, v in record.items() if k in PUBLIC_FIELDS}
    public["victim_count"] = sum(1 for role in victim_roles if role == "victim")
    public["witness_count"] = sum(1 for role in victim_roles if role == "witness")
    return public
