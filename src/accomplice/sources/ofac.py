"""OFAC legacy CSV set: sdn.csv (or cons_prim.csv) + add.csv + alt.csv + sdn_comments.csv.

The files are latin-1 (Windows-1252 in practice), have no header, write nulls as `-0- `, end with a DOS
0x1A byte, and spread one entry's remarks over sdn.csv and the comments file. Aliases come as `a.k.a.`
in older files and `aka` in newer ones. Rows of add/alt/comments whose entry is not in the primary file
(orphans) are reported in the import's warnings, not fatal.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from accomplice.errors import InputError
from accomplice.lists.model import EntityRecord, ListSpec, ProgressFn
from accomplice.sources.base import InputFile, Parsed, Plan, make_plan
from accomplice.sources.builder import EntityBuilder
from accomplice.sources.files import csv_rows, decode, read_bytes
from accomplice.sources.ofac_remarks import Clause, parse_remarks

__all__ = ["OFAC_CONSOLIDATED", "OFAC_SDN", "OfacCsv", "ofac_key"]

COMPONENT_ADDRESSES = "addresses"
COMPONENT_ALIASES = "aliases"
NULL = "-0-"
# OFAC documents the legacy files as latin-1; in practice they use Windows-1252 punctuation.
ENCODINGS = ("utf-8", "cp1252", "latin-1")

OFAC_SDN = ListSpec(
    name="ofac",
    title="OFAC Specially Designated Nationals and Blocked Persons (SDN) List",
    publisher="US Department of the Treasury, Office of Foreign Assets Control",
    source_url="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN.CSV",
    format="ofac-csv",
    licence="US Government work, public domain",
)
OFAC_CONSOLIDATED = ListSpec(
    name="ofac_cons",
    title="OFAC Consolidated Sanctions List (non-SDN)",
    publisher="US Department of the Treasury, Office of Foreign Assets Control",
    source_url="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/CONS_PRIM.CSV",
    format="ofac-csv",
    licence="US Government work, public domain",
)

# file role -> accepted names (lower case), for the SDN set and the consolidated set.
SDN_FILES = {"primary": "sdn.csv", "add": "add.csv", "alt": "alt.csv", "comments": "sdn_comments.csv"}
CONS_FILES = {
    "primary": "cons_prim.csv",
    "add": "cons_add.csv",
    "alt": "cons_alt.csv",
    "comments": "cons_comments.csv",
}
ROLE_COMPONENT = {"primary": "main", "comments": "main", "add": COMPONENT_ADDRESSES, "alt": COMPONENT_ALIASES}

SCHEMAS = {"individual": "Person", "vessel": "Vessel", "aircraft": "Airplane"}
# OFAC entries without a type are organisations of every kind; Organization carries imoNumber and swiftBic.
DEFAULT_SCHEMA = "Organization"
ALT_TYPES = {
    "aka": "alias",
    "a.k.a.": "alias",
    "nka": "alias",
    "n.k.a.": "alias",
    "fka": "previousName",
    "f.k.a.": "previousName",
}
PRIMARY_COLUMNS = 12
ORPHAN_EXAMPLES = 5


def ofac_key(ent_num: str) -> str:
    return f"ofac:{ent_num}"


def _null(value: str) -> str | None:
    value = value.strip()
    return None if not value or value == NULL else value


def _name_key(name: str) -> str:
    """Names as 'Linked To:' writes them and as the entry writes them differ in punctuation only."""
    return " ".join(re.sub(r"[^\w]+", " ", name.upper()).split())


@dataclass
class _Entry:
    ent_num: str
    line: int
    builder: EntityBuilder
    remarks: list[str] = field(default_factory=list)
    vessel_owner: str | None = None


class OfacCsv:
    """Loader for the OFAC legacy CSV set (SDN or Consolidated)."""

    name = "ofac"

    def plan(self, path: Path, *, list_name: str | None = None) -> Plan:
        if path.is_dir():
            names = {p.name.lower(): p for p in path.iterdir() if p.is_file()}
            roles = SDN_FILES if SDN_FILES["primary"] in names else CONS_FILES
            if roles["primary"] not in names:
                raise InputError(str(path), "holds neither sdn.csv nor cons_prim.csv; not an OFAC CSV set")
            found = {role: names[filename] for role, filename in roles.items() if filename in names}
        else:
            lowered = path.name.lower()
            if lowered not in (SDN_FILES["primary"], CONS_FILES["primary"]):
                raise InputError(str(path), "expected sdn.csv or cons_prim.csv (or a folder holding the set)")
            roles = SDN_FILES if lowered == SDN_FILES["primary"] else CONS_FILES
            found = {"primary": path}
        spec = OFAC_SDN if roles is SDN_FILES else OFAC_CONSOLIDATED
        if list_name:
            spec = ListSpec(list_name, spec.title, spec.publisher, spec.source_url, spec.format, spec.licence)
        inputs = [InputFile(p, ROLE_COMPONENT[role]) for role, p in sorted(found.items())]
        plan = make_plan(spec, inputs)
        return Plan(plan.spec, tuple(inputs), plan.files, plan.checksum)

    def parse(self, plan: Plan, progress: ProgressFn | None = None) -> Parsed:
        by_role = self._roles(plan)
        warnings: list[str] = []
        entries = self._primary(by_role["primary"], warnings)
        if progress:
            progress("parsing OFAC entries", len(entries), len(entries))
        if "comments" in by_role:
            self._comments(by_role["comments"], entries, warnings)
        if "alt" in by_role:
            self._aliases(by_role["alt"], entries, warnings)
        if "add" in by_role:
            self._addresses(by_role["add"], entries, warnings)
        records = []
        relations = self._finish(entries, warnings)
        for entry in entries.values():
            records.append(entry.builder.record())
        records.extend(relations)
        return Parsed(records, warnings)

    @staticmethod
    def _roles(plan: Plan) -> dict[str, Path]:
        roles: dict[str, Path] = {}
        for item in plan.inputs:
            lowered = item.path.name.lower()
            for files in (SDN_FILES, CONS_FILES):
                for role, filename in files.items():
                    if lowered == filename:
                        roles[role] = item.path
        return roles

    @staticmethod
    def _rows(path: Path, min_columns: int) -> list[tuple[int, list[str]]]:
        text = decode(path, read_bytes(path), ENCODINGS)
        rows = []
        for line, row in csv_rows(path, text):
            if len(row) < min_columns:
                raise InputError(
                    str(path),
                    f"expected {min_columns} columns, found {len(row)}; not an OFAC CSV file?",
                    line,
                )
            if not row[0].strip().isdigit():
                raise InputError(str(path), f"entry number {row[0][:40]!r} is not a number", line)
            rows.append((line, row))
        if not rows:
            raise InputError(str(path), "holds no OFAC rows")
        return rows

    def _primary(self, path: Path, warnings: list[str]) -> dict[str, _Entry]:
        entries: dict[str, _Entry] = {}
        for line, row in self._rows(path, PRIMARY_COLUMNS):
            ent_num = row[0].strip()
            if ent_num in entries:
                # The 2023-12-28 sdn.csv repeats a few vessel rows verbatim; keep the first.
                warnings.append(
                    f"{path.name}:{line}: entry {ent_num} repeated (first at line {entries[ent_num].line})"
                )
                continue
            name = _null(row[1])
            if name is None:
                raise InputError(str(path), f"entry {ent_num} has no name", line)
            sdn_type = (_null(row[2]) or "").lower()
            builder = EntityBuilder(ofac_key(ent_num), SCHEMAS.get(sdn_type, DEFAULT_SCHEMA))
            builder.caption = name
            builder.add("name", name)
            if builder.schema == "Person" and "," in name:
                last, _, first = name.partition(",")
                builder.add("lastName", last)
                builder.add("firstName", first)
            for program in (_null(row[3]) or "").split("] ["):
                builder.add("programId", program.strip("[] "))
            title = _null(row[4])
            if title:
                builder.add("position" if builder.has("position") else "notes", title)
            if builder.schema == "Vessel":
                builder.add("callSign", _null(row[5]))
                builder.add("type", _null(row[6]))
                builder.add("tonnage", _null(row[7]))
                builder.add("grossRegisteredTonnage", _null(row[8]))
                builder.add("flag", _null(row[9]), fuzzy=True)
            entry = _Entry(ent_num, line, builder, vessel_owner=_null(row[10]))
            remarks = _null(row[11])
            if remarks:
                entry.remarks.append(remarks)
            entries[ent_num] = entry
        return entries

    def _comments(self, path: Path, entries: dict[str, _Entry], warnings: list[str]) -> None:
        orphans = []
        for line, row in self._rows(path, 2):
            entry = entries.get(row[0].strip())
            text = _null(row[1])
            if entry is None:
                orphans.append(f"{row[0].strip()} (line {line})")
            elif text:
                entry.remarks.append(text)
        self._report_orphans(path, "remark", orphans, warnings)

    def _aliases(self, path: Path, entries: dict[str, _Entry], warnings: list[str]) -> None:
        orphans, unknown = [], []
        for line, row in self._rows(path, 4):
            entry = entries.get(row[0].strip())
            if entry is None:
                orphans.append(f"{row[0].strip()} (line {line})")
                continue
            alt_type = (_null(row[2]) or "aka").lower()
            prop = ALT_TYPES.get(alt_type)
            if prop is None:
                unknown.append(f"{alt_type!r} (line {line})")
                prop = "alias"
            remark = (_null(row[4]) if len(row) > 4 else None) or ""
            if "weak" in remark.lower():
                prop = "weakAlias"
            entry.builder.add(prop, _null(row[3]), component=COMPONENT_ALIASES)
        self._report_orphans(path, "alias", orphans, warnings)
        if unknown:
            warnings.append(
                f"{path.name}: unknown alias types read as aliases: {', '.join(unknown[:ORPHAN_EXAMPLES])}"
            )

    def _addresses(self, path: Path, entries: dict[str, _Entry], warnings: list[str]) -> None:
        orphans = []
        for line, row in self._rows(path, 5):
            entry = entries.get(row[0].strip())
            if entry is None:
                orphans.append(f"{row[0].strip()} (line {line})")
                continue
            parts = [p for p in (_null(c) for c in row[2:5]) if p]
            if parts:
                entry.builder.add("address", ", ".join(parts), component=COMPONENT_ADDRESSES)
            country = _null(row[4])
            if country:
                entry.builder.add("country", country, component=COMPONENT_ADDRESSES, fuzzy=True)
        self._report_orphans(path, "address", orphans, warnings)

    @staticmethod
    def _report_orphans(path: Path, what: str, orphans: list[str], warnings: list[str]) -> None:
        if orphans:
            shown = ", ".join(orphans[:ORPHAN_EXAMPLES])
            more = f" and {len(orphans) - ORPHAN_EXAMPLES} more" if len(orphans) > ORPHAN_EXAMPLES else ""
            warnings.append(
                f"{path.name}: {len(orphans)} {what} rows name entries absent from the primary file, "
                "skipped: "
                f"{shown}{more}"
            )

    def _finish(self, entries: dict[str, _Entry], warnings: list[str]) -> list[EntityRecord]:
        """Apply remarks now that every file is read, and resolve 'Linked To' and vessel owners by name."""
        by_name: dict[str, set[str]] = defaultdict(set)
        parsed: dict[str, list[Clause]] = {}
        for entry in entries.values():
            remarks = " ".join(entry.remarks)
            if remarks:
                entry.builder.add("notes", remarks)
            parsed[entry.ent_num] = parse_remarks(remarks) if remarks else []
            for clause in parsed[entry.ent_num]:
                if clause.prop in ("alias", "previousName"):
                    entry.builder.add(clause.prop, clause.value)
            for value in entry.builder.values:
                if value.prop in ("name", "alias", "previousName"):
                    by_name[_name_key(value.value)].add(entry.ent_num)
        relations: list[EntityRecord] = []
        unresolved: list[str] = []
        for entry in entries.values():
            builder = entry.builder
            for clause in parsed[entry.ent_num]:
                if clause.prop == "linkedTo":
                    target = self._resolve(by_name, clause.value, entry.ent_num)
                    if target is None:
                        unresolved.append(clause.value)
                        continue
                    link = EntityBuilder(f"ofac:{entry.ent_num}-linked-{target}", "UnknownLink")
                    link.add("subject", builder.key)
                    link.add("object", ofac_key(target))
                    link.add("role", "Linked To")
                    link.caption = "Linked To"
                    relations.append(link.record())
                elif clause.prop not in ("alias", "previousName", "operatorName"):
                    self._apply(builder, clause)
            if entry.vessel_owner and builder.has("owner"):
                target = self._resolve(by_name, entry.vessel_owner, entry.ent_num)
                if target is not None:
                    builder.add("owner", ofac_key(target))
                else:
                    builder.add("notes", f"Vessel owner: {entry.vessel_owner}")
        if unresolved:
            examples = "; ".join(sorted(set(unresolved))[:ORPHAN_EXAMPLES])
            warnings.append(
                f"{len(unresolved)} 'Linked To' names match no single entry of this list "
                f"(kept in notes): {examples}"
            )
        return relations

    @staticmethod
    def _resolve(by_name: dict[str, set[str]], name: str, own: str) -> str | None:
        targets = by_name.get(_name_key(name), set()) - {own}
        return next(iter(targets)) if len(targets) == 1 else None

    @staticmethod
    def _apply(builder: EntityBuilder, clause: Clause) -> None:
        prop = clause.prop
        if prop in ("nationality", "citizenship") and not builder.has(prop):
            prop = "country"
        if prop == "passportNumber" and not builder.has(prop):
            prop = "idNumber"
        if not builder.has(prop):
            # An identifier OFAC gives for an entry whose schema lacks that field (a vessel's taxNumber):
            # keep it as a registration number rather than lose it.
            prop = "registrationNumber" if builder.has("registrationNumber") else "notes"
        fuzzy = prop in ("nationality", "citizenship", "country", "pastFlags", "gender")
        if prop == "phone" and builder.add(prop, clause.value) is None:
            builder.add(prop, "+" + clause.value.lstrip("+"))
            return
        builder.add(prop, clause.value, fuzzy=fuzzy)
