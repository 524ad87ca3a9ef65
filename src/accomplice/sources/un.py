"""UN Security Council Consolidated List (XML): every sanctions committee's listings in one file.

The 1718 Committee (DPRK) entries are `KPi.*` (individuals) and `KPe.*` (entities), with UN_LIST_TYPE
`DPRK`. The file is UTF-8 XML with the root `<CONSOLIDATED_LIST dateGenerated="...">` holding
`<INDIVIDUALS>` and `<ENTITIES>`; docs/sources/un.md describes every element and what it maps to.

Parsing goes through `defusedxml` only, as a SAX stream, refusing any document type declaration: the UN
file never has one, and a DTD is what entity expansion ("billion laughs"), external entities (XXE) and
external DTDs need. Nothing of a hostile file is expanded or fetched; the user gets one line naming the file
and line. Elements this loader does not know (the UN adds fields from time to time) are not dropped: their
text goes to `notes` and the import's warnings name them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax import SAXException, SAXParseException
from xml.sax.handler import ContentHandler
from xml.sax.xmlreader import AttributesImpl, Locator

import defusedxml.sax
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from accomplice.errors import InputError
from accomplice.lists.model import COMPONENT_MAIN, EntityRecord, ListSpec, ProgressFn
from accomplice.sources.base import InputFile, Parsed, Plan, PreviousValues, make_plan
from accomplice.sources.builder import EntityBuilder
from accomplice.sources.files import decode, read_bytes

__all__ = ["UN_SC", "UnXml", "un_key"]

UN_SC = ListSpec(
    name="un",
    title="UN Security Council Consolidated List",
    publisher="United Nations Security Council",
    source_url="https://scsanctions.un.org/resources/xml/en/consolidated.xml",
    format="un-xml",
    licence="UN public information",
)

ROOT = "CONSOLIDATED_LIST"
CONTAINERS = {"INDIVIDUALS": "INDIVIDUAL", "ENTITIES": "ENTITY"}
# The UN publishes no vessels or aircraft as entries of this list: ENTITY elements are companies, banks,
# ministries and armed groups. The 1718 Committee's vessel measures (port-entry bans, de-flagging under
# resolution 2397) are published elsewhere, not as ENTITY entries; the shipping companies that are listed
# carry a company IMO number (7 digits, usually 5xxxxxx) in their comments, which FtM's Organization holds
# as `imoNumber`. So every ENTITY is an Organization; nothing in the file says "vessel".
SCHEMAS = {"INDIVIDUAL": "Person", "ENTITY": "Organization"}
DPRK_LIST_TYPE = "DPRK"

# Elements every entry has that carry nothing for screening or provenance, so they are not mapped:
# DATAID is the UN database's row id (REFERENCE_NUMBER is the public, stable identifier we key on);
# VERSIONNUM is that row's internal revision counter (always 1 in the published file); SORT_KEY and
# SORT_KEY_LAST_MOD are empty sorting helpers of the UN's web pages.
UNMAPPED = frozenset({"DATAID", "VERSIONNUM", "SORT_KEY", "SORT_KEY_LAST_MOD"})
NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
COMMON_KNOWN = frozenset(
    {
        "FIRST_NAME",
        "UN_LIST_TYPE",
        "REFERENCE_NUMBER",
        "LISTED_ON",
        "NAME_ORIGINAL_SCRIPT",
        "COMMENTS1",
        "LIST_TYPE",
        "LAST_DAY_UPDATED",
    }
    | UNMAPPED
)
KNOWN = {
    "INDIVIDUAL": COMMON_KNOWN
    | {
        "SECOND_NAME",
        "THIRD_NAME",
        "FOURTH_NAME",
        "GENDER",
        "TITLE",
        "DESIGNATION",
        "NATIONALITY",
        "INDIVIDUAL_ALIAS",
        "INDIVIDUAL_ADDRESS",
        "INDIVIDUAL_DATE_OF_BIRTH",
        "INDIVIDUAL_PLACE_OF_BIRTH",
        "INDIVIDUAL_DOCUMENT",
    },
    "ENTITY": COMMON_KNOWN | {"ENTITY_ALIAS", "ENTITY_ADDRESS"},
}
ALIAS_KNOWN = frozenset(
    {"QUALITY", "ALIAS_NAME", "NOTE", "DATE_OF_BIRTH", "CITY_OF_BIRTH", "COUNTRY_OF_BIRTH"}
)
ADDRESS_PARTS = ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY")
PLACE_PARTS = ("STREET", "CITY", "STATE_PROVINCE", "COUNTRY")
DOB_KNOWN = frozenset({"TYPE_OF_DATE", "DATE", "YEAR", "FROM_YEAR", "TO_YEAR", "NOTE"})
DOCUMENT_KNOWN = frozenset(
    {
        "TYPE_OF_DOCUMENT",
        "TYPE_OF_DOCUMENT2",
        "NUMBER",
        "ISSUING_COUNTRY",
        "COUNTRY_OF_ISSUE",
        "CITY_OF_ISSUE",
        "DATE_OF_ISSUE",
        "NOTE",
    }
)
VALUE = "VALUE"

# QUALITY of an alias: individuals use Good/Low, entities a.k.a./f.k.a. (seen in the 2026-02-27 file).
# "Low" is the UN's own word for an alias too vague to identify anyone alone (a nom de guerre, "Abu
# Ahmad"), which is what FtM's weakAlias means.
ALIAS_QUALITY = {
    "": "alias",
    "good": "alias",
    "a.k.a.": "alias",
    "low": "weakAlias",
    "f.k.a.": "previousName",
}
# Alias notes that say the name is the one the entry was listed under before.
PREVIOUSLY_LISTED = re.compile(r"\b(?:previously|formerly) listed as\b", re.IGNORECASE)
# Alias notes that give the same alias in its original script: "original script: Абу Банат",
# "In Arabic: سيف العدل", "in Arabic script: شركة الكوثر".
ORIGINAL_IN_NOTE = re.compile(r"(?:original script|in arabic(?: script)?)\s*:\s*(?P<name>[^;()]+)", re.I)

# Passport labels: the English list repeats some passports under their French and Spanish labels.
PASSPORT_TYPES = frozenset({"passport", "numéro de passeport", "número de pasaporte"})
ID_TYPES = frozenset({"national identification number"})

# DPRK (and other) comments state the gender in prose when the GENDER element is empty:
# "Gender: male", "Gender [Male]".
GENDER_IN_COMMENTS = re.compile(r"\bgender\s*[:\[]\s*(?P<gender>male|female)\b", re.IGNORECASE)
# A company IMO number labelled as such in an entity's comments: "IMO number: 5787684",
# "International Maritime Organization (IMO) Number: 1790183", "Company Number IMO 5434358".
IMO_IN_COMMENTS = re.compile(r"\bIMO\)?\s*(?:number\s*)?:?\s*(?P<imo>\d{7})\b", re.IGNORECASE)

MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
    )
}
MONTH_WORD = re.compile(r"\b(?P<month>[A-Za-z]{3})[a-z]*\.?(?=\W|$)")
YEAR_WORD = re.compile(r"\b(?P<year>(?:1[89]|20)\d\d)\b")
# A BETWEEN date of birth spans a few years (the widest in the 2026-02-27 file is 1958-1964); within
# this span every year is a birthDate value, so that a DOB in the middle counts as evidence. A wider span
# says too little to list every year, so only its two ends are kept.
MAX_BETWEEN_YEARS = 10
# Reference numbers look like "KPi.066"; anything much longer is not one, and keys must fit the store.
MAX_REFERENCE_CHARS = 32
PROGRESS_EVERY = 100
WARNING_EXAMPLES = 5
XML_DECLARED_ENCODING = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
UTF8_BOM = b"\xef\xbb\xbf"


def un_key(reference_number: str) -> str:
    return f"un:{reference_number}"


def _clean(text: str) -> str:
    """Collapse the XML's line breaks and indentation inside values to single spaces."""
    return " ".join(text.split())


