"""Server-rendered web UI (Jinja2 templates, minimal JavaScript)."""
