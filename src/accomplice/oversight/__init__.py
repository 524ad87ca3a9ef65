"""The Commission of Inquiry tracker's model: recommendations split into asks, and the dated, sourced
events that bear on them, from which every status follows (pure: values in, values out, no I/O)."""

from __future__ import annotations

from accomplice.oversight.model import (
    LINK_KINDS,
    RELATIONS,
    STATUSES,
    CoiEvent,
    CoiItem,
    EventLink,
    EventSource,
    ask_statuses,
    date_key,
    derive_status,
    events_as_of,
    validate_event,
)
from accomplice.oversight.seed import CoiSeed, parse_seed

__all__ = [
    "LINK_KINDS",
    "RELATIONS",
    "STATUSES",
    "CoiEvent",
    "CoiItem",
    "CoiSeed",
    "EventLink",
    "EventSource",
    "ask_statuses",
    "date_key",
    "derive_status",
    "events_as_of",
    "parse_seed",
    "validate_event",
]
