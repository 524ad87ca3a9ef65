"""Input files for the batch-job tests, built from the real shared data: listed DPRK names in Latin and
Hangul, and clean names (real given names, people on no list) in several scripts."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

# Listed names in other scripts than the lists' Latin, as the screening tests know them.
LISTED_OTHER_SCRIPTS = (
    ("김정은", "Person"),  # Kim Jong Un, listed by OFAC, UN, EU, UK
    ("金正恩", "Person"),
    ("지성 6호", "Vessel"),  # the vessel JI SONG 6
    ("ООО Гудзон", ""),
)
# Every n-th DPRK entry of the UK list: a spread of persons, banks, firms and ships.
UK_DPRK_STEP = 40
UK_REGIME = "North Korea (Democratic People's Republic of Korea)"


def _uk_dprk_names(raw_dir: Path) -> list[tuple[str, str, str]]:
    text = (raw_dir / "uk" / "hmt_conlist_2018-04-13.csv").read_text(encoding="latin-1")
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[1]
    col = {name: i for i, name in enumerate(header)}
    names = []
    for row in rows[2:]:
        if row[col["Regime"]] != UK_REGIME:
            continue
        if row[col["Group Type"]] == "Individual":
            given = " ".join(
                row[col[f"Name {i}"]].strip() for i in range(1, 6) if row[col[f"Name {i}"]].strip()
            )
            name = f"{given} {row[col['Name 6']].strip()}".strip()
            names.append((name, "Person", row[col["DOB"]].strip()))
        else:
            names.append((row[col["Name 6"]].strip(), "", ""))
    return names[::UK_DPRK_STEP]


def _clean_names(raw_dir: Path, count: int) -> list[tuple[str, str, str]]:
    fixtures = raw_dir / "names" / "screening_fixtures" / "negatives_global.csv"
    with fixtures.open(encoding="utf-8", newline="") as handle:
        people = list(csv.DictReader(handle))[:count]
    korean = json.loads((raw_dir / "names" / "korean" / "korean_names_1000.json").read_text("utf-8"))
    return [(p["full_name"], "Person", p["date_of_birth"]) for p in people] + [
        (k["fullNameHangul"], "Person", "") for k in korean[:count:3]
    ]


def names_csv(raw_dir: Path, *, clean: int = 12, repeat: int = 1) -> bytes:
    """A CSV of id,name,schema,birth_date: listed names among clean ones, `repeat` times over."""
    listed = [(n, s, "") for n, s in LISTED_OTHER_SCRIPTS] + _uk_dprk_names(raw_dir)
    clean_rows = _clean_names(raw_dir, clean)
    mixed: list[tuple[str, str, str]] = []
    for i in range(max(len(listed), len(clean_rows))):
        mixed.extend(x[i] for x in (listed, clean_rows) if i < len(x))
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(["id", "name", "schema", "birth_date"])
    for r in range(repeat):
        for i, (name, schema, dob) in enumerate(mixed, start=1):
            writer.writerow([f"r{r}-{i}", name, schema, dob])
    return out.getvalue().encode("utf-8")
