"""Command line: `accomplice load|lists|entity|export|serve`. Thin: parse, call one service, render."""

from __future__ import annotations

from accomplice.cli.app import app, main

__all__ = ["app", "main"]
