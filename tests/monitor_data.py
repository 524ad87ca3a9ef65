"""Real-list material of the monitoring tests: DPRK designations OFAC added between its 2023-12-28 and
2024-05-03 files (found with `accomplice lists diff ofac --program DPRK`), and a local webhook receiver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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
# Listed in both versions with new aliases and notes in 2024-05-03 (DPRK IT-worker laundering network).
CHANGED_DECIDED = ({"name": "Tian Yinyin", "birth_date": "1986-07-12"}, "ofac:28263")
CHANGED_UNDECIDED = ({"name": "Wu Huihui", "birth_date": "1988-12-15"}, "ofac:42496")
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