@dataclass(slots=True)
class _Node:
    """One XML element of an entry, with the line it starts on (for error messages)."""

    tag: str
    line: int
    parts: list[str] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)

    @property
    def raw(self) -> str:
        return "".join(self.parts).strip()

    @property
    def text(self) -> str:
        return _clean("".join(self.parts))

    def each(self, tag: str) -> list[_Node]:
        return [c for c in self.children if c.tag == tag]

    def get(self, tag: str) -> str:
        """The text of the first child `tag`, or ''."""
        for child in self.children:
            if child.tag == tag:
                return child.text
        return ""

    def values(self, tag: str) -> list[str]:
        """Texts of `<tag><VALUE>..</VALUE>...</tag>` (NATIONALITY, TITLE, DESIGNATION, ...)."""
        return [v.text for c in self.each(tag) for v in c.each(VALUE) if v.text]


class _Handler(ContentHandler):
    """Streams the file: checks the root, and hands each INDIVIDUAL/ENTITY subtree to `on_entry`."""

    def __init__(self, path: Path, on_entry: Callable[[_Node], None]) -> None:
        super().__init__()
        self.path = path
        self.on_entry = on_entry
        self.locator: Locator | None = None
        self.depth = 0
        self.stack: list[_Node] = []
        self.skip_below: int | None = None
        self.date_generated: str | None = None
        self.unknown: dict[str, int] = {}

    def setDocumentLocator(self, locator: Locator) -> None:
        self.locator = locator

    def line(self) -> int | None:
        return self.locator.getLineNumber() if self.locator is not None else None

    def startElement(self, name: str, attrs: AttributesImpl) -> None:
        depth = self.depth
        self.depth += 1
        if self.skip_below is not None:
            return
        line = self.line() or 0
        if depth == 0:
            if name != ROOT:
                raise InputError(
                    str(self.path),
                    f"root element is <{name[:40]}>, not <{ROOT}>; "
                    "not a UN Security Council consolidated list",
                    line,
                )
            self.date_generated = attrs.get("dateGenerated")
        elif depth == 1:
            if name not in CONTAINERS:
                self._skip(name, line)
        elif depth == 2:
            if name in CONTAINERS.values():
                self.stack = [_Node(name, line)]
            else:
                self._skip(name, line)
        else:
            node = _Node(name, line)
            self.stack[-1].children.append(node)
            self.stack.append(node)

    def _skip(self, name: str, line: int) -> None:
        # An element outside any entry (neither INDIVIDUALS/ENTITIES nor INDIVIDUAL/ENTITY): reported.
        self.unknown.setdefault(name, line)
        self.skip_below = self.depth

    def characters(self, content: str) -> None:
        if self.stack and self.skip_below is None:
            self.stack[-1].parts.append(content)

    def endElement(self, name: str) -> None:
        self.depth -= 1
        if self.skip_below is not None:
            if self.depth < self.skip_below:
                self.skip_below = None
            return
        if self.depth >= 2:
            node = self.stack.pop()
            if self.depth == 2:
                self.on_entry(node)


