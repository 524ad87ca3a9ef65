"""Webhooks go to public addresses only, unless ACCOMPLICE_WEBHOOK_ALLOW_PRIVATE says otherwise: a URL whose
host is, or resolves to, a loopback, private, link-local (cloud metadata) or other non-public address is
refused when it is registered, and every delivery checks the address it connects to again (DNS rebinding),
recording a refused delivery as a failed attempt with its reason. The receiver is a real HTTP server on
127.0.0.1, so that a refusal is seen to send nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from accomplice.api import create_app
from accomplice.errors import InputError
from accomplice.services import auth as accounts
from accomplice.services import monitor, outbound
from accomplice.settings import get_settings
from accomplice.store import Store, open_store
from tests.monitor_data import ANA, OPERATOR, PASSWORD, Receiver, queue_sample_alert, webhook_receiver

SETTING = "ACCOMPLICE_WEBHOOK_ALLOW_PRIVATE"


@pytest.fixture
def default_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """The setting as a fresh install has it: unset."""
    monkeypatch.delenv(SETTING, raising=False)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'accomplice.db'}")
    yield opened
    opened.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with webhook_receiver() as running:
        yield running


# Internal targets an attacker would pick: loopback in both families, the cloud metadata service, the
# internal network, a name that resolves to loopback, and loopback spelt as a number or inside IPv6.
PRIVATE_URLS = [
    ("http://127.0.0.1:8080/hook", "127.0.0.1", "a loopback address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254", "a link-local address"),
    ("http://[::1]:8080/hook", "::1", "a loopback address"),
    ("https://10.0.0.5/hook", "10.0.0.5", "a private address"),
    ("http://localhost:8080/hook", "localhost (127.0.0.1)", "a loopback address"),
    ("http://2130706433/hook", "2130706433 (127.0.0.1)", "a loopback address"),
    ("http://[::ffff:127.0.0.1]/hook", "::ffff:127.0.0.1", "a loopback address"),
    ("http://[fd12:3456::1]/hook", "fd12:3456::1", "a private address"),
]


def test_setting_is_off_unless_switched_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SETTING, raising=False)
    assert get_settings().webhook_allow_private is False
    for word, expected in (("true", True), ("1", True), ("YES", True), ("false", False), ("0", False)):
        monkeypatch.setenv(SETTING, word)
        assert get_settings().webhook_allow_private is expected, word


@pytest.mark.usefixtures("default_setting")
@pytest.mark.parametrize(("url", "host", "kind"), PRIVATE_URLS)
def test_by_default_a_webhook_to_an_internal_address_is_refused_at_registration(
    store: Store, url: str, host: str, kind: str
) -> None:
    with pytest.raises(outbound.PrivateAddressError) as caught:
        monitor.create_webhook(store, ANA, url)
    message = str(caught.value)
    assert message.startswith(f"url: host {host} is {kind}")
    assert f"webhooks go to public addresses only ({SETTING}=true allows others)" in message
    assert monitor.webhooks(store, ANA) == []


@pytest.mark.usefixtures("default_setting")
def test_only_http_and_https_are_accepted_and_a_public_address_is(store: Store) -> None:
    for url in ("ftp://192.0.2.1/", "gopher://8.8.8.8/", "file:///etc/passwd", "http://h:99999/"):
        with pytest.raises(InputError):
            monitor.create_webhook(store, ANA, url)
    hook = monitor.create_webhook(store, ANA, "https://8.8.8.8/hook")
    assert hook.url == "https://8.8.8.8/hook"


def test_switched_on_the_setting_lets_a_webhook_reach_a_local_receiver(
    store: Store, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SETTING, "true")
    hook = monitor.create_webhook(store, ANA, receiver.url + "/local")
    queue_sample_alert(store)
    report = monitor.deliver_due(store, now=datetime.now(UTC) + timedelta(seconds=1))
    assert (report.attempted, report.delivered) == (1, 1)
    assert len(receiver.on("/local")) == 1
    (delivery,) = monitor.deliveries(store, ANA, hook.id)
    assert delivery.delivered_at is not None


@pytest.mark.usefixtures("default_setting")
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_delivery_checks_the_address_again_and_records_a_refusal_as_a_failed_attempt(
    store: Store, receiver: Receiver, host: str
) -> None:
    # Registered while the host was allowed (as a name that resolved to a public address then would be);
    # by delivery time it is, or resolves to, loopback: nothing is sent.
    url = receiver.url.replace("127.0.0.1", host) + "/rebound"
    hook = monitor.create_webhook(store, ANA, url, allow_private=True)
    queue_sample_alert(store)
    now = datetime.now(UTC) + timedelta(seconds=1)
    report = monitor.deliver_due(store, now=now)
    assert (report.attempted, report.delivered, report.failed) == (1, 0, 1)
    assert receiver.on("/rebound") == []
    (delivery,) = monitor.deliveries(store, ANA, hook.id)
    assert (delivery.attempts, delivery.status_code, delivery.delivered_at) == (1, None, None)
    assert delivery.last_error is not None
    assert delivery.last_error.startswith(f"url: host {host}")
    assert "is a loopback address; webhooks go to public addresses only" in delivery.last_error
    assert delivery.next_attempt_at == now + monitor.retry_delay(1)


@pytest.mark.usefixtures("default_setting")
def test_api_refuses_an_internal_webhook_url_with_422_and_a_clear_message(store: Store) -> None:
    accounts.add_user(store, OPERATOR, name="ana", roles=["analyst"], password=PASSWORD, org="acme")
    token = accounts.issue_token(store, OPERATOR, user="ana").secret
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(store, run_jobs=False)) as client:
        for url, host, kind in PRIVATE_URLS[:5]:
            response = client.post("/api/webhooks", json={"url": url}, headers=headers)
            assert response.status_code == 422, response.text
            message = response.json()["detail"][0]["msg"]
            assert message.startswith(f"url: host {host} is {kind}"), message
            assert "webhooks go to public addresses only" in message, message
            assert "Traceback" not in response.text
        assert client.get("/api/webhooks", headers=headers).json() == []
