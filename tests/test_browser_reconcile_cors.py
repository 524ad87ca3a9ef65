"""OpenRefine as a client: a page on another origin reconciles names against accomplice from Chromium.

OpenRefine (and the reconciliation testbench) run in a browser tab whose origin is not the service's. The
browser then enforces CORS: the manifest GET, a form-encoded `queries` POST (a "simple" request), and the
1.0 draft's JSON POST to `/reconcile/match` (which needs a preflight) must all be readable by that page,
and a request sent with credentials must not be (accomplice never allows credentials cross-origin).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from playwright.sync_api import Browser

from accomplice import services
from accomplice.api import create_app
from accomplice.store import Store
from tests.browser_support import desktop_page, serve

pytestmark = pytest.mark.xdist_group("browser")

# What OpenRefine does when a service is added and a column reconciled, in the page's own script.
CLIENT_PAGE = """<!doctype html><meta charset="utf-8"><title>reconciliation client</title>
<pre id="out">running</pre>
<script>
const service = new URLSearchParams(location.search).get("service");
async function run() {
  const out = {};
  const manifest = await (await fetch(service + "/reconcile")).json();
  out.manifest = {name: manifest.name, versions: manifest.versions};
  const form = new URLSearchParams({queries: JSON.stringify({
    q0: {query: "김정은", type: "Person"}, q1: {query: "Korea Kwangson Banking"}})});
  out.queries = await (await fetch(service + "/reconcile", {method: "POST", body: form})).json();
  const draft = await fetch(service + "/reconcile/match", {method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({queries: [{type: "Person",
      conditions: [{matchType: "name", propertyValue: "Kim Jong Un"}]}]})});
  out.draft = await draft.json();
  try {
    await fetch(service + "/reconcile", {credentials: "include"});
    out.credentialed = "readable";
  } catch (e) {
    out.credentialed = "blocked";
  }
  document.getElementById("out").textContent = JSON.stringify(out);
}
run().catch(e => { document.getElementById("out").textContent = "error: " + e; });
</script>"""


def _client_app() -> FastAPI:
    app = FastAPI()

    @app.get("/")
    def page() -> HTMLResponse:
        return HTMLResponse(CLIENT_PAGE)

    return app


@pytest.fixture(scope="module")
def service_url(screening_store: Store) -> Iterator[str]:
    services.screening_index(screening_store)
    with serve(create_app(screening_store), "reconcile-service") as url:
        yield url


def test_a_page_on_another_origin_reconciles_as_openrefine_does(browser: Browser, service_url: str) -> None:
    with serve(_client_app(), "reconcile-client") as client_url, desktop_page(browser) as page:
        assert client_url.rsplit(":", 1)[1] != service_url.rsplit(":", 1)[1]  # two origins
        page.goto(f"{client_url}/?service={service_url}")
        page.wait_for_function("document.getElementById('out').textContent !== 'running'", timeout=60_000)
        text = page.locator("#out").inner_text()
        assert not text.startswith("error"), text
        out: dict[str, Any] = json.loads(text)
    assert "0.2" in out["manifest"]["versions"]
    assert out["queries"]["q0"]["result"][0]["id"] == "ofac:20157"
    assert out["queries"]["q0"]["result"][0]["match"] is True
    assert out["queries"]["q1"]["result"]
    assert out["draft"]["results"][0]["candidates"][0]["id"] == "ofac:20157"
    assert out["credentialed"] == "blocked"