@dataclass
class _Report:
    """What the import's warnings say, gathered over all entries."""

    unknown: dict[str, list[str]] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    odd_values: list[str] = field(default_factory=list)

    def lines(self, path: Path) -> list[str]:
        out = []
        for tag, where in sorted(self.unknown.items()):
            out.append(
                f"{path.name}: element <{tag}> is not mapped by this loader; its text is kept in notes "
                f"({len(where)}x, first {where[0]})"
            )
        for what, items in (
            ("values FtM could not clean, kept in notes", self.rejected),
            ("reference numbers repeated, first kept", self.duplicates),
            ("unexpected values", self.odd_values),
        ):
            if items:
                more = f" and {len(items) - WARNING_EXAMPLES} more" if len(items) > WARNING_EXAMPLES else ""
                out.append(f"{path.name}: {len(items)} {what}: {'; '.join(items[:WARNING_EXAMPLES])}{more}")
        return out


def _join_place(node: _Node, parts: Iterable[str]) -> str:
    """'Street, City, Province, Country (note)', without repeating a part the UN wrote twice."""
    seen: list[str] = []
    for tag in parts:
        value = node.get(tag)
        if value and value.lower() not in (s.lower() for s in seen):
            seen.append(value)
    text = ", ".join(seen)
    note = node.get("NOTE")
    if note and note.lower() not in (s.lower() for s in seen):
        note = note if note.startswith("(") else f"({note})"
        text = f"{text} {note}" if text else note.strip("()")
    return text


