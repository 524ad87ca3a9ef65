"""`accomplice serve`: the web UI and JSON API on localhost."""

from __future__ import annotations

from typing import Annotated

import typer

from accomplice.cli.app import get_store, out_console


def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
) -> None:
    """Serve the web UI and the JSON API (GET /healthz for monitoring), and deliver webhooks.

    While it runs, a background worker sends due webhook deliveries of watchlist alerts (with retries).

    Example: accomplice serve --port 8000
    """
    import uvicorn

    from accomplice.api import create_app

    store = get_store()
    out_console.print(f"accomplice serving {store.url} on http://{host}:{port}/")
    uvicorn.run(
        create_app(store, warm_index=True, deliver_webhooks=True), host=host, port=port, log_level="warning"
    )
