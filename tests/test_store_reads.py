"""The store's fast read paths give the same answers as the plain ones, on every backend.

`Store.diff` compares only the entities whose statements changed between two versions, and
`Store.entity_with_relations` reads an entity page in one transaction; both are checked here against the
straightforward computations (full snapshots; one query per piece).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from accomplice.lists.diff import diff_states
from accomplice.lists.model import COMPONENT_MAIN, EntityRecord, ListSpec, SourceFile, Value
from accomplice.store import Store, open_store
from tests.helpers import BACKENDS

SPEC = ListSpec("demo", "Demo list", "test suite", "https://example.invalid/demo", "ftm", "test data")
ALIASES = "aliases"


def _person(key: str, name: str, *aliases: str, country: str = "kp") -> EntityRecord:
    values = [Value("name", name), Value("nationality", country)]
    values += [Value("alias", a, component=ALIASES) for a in aliases]
    return EntityRecord(key, "Person", name, values)


def _link(subject: str, obj: str) -> EntityRecord:
    return EntityRecord(
        f"{subject}-linked-{obj}",
        "UnknownLink",
        "Linked To",
        [Value("subject", subject), Value("object", obj), Value("role", "Linked To")],
    )


def _import(store: Store, records: list[EntityRecord], components: tuple[str, ...], checksum: str) -> None:
    store.import_version(
        SPEC,
        records,
        components=components,
        files=tuple(SourceFile(f"{c}.json", c, "0" * 64, 1) for c in components),
        checksum=checksum,
        label=checksum,
    )


def _three_versions(store: Store) -> None:
    """v1: everything; v2: main file only (aliases carried), with changes; v3: both files again."""
    both = (COMPONENT_MAIN, ALIASES)
    _import(
        store,
        [
            _person("demo:1", "KIM CHOL", "KIM CH'OL"),
            _person("demo:2", "PAK SONG", "PARK SUNG"),
            _person("demo:3", "RI YONG", "LEE YONG"),
            _link("demo:1", "demo:2"),
        ],
        both,
        "v1",
    )
    _import(
        store,
        [
            _person("demo:1", "KIM CHOL", country="cn"),  # nationality changed
            _person("demo:2", "PAK SONG"),  # unchanged (its alias is carried)
            _person("demo:4", "CHOE MIN"),  # added; demo:3 removed
            _link("demo:1", "demo:2"),
            _link("demo:4", "demo:2"),
        ],
        (COMPONENT_MAIN,),
        "v2",
    )
    _import(
        store,
        [
            _person("demo:1", "KIM CHOL", "KIM CH'OL", "KIM CHEOL", country="cn"),  # alias added
            _person("demo:2", "PAK SONG"),  # alias removed
            _person("demo:4", "CHOE MIN", "CHOI MIN"),
            _link("demo:4", "demo:2"),  # demo:1's link removed
        ],
        both,
        "v3",
    )


@pytest.fixture
def demo(store: Store) -> Store:
    _three_versions(store)
    return store


@BACKENDS
def test_diff_of_any_two_versions_equals_comparing_full_snapshots(demo: Store) -> None:
    for old in (1, 2, 3):
        for new in (1, 2, 3):
            if old == new:
                continue
            diff = demo.diff("demo", old, new)
            expected = diff_states(demo.snapshot("demo", old), demo.snapshot("demo", new))
            assert (diff.added, diff.removed, diff.changed) == expected, (old, new)


@BACKENDS
def test_diff_names_added_removed_and_changed_fields(demo: Store) -> None:
    diff = demo.diff("demo", 1, 2)
    assert [c.key for c in diff.added] == ["demo:4", "demo:4-linked-demo:2"]
    assert [c.key for c in diff.removed] == ["demo:3"]
    [changed] = diff.changed
    assert changed.key == "demo:1"
    assert [(p.prop, p.added, p.removed) for p in changed.changes] == [("nationality", ("cn",), ("kp",))]
    assert diff.carried_components == (ALIASES,)


@BACKENDS
def test_entity_with_relations_matches_the_piecewise_reads(demo: Store) -> None:
    bundle = demo.entity_with_relations("demo:2", max_relations=10)
    assert bundle is not None
    assert bundle.entity == demo.entity("demo:2")
    assert bundle.statements == demo.entity_statements("demo:2")
    assert [row.key for row, _ in bundle.relations] == demo.referencing("demo:2") == ["demo:4-linked-demo:2"]
    [(_, link_statements)] = bundle.relations
    assert link_statements == demo.entity_statements("demo:4-linked-demo:2", current_only=True)
    assert set(bundle.referents) == {"demo:4"}
    assert bundle.referents["demo:4"].caption == "CHOE MIN"
    assert bundle.more_relations == 0


@BACKENDS
def test_entity_with_relations_counts_relations_beyond_the_limit(demo: Store) -> None:
    _import(
        demo,
        [_person(f"demo:{n}", f"PERSON {n}") for n in range(10, 16)]
        + [_person("demo:2", "PAK SONG")]
        + [_link(f"demo:{n}", "demo:2") for n in range(10, 16)],
        (COMPONENT_MAIN,),
        "v4",
    )
    bundle = demo.entity_with_relations("demo:2", max_relations=4)
    assert bundle is not None
    assert len(bundle.relations) == 4
    assert bundle.more_relations == 2


@BACKENDS
def test_entity_with_relations_of_unknown_key_is_none(demo: Store) -> None:
    assert demo.entity_with_relations("demo:999", max_relations=10) is None


@pytest.fixture(scope="module")
def ofac(web_store_url: str) -> Iterator[Store]:
    opened = open_store(web_store_url)
    yield opened
    opened.close()


def test_fast_ofac_diff_equals_comparing_full_snapshots(ofac: Store) -> None:
    for old, new in ((1, 2), (2, 1)):
        diff = ofac.diff("ofac", old, new)
        expected = diff_states(ofac.snapshot("ofac", old), ofac.snapshot("ofac", new))
        assert (diff.added, diff.removed, diff.changed) == expected
        assert len(diff.added) + len(diff.removed) > 1_000


def test_ofac_entity_read_in_one_go_matches_piecewise_reads(ofac: Store) -> None:
    for key in ("ofac:9345", "ofac:12312", "ofac:18552"):
        bundle = ofac.entity_with_relations(key, max_relations=500)
        assert bundle is not None
        assert bundle.statements == ofac.entity_statements(key)
        assert [row.key for row, _ in bundle.relations] == ofac.referencing(key)


@pytest.mark.parametrize("store_url", ["postgres"], indirect=True)
def test_import_leaves_postgresql_with_planner_statistics(demo: Store) -> None:
    # Without them (autovacuum off or behind) PostgreSQL reads an entity by scanning every statement.
    with demo.engine.connect() as conn:
        analysed = conn.execute(
            text("SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL")
        ).scalars()
        assert {"statements", "entities", "entity_lists"} <= set(analysed)