def _script(text: str) -> str:
    """'latin' if every letter is Latin (with accents), else 'other'; '' when there are no letters."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return ""
    return "latin" if all(ord(c) < 0x250 or 0x1E00 <= ord(c) <= 0x1EFF for c in letters) else "other"


_PAREN_VARIANT = re.compile(r"^(?P<outer>[^()]+?)\s*\((?P<inner>[^()]+)\)\s*,?$")


def _name_variants(name: str) -> list[str]:
    """Split 'Jin Tiesan (金铁三)' and 'حسن غول (Hassan Ghul; Hassan Gul)' into their names.

    The UN writes an alias and its other-script form (or several romanisations) in one ALIAS_NAME. Kept
    together they match neither form well, so when the bracket holds a different script from the name
    before it, each is a name of its own. A bracket in the same script ('Lom-ali Butayev (Butaev)') is
    part of the name as written and stays.
    """
    name = name.strip().rstrip(",").strip()
    m = _PAREN_VARIANT.match(name)
    if m is None:
        return [name]
    outer, inner = m.group("outer").strip(), m.group("inner").strip()
    outer_script, inner_script = _script(outer), _script(inner)
    if not outer_script or not inner_script or outer_script == inner_script:
        return [name]
    return [outer, *(part.strip() for part in inner.split(";") if part.strip())]


def _month_dates(note: str, year: str) -> list[str]:
    """ISO year-months a note states: 'Nov. 1973' -> 1973-11; 'Sep.' with YEAR 1958 -> 1958-09."""
    months = [
        MONTHS[m.group("month").lower()]
        for m in MONTH_WORD.finditer(note)
        if m.group("month").lower() in MONTHS
    ]
    years = [m.group("year") for m in YEAR_WORD.finditer(note)] or ([year] if year else [])
    if not months or len(years) != 1:
        return []
    return [f"{years[0]}-{month:02d}" for month in months]


class _Entry:
    """Maps one INDIVIDUAL or ENTITY element to an FtM entity."""

    def __init__(self, path: Path, node: _Node, builder: EntityBuilder, report: _Report) -> None:
        self.path = path
        self.node = node
        self.builder = builder
        self.report = report
        self.ref = node.get("REFERENCE_NUMBER")
        self.is_person = builder.schema == "Person"

    def where(self, node: _Node | None = None) -> str:
        return f"{self.ref} (line {(node or self.node).line})"

    def add(self, prop: str, value: str | None, *, fuzzy: bool = False) -> None:
        if value and self.builder.add(prop, value, fuzzy=fuzzy) is None:
            self.report.rejected.append(f"{prop} {value[:60]!r} of {self.where()}")
            self.builder.add("notes", f"{prop}: {value}")

    def note(self, text: str) -> None:
        self.builder.add("notes", text)

    def leftovers(self, node: _Node, known: frozenset[str], prefix: str = "") -> None:
        """Keep the text of elements this loader does not know in notes, and report them."""
        for child in node.children:
            if child.tag in known:
                continue
            path = f"{prefix}{child.tag}"
            self.report.unknown.setdefault(path, []).append(self.where(child))
            for text in self._texts(child, path):
                self.note(text)

    @classmethod
    def _texts(cls, node: _Node, path: str) -> list[str]:
        texts = [f"{path}: {node.text}"] if node.text else []
        for child in node.children:
            texts.extend(cls._texts(child, f"{path}/{child.tag}"))
        return texts

    # -- names ------------------------------------------------------------------------------------

    def names(self) -> None:
        node = self.node
        parts = [node.get(tag) for tag in NAME_PARTS]
        present = [p for p in parts if p]
        full = " ".join(present)
        original = node.get("NAME_ORIGINAL_SCRIPT")
        if not full and not original:
            raise InputError(str(self.path), f"{node.tag} {self.ref} has no name", node.line)
        self.builder.caption = full or original
        self.add("name", full)
        # NAME_ORIGINAL_SCRIPT holds the name in its own script (Arabic and Cyrillic in the 2026-02-27
        # file; the DPRK entries give their Chinese forms as aliases instead). It is kept as written;
        # FtM only trims and collapses whitespace.
        for child in node.each("NAME_ORIGINAL_SCRIPT"):
            self.add("name", child.raw)
        if not self.is_person or not present:
            return
        if node.get("UN_LIST_TYPE") == DPRK_LIST_TYPE:
            # The 1718 Committee writes Korean (and Chinese) names in their own order, family name
            # first: FIRST_NAME "KIM", SECOND_NAME "JONG SIK" (KPi.066); a given name of two syllables
            # may be split over SECOND_NAME and THIRD_NAME ("PAK" "CHUN" "IL", KPi.029). So the first
            # part is the family name and the rest, joined, the given name. `name` keeps the UN's order.
            self.add("lastName", present[0])
            self.add("firstName", " ".join(present[1:]))
        else:
            # Elsewhere the parts are in the UN's written order with no family-name marker: in
            # "SADDAM HUSSEIN AL-TIKRITI" the last part is a nisba and in many Afghan names there is no
            # family name at all, so only the UN's own labels are carried over: FIRST_NAME is the first
            # (given) name, SECOND_NAME the second name. THIRD/FOURTH_NAME have no FtM field of the same
            # meaning; they stay in the full `name`.
            self.add("firstName", node.get("FIRST_NAME"))
            self.add("secondName", node.get("SECOND_NAME"))

    def aliases(self) -> None:
        tag = "INDIVIDUAL_ALIAS" if self.is_person else "ENTITY_ALIAS"
        for alias in self.node.each(tag):
            self.leftovers(alias, ALIAS_KNOWN, f"{tag}/")
            name, note = alias.get("ALIAS_NAME"), alias.get("NOTE")
            quality = alias.get("QUALITY")
            prop = ALIAS_QUALITY.get(quality.lower())
            if prop is None:
                self.report.odd_values.append(f"alias quality {quality[:30]!r} of {self.where(alias)}")
                prop = "alias"
            if note and PREVIOUSLY_LISTED.search(note):
                prop = "previousName"
            if name:
                for variant in _name_variants(name):
                    self.add(prop, variant)
                original = ORIGINAL_IN_NOTE.search(note) if note else None
                if original:
                    self.add(prop, original.group("name").strip())
            if note:
                self.note(f"{name}: {note}" if name else note)
            if self.is_person:
                # A DOB or birthplace given with an alias is one the person used under that name.
                self.add("birthDate", alias.get("DATE_OF_BIRTH"))
                place = _join_place(alias, ("CITY_OF_BIRTH", "COUNTRY_OF_BIRTH"))
                self.add("birthPlace", place)
                self.add("birthCountry", alias.get("COUNTRY_OF_BIRTH"), fuzzy=True)

    # -- facts common to every entry --------------------------------------------------------------

    def common(self) -> None:
        node = self.node
        self.add("programId", node.get("UN_LIST_TYPE"))
        for program in node.values("LIST_TYPE"):
            self.add("program", program)
        self.add("createdAt", node.get("LISTED_ON"))
        # LAST_DAY_UPDATED lists every date the entry was amended; all are kept (the latest is the max).
        for updated in node.values("LAST_DAY_UPDATED"):
            self.add("modifiedAt", updated)
        for comments in node.each("COMMENTS1"):
            self.add("notes", comments.raw)
        tag = "INDIVIDUAL_ADDRESS" if self.is_person else "ENTITY_ADDRESS"
        for address in node.each(tag):
            self.leftovers(address, frozenset(ADDRESS_PARTS) | {"NOTE"}, f"{tag}/")
            self.add("address", _join_place(address, ADDRESS_PARTS))
            self.add("country", address.get("COUNTRY"), fuzzy=True)
        self.leftovers(node, KNOWN[node.tag])

    # -- individuals ------------------------------------------------------------------------------

    def person(self) -> None:
        node = self.node
        for nationality in node.values("NATIONALITY"):
            self.add("nationality", nationality, fuzzy=True)
        for position in node.values("DESIGNATION"):
            self.add("position", position)
        for title in node.values("TITLE"):
            self.add("title", title)
        self.add("gender", node.get("GENDER"), fuzzy=True)
        for comments in node.each("COMMENTS1"):
            for m in GENDER_IN_COMMENTS.finditer(comments.text):
                self.add("gender", m.group("gender"), fuzzy=True)
        for dob in node.each("INDIVIDUAL_DATE_OF_BIRTH"):
            self.leftovers(dob, DOB_KNOWN, "INDIVIDUAL_DATE_OF_BIRTH/")
            self.birth_date(dob)
        for pob in node.each("INDIVIDUAL_PLACE_OF_BIRTH"):
            self.leftovers(pob, frozenset(PLACE_PARTS) | {"NOTE"}, "INDIVIDUAL_PLACE_OF_BIRTH/")
            self.add("birthPlace", _join_place(pob, PLACE_PARTS))
            self.add("birthCountry", pob.get("COUNTRY"), fuzzy=True)
        self.documents()

    def birth_date(self, dob: _Node) -> None:
        """Every form the UN uses: EXACT with DATE or YEAR, APPROXIMATELY, BETWEEN FROM_YEAR/TO_YEAR,
        and dates given only in the NOTE ('Nov. 1973', YEAR 1958 with NOTE 'Sep.')."""
        kind = dob.get("TYPE_OF_DATE").upper()
        date, year, note = dob.get("DATE"), dob.get("YEAR"), dob.get("NOTE")
        low, high = dob.get("FROM_YEAR"), dob.get("TO_YEAR")
        values: list[str] = []
        from_note = _month_dates(note, year) if note else []
        if date:
            values.append(date)
        if from_note:
            values.extend(from_note)
        elif year:
            values.append(year)
        if low.isdecimal() and high.isdecimal() and int(low) <= int(high) <= int(low) + MAX_BETWEEN_YEARS:
            values.extend(str(y) for y in range(int(low), int(high) + 1))
        else:
            values.extend(v for v in (low, high) if v)
        for value in values:
            self.add("birthDate", value)
        if kind not in ("", "EXACT", "APPROXIMATELY", "BETWEEN"):
            self.report.odd_values.append(f"TYPE_OF_DATE {kind[:30]!r} of {self.where(dob)}")
        # FtM dates have no "about" or "between"; the qualifier and any note are kept in words.
        words = []
        if kind == "APPROXIMATELY" and (date or year):
            words.append(f"approximately {date or year}")
        elif kind == "BETWEEN" and (low or high):
            words.append(f"between {low or '?'} and {high or '?'}")
        if note:
            words.append(note)
        if words:
            self.note(f"Date of birth: {'; '.join(words)}")

    def documents(self) -> None:
        """Passports and identity documents, merged by number (the UN repeats some under other labels)."""
        merged: dict[tuple[str, str], list[str]] = {}
        for doc in self.node.each("INDIVIDUAL_DOCUMENT"):
            self.leftovers(doc, DOCUMENT_KNOWN, "INDIVIDUAL_DOCUMENT/")
            if not doc.children or not any(c.text for c in doc.children):
                continue
            type1, type2 = doc.get("TYPE_OF_DOCUMENT"), doc.get("TYPE_OF_DOCUMENT2")
            is_passport = type1.lower() in PASSPORT_TYPES or "passport" in type2.lower()
            if type1 and type1.lower() not in PASSPORT_TYPES | ID_TYPES:
                self.report.odd_values.append(f"TYPE_OF_DOCUMENT {type1[:40]!r} of {self.where(doc)}")
            # The number is kept as written (only line breaks collapsed): the UN often writes it inside
            # words ("Russian foreign travel passport number 515458008"), and what a number "is" differs by
            # country; matching normalises, storage does not guess.
            number = doc.get("NUMBER")
            if number:
                self.add("passportNumber" if is_passport else "idNumber", number)
            label = type2 or ("Passport" if is_passport else type1 or "Identity document")
            details = merged.setdefault((label.lower(), number), [f"{label} {number}".strip()])
            issuing = doc.get("ISSUING_COUNTRY")
            place = ", ".join(p for p in (doc.get("CITY_OF_ISSUE"), doc.get("COUNTRY_OF_ISSUE")) if p)
            for detail in (
                f"issued by {issuing}" if issuing else "",
                f"issued in {place}" if place else "",
                f"issued on {doc.get('DATE_OF_ISSUE')}" if doc.get("DATE_OF_ISSUE") else "",
                doc.get("NOTE"),
            ):
                if detail and detail not in details:
                    details.append(detail)
        for details in merged.values():
            self.note("; ".join(details))

    # -- entities ---------------------------------------------------------------------------------

    def organization(self) -> None:
        for comments in self.node.each("COMMENTS1"):
            for m in IMO_IN_COMMENTS.finditer(comments.text):
                # Written as FtM and OpenSanctions write IMO numbers, so the same number compares equal.
                self.add("imoNumber", f"IMO{m.group('imo')}")


class UnXml:
    """Loader for the UN Security Council Consolidated List XML."""

    name = "un"

    def plan(self, path: Path, *, list_name: str | None = None) -> Plan:
        spec = UN_SC
        if list_name:
            spec = ListSpec(list_name, spec.title, spec.publisher, spec.source_url, spec.format, spec.licence)
        return make_plan(spec, [InputFile(path, COMPONENT_MAIN)])

    def parse(
        self, plan: Plan, progress: ProgressFn | None = None, previous: PreviousValues | None = None
    ) -> Parsed:
        """Parse the file; `previous` is unused, this format's files each hold whole values."""
        path = plan.inputs[0].path
        data = read_bytes(path)
        self._check_text(path, data)
        total = data.count(b"<INDIVIDUAL>") + data.count(b"<ENTITY>")
        records: dict[str, EntityRecord] = {}
        report = _Report()

        def on_entry(node: _Node) -> None:
            record = self._entry(path, node, report)
            if record.key in records:
                report.duplicates.append(f"{record.key} (line {node.line})")
                return
            records[record.key] = record
            if progress and len(records) % PROGRESS_EVERY == 0:
                progress("parsing UN entries", len(records), total)

        handler = _Handler(path, on_entry)
        self._run(path, data, handler)
        if progress:
            progress("parsing UN entries", len(records), len(records))
        for tag, line in handler.unknown.items():
            report.unknown.setdefault(tag, []).append(f"line {line}")
        warnings = report.lines(path)
        data_date = None
        generated = handler.date_generated or ""
        if re.match(r"^\d{4}-\d{2}-\d{2}", generated):
            data_date = generated[:10]
        else:
            warnings.append(f"{path.name}: dateGenerated {generated[:40]!r} is not a date; data date unknown")
        return Parsed(list(records.values()), warnings, data_date=data_date)

    @staticmethod
    def _check_text(path: Path, data: bytes) -> None:
        """Refuse what is not UTF-8 XML before the XML parser sees it, with a message saying why."""
        body = data[len(UTF8_BOM) :] if data.startswith(UTF8_BOM) else data
        start = body.lstrip()
        if not start.startswith(b"<"):
            shown = start[:30].decode("utf-8", "replace")
            raise InputError(
                str(path),
                f"not XML (it starts with {shown!r}); expected the UN Security Council consolidated list XML",
                line=body[: len(body) - len(start)].count(b"\n") + 1,
            )
        declared = XML_DECLARED_ENCODING.match(start)
        if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
            raise InputError(
                str(path),
                f"declares encoding {declared.group(1).decode('ascii')}; the UN consolidated list is UTF-8",
                line=1,
            )
        try:
            decode(path, data, ("utf-8",))
        except InputError as exc:
            raise InputError(
                str(path), f"{exc.reason}; the UN consolidated list is UTF-8", exc.line
            ) from None

    @staticmethod
    def _run(path: Path, data: bytes, handler: _Handler) -> None:
        # forbid_dtd refuses the DOCTYPE itself, before any entity is declared or any external DTD named;
        # forbid_entities/forbid_external stay on as defence in depth.
        try:
            defusedxml.sax.parseString(
                data, handler, forbid_dtd=True, forbid_entities=True, forbid_external=True
            )
        except DTDForbidden:
            raise InputError(
                str(path),
                "refused: the XML has a document type declaration (<!DOCTYPE>), which can define entities "
                "or load external files (entity expansion, XXE); the UN consolidated list has none",
                handler.line(),
            ) from None
        except EntitiesForbidden:
            raise InputError(
                str(path),
                "refused: the XML declares entities (<!ENTITY>); nothing was expanded",
                handler.line(),
            ) from None
        except ExternalReferenceForbidden:
            raise InputError(
                str(path),
                "refused: the XML refers to an external resource; nothing was fetched",
                handler.line(),
            ) from None
        except DefusedXmlException as exc:
            raise InputError(
                str(path), f"refused unsafe XML ({type(exc).__name__})", handler.line()
            ) from None
        except SAXParseException as exc:
            message = exc.getMessage()
            if message in ("no element found", "unclosed token"):
                message += " (the file ends early: truncated?)"
            raise InputError(str(path), f"malformed XML: {message}", exc.getLineNumber()) from None
        except SAXException as exc:
            raise InputError(str(path), f"malformed XML: {exc.getMessage()}", handler.line()) from None

    @staticmethod
    def _entry(path: Path, node: _Node, report: _Report) -> EntityRecord:
        ref = node.get("REFERENCE_NUMBER")
        if not ref:
            raise InputError(str(path), f"{node.tag} without REFERENCE_NUMBER", node.line)
        if len(ref) > MAX_REFERENCE_CHARS or any(c.isspace() for c in ref):
            raise InputError(
                str(path), f"REFERENCE_NUMBER {ref[:40]!r} is not a UN reference number", node.line
            )
        builder = EntityBuilder(un_key(ref), SCHEMAS[node.tag])
        entry = _Entry(path, node, builder, report)
        entry.names()
        entry.aliases()
        entry.common()
        if entry.is_person:
            entry.person()
        else:
            entry.organization()
        return builder.record()
