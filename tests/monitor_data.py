"""Real-list material of the monitoring tests: DPRK designations OFAC added between its 2023-12-28 and
2024-05-03 files (found with `accomplice lists diff ofac --program DPRK`), and a local webhook receiver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from accomplice import services
from accomplice.services import auth as accounts
from accomplice.services import monitor
from accomplice.services.auth import Principal, Role
from accomplice.store import Store, open_store
from accomplice.store.monitor import MonitorStore, NewAlert, NewEntry

OFAC_2023 = "ofac/2023-12-28"
OFAC_2024_SDN = "ofac/2024-05-03/sdn.csv"

# Watchlist rows (the columns of `accomplice screen`) naming the six DPRK entries new in 2024-05-03, with
# the keys they are listed under.
ADDED_IN_2024 = {
    "c1": ({"name": "Limited Liability Company Alis", "schema": "Organization"}, "ofac:48260"),
    "c2": ({"name": "Pioneer Bencont Star Real Estate", "schema": "Organization"}, "ofac:48261"),
    "c3": ({"name": "Jon Yun Gun", "birth_date": "1973-04-22", "nationality": "North Korea"}, "ofac:48262"),
    "c4": ({"name": "Han Chol Man", "birth_date": "1978-05-06"}, "ofac:48267"),
    "c5": ({"name": "O In Chun", "birth_date": "1969-07-03"}, "ofac:48268"),
    "c6": ({"name": "Jong Song Ho", "birth_date": "1972-11-15"}, "ofac:48269"),
}
# Listed in both versions, unchanged: Korea Kwangson Banking Corp.
UNCHANGED = ({"name": "Korea Kwangson Banking Corp", "schema": "Organization"}, "ofac:11581")
# Listed in both versions and really changed in 2024-05-03: WANG Guoying gained a gender, a nationality
# and notes, NCUBE Owen a nationality, notes and a program. (TIAN Yinyin and WU Huihui, used before, only
# seemed to change: the 2024-05-03 set lacks sdn_comments.csv, and their remarks, cut at 1,000
# characters, are now carried from the earlier version, as OFAC never changed them.)
CHANGED_DECIDED = ({"name": "Wang Guoying", "birth_date": "1950-03-19"}, "ofac:16819")
CHANGED_UNDECIDED = ({"name": "Owen Ncube", "birth_date": "1968-04-17"}, "ofac:28564")
# A vessel listed in 2023-12-28 and gone from 2024-05-03.
DELISTED = ({"name": "JW Jewel", "schema": "Vessel"}, "ofac:25690")


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """What a local webhook endpoint was sent, and the statuses it answers with, per path, in turn."""

    url: str
    received: list[Received] = field(default_factory=list)
    script: dict[str, list[int]] = field(default_factory=dict)

    def on(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    """A real HTTP server on a free local port (threaded `http.server`), answering each path's scripted
    statuses in turn (then 200); a 302 points at /elsewhere."""
    receiver = Receiver("")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:
                receiver.received.append(Received(self.path, dict(self.headers.items()), body))
                statuses = receiver.script.get(self.path, [])
                status = statuses.pop(0) if statuses else 200
            self.send_response(status)
            if status == 302:
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


PASSWORD = "correct horse battery staple"
OPERATOR = accounts.operator_principal("tester")
# Real accounts of the scenario's store: an analyst of "acme", an importer of "other", a reviewer (who
# may not keep watchlists).
ACCOUNTS = (("ana", "analyst", "acme"), ("bo", "importer", "other"), ("rev", "reviewer", "acme"))


def principal(store: Store, name: str) -> Principal:
    return accounts.local_principal(store, name)


# The principals of those accounts, as a token or a session of theirs yields them.
ANA = Principal(user="ana", roles=frozenset({Role.ANALYST}), org="acme")
BO = Principal(user="bo", roles=frozenset({Role.IMPORTER}), org="other")
REVIEWER = Principal(user="rev", roles=frozenset({Role.REVIEWER}), org="acme")


@dataclass
class Scenario:
    store: Store
    url: str
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


@contextmanager
def monitoring_scenario(folder: Path, raw_dir: Path) -> Iterator[Scenario]:
    """OFAC 2023-12-28 loaded; watchlists of two organisations screened against it; two baseline matches
    decided not-a-match; webhooks registered (one answering 500 then 503 before 200, one redirecting);
    then OFAC 2024-05-03 imported, which re-screens every entry."""
    url = f"sqlite:///{folder / 'accomplice.db'}"
    store = open_store(url)
    for name, role, org in ACCOUNTS:
        accounts.add_user(store, OPERATOR, name=name, roles=[role], password=PASSWORD, org=org)
    ana, bo = principal(store, "ana"), principal(store, "bo")
    with webhook_receiver() as receiver:
        services.load_list(store, "ofac", raw_dir / OFAC_2023, data_date="2023-12-28")
        acme = monitor.create_watchlist(store, ana, "Counterparties")
        rows = _rows(ADDED_IN_2024) + _rows(
            {"k1": UNCHANGED, "d1": CHANGED_DECIDED, "u1": CHANGED_UNDECIDED, "v1": DELISTED}
        )
        monitor.add_entries(store, ana, acme.id, rows)
        other = monitor.create_watchlist(store, bo, "Suppliers")
        monitor.add_entries(store, bo, other.id, [{"id": "s1", **ADDED_IN_2024["c3"][0]}])
        # The analyst has looked at two baseline matches and decided they are other people.
        for row, key in (CHANGED_DECIDED, UNCHANGED):
            services.decide(
                store,
                ana,
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
        # The receiver listens on 127.0.0.1, which webhooks may reach only when private addresses are
        # allowed (ACCOMPLICE_WEBHOOK_ALLOW_PRIVATE): these tests opt in, every call.
        flaky = monitor.create_webhook(store, ana, receiver.url + "/flaky", allow_private=True)
        receiver.script["/moved"] = [302] * 20
        redirecting = monitor.create_webhook(
            store, ana, receiver.url + "/moved", events=["new"], allow_private=True
        )
        elsewhere = monitor.create_webhook(store, bo, receiver.url + "/other", allow_private=True)
        started = datetime.now(UTC)
        services.load_list(store, "ofac", raw_dir / OFAC_2024_SDN, data_date="2024-05-03")
        yield Scenario(
            store, url, receiver, acme.id, other.id, before, flaky, redirecting, elsewhere, started
        )
    store.close()


def queue_sample_alert(store: Store) -> None:
    """One "new match" alert of ANA's organisation (Jon Yun Gun, a real OFAC DPRK listing), queued for
    every webhook registered so far: the outbox a delivery test drains."""
    raw = MonitorStore(store)
    watchlist = raw.create_watchlist("W", org="acme", created_by="ana")
    (entry_id,) = raw.add_entries(watchlist.id, [NewEntry("c1", "Jon Yun Gun")], created_by="ana")
    alert = NewAlert(
        watchlist.id,
        entry_id,
        "c1",
        "Jon Yun Gun",
        "acme",
        "ofac:48262",
        "JON, Yun Gun",
        "new",
        1.0,
        ("names agree",),
        "ofac",
        2,
        "2024-05-03",
    )
    raw.record_screening([], [alert], generation="1", payload_of=monitor._payload)
