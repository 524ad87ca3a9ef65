"""The monitoring tables behave the same on SQLite and PostgreSQL: entries, match state, alerts, the
delivery outbox and its claims."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from accomplice.store import Store
from accomplice.store.monitor import EntryMatch, MonitorStore, NewAlert, NewEntry, OrgScope
from tests.helpers import BACKENDS


def _alert(entry_id: int, watchlist_id: int, org: str | None, kind: str = "new") -> NewAlert:
    return NewAlert(
        watchlist_id=watchlist_id,
        entry_id=entry_id,
        entry_ref="c1",
        entry_name="Jon Yun Gun",
        org=org,
        entity_key="ofac:48262",
        caption="JON, Yun Gun",
        kind=kind,
        score=0.97,
        explanation=("names agree",),
        list_name="ofac",
        list_seq=2,
        list_label="2024-05-03",
    )


MATCH = EntryMatch("ofac:48262", "fp1", 0.97, "Person", "JON, Yun Gun", ("ofac",), ("names agree",))


@BACKENDS
def test_adding_an_entry_with_a_known_reference_replaces_it_and_forgets_its_matches(store: Store) -> None:
    monitor = MonitorStore(store)
    watchlist = monitor.create_watchlist("Counterparties", org="acme", created_by="ana")
    first = monitor.add_entries(watchlist.id, [NewEntry("c1", "Jon Yun Gun")], created_by="ana")
    monitor.record_screening([(first[0], [MATCH])], [], generation="1:1")
    again = monitor.add_entries(
        watchlist.id,
        [NewEntry("c1", "Jon Yun Gun", birth_date="1973-04-22"), NewEntry("c2", "Han")],
        created_by="ana",
    )
    assert again[0] == first[0]
    entries = monitor.entries(watchlist.id)
    assert [(e.ref, e.birth_date, e.screened_generation, e.org) for e in entries] == [
        ("c1", "1973-04-22", None, "acme"),
        ("c2", None, None, "acme"),
    ]
    assert monitor.matches([first[0]]) == {}


@BACKENDS
def test_alerts_are_queued_only_for_active_webhooks_of_their_org_and_kinds(store: Store) -> None:
    monitor = MonitorStore(store)
    watchlist = monitor.create_watchlist("Counterparties", org="acme", created_by="ana")
    (entry_id,) = monitor.add_entries(watchlist.id, [NewEntry("c1", "Jon Yun Gun")], created_by="ana")
    own = monitor.create_webhook("http://127.0.0.1:9/a", "s1", events=["new"], org="acme", created_by="ana")
    monitor.create_webhook("http://127.0.0.1:9/b", "s2", events=["new"], org="other", created_by="bo")
    only_removed = monitor.create_webhook(
        "http://127.0.0.1:9/c", "s3", events=["removed"], org=None, created_by="x"
    )
    everyone = monitor.create_webhook(
        "http://127.0.0.1:9/d", "s4", events=["new", "changed"], org=None, created_by="x"
    )
    paused = monitor.create_webhook(
        "http://127.0.0.1:9/e", "s5", events=["new"], org="acme", created_by="ana"
    )
    monitor.set_webhook_active(paused.id, False)
    created = monitor.record_screening(
        [(entry_id, [MATCH])],
        [_alert(entry_id, watchlist.id, "acme")],
        generation="2:2",
        payload_of=lambda hook, alerts: f"{hook.id}:{[a.id for a in alerts]}",
    )
    assert [(a.kind, a.state, a.org) for a in created] == [("new", "open", "acme")]
    queued = {d.webhook_id: d for d in monitor.deliveries()}
    assert set(queued) == {own.id, everyone.id}
    assert queued[own.id].alert_ids == (created[0].id,)
    assert queued[own.id].payload == f"{own.id}:[{created[0].id}]"
    assert only_removed.id not in queued
    assert monitor.matches([entry_id])[entry_id] == [MATCH]
    assert monitor.entries(watchlist.id)[0].screened_generation == "2:2"


@BACKENDS
def test_a_due_delivery_is_claimed_by_one_worker_only(store: Store) -> None:
    monitor = MonitorStore(store)
    watchlist = monitor.create_watchlist("W", org=None, created_by=None)
    (entry_id,) = monitor.add_entries(watchlist.id, [NewEntry("c1", "Jon Yun Gun")], created_by=None)
    monitor.create_webhook("http://127.0.0.1:9/a", "s1", events=["new"], org=None, created_by=None)
    monitor.record_screening(
        [(entry_id, [])], [_alert(entry_id, watchlist.id, None)], generation="1", payload_of=lambda h, a: "{}"
    )
    now = datetime.now(UTC) + timedelta(seconds=1)
    first = monitor.claim_due(now, now + timedelta(seconds=30), 10)
    second = monitor.claim_due(now, now + timedelta(seconds=30), 10)
    assert len(first) == 1
    assert first[0][1].secret == "s1"
    assert second == []
    # Once the lease has run out (the worker died mid-send), the delivery is due again.
    later = now + timedelta(seconds=31)
    assert len(monitor.claim_due(later, later + timedelta(seconds=30), 10)) == 1


@BACKENDS
def test_acknowledging_keeps_the_first_who_and_when_and_scopes_hide_other_orgs(store: Store) -> None:
    monitor = MonitorStore(store)
    acme = monitor.create_watchlist("Acme", org="acme", created_by="ana")
    other = monitor.create_watchlist("Other", org="other", created_by="bo")
    (a_entry,) = monitor.add_entries(acme.id, [NewEntry("c1", "Jon Yun Gun")], created_by="ana")
    (o_entry,) = monitor.add_entries(other.id, [NewEntry("c1", "Jon Yun Gun")], created_by="bo")
    alerts = monitor.record_screening(
        [], [_alert(a_entry, acme.id, "acme"), _alert(o_entry, other.id, "other")], generation="1"
    )
    at = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    done = monitor.acknowledge(alerts[0].id, user="ana", at=at)
    assert done is not None
    assert (done.state, done.acknowledged_by, done.acknowledged_at) == (
        "acknowledged",
        "ana",
        at,
    )
    again = monitor.acknowledge(alerts[0].id, user="zed", at=at + timedelta(hours=1))
    assert again is not None
    assert (again.acknowledged_by, again.acknowledged_at) == ("ana", at)
    assert [a.org for a in monitor.alerts(OrgScope.only("acme"))] == ["acme"]
    assert {a.org for a in monitor.alerts(OrgScope.everything())} == {"acme", "other"}
    assert [a.id for a in monitor.alerts(OrgScope.everything(), state="open")] == [alerts[1].id]
    assert [w.name for w in monitor.watchlists(OrgScope.only("other"))] == ["Other"]
    assert monitor.alerts_per_version(OrgScope.only("acme")) == [("ofac", 2, "2024-05-03", 1)]


@BACKENDS
def test_deleting_a_watchlist_removes_its_entries_matches_and_alerts(store: Store) -> None:
    monitor = MonitorStore(store)
    watchlist = monitor.create_watchlist("W", org=None, created_by=None)
    (entry_id,) = monitor.add_entries(watchlist.id, [NewEntry("c1", "Jon Yun Gun")], created_by=None)
    monitor.record_screening([(entry_id, [MATCH])], [_alert(entry_id, watchlist.id, None)], generation="1")
    assert monitor.delete_watchlist(watchlist.id)
    assert monitor.entries() == []
    assert monitor.matches([entry_id]) == {}
    assert monitor.alerts(OrgScope.everything()) == []
    assert monitor.count_entries() == 0


@BACKENDS
def test_removing_an_entry_keeps_its_alerts_with_name_and_reference(store: Store) -> None:
    monitor = MonitorStore(store)
    watchlist = monitor.create_watchlist("W", org=None, created_by=None)
    (entry_id,) = monitor.add_entries(watchlist.id, [NewEntry("c1", "Jon Yun Gun")], created_by=None)
    monitor.record_screening([(entry_id, [MATCH])], [_alert(entry_id, watchlist.id, None)], generation="1")
    assert monitor.delete_entry(watchlist.id, entry_id)
    (kept,) = monitor.alerts(OrgScope.everything())
    assert (kept.entry_id, kept.entry_ref, kept.entry_name) == (None, "c1", "Jon Yun Gun")
