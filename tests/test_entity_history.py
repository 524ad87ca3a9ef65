"""An entity's history on the lists, read from the store's statement intervals, on SQLite and PostgreSQL.

The versions are written through `Store.import_version` as a loader would: an entry listed, dropped,
listed again with a new value, then a version that comes without the alias file (its aliases carry over,
as they do in a list diff, and are not reported as removed).
"""

from __future__ import annotations

from accomplice.lists.model import COMPONENT_MAIN, EntityRecord, ListSpec, SourceFile, Value
from accomplice.services.entities import entity_overview
from accomplice.store import Store
from tests.helpers import BACKENDS

ALIASES = "alias"
SPEC = ListSpec(
    name="history",
    title="Test list: an entry that comes and goes",
    publisher="accomplice test suite",
    source_url="https://example.invalid/history",
    format="ftm",
    licence="test data",
)
KEY = "history:chongchon"
OTHER = "history:other"


def _record(*values: Value) -> EntityRecord:
    return EntityRecord(KEY, "Vessel", "CHONG CHON GANG", [Value("name", "CHONG CHON GANG"), *values])


def _import(store: Store, label: str, records: list[EntityRecord], components: tuple[str, ...]) -> None:
    store.import_version(
        SPEC,
        records,
        components=components,
        files=tuple(SourceFile(f"{c}.json", c, "0" * 64, 1) for c in components),
        checksum=f"history-{label}",
        label=label,
    )


@BACKENDS
def test_history_reports_removal_relisting_and_changes_but_not_a_carried_alias_file(store: Store) -> None:
    other = EntityRecord(OTHER, "Organization", "OTHER", [Value("name", "OTHER")])
    both = (COMPONENT_MAIN, ALIASES)
    alias = Value("alias", "청천강호", component=ALIASES)
    _import(store, "v1", [_record(Value("flag", "kp"), alias), other], both)
    _import(store, "v2", [other], both)
    _import(store, "v3", [_record(Value("flag", "kp"), Value("imoNumber", "7937317"), alias), other], both)
    # v4 comes without the alias file: the Hangul alias is carried, the flag is really dropped.
    _import(store, "v4", [_record(Value("imoNumber", "7937317")), other], (COMPONENT_MAIN,))

    history = entity_overview(store, KEY).history
    assert [(e.label, e.kind) for e in history] == [
        ("v1", "added"),
        ("v2", "removed"),
        ("v3", "relisted"),
        ("v4", "changed"),
    ]
    assert [(c.prop, c.added, c.removed) for c in history[3].changes] == [("flag", (), ("kp",))]
    # An entry in every version, never changed: added once, then unchanged.
    assert [(e.label, e.kind) for e in entity_overview(store, OTHER).history] == [
        ("v1", "added"),
        ("v2", "unchanged"),
        ("v3", "unchanged"),
        ("v4", "unchanged"),
    ]
