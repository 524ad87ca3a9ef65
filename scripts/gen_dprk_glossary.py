"""Generate ``accomplice/names/_data/dprk_glossary.tsv``: DPRK institutional terms, Korean, Chinese, English.

Sources:
* ``scripts/data/dprk_glossary.yml``: the terms, each with the published terminology it follows.
* The lists themselves, in ``../shared/data/raw`` (``ACCOMPLICE_SHARED``): every entry that writes its name
  both ways attests the terms it shares. An EU entry (Reg. 2017/1509) whose Hangul alias holds 은행 and
  whose English name holds "bank" attests 은행 = bank; a UN 1718 or OFAC entry whose romanized Korean alias
  holds UNHAENG and whose English name holds "bank" attests unhaeng = bank. The attesting entries are
  written beside each term, so that a reviewer can check the glossary against the lists.

Usage: ``python scripts/gen_dprk_glossary.py [OUTPUT_DIR]`` (default: the package's ``names/_data``).
"""

from __future__ import annotations

import csv
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as ET
import yaml

from accomplice.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "scripts" / "data" / "dprk_glossary.yml"
OUTPUT_DIR = ROOT / "src" / "accomplice" / "names" / "_data"
EU_DPRK = Path("eu") / "eu_journal_consolidated_32017R1509.csv"
UN_LIST = Path("un") / "un_consolidated_2026-02-27.xml"
OFAC_SDN = Path("ofac") / "2024-05-03" / "sdn.csv"
OFAC_ALT = Path("ofac") / "2025-12-partial" / "alt.csv"
# Attesting entries written per term: enough to check by hand, short enough to read.
MAX_ATTESTATIONS_SHOWN = 4
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def latin_key(text: str) -> str:
    """Lower-case ASCII words, one space apart; apostrophes and hyphens vanish (CH'ONGGUK, KWAHAK-WON)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    ascii_text = "".join(ch for ch in decomposed if ch.isascii()).replace("'", "").replace("-", "")
    return " ".join(_NOT_WORD.sub(" ", ascii_text).split())


def _contains_words(text: str, words: str) -> bool:
    return f" {words} " in f" {text} "


# An entry as the lists write it: who it is, its names in Latin letters, and in Korean/Chinese script.
Entry = tuple[str, list[str], list[str]]


def _eu_entries(raw: Path) -> Iterator[Entry]:
    with (raw / EU_DPRK).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["schema"] == "Person":
                continue
            names = [row["name"], *row["alias"].split(";"), *row["previousName"].split(";")]
            names = [n.strip() for n in names if n.strip()]
            native = [n for n in names if _HANGUL.search(n) or _HAN.search(n)]
            latin = [n for n in names if n not in native]
            yield f"EU 2017/1509 record {row['recordId']}", latin, native


def _un_entries(raw: Path) -> Iterator[Entry]:
    root: Any = ET.parse(raw / UN_LIST).getroot()
    for entity in root.iter("ENTITY"):
        if (entity.findtext("UN_LIST_TYPE") or "") != "DPRK":
            continue
        names = [entity.findtext("FIRST_NAME") or ""]
        names += [a.findtext("ALIAS_NAME") or "" for a in entity.iter("ENTITY_ALIAS")]
        names = [n.strip() for n in names if n.strip()]
        native = [n for n in names if _HAN.search(n) or _HANGUL.search(n)]
        yield f"UN {entity.findtext('REFERENCE_NUMBER')}", [n for n in names if n not in native], native


def _ofac_entries(raw: Path) -> Iterator[Entry]:
    with (raw / OFAC_SDN).open(encoding="latin-1", newline="") as handle:
        rows = csv.reader(handle)
        dprk = {r[0]: r[1] for r in rows if len(r) > 3 and "DPRK" in r[3] and r[2] != "individual"}
    aliases: dict[str, list[str]] = defaultdict(list)
    with (raw / OFAC_ALT).open(encoding="latin-1", newline="") as handle:
        for row in csv.reader(handle):
            if len(row) > 3 and row[0] in dprk:
                aliases[row[0]].append(row[3])
    for ent_num, name in dprk.items():
        yield f"OFAC {ent_num}", [name, *aliases[ent_num]], []


def _attestations(spec: list[dict[str, Any]], raw: Path) -> dict[tuple[int, str], list[str]]:
    """(entry index, term) -> the list entries that write the term in one name and its English in another."""
    entries = [*_eu_entries(raw), *_un_entries(raw), *_ofac_entries(raw)]
    found: dict[tuple[int, str], list[str]] = defaultdict(list)
    for i, item in enumerate(spec):
        english = [latin_key(e) for e in (item["en"], *item.get("en_aliases", ()))]
        for who, latin, native in entries:
            latin_keys = [latin_key(n) for n in latin]
            for term in (*item.get("ko", ()), *item.get("zh", ())):
                if any(term in n for n in native) and any(
                    _contains_words(n, e) for n in latin_keys for e in english
                ):
                    found[(i, term)].append(who)
            for term in item.get("mr", ()):
                key = latin_key(term)
                with_term = [n for n in latin_keys if _contains_words(n, key)]
                others = [n for n in latin_keys if n not in with_term]
                if with_term and any(_contains_words(n, e) for n in others for e in english):
                    found[(i, term)].append(who)
    return found


def _rows(spec: list[dict[str, Any]], raw: Path) -> list[list[str]]:
    attested = _attestations(spec, raw)
    rows = []
    for i, item in enumerate(spec):
        terms = [("ko", t) for t in item.get("ko", ())] + [("zh", t) for t in item.get("zh", ())]
        terms += [("mr", t) for t in item.get("mr", ())] + [("en", t) for t in item.get("en_aliases", ())]
        for script, term in terms:
            who = list(dict.fromkeys(attested.get((i, term), [])))
            more = len(who) - MAX_ATTESTATIONS_SHOWN
            shown = "; ".join(who[:MAX_ATTESTATIONS_SHOWN]) + (f" (+{more})" if more > 0 else "")
            final = "1" if item.get("final") else ""
            rows.append([item["en"], script, term, final, str(len(who)), shown, item["source"]])
    return rows


def main() -> None:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT_DIR
    raw = get_settings().raw_dir
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    for item in spec:
        if not item.get("en") or not item.get("source"):
            raise SystemExit(f"{SPEC}: every entry needs 'en' and 'source': {item}")
    rows = _rows(spec, raw)
    path = output / "dprk_glossary.tsv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("# Generated by scripts/gen_dprk_glossary.py; do not edit by hand.\n")
        handle.write(f"# Source: {SPEC.relative_to(ROOT)} (terminology, named per entry); attested against\n")
        handle.write(f"# {EU_DPRK}, {UN_LIST}, {OFAC_SDN} + {OFAC_ALT} (entries writing a name both ways).\n")
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["english", "script", "term", "final", "attested", "attested_by", "source"])
        writer.writerows(rows)
    attested = sum(1 for r in rows if r[4] != "0")
    print(f"wrote {path}: {len(rows)} terms, {attested} attested by the lists", file=sys.stderr)


if __name__ == "__main__":
    main()
