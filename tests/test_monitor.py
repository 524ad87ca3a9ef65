"""Continuous monitoring on the real OFAC lists: a watchlist screened against 2023-12-28, then re-screened
when 2024-05-03 is imported, raises alerts for exactly the new designations, the changed and the delisted
entities, respects analysts' decisions, and carries the alerts out by signed, retried webhooks."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from accomplice import services
from accomplice.api import create_app
from accomplice.api.auth import SESSION_COOKIE
from accomplice.errors import InputError, NotFoundError
from accomplice.services import auth as accounts
from accomplice.services import monitor
from accomplice.services.auth import AuthError, ForbiddenError, Principal
from tests.monitor_data import (
    ADDED_IN_2024,
    ANA,
    BO,
    CHANGED_DECIDED,
    CHANGED_UNDECIDED,
    DELISTED,
    OFAC_2024_SDN,
    OPERATOR,
    PASSWORD,
    REVIEWER,
    UNCHANGED,
    Scenario,
    queue_sample_alert,
)


@pytest.fixture
def scenario(monitor_scenario: Scenario) -> Scenario:
    return monitor_scenario


def _acme_alerts(s: Scenario) -> dict[tuple[str, str], monitor.Alert]:
    """The alerts the 2024-05-03 import raised on the acme watchlist (not those of its first screening)."""
    found = monitor.alerts(s.store, ANA, watchlist_id=s.acme)
    return {(a.entry_ref, a.entity_key): a for a in found if a.created_at >= s.import_started}


def test_entries_that_match_when_added_alert_at_once_as_new(scenario: Scenario) -> None:
    first = [
        a
        for a in monitor.alerts(scenario.store, ANA, watchlist_id=scenario.acme)
        if a.created_at < scenario.import_started
    ]
    expected = {("k1", UNCHANGED[1]), ("d1", CHANGED_DECIDED[1]), ("u1", CHANGED_UNDECIDED[1])}
    expected.add(("v1", DELISTED[1]))
    assert {(a.entry_ref, a.entity_key) for a in first} == expected
    assert {(a.kind, a.list_name, a.list_seq) for a in first} == {("new", "ofac", 1)}


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


def test_not_a_match_on_an_unchanged_entity_is_not_alerted_again_but_kept_with_its_decision(
    scenario: Scenario,
) -> None:
    assert not any(ref == "k1" for ref, _key in _acme_alerts(scenario))
    views = {v.entry.ref: v for v in monitor.entry_views(scenario.store, ANA, scenario.acme)}
    kept = {m.entity_key: m.decision for m in views["k1"].matches}
    assert kept[UNCHANGED[1]] == "no-match", "the entry still shows the match, marked, not hidden"


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
    assert headers["X-Accomplice-Delivery"] == str(body["delivery"])
    return body


def test_webhook_is_signed_retried_with_backoff_and_then_delivered(scenario: Scenario) -> None:
    store, receiver = scenario.store, scenario.receiver
    (delivery,) = monitor.deliveries(store, ANA, scenario.flaky.id)
    assert delivery.next_attempt_at is not None
    assert delivery.next_attempt_at >= scenario.import_started
    now = delivery.next_attempt_at
    first = monitor.deliver_due(store, now=now, allow_private=True)
    assert first.attempted >= 1
    assert first.failed >= 1
    (delivery,) = monitor.deliveries(store, ANA, scenario.flaky.id)
    assert (delivery.attempts, delivery.status_code, delivery.last_error) == (1, 500, "HTTP 500")
    assert delivery.next_attempt_at == now + timedelta(seconds=monitor.RETRY_BASE_SECONDS)
    # Not due yet: nothing is sent before the backoff has passed.
    sent = len(receiver.on("/flaky"))
    early = now + timedelta(seconds=monitor.RETRY_BASE_SECONDS - 1)
    monitor.deliver_due(store, now=early, allow_private=True)
    assert len(receiver.on("/flaky")) == sent
    second_at = now + timedelta(seconds=monitor.RETRY_BASE_SECONDS)
    monitor.deliver_due(store, now=second_at, allow_private=True)
    (delivery,) = monitor.deliveries(store, ANA, scenario.flaky.id)
    assert (delivery.attempts, delivery.status_code) == (2, 503)
    assert delivery.next_attempt_at == second_at + timedelta(seconds=2 * monitor.RETRY_BASE_SECONDS)
    third_at = delivery.next_attempt_at
    monitor.deliver_due(store, now=third_at, allow_private=True)
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
    monitor.deliver_due(scenario.store, now=datetime.now(UTC) + timedelta(seconds=1), allow_private=True)
    (received,) = scenario.receiver.on("/other")
    (delivery,) = monitor.deliveries(scenario.store, BO, scenario.elsewhere.id)
    body = json.loads(received.body)
    assert [a["entry"]["ref"] for a in body["alerts"]] == ["s1"]
    assert delivery.delivered_at is not None


def test_redirects_are_not_followed_and_count_as_failures(scenario: Scenario) -> None:
    monitor.deliver_due(scenario.store, now=datetime.now(UTC) + timedelta(seconds=1), allow_private=True)
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


def test_the_scenario_principals_are_those_of_the_accounts(scenario: Scenario) -> None:
    from tests.monitor_data import principal

    assert [principal(scenario.store, n) for n in ("ana", "bo", "rev")] == [ANA, BO, REVIEWER]


# --- over HTTP: the JSON API and the pages ---------------------------------------------------------------


@pytest.fixture(scope="module")
def client(monitor_scenario: Scenario) -> Iterator[TestClient]:
    with TestClient(create_app(monitor_scenario.store)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def tokens(monitor_scenario: Scenario) -> dict[str, dict[str, str]]:
    store = monitor_scenario.store
    issued = {name: accounts.issue_token(store, OPERATOR, user=name).secret for name in ("ana", "bo", "rev")}
    return {name: {"Authorization": f"Bearer {secret}"} for name, secret in issued.items()}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/watchlists"),
        ("POST", "/api/watchlists"),
        ("GET", "/api/alerts"),
        ("POST", "/api/alerts/1/ack"),
        ("GET", "/api/webhooks"),
        ("POST", "/api/webhooks"),
        ("GET", "/watchlists"),
        ("GET", "/alerts"),
    ],
)
def test_monitoring_is_refused_to_anonymous_and_to_roles_without_watchlists(
    client: TestClient, tokens: dict[str, dict[str, str]], method: str, path: str
) -> None:
    assert client.request(method, path).status_code == 401
    assert client.request(method, path, headers=tokens["rev"]).status_code == 403


def test_api_lists_alerts_with_filters_and_importer_sees_only_its_own(
    client: TestClient, tokens: dict[str, dict[str, str]], scenario: Scenario
) -> None:
    new = client.get("/api/alerts", params={"kind": "new", "watchlist": scenario.acme}, headers=tokens["ana"])
    assert new.status_code == 200
    # The entries' first screening against 2023-12-28 alerted on what they matched then; 2024-05-03 on the
    # new designations.
    by_version: dict[int, set[str]] = {}
    for a in new.json():
        by_version.setdefault(a["list_version"]["seq"], set()).add(a["entity"]["key"])
    assert by_version[2] == {key for _row, key in ADDED_IN_2024.values()}
    assert by_version[1] == {UNCHANGED[1], CHANGED_DECIDED[1], CHANGED_UNDECIDED[1], DELISTED[1]}
    assert all(a["explanation"] for a in new.json())
    theirs = client.get("/api/alerts", headers=tokens["bo"]).json()
    assert [(a["entry"]["ref"], a["org"]) for a in theirs] == [("s1", "other")]
    acme_id = new.json()[0]["id"]
    assert client.get(f"/api/alerts/{acme_id}", headers=tokens["bo"]).status_code == 404
    assert client.post(f"/api/alerts/{acme_id}/ack", headers=tokens["bo"]).status_code == 404
    assert client.get(f"/api/watchlists/{scenario.acme}", headers=tokens["bo"]).status_code == 404
    assert [w["name"] for w in client.get("/api/watchlists", headers=tokens["bo"]).json()] == ["Suppliers"]


def test_api_acknowledges_an_alert_once_with_who_and_when(
    client: TestClient, tokens: dict[str, dict[str, str]], scenario: Scenario
) -> None:
    (alert,) = client.get(
        "/api/alerts", params={"kind": "removed", "state": "open"}, headers=tokens["ana"]
    ).json()
    done = client.post(f"/api/alerts/{alert['id']}/ack", headers=tokens["ana"])
    assert done.status_code == 200
    assert (done.json()["state"], done.json()["acknowledged_by"]) == ("acknowledged", "ana")
    assert (
        client.get("/api/alerts", params={"kind": "removed", "state": "open"}, headers=tokens["ana"]).json()
        == []
    )


def test_api_watchlist_crud_with_entries_and_their_matches(
    client: TestClient, tokens: dict[str, dict[str, str]], scenario: Scenario
) -> None:
    created = client.post("/api/watchlists", json={"name": "Vessels"}, headers=tokens["bo"])
    assert created.status_code == 201
    body = created.json()
    assert (body["org"], body["created_by"]) == ("other", "bo")
    # Names no list holds: a matching entry would alert, and its alert reach the scenario's webhooks.
    added = client.post(
        f"/api/watchlists/{body['id']}/entries",
        json={"entries": [{"id": "v1", "name": "Patricia Lucas Wheeler", "birth_date": "1973-04-22"}]},
        headers=tokens["bo"],
    )
    assert added.status_code == 201
    assert added.json() == {"added": 1, "baseline_matches": 0, "alerts": 0}
    detail = client.get(f"/api/watchlists/{body['id']}", headers=tokens["bo"]).json()
    (entry,) = detail["entries"]
    assert entry["matches"] == []
    theirs = client.get(f"/api/watchlists/{scenario.other}", headers=tokens["bo"]).json()
    assert theirs["entries"][0]["matches"][0]["key"] == "ofac:48262"
    upload = client.post(
        f"/api/watchlists/{body['id']}/entries/upload",
        files={"file": ("more.csv", b"id,name,schema\nv2,Wheeler Lucas Holdings,Organization\n")},
        headers=tokens["bo"],
    )
    assert upload.status_code == 201
    bad = client.post(
        f"/api/watchlists/{body['id']}/entries/upload",
        files={"file": ("bad.csv", b"ref,title\nx,y\n")},
        headers=tokens["bo"],
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["msg"].startswith("bad.csv:1: missing column(s) id, name")
    removed = client.delete(f"/api/watchlists/{body['id']}/entries/{entry['id']}", headers=tokens["bo"])
    assert removed.status_code == 204
    assert client.delete(f"/api/watchlists/{body['id']}", headers=tokens["ana"]).status_code == 204
    assert client.get(f"/api/watchlists/{body['id']}", headers=tokens["bo"]).status_code == 404


def test_api_webhook_secret_is_shown_once(client: TestClient, tokens: dict[str, dict[str, str]]) -> None:
    created = client.post(
        "/api/webhooks",
        json={"url": "https://hooks.example.org/accomplice", "events": ["new"]},
        headers=tokens["bo"],
    )
    assert created.status_code == 201
    hook = created.json()
    assert len(hook["secret"]) == 64
    listed = client.get("/api/webhooks", headers=tokens["bo"]).json()
    assert all("secret" not in h for h in listed)
    detail = client.get(f"/api/webhooks/{hook['id']}", headers=tokens["bo"]).json()
    assert "secret" not in detail["webhook"]
    paused = client.patch(f"/api/webhooks/{hook['id']}", json={"active": False}, headers=tokens["bo"])
    assert paused.json()["active"] is False
    bad = client.post("/api/webhooks", json={"url": "file:///etc/passwd"}, headers=tokens["bo"])
    assert bad.status_code == 422
    assert client.delete(f"/api/webhooks/{hook['id']}", headers=tokens["bo"]).status_code == 204


def _login(client: TestClient, name: str) -> str:
    """A real web session: the session's CSRF token for forms (the cookie stays in the client)."""
    result = accounts.login(client.app.state.store, name, PASSWORD, address="testclient")
    client.cookies.set(SESSION_COOKIE, result.session_id)
    return result.csrf_token


