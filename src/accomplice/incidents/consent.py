"""What consent allows: publication and export refuse what a victim's consent scope does not cover, and a
victim whose family is still in the DPRK (the risk flag) is never published, whatever the consent says:
an aggregate count plus a date and a place can be enough for a security service to find the family."""

from __future__ import annotations

from collections.abc import Sequence

from accomplice.incidents.model import Victim

__all__ = ["SCOPE_ORDER", "consent_problem", "covers"]

# Each scope includes those before it.
SCOPE_ORDER = ("internal", "share-un", "publish-anonymised")


def covers(consent: str, purpose: str) -> bool:
    """Whether a victim's `consent` scope covers `purpose` (one of SCOPE_ORDER)."""
    return SCOPE_ORDER.index(consent) >= SCOPE_ORDER.index(purpose)


def consent_problem(victims: Sequence[tuple[str, Victim]], purpose: str) -> str | None:
    """Why the victims (pseudonym, victim) of a record may not go out for `purpose`; None if they may."""
    for pseudonym, victim in victims:
        if not covers(victim.consent, purpose):
            return f"{pseudonym}'s consent is {victim.consent!r}, which does not cover {purpose!r}"
        if purpose == "publish-anonymised" and victim.family_in_dprk:
            return f"{pseudonym} has family still in the DPRK (risk flag): the record is not published"
    return None
