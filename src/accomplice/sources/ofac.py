"""OFAC legacy CSV set: sdn.csv (or cons_prim.csv) + add.csv + alt.csv + sdn_comments.csv.

OFAC documents the files as latin-1 (those we hold are plain ASCII; they are read as UTF-8, Windows-1252
or latin-1, whichever fits). They have no header, write nulls as `-0- `, end with a DOS 0x1A byte, and
spread one entry's remarks over sdn.csv (cut at 1,000 characters, often mid-word) and the comments file
(the rest). Alias types are `aka`/`fka`/`nka` in the files we hold and `a.k.a.`/`f.k.a.`/`n.k.a.` in
OFAC's documentation and in remarks; both are read. Rows of add/alt/comments whose entry is not in the
primary file (orphans) are reported in the import's warnings, not fatal. The layout of each file is fixed
(OFAC's `dat_spec.txt`), so a row with another number of columns is an error, not a guess.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from accomplice.errors import InputError
from accomplice.lists.model import EntityRecord, ListSpec, ProgressFn
from accomplice.sources.base import InputFile, Parsed, Plan, PreviousValues, make_plan, paused_gc
from accomplice.sources.builder import EntityBuilder
from accomplice.sources.files import csv_rows, decode, read_bytes
from accomplice.sources.ofac_remarks import Clause, parse_remarks, phone_forms

__all__ = ["OFAC_CONSOLIDATED", "OFAC_SDN", "OfacCsv", "ofac_key"]

COMPONENT_ADDRESSES = "addresses"
COMPONENT_ALIASES = "aliases"
# What the comments file stands for in a version's components. Its text completes sdn.csv's remarks, so
# its values are the main component's; a version without it carries the continuations from the version
# before (see `_carry_remarks`) and says so through this component's absence, as for the alias file.
COMPONENT_REMARKS = "remarks"
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
# The file's own component stays "main" so that the checksum of an already loaded set does not change (a
# changed checksum would load an old set again as the newest version).
ROLE_COVERS = {"comments": COMPONENT_REMARKS}
# Columns of each file (OFAC dat_spec.txt): ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign,
# Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks | ent_num, Add_num, Address, City/State/Province/
# Postal Code, Country, Add_remarks | ent_num, alt_num, alt_type, alt_name, alt_remarks | ent_num, Remarks.
COLUMNS = {"primary": 12, "add": 6, "alt": 5, "comments": 2}
# OFAC's entity numbers are below 100,000 today; ten digits leave room and keep a corrupt file from making
# keys of arbitrary length.
MAX_ENT_NUM_DIGITS = 10
ENT_NUM = re.compile(rf"^[0-9]{{1,{MAX_ENT_NUM_DIGITS}}}$")
# sdn.csv cuts a remark at this many characters, wherever it falls (mid-word: "WHOIS HACKIN" + "G TEAM"),
# and sdn_comments.csv holds the rest. Only a remark cut exactly here is continued without a separator.
REMARKS_FIELD_CHARS = 1000

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
# How many offending rows a warning names before it says "and N more".
EXAMPLES = 5
_NOT_WORD = re.compile(r"[^\w]+")


def ofac_key(ent_num: str) -> str:
    return f"ofac:{ent_num}"


def _null(value: str) -> str | None:
    value = value.strip()
    return None if not value or value == NULL else value


def _name_key(name: str) -> str:
    """Names as 'Linked To:' writes them and as the entry writes them differ in punctuation only."""
    return " ".join(_NOT_WORD.sub(" ", name.upper()).split())


def _examples(items: list[str]) -> str:
    shown = ", ".join(items[:EXAMPLES])
    return shown + (f" and {len(items) - EXAMPLES} more" if len(items) > EXAMPLES else "")


@dataclass
class _Entry:
    ent_num: str
    line: int
    row: list[str]
    builder: EntityBuilder
    remark: str | None = None  # as written, with its trailing space: the comments file may continue it
    overflow: list[tuple[int, str]] = field(default_factory=list)  # (line in the comments file, text)
    carried: str | None = None  # the whole remark as the previous version stored it, when it continues this
    vessel_owner: str | None = None
    programs: frozenset[str] = frozenset()


@dataclass
class _Names:
    """Every entry's names for resolving 'Linked To', vessel owners and aircraft operators by name."""

    primary: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    other: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    programs: dict[str, frozenset[str]] = field(default_factory=dict)

    def resolve(self, name: str, own: str) -> tuple[str | None, list[str]]:
        """The one entry called `name` (its primary name first, then its aliases), or the candidates.

        Two entries may share a name ("MINISTRY OF STATE SECURITY" is listed under DPRK3 and under
        CAATSA - RUSSIA); the one sharing a sanctions program with the entry that names it is meant.
        """
        key = _name_key(name)
        for index in (self.primary, self.other):
            found = index.get(key, set()) - {own}
            if len(found) == 1:
                return next(iter(found)), []
            if found:
                mine = self.programs.get(own, frozenset())
                shared = {t for t in found if self.programs.get(t, frozenset()) & mine}
                if len(shared) == 1:
                    return next(iter(shared)), []
                return None, sorted(found, key=int)
        return None, []


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
        inputs = [
            InputFile(p, ROLE_COMPONENT[role], ROLE_COVERS.get(role)) for role, p in sorted(found.items())
        ]
        plan = make_plan(spec, inputs)
        return Plan(plan.spec, tuple(inputs), plan.files, plan.checksum)

    def parse(
        self, plan: Plan, progress: ProgressFn | None = None, previous: PreviousValues | None = None
    ) -> Parsed:
        """Parse the set; without a comments file, `previous` gives the remarks it would have continued."""
        with paused_gc():
            return self._parse(plan, progress, previous)

    def _parse(self, plan: Plan, progress: ProgressFn | None, previous: PreviousValues | None) -> Parsed:
        by_role = self._roles(plan)
        warnings: list[str] = []
        entries = self._primary(by_role["primary"], warnings)
        if progress:
            progress("parsing OFAC entries", len(entries), len(entries))
        if "comments" in by_role:
            self._comments(by_role["comments"], entries, warnings)
        else:
            comments = (SDN_FILES if by_role["primary"].name.lower() == SDN_FILES["primary"] else CONS_FILES)[
                "comments"
            ]
            self._carry_remarks(comments, entries, previous, warnings)
        if "alt" in by_role:
            self._aliases(by_role["alt"], entries, warnings)
        if "add" in by_role:
            self._addresses(by_role["add"], entries, warnings)
        relations = self._finish(entries, warnings)
        records = [entry.builder.record() for entry in entries.values()]
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
    def _rows(path: Path, role: str) -> Iterator[tuple[int, str, list[str]]]:
        """(line, entity number, fields) of every row, or an InputError naming the first bad line."""
        text = decode(path, read_bytes(path), ENCODINGS)
        start = text.lstrip("\ufeff \t\r\n")
        if start.startswith("<"):
            line = text[: len(text) - len(start)].count("\n") + 1
            raise InputError(str(path), "is XML, not an OFAC legacy CSV file", line)
        columns = COLUMNS[role]
        found = False
        for line, row in csv_rows(path, text):
            if len(row) != columns:
                raise InputError(
                    str(path),
                    f"expected {columns} columns, found {len(row)}; not an OFAC {path.name} row",
                    line,
                )
            ent_num = row[0].strip()
            if not ENT_NUM.match(ent_num):
                raise InputError(str(path), f"entry number {row[0][:40]!r} is not a number", line)
            found = True
            yield line, str(int(ent_num)), row
        if not found:
            raise InputError(str(path), "holds no OFAC rows")

    def _primary(self, path: Path, warnings: list[str]) -> dict[str, _Entry]:
        entries: dict[str, _Entry] = {}
        repeated: list[str] = []
        unknown_types: list[str] = []
        for line, ent_num, row in self._rows(path, "primary"):
            if ent_num in entries:
                first = entries[ent_num]
                same = "verbatim" if row == first.row else "with other values"
                repeated.append(f"{ent_num} at line {line} ({same}; first at line {first.line})")
                continue
            name = _null(row[1])
            if name is None:
                raise InputError(str(path), f"entry {ent_num} has no name", line)
            sdn_type = (_null(row[2]) or "").lower()
            if sdn_type and sdn_type not in SCHEMAS:
                unknown_types.append(f"{sdn_type[:30]!r} (line {line})")
            builder = EntityBuilder(ofac_key(ent_num), SCHEMAS.get(sdn_type, DEFAULT_SCHEMA))
            builder.caption = name
            builder.add("name", name)
            if builder.schema == "Person" and "," in name:
                last, _, first_name = name.partition(",")
                builder.add("lastName", last)
                builder.add("firstName", first_name)
            programs = [p.strip("[] ") for p in (_null(row[3]) or "").split("] [")]
            for program in programs:
                builder.add("programId", program)
            title = _null(row[4])
            if title:
                builder.add("position" if builder.has("position") else "notes", title)
            if builder.schema == "Vessel":
                builder.add("callSign", _null(row[5]))
                builder.add("type", _null(row[6]))
                builder.add("tonnage", _null(row[7]))
                builder.add("grossRegisteredTonnage", _null(row[8]))
                builder.add("flag", _null(row[9]), fuzzy=True)
            entries[ent_num] = _Entry(
                ent_num,
                line,
                row,
                builder,
                remark=row[11] if _null(row[11]) else None,
                vessel_owner=_null(row[10]),
                programs=frozenset(p for p in programs if p),
            )
        if repeated:
            warnings.append(
                f"{path.name}: {len(repeated)} entry numbers repeated, first row kept: {_examples(repeated)}"
            )
        if unknown_types:
            warnings.append(
                f"{path.name}: unknown SDN types read as {DEFAULT_SCHEMA}: {_examples(unknown_types)}"
            )
        return entries

    def _comments(self, path: Path, entries: dict[str, _Entry], warnings: list[str]) -> None:
        orphans: list[tuple[str, int]] = []
        for line, ent_num, row in self._rows(path, "comments"):
            entry = entries.get(ent_num)
            if entry is None:
                orphans.append((ent_num, line))
            elif _null(row[1]):
                entry.overflow.append((line, row[1]))
        self._report_orphans(path, "remark", orphans, warnings)

    @staticmethod
    def _carry_remarks(
        comments: str, entries: dict[str, _Entry], previous: PreviousValues | None, warnings: list[str]
    ) -> None:
        """Continue the remarks sdn.csv cut at 1,000 characters with the previous version's whole remark.

        Without the comments file a cut remark loses its tail: aliases, passports, incorporation dates
        and links that OFAC never removed would read as removed. The previous version's stored remark
        continues this one when it starts with the same 1,000 characters; a remark that changed there, or
        an entry new in this version, keeps its cut text and is named in the warning.
        """
        cut = [e for e in entries.values() if e.remark is not None and len(e.remark) >= REMARKS_FIELD_CHARS]
        if not cut:
            return
        stored = previous([ofac_key(e.ent_num) for e in cut], "notes") if previous else {}
        uncarried: list[str] = []
        for entry in cut:
            assert entry.remark is not None
            head = " ".join(entry.remark.split())
            whole = [
                n for n in stored.get(ofac_key(entry.ent_num), ()) if " ".join(n.split()).startswith(head)
            ]
            if len(whole) == 1:
                entry.carried = whole[0]
            else:
                uncarried.append(ofac_key(entry.ent_num))
        carried = len(cut) - len(uncarried)
        message = (
            f"{comments} absent: carried from the previous version the continuations of {carried} of the "
            f"{len(cut)} remarks cut at {REMARKS_FIELD_CHARS:,} characters"
        )
        if uncarried:
            why = "no previous version holds them" if not stored else "new entries, or remarks that changed"
            message += f"; {len(uncarried)} stay cut ({why}): {_examples(uncarried)}"
        warnings.append(message)

    def _aliases(self, path: Path, entries: dict[str, _Entry], warnings: list[str]) -> None:
        orphans: list[tuple[str, int]] = []
        unknown: list[str] = []
        for line, ent_num, row in self._rows(path, "alt"):
            entry = entries.get(ent_num)
            if entry is None:
                orphans.append((ent_num, line))
                continue
            alt_type = (_null(row[2]) or "aka").lower()
            prop = ALT_TYPES.get(alt_type)
            if prop is None:
                unknown.append(f"{alt_type[:30]!r} (line {line})")
                prop = "alias"
            if "weak" in (_null(row[4]) or "").lower():
                prop = "weakAlias"
            entry.builder.add(prop, _null(row[3]), component=COMPONENT_ALIASES)
        self._report_orphans(path, "alias", orphans, warnings)
        if unknown:
            warnings.append(f"{path.name}: unknown alias types read as aliases: {_examples(unknown)}")

    def _addresses(self, path: Path, entries: dict[str, _Entry], warnings: list[str]) -> None:
        orphans: list[tuple[str, int]] = []
        for line, ent_num, row in self._rows(path, "add"):
            entry = entries.get(ent_num)
            if entry is None:
                orphans.append((ent_num, line))
                continue
            parts = [p for p in (_null(c) for c in row[2:5]) if p]
            if parts:
                entry.builder.add("address", ", ".join(parts), component=COMPONENT_ADDRESSES)
            entry.builder.add("country", _null(row[4]), component=COMPONENT_ADDRESSES, fuzzy=True)
            remark = _null(row[5])
            if remark:
                entry.builder.add("notes", f"Address: {remark}", component=COMPONENT_ADDRESSES)
        self._report_orphans(path, "address", orphans, warnings)

    @staticmethod
    def _report_orphans(path: Path, what: str, orphans: list[tuple[str, int]], warnings: list[str]) -> None:
        """One warning per file: how many rows and entries had no parent, and the first line of each."""
        if not orphans:
            return
        first: dict[str, int] = {}
        for ent_num, line in orphans:
            first.setdefault(ent_num, line)
        examples = [f"{ent_num} (line {line})" for ent_num, line in first.items()]
        warnings.append(
            f"{path.name}: {len(orphans)} {what} rows of {len(first)} entries absent from the primary file, "
            f"skipped: {_examples(examples)}"
        )

    @staticmethod
    def _remarks(entry: _Entry, misfits: list[str]) -> str:
        """The whole remark: sdn.csv's part and its continuation in the comments file (or carried)."""
        if entry.carried is not None:
            return entry.carried
        text = entry.remark or ""
        for line, extra in entry.overflow:
            if len(text) >= REMARKS_FIELD_CHARS:
                text += extra
            else:
                # The comments file continues a longer remark than this sdn.csv holds (files of different
                # dates): keep the text, but as a clause of its own rather than glued to the last word.
                misfits.append(f"{entry.ent_num} (line {line})")
                text = f"{text.rstrip()}; {extra.lstrip()}" if text.strip() else extra
        return text.strip()

    def _finish(self, entries: dict[str, _Entry], warnings: list[str]) -> list[EntityRecord]:
        """Apply remarks now that every file is read; resolve 'Linked To', owners and operators by name."""
        names = _Names()
        parsed: dict[str, list[Clause]] = {}
        misfits: list[str] = []
        for entry in entries.values():
            remarks = self._remarks(entry, misfits)
            clauses = parse_remarks(remarks) if remarks else []
            parsed[entry.ent_num] = clauses
            if remarks:
                entry.builder.add("notes", remarks)
            for clause in clauses:
                if clause.prop in ("alias", "previousName"):
                    entry.builder.add(clause.prop, clause.value)
            names.programs[entry.ent_num] = entry.programs
            for value in entry.builder.values:
                if value.prop == "name":
                    names.primary[_name_key(value.value)].add(entry.ent_num)
                elif value.prop in ("alias", "previousName"):
                    names.other[_name_key(value.value)].add(entry.ent_num)
        if misfits:
            warnings.append(
                f"{len(misfits)} remark continuations follow a remark shorter than {REMARKS_FIELD_CHARS:,} "
                f"characters (comments file of another date?); kept as separate clauses: {_examples(misfits)}"
            )
        relations: list[EntityRecord] = []
        links: set[str] = set()
        unmatched: list[str] = []
        ambiguous: list[str] = []

        def resolve(name: str, own: str) -> str | None:
            target, candidates = names.resolve(name, own)
            if target is None:
                if candidates:
                    ambiguous.append(f"{name} ({' or '.join(ofac_key(c) for c in candidates)})")
                else:
                    unmatched.append(name)
            return target

        for entry in entries.values():
            builder = entry.builder
            for clause in parsed[entry.ent_num]:
                if clause.prop == "linkedTo":
                    target = resolve(clause.value, entry.ent_num)
                    key = f"ofac:{entry.ent_num}-linked-{target}"
                    if target is None or key in links:
                        continue
                    links.add(key)
                    link = EntityBuilder(key, "UnknownLink")
                    link.add("subject", builder.key)
                    link.add("object", ofac_key(target))
                    link.add("role", "Linked To")
                    link.caption = "Linked To"
                    relations.append(link.record())
                elif clause.prop == "operatorName":
                    if builder.has("operator"):
                        target = resolve(clause.value, entry.ent_num)
                        if target is not None:
                            builder.add("operator", ofac_key(target))
                elif clause.prop not in ("alias", "previousName"):
                    self._apply(builder, clause)
            if entry.vessel_owner and builder.has("owner"):
                target = resolve(entry.vessel_owner, entry.ent_num)
                if target is not None:
                    builder.add("owner", ofac_key(target))
                else:
                    builder.add("notes", f"Vessel owner: {entry.vessel_owner}")
        if unmatched:
            warnings.append(
                f"{len(unmatched)} names in 'Linked To', vessel owners or aircraft operators match no entry "
                f"of this list (kept in notes): {_examples(sorted(set(unmatched)))}"
            )
        if ambiguous:
            warnings.append(
                f"{len(ambiguous)} names in 'Linked To', vessel owners or aircraft operators match several "
                f"entries and were not linked (kept in notes): {_examples(sorted(set(ambiguous)))}"
            )
        return relations

    @staticmethod
    def _apply(builder: EntityBuilder, clause: Clause) -> None:
        prop = clause.prop
        if prop in ("nationality", "citizenship") and not builder.has(prop):
            prop = "country"
        if prop == "passportNumber" and not builder.has(prop):
            prop = "idNumber"
        if not builder.has(prop):
            # An identifier OFAC gives for an entry whose schema lacks that field (a person's IMO number):
            # keep it as a registration number rather than lose it.
            prop = "registrationNumber" if builder.has("registrationNumber") else "notes"
        if prop == "phone":
            # Try OFAC's spellings until FtM accepts one; if none does, the value as written is rejected.
            for form in phone_forms(clause.value):
                if builder.clean(prop, form) is not None:
                    builder.add(prop, form)
                    return
            builder.add(prop, clause.value)
            return
        fuzzy = prop in ("nationality", "citizenship", "country", "pastFlags", "gender")
        builder.add(prop, clause.value, fuzzy=fuzzy)
