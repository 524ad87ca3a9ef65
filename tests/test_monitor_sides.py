"""An organisation's importers see, delete and receive only what their own side keeps: the watchlists,
webhooks and alerts an analyst of the same organisation keeps are the enforcement side's."""

from __future__ import annotations

import pytest

from accomplice.errors import NotFoundError
from accomplice.services import auth as accounts
from accomplice.services import monitor
from accomplice.store import Store
from accomplice.store.monitor import EntryMatch, MonitorStore, NewAlert, NewEntry

OPERATOR = accounts.operator_principal("tester")
PASSWORD = "tidal moss under gravel"
MATCH = EntryMatch("ofac:48262", "fp1", 0.97, "Person", "JON, Yun Gun", ("ofac",), ("names agree",))


@pytest.fixture
def people(store: Store) -> tuple[accounts.Principal, accounts.Principal]:
    accounts.add_user(store, OPERATOR, name="ana", roles=["analyst"], password=PASSWORD, org="acme")
    accounts.add_user(store, OPERATOR, name="imp", roles=["importer"], password=PASSWORD, org="acme")
    return accounts.local_principal(store, "ana"), accounts.local_principal(store, "imp")


def test_importer_neither_sees_nor_deletes_its_organisations_analysts_watchlists(
    store: Store, people: tuple[accounts.Principal, accounts.Principal]
) -> None:
    ana, imp = people
    investigated = monitor.create_watchlist(store, ana, "Persons of interest")
    own = monitor.create_watchlist(store, imp, "Our suppliers")
    assert [w.name for w in monitor.watchlists(store, imp)] == ["Our suppliers"]
    with pytest.raises(NotFoundError):
        monitor.get_watchlist(store, imp, investigated.id)
    with pytest.raises(NotFoundError):
        monitor.delete_watchlist(store, imp, investigated.id)
    with pytest.raises(NotFoundError):
        monitor.entry_views(store, imp, investigated.id)
    assert {w.name for w in monitor.watchlists(store, ana)} == {"Persons of interest", "Our suppliers"}
    monitor.delete_watchlist(store, imp, own.id)


def test_importer_neither_sees_nor_deletes_its_organisations_analysts_webhooks(
    store: Store, people: tuple[accounts.Principal, accounts.Principal]
) -> None:
    ana, imp = people
    theirs = monitor.create_webhook(store, ana, "http://127.0.0.1:9/ana", allow_private=True)
    mine = monitor.create_webhook(store, imp, "http://127.0.0.1:9/imp", allow_private=True)
    assert [h.id for h in monitor.webhooks(store, imp)] == [mine.id]
    for act in (monitor.get_webhook, monitor.delete_webhook, monitor.deliveries):
        with pytest.raises(NotFoundError):
            act(store, imp, theirs.id)
    assert {h.id for h in monitor.webhooks(store, ana)} == {theirs.id, mine.id}


def _alert(entry_id: int, watchlist_id: int) -> NewAlert:
    return NewAlert(
        watchlist_id=watchlist_id,
        entry_id=entry_id,
        entry_ref="c1",
        entry_name="Jon Yun Gun",
        org="acme",
        entity_key="ofac:48262",
        caption="JON, Yun Gun",
        kind="new",
        score=0.97,
        explanation=("names agree",),
        list_name="ofac",
        list_seq=2,
        list_label="2024-05-03",
    )


def test_alerts_of_an_analysts_watchlist_reach_neither_the_importers_pages_nor_their_webhooks(
    store: Store, people: tuple[accounts.Principal, accounts.Principal]
) -> None:
    ana, imp = people
    investigated = monitor.create_watchlist(store, ana, "Persons of interest")
    own = monitor.create_watchlist(store, imp, "Our suppliers")
    importer_hook = monitor.create_webhook(store, imp, "http://127.0.0.1:9/imp", allow_private=True)
    analyst_hook = monitor.create_webhook(store, ana, "http://127.0.0.1:9/ana", allow_private=True)
    raw = MonitorStore(store)
    (watched,) = raw.add_entries(investigated.id, [NewEntry("c1", "Jon Yun Gun")], created_by="ana")
    (supplier,) = raw.add_entries(own.id, [NewEntry("s1", "Jon Yun Gun")], created_by="imp")
    created = raw.record_screening(
        [(watched, [MATCH]), (supplier, [MATCH])],
        [_alert(watched, investigated.id), _alert(supplier, own.id)],
        generation="2:2",
        payload_of=lambda hook, alerts: "{}",
        receives=monitor._receiver(store),
    )
    by_watchlist = {a.watchlist_id: a for a in created}
    assert [a.watchlist_id for a in monitor.alerts(store, imp)] == [own.id]
    with pytest.raises(NotFoundError):
        monitor.get_alert(store, imp, by_watchlist[investigated.id].id)
    assert {a.watchlist_id for a in monitor.alerts(store, ana)} == {own.id, investigated.id}
    queued = {d.webhook_id: set(d.alert_ids) for d in raw.deliveries()}
    assert queued[importer_hook.id] == {by_watchlist[own.id].id}
    assert queued[analyst_hook.id] == {by_watchlist[own.id].id, by_watchlist[investigated.id].id}
