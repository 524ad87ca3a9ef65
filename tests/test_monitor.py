"""Continuous monitoring on the real OFAC lists: a watchlist screened against 2023-12-28, then re-screened
when 2024-05-03 is imported, raises alerts for exactly the new designations, the changed and the delisted
entities, respects analysts' decisions, and carries the alerts out by signed, retried webhooks."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from accomplice import services
from accomplice.errors import InputError, NotFoundError
from accomplice.services import monitor
from accomplice.services.auth import AuthError, ForbiddenError, Principal, Role
from accomplice.store import Store, open_store
from tests.monitor_data import (
    ADDED_IN_2024,
    CHANGED_DECIDED,
    CHANGED_UNDECIDED,
    DELISTED,
    OFAC_2023,
    OFAC_2024_SDN,
    UNCHANGED,
    Receiver,
    webhook_receiver,
)

ANA = Principal(user="ana", roles=frozenset({Role.ANALYST}), org="acme")
BO = Principal(user="bo", roles=frozenset({Role.IMPORTER}), org="other")
REVIEWER = Principal(user="rev", roles=frozenset({Role.REVIEWER}), org="acme")


@dataclass
class Scenario:
    store: Store
    receiver: Receiver
    acme: int
    other: int
    before_2024: list[monitor.Alert]
    flaky: monitor.Webhook
    redirecting: monitor.Webhook
    elsewhere: monitor.Webhook
    import_started: datetime


def _rows(items: dict[str, tuple[dict[str, str], str]]) -> list[dict[str, object]]:
    return [{"id": ref, **row} for ref, (row, _key) in items.items()]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory, raw_dir: Path) -> Iterator[Scenario]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('monitor') / 'accomplice.db'}")
    with webhook_receiver() as receiver:
        services.load_list(store, "ofac", raw_dir / OFAC_2023, data_date="2023-12-28")
        acme = monitor.create_watchlist(store, ANA, "Counterparties")
        rows = _rows(ADDED_IN_2024) + _rows(
            {"k1": UNCHANGED, "d1": CHANGED_DECIDED, "u1": CHANGED_UNDECIDED, "v1": DELISTED}
        )
        monitor.add_entries(store, ANA, acme.id, rows)
        other = monitor.create_watchlist(store, BO, "Suppliers")
        monitor.add_entries(store, BO, other.id, [{"id": "s1", **ADDED_IN_2024["c3"][0]}])
        # The analyst has looked at two baseline matches and decided they are other people.
        for row, key in (CHANGED_DECIDED, UNCHANGED):
            services.decide(
                store,
                ANA,
                entity_key=key,
                judgement="no-match",
                reason="other person",
                name=row["name"],
                schema=row.get("schema"),
                birth_date=row.get("birth_date"),
                nationality=row.get("nationality"),
            )
        before = list(monitor.rescreen(store).alerts)
        receiver.script["/flaky"] = [500, 503]
        flaky = monitor.create_webhook(store, ANA, receiver.url + "/flaky")
        redirecting = monitor.create_webhook(store, ANA, receiver.url + "/moved", events=["new"])
        receiver.script["/moved"] = [302] * 20
        elsewhere = monitor.create_webhook(store, BO, receiver.url + "/other")
        started = datetime.now(UTC)
        services.load_list(store, "ofac", raw_dir / OFAC_2024_SDN, data_date="2024-05-03")
        yield Scenario(store, receiver, acme.id, other.id, before, flaky, redirecting, elsewhere, started)
    store.close()


def _acme_alerts(s: Scenario) -> dict[tuple[str, str], monitor.Alert]:
    found = monitor.alerts(s.store, ANA, watchlist_id=s.acme)
    return {(a.entry_ref, a.entity_key): a for a in found}


def test_new_designations_raise_alerts_for_exactly_the_added_entities(scenario: Scenario) -> None:
    alerts = _acme_alerts(scenario)
    new = {key: a for key, a in alerts.items() if a.kind == "new"}
    assert set(new) == {(ref, key) for ref, (_row, key) in ADDED_IN_2024.items()}
    for alert in new.values():
        assert (alert.list_name, alert.list_seq, alert.list_label) == ("ofac", 2, "2024-05-03")
        assert alert.state == "open"
        assert alert.score >= 0.9
        assert any("names are written with the same letters" in line for line in alert.explanation)
    assert any("dates of birth agree" in line for line in new[("c3", "ofac:48262")].explanation)


def test_every_alert_is_a_new_changed_or_delisted_entity_and_nothing_else(scenario: Scenario) -> None:
    kinds = {key: a.kind for key, a in _acme_alerts(scenario).items()}
    expected = {(ref, key): "new" for ref, (_row, key) in ADDED_IN_2024.items()}
    expected[("d1", CHANGED_DECIDED[1])] = "changed"
    expected[("u1", CHANGED_UNDECIDED[1])] = "changed"
    expected[("v1", DELISTED[1])] = "removed"
    assert kinds == expected


def test_nothing_is_alerted_before_a_list_changes(scenario: Scenario) -> None:
    assert scenario.before_2024 == []


def test_not_a_match_on_an_unchanged_entity_is_not_alerted_again(scenario: Scenario) -> None:
    assert not any(ref == "k1" for ref, _key in _acme_alerts(scenario))
    views = {v.entry.ref: v for v in monitor.entry_views(scenario.store, ANA, scenario.acme)}
    assert UNCHANGED[1] not in {m.entity_key for m in views["k1"].matches}


def test_not_a_match_is_asked_again_once_the_listed_entity_changed(scenario: Scenario) -> None:
    alert = _acme_alerts(scenario)[("d1", CHANGED_DECIDED[1])]
    assert alert.kind == "changed"
    assert any("listed entity has changed since: decide again" in line for line in alert.explanation)


def test_delisted_match_raises_a_removed_alert(scenario: Scenario) -> None:
    alert = _acme_alerts(scenario)[("v1", DELISTED[1])]
    assert alert.kind == "removed"
    assert "no longer on any loaded list" in alert.explanation[0]


def test_reimport_of_identical_file_raises_no_alerts(scenario: Scenario, raw_dir: Path) -> None:
    before = monitor.alerts(scenario.store, ANA)
    report = services.load_list(scenario.store, "ofac", raw_dir / OFAC_2024_SDN, data_date="2024-05-03")
    assert report.unchanged
    assert monitor.rescreen(scenario.store).alerts == ()
    assert monitor.alerts(scenario.store, ANA) == before


def test_importer_sees_only_its_own_organisations_watchlists_and_alerts(scenario: Scenario) -> None:
    assert [w.name for w in monitor.watchlists(scenario.store, BO)] == ["Suppliers"]
    theirs = monitor.alerts(scenario.store, BO)
    assert [(a.entry_ref, a.entity_key, a.org) for a in theirs] == [("s1", "ofac:48262", "other")]
    acme_alert = next(iter(_acme_alerts(scenario).values()))
    with pytest.raises(NotFoundError):
        monitor.get_alert(scenario.store, BO, acme_alert.id)
    with pytest.raises(NotFoundError):
        monitor.acknowledge_alert(scenario.store, BO, acme_alert.id)
    with pytest.raises(NotFoundError):
        monitor.entry_views(scenario.store, BO, scenario.acme)
    assert [h.id for h in monitor.webhooks(scenario.store, BO)] == [scenario.elsewhere.id]
    # An analyst sees every organisation's.
    assert {w.name for w in monitor.watchlists(scenario.store, ANA)} == {"Counterparties", "Suppliers"}


def test_monitoring_needs_the_watchlists_permission(scenario: Scenario) -> None:
    with pytest.raises(ForbiddenError):
        monitor.watchlists(scenario.store, REVIEWER)
    with pytest.raises(AuthError):
        monitor.alerts(scenario.store, Principal(user=None, roles=frozenset(), org=None))


def _verify(received: bytes, headers: dict[str, str], secret: str) -> dict[str, object]:
    expected = "sha256=" + hmac.new(secret.encode(), received, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Accomplice-Signature"], expected)
    body: dict[str, object] = json.loads(received)
    assert headers["X-Accomplice-Timestamp"] == str(body["sent_at"])
    return body


def test_webhook_is_signed_retried_with_backoff_and_then_delivered(scenario: Scenario) -> None:
    store, receiver = scenario.store, scenario.receiver
    (delivery,) = monitor.deliveries(store, ANA, scenario.flaky.id)
    assert delivery.next_attempt_at is not None
    assert delivery.next_attempt_at >= scenario.import_started
    now = delivery.next_attempt_at
    first = monitor.deliver_due(store, now=now)
    assert first.attempted >= 1
    assert first.failed >= 1
    (delivery,) = monitor.deliveries(store, ANA, scenario.flaky.id)
    assert (delivery.attempts, delivery.status_code, delivery.last_error) == (1, 500, "HTTP 500")
    assert delivery.next_attempt_at == now + timedelta(seconds=monitor.RETRY_BASE_SECONDS)
    # Not due yet: nothing is sent before the backoff has passed.
    sent = len(receiver.on("/flaky"))
    monitor.deliver_due(store, now=now + timedelta(seconds=monitor.RETRY_BASE_SECONDS - 1))
    assert len(receiver.on("/flaky")) == sent
    second_at = now + timedelta(seconds=monitor.RETRY_BASE_SECONDS)
    monitor.deliver_due(store, now=second_at)
    (delivery,) = monitor.deliveries(store, ANA, scenario.flaky.id)
    assert (delivery.attempts, delivery.status_code) == (2, 503)
    assert delivery.next_attempt_at == second_at + timedelta(seconds=2 * monitor.RETRY_BASE_SECONDS)
    third_at = delivery.next_attempt_at
    monitor.deliver_due(store, now=third_at)
    (delivery,) = monitor.deliveries(store, ANA, scenario.flaky.id)
    assert (delivery.attempts, delivery.status_code, delivery.delivered_at) == (3, 200, third_at)
    assert delivery.next_attempt_at is None

    attempts = receiver.on("/flaky")
    assert len(attempts) == 3
    bodies = [_verify(r.body, r.headers, scenario.flaky.secret) for r in attempts]
    assert [b["attempt"] for b in bodies] == [1, 2, 3]
    assert {b["delivery"] for b in bodies} == {delivery.id}
    alerts = bodies[-1]["alerts"]
    assert isinstance(alerts, list)
    assert {a["entity"]["key"] for a in alerts} == {key for _ref, key in _acme_alerts(scenario)}
    assert all(a["list_version"] == {"list": "ofac", "seq": 2, "label": "2024-05-03"} for a in alerts)
    # A body signed with another secret does not verify.
    with pytest.raises(AssertionError):
        _verify(attempts[-1].body, attempts[-1].headers, scenario.elsewhere.secret or "another secret")


def test_webhook_of_another_org_gets_only_its_alerts(scenario: Scenario) -> None:
    monitor.deliver_due(scenario.store, now=datetime.now(UTC) + timedelta(seconds=1))
    (received,) = scenario.receiver.on("/other")
    (delivery,) = monitor.deliveries(scenario.store, BO, scenario.elsewhere.id)
    body = json.loads(received.body)
    assert [a["entry"]["ref"] for a in body["alerts"]] == ["s1"]
    assert delivery.delivered_at is not None


def test_redirects_are_not_followed_and_count_as_failures(scenario: Scenario) -> None:
    monitor.deliver_due(scenario.store, now=datetime.now(UTC) + timedelta(seconds=1))
    (delivery,) = monitor.deliveries(scenario.store, ANA, scenario.redirecting.id)
    assert delivery.status_code == 302
    assert delivery.delivered_at is None
    assert scenario.receiver.on("/elsewhere") == []
    body = json.loads(scenario.receiver.on("/moved")[0].body)
    assert {a["kind"] for a in body["alerts"]} == {"new"}


def test_backoff_doubles_up_to_six_hours_and_gives_up_after_the_last_attempt() -> None:
    delays = [monitor.retry_delay(n).total_seconds() for n in range(1, monitor.MAX_ATTEMPTS + 1)]
    assert delays[:4] == [30, 60, 120, 240]
    assert max(delays) == monitor.RETRY_MAX_DELAY_SECONDS
    assert all(b >= a for a, b in itertools.pairwise(delays))


@pytest.mark.parametrize(
    "url", ["ftp://example.org/hook", "file:///etc/passwd", "javascript:alert(1)", "http://"]
)
def test_webhook_urls_must_be_http_or_https(scenario: Scenario, url: str) -> None:
    with pytest.raises(InputError):
        monitor.create_webhook(scenario.store, ANA, url)
