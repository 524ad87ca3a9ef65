"""Generate the Cyrillic→Latin scheme tables shipped in ``accomplice/names/_data/cyrillic_schemes.json``.

Source: the 28 scheme files of nalgeon/iuliia (MIT licence, commit a9468d0bc9cc, copied to
``shared/data/raw/names/russian_translit_schemes/``). Each file holds a letter mapping, the context rules
(``prev_mapping``: a letter after a given letter or at the start of a word; ``next_mapping``: a letter
before a given letter; ``ending_mapping``: the last two letters of a word) and worked samples. We keep the
mappings and rules verbatim; the samples stay in the shared folder, where the tests read them.

Usage: ``python scripts/gen_cyrillic_schemes.py [SCHEMES_DIR] [OUTPUT]``; with no arguments it reads the
shared folder (``ACCOMPLICE_SHARED``) and rewrites the packaged file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from accomplice.settings import get_settings  # noqa: E402

OUTPUT = ROOT / "src" / "accomplice" / "names" / "_data" / "cyrillic_schemes.json"
SOURCE = "nalgeon/iuliia (commit a9468d0bc9cc), shared/data/raw/names/russian_translit_schemes/*.json"
LICENCE = "MIT (Copyright (c) 2020 Anton Zhiyanov); see LICENSE.iuliia beside the source files"
RULES = ("mapping", "prev_mapping", "next_mapping", "ending_mapping")


def build(schemes_dir: Path) -> dict[str, Any]:
    """Read every scheme file of ``schemes_dir`` into one document (samples left out)."""
    files = sorted(schemes_dir.glob("*.json"))
    if not files:
        raise SystemExit(f"{schemes_dir}: no scheme files (*.json) found")
    schemes: dict[str, Any] = {}
    for path in files:
        raw = json.loads(path.read_text(encoding="utf-8"))
        name = raw["name"]
        entry: dict[str, Any] = {
            "description": raw.get("description", ""),
            "url": raw.get("url", ""),
            "aliases": list(raw.get("aliases") or []),
        }
        for rule in RULES:
            table = raw.get(rule) or {}
            if any(not isinstance(k, str) or not isinstance(v, str) for k, v in table.items()):
                raise SystemExit(f"{path}: {rule} must map strings to strings")
            entry[rule] = dict(sorted(table.items()))
        schemes[name] = entry
    return {
        "_generated_by": "scripts/gen_cyrillic_schemes.py",
        "_source": SOURCE,
        "_licence": LICENCE,
        "schemes": schemes,
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def main(argv: list[str]) -> int:
    schemes_dir = (
        Path(argv[1]) if len(argv) > 1 else get_settings().raw_dir / "names" / "russian_translit_schemes"
    )
    output = Path(argv[2]) if len(argv) > 2 else OUTPUT
    output.parent.mkdir(parents=True, exist_ok=True)
    document = build(schemes_dir)
    output.write_text(render(document), encoding="utf-8")
    print(f"wrote {output} ({len(document['schemes'])} schemes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