def test_alerts_page_shows_explanation_version_and_acknowledges_with_csrf(scenario: Scenario) -> None:
    with TestClient(create_app(scenario.store)) as browser:
        csrf = _login(browser, "ana")
        page = browser.get("/alerts", params={"watchlist": scenario.acme})
        assert page.status_code == 200
        assert "JONG, Song Ho" in page.text
        assert "ofac 2024-05-03" in page.text
        assert "The names are written with the same letters" in page.text
        assert "<script" not in page.text
        alert = monitor.alerts(scenario.store, ANA, kind="new", state="open", watchlist_id=scenario.acme)[0]
        refused = browser.post(f"/alerts/{alert.id}/ack", data={"back": "/alerts"}, follow_redirects=False)
        assert refused.status_code == 403
        done = browser.post(
            f"/alerts/{alert.id}/ack",
            data={"csrf_token": csrf, "back": "https://evil.example/"},
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert done.headers["location"] == "/alerts"
        assert monitor.get_alert(scenario.store, ANA, alert.id).acknowledged_by == "ana"


def test_watchlist_page_creates_uploads_and_shows_best_match(scenario: Scenario) -> None:
    with TestClient(create_app(scenario.store)) as browser:
        csrf = _login(browser, "bo")
        created = browser.post(
            "/watchlists", data={"csrf_token": csrf, "name": "Brokers"}, follow_redirects=False
        )
        assert created.status_code == 303
        url = created.headers["location"]
        uploaded = browser.post(
            url + "/upload",
            data={"csrf_token": csrf},
            files={"file": ("brokers.csv", b"id,name,birth_date\nb1,Han Chol Man,1978-05-06\n")},
            follow_redirects=True,
        )
        assert uploaded.status_code == 200
        assert "HAN, Chol Man" in uploaded.text
        assert "ofac:48267" in uploaded.text
        bad = browser.post(url + "/upload", data={"csrf_token": csrf}, files={"file": ("x.csv", b"id\n1\n")})
        assert bad.status_code == 422
        assert "x.csv:1: missing column(s) name" in bad.text


def test_a_delivery_is_given_up_after_the_last_attempt(tmp_path: Path) -> None:
    from accomplice.store import open_store
    from tests.monitor_data import webhook_receiver

    store = open_store(f"sqlite:///{tmp_path / 'accomplice.db'}")
    with webhook_receiver() as receiver:
        receiver.script["/down"] = [500] * monitor.MAX_ATTEMPTS
        hook = monitor.create_webhook(store, ANA, receiver.url + "/down", allow_private=True)
        queue_sample_alert(store)
        now = datetime.now(UTC) + timedelta(seconds=1)
        reports = []
        for attempt in range(1, monitor.MAX_ATTEMPTS + 1):
            reports.append(monitor.deliver_due(store, now=now, allow_private=True))
            now += monitor.retry_delay(attempt)
        assert monitor.deliver_due(store, now=now + timedelta(days=30), allow_private=True).attempted == 0
    (delivery,) = monitor.deliveries(store, ANA, hook.id)
    store.close()
    assert [r.attempted for r in reports] == [1] * monitor.MAX_ATTEMPTS
    assert reports[-1].given_up == 1
    assert (delivery.attempts, delivery.status_code, delivery.next_attempt_at, delivery.delivered_at) == (
        monitor.MAX_ATTEMPTS,
        500,
        None,
        None,
    )
    assert len(receiver.on("/down")) == monitor.MAX_ATTEMPTS


def test_application_registers_watchlist_rescreening_once() -> None:
    # Registered where the application is assembled (accomplice/__init__.py), not by importing monitor;
    # registering again (another entry point) must not re-screen twice per import.
    from accomplice.services import hooks, lists

    hooks.register_post_import_hooks()
    assert lists.POST_IMPORT_HOOKS.count(monitor.rescreen_after_import) == 1
