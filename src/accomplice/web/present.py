"""Turn what the services return into what the templates show: grouped, labelled, in the right language.

Everything here is presentation: FollowTheMoney supplies the labels and value types (so lists loaded by
any loader are grouped the same way), the templates do the escaping.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from followthemoney import model
from followthemoney.schema import Schema
from followthemoney.types import registry
from rigour.langs import iso_639_alpha2

from accomplice.lists.counts import DiffCounts, diff_counts, split_changes, version_counts
from accomplice.lists.history import ListingEvent
from accomplice.lists.model import EntityChange, ListDiff, PropChange, StatementView, VersionInfo
from accomplice.names.scripts import Script
from accomplice.names.scripts import scripts_of as name_scripts
from accomplice.services import EntityDetail, ListOverview, LookupHit
from accomplice.services.list_twins import Twin
from accomplice.store import EntityRow
from accomplice.web.graph import Graph, Neighbour, relation_graph
from accomplice.web.listing import ListDates, TwinView, list_dates, twin_views

__all__ = [
    "Chart",
    "DiffView",
    "EntityPage",
    "HistoryRow",
    "ScriptGroup",
    "ValueView",
    "bar_chart",
    "diff_view",
    "entity_counts",
    "entity_page",
    "entity_url",
    "html_lang",
    "other_matches",
    "overview_chart",
    "schema_label",
    "short",
    "text_change",
    "version_counts",
]

# Property names as FollowTheMoney spells them, grouped the way an analyst reads an entry.
NAME_GROUPS = (
    ("name", "Primary names"),
    ("alias", "Aliases"),
    ("weakAlias", "Weak aliases (low quality, as the list marks them)"),
    ("previousName", "Previous names"),
    ("abbreviation", "Abbreviations"),
)
NAME_PARTS = (
    "title",
    "firstName",
    "secondName",
    "middleName",
    "fatherName",
    "motherName",
    "lastName",
    "nameSuffix",
)
PROGRAM_PROPS = ("programId", "program", "topics")
# Bookkeeping properties that say nothing about the entity itself.
HIDDEN_PROPS = frozenset({"indexText", "createdAt", "modifiedAt", "retrievedAt"})

# Direction controls can make a listed name read differently from the characters it holds (the "Trojan
# Source" trick); each value is isolated in <bdi>, and these are also flagged so that an analyst sees them.
BIDI_CONTROLS = frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

# Headings and page titles stop here; the full value is always shown in its field.
SHORT_CHARS = 160
# Rows of each diff section shown before "show all": enough for a weekly OFAC update, small on a slow link.
DIFF_ROWS = 100


def short(text: str, limit: int = SHORT_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def schema_label(schema: str) -> str:
    obj = model.get(schema)
    return str(obj.label) if obj is not None else schema


# FollowTheMoney's labels, reworded where an analyst reads them differently.
LABELS = {"programId": "Sanctions program", "schema": "Type"}


def _prop_type(schema: Schema | None, prop: str) -> str:
    prop_obj = schema.get(prop) if schema is not None else None
    return str(prop_obj.type.name) if prop_obj is not None else "string"


def _prop_label(schema: Schema | None, prop: str) -> str:
    if prop in LABELS:
        return LABELS[prop]
    prop_obj = schema.get(prop) if schema is not None else None
    return str(prop_obj.label) if prop_obj is not None else prop


def scripts_of(text: str) -> set[str]:
    """Unicode scripts of the letters in `text`: the first word of each letter's name (LATIN, HANGUL...)."""
    found = set()
    for ch in text:
        if ch.isalpha():
            found.add(unicodedata.name(ch, "UNKNOWN").split(" ", 1)[0])
    return found


def html_lang(value: str, data_lang: str | None, *, korean_context: bool = False) -> str | None:
    """The `lang` attribute for a value: the list's own language tag, else one read from the script.

    Han characters alone do not say which language they are; in an entry that is Korean (a Hangul name,
    a North or South Korean country) they are Hanja and are tagged `ko`, otherwise `zh`. The tag picks
    the right CJK glyphs and the right screen-reader voice.
    """
    if data_lang:
        code = iso_639_alpha2(data_lang)
        if code:
            return str(code)
    scripts = scripts_of(value)
    if "HANGUL" in scripts:
        return "ko"
    if scripts & {"HIRAGANA", "KATAKANA"}:
        return "ja"
    if "CJK" in scripts:
        return "ko" if korean_context else "zh"
    return None


@dataclass(frozen=True, slots=True)
class Provenance:
    """Which list stated a value, first and last seen in which version.

    `carried_to` is set when the value is still current but later versions came without the file that
    holds it (a lone OFAC sdn.csv has no alias file): last seen in `last`, it stands until `carried_to`.
    """

    list_name: str
    first: str
    last: str
    current: bool
    carried_to: str | None = None

    @property
    def span(self) -> str:
        return self.first if self.first == self.last else f"{self.first} → {self.last}"


@dataclass(slots=True)
class ValueView:
    value: str
    display: str
    original: str | None = None
    lang: str | None = None
    link: str | None = None
    code: str | None = None
    provenance: list[Provenance] = field(default_factory=list)
    # The language tag as the list wrote it (ISO 639-3 "kor"), when it wrote one; `lang` is then read from
    # it, otherwise from the script of the value.
    stated_lang: str | None = None

    @property
    def current(self) -> bool:
        return any(p.current for p in self.provenance)

    @property
    def bidi_controls(self) -> list[str]:
        return sorted({f"U+{ord(ch):04X}" for ch in self.value if ch in BIDI_CONTROLS})


@dataclass(frozen=True, slots=True)
class FieldView:
    prop: str
    label: str
    values: tuple[ValueView, ...]
    kind: str = "string"  # the FtM type name, for styling (identifiers in a fixed-width face)


@dataclass(frozen=True, slots=True)
class SectionView:
    id: str
    title: str
    fields: tuple[FieldView, ...]


@dataclass(frozen=True, slots=True)
class ScriptName:
    value: ValueView
    kind: str  # "Primary name", "Alias"...

    @property
    def lang_source(self) -> str:
        if self.value.stated_lang:
            return f"stated by the list ({self.value.stated_lang})"
        return "read from the script" if self.value.lang else "none"


@dataclass(frozen=True, slots=True)
class ScriptGroup:
    """The names of an entity written in one script (Hangul, Han, Cyrillic, Latin...)."""

    script: str
    label: str
    names: tuple[ScriptName, ...]


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One list version as it concerns the entity, with the fields it changed and a link to its diff."""

    list_name: str
    seq: int
    label: str
    kind: str
    changes: tuple[FieldChange, ...]
    diff_url: str | None

    @property
    def first_loaded(self) -> bool:
        """The list's first loaded version: "added" there says when this installation first read the
        entry, not when the list added it (the list's own date, where it gives one, is in the header)."""
        return self.seq == 1 and self.kind == "added"


@dataclass(frozen=True, slots=True)
class RelationView:
    others: tuple[ValueView, ...]
    caption: str
    details: tuple[tuple[str, str], ...]
    key: str
    provenance: Provenance | None


@dataclass(frozen=True, slots=True)
class RelationGroup:
    label: str
    items: tuple[RelationView, ...]


@dataclass(frozen=True, slots=True)
class EntityPage:
    entity: EntityRow
    schema_label: str
    heading: str
    scripts: tuple[ScriptGroup, ...]
    sections: tuple[SectionView, ...]
    relations: tuple[RelationGroup, ...]
    more_relations: int
    listings: tuple[Provenance, ...]
    graph: Graph | None = None
    history: tuple[HistoryRow, ...] = ()
    twins: tuple[TwinView, ...] = ()
    dates: tuple[ListDates, ...] = ()

    @property
    def has_original_script(self) -> bool:
        """Any name in a script other than Latin: then the names-by-script summary says something."""
        return any(g.script != Script.LATIN for g in self.scripts)

    @property
    def has_carried(self) -> bool:
        return any(
            p.carried_to for s in self.sections for f in s.fields for v in f.values for p in v.provenance
        )


def _provenance(s: StatementView, latest: dict[str, tuple[int, str]] | None = None) -> Provenance:
    carried_to = None
    if latest and s.is_current and s.list_name in latest:
        seq, label = latest[s.list_name]
        carried_to = label if s.last_seq < seq else None
    return Provenance(s.list_name, s.first_seen, s.last_seen, s.is_current, carried_to)


def entity_url(key: str) -> str:
    return "/entities/" + quote(key, safe=":")


def _display(
    schema: Schema | None, prop: str, value: str, referents: dict[str, EntityRow]
) -> tuple[str, str | None, str | None]:
    """(text shown, link, code shown beside it) for one value of `prop`."""
    prop_obj = schema.get(prop) if schema is not None else None
    prop_type = prop_obj.type if prop_obj is not None else None
    if prop_type == registry.country:
        name = registry.country.caption(value)
        return (str(name) if name and name != value else value.upper(), None, value)
    if prop_type == registry.entity:
        ref = referents.get(value)
        return (ref.caption if ref is not None else value, entity_url(value), value)
    if prop_type == registry.topic:
        caption = registry.topic.caption(value)
        return (str(caption) if caption else value, None, None)
    return (value, None, None)


def _values(
    schema: Schema | None,
    statements: Iterable[StatementView],
    referents: dict[str, EntityRow],
    korean: bool,
    latest: dict[str, tuple[int, str]] | None = None,
) -> tuple[ValueView, ...]:
    """One view per distinct value, with every list and version interval that stated it; current first."""
    merged: dict[tuple[str, str | None], ValueView] = {}
    for s in statements:
        view = merged.get((s.value, s.lang))
        if view is None:
            display, link, code = _display(schema, s.prop, s.value, referents)
            # "as written" only when cleaning changed more than letter case (Male -> male says nothing).
            original = s.original_value
            if original is not None and original.casefold() == s.value.casefold():
                original = None
            view = ValueView(
                s.value,
                display,
                original,
                html_lang(s.value, s.lang, korean_context=korean),
                link,
                code,
                stated_lang=s.lang,
            )
            merged[(s.value, s.lang)] = view
        view.provenance.append(_provenance(s, latest))
    return tuple(sorted(merged.values(), key=lambda v: not v.current))


def _is_korean(detail: EntityDetail) -> bool:
    countries = {"kp", "kr"}
    for s in detail.statements:
        if s.value in countries and s.prop in (
            "country",
            "nationality",
            "citizenship",
            "jurisdiction",
            "flag",
        ):
            return True
        if s.prop in ("name", "alias", "previousName", "weakAlias") and "HANGUL" in scripts_of(s.value):
            return True
    return False


def _section_of(schema: Schema | None, prop: str) -> str:
    if prop in PROGRAM_PROPS:
        return "programs"
    if prop in NAME_PARTS:
        return "names"
    prop_obj = schema.get(prop) if schema is not None else None
    kind = prop_obj.type if prop_obj is not None else None
    by_type = {
        registry.name: "names",
        registry.identifier: "identifiers",
        registry.date: "dates",
        registry.country: "countries",
        registry.address: "addresses",
        registry.text: "notes",
        registry.entity: "links",
        registry.phone: "contact",
        registry.email: "contact",
        registry.url: "contact",
    }
    return by_type.get(kind, "other") if kind is not None else "other"


SECTIONS = (
    ("names", "Names"),
    ("identifiers", "Identifiers"),
    ("dates", "Dates"),
    ("countries", "Nationalities and countries"),
    ("addresses", "Addresses"),
    ("programs", "Programs"),
    ("links", "Linked entities"),
    ("contact", "Contact details"),
    ("other", "Other details"),
    ("notes", "Notes"),
)


def _relation_view(
    key: str,
    rel: EntityRow,
    statements: Sequence[StatementView],
    referents: dict[str, EntityRow],
    korean: bool,
) -> tuple[str, RelationView]:
    """(label, view) of a relation entity naming `key`, labelled from this entity's side.

    FollowTheMoney names each side of a relation (the reverse of UnknownLink.object is "Linked from",
    of Ownership.owner "Assets and shares"), so any relation schema reads right without a table here.
    """
    schema = model.get(rel.schema)
    by_prop: dict[str, list[StatementView]] = defaultdict(list)
    presence = None
    for s in statements:
        if s.prop == "id":
            presence = presence or s
        else:
            by_prop[s.prop].append(s)
    label = schema_label(rel.schema)
    # Words that only restate the kind of relation (OFAC's role "Linked To" on a link) are not repeated.
    restated = {label.casefold(), str(schema.edge_label or "").casefold() if schema is not None else ""}
    others: list[ValueView] = []
    for prop in list(by_prop):
        prop_obj = schema.get(prop) if schema is not None else None
        if prop_obj is None or prop_obj.type != registry.entity:
            continue
        items = by_prop.pop(prop)
        if prop_obj.reverse is not None:
            restated.add(str(prop_obj.reverse.label).casefold())
        if key in {s.value for s in items}:
            if prop_obj.reverse is not None:
                label = str(prop_obj.reverse.label)
            items = [s for s in items if s.value != key]
        others.extend(_values(schema, items, referents, korean))
    details = tuple(
        (_prop_label(schema, prop), value)
        for prop, items in sorted(by_prop.items())
        if (value := "; ".join(dict.fromkeys(s.value for s in items))).casefold() not in restated
    )
    provenance = _provenance(presence) if presence is not None else None
    return label, RelationView(tuple(others), rel.caption, details, rel.key, provenance)


def _latest_listing(detail: EntityDetail) -> dict[str, tuple[int, str]]:
    """For each list that states the entity, the last version that listed it."""
    return {s.list_name: (s.last_seq, s.last_seen) for s in detail.presence()}


# Scripts in the order an analyst reads an entry: the romanized names the lists lead with, then the
# original scripts of the DPRK-related names (Korean, then Hanja or Chinese, then Russian).
SCRIPT_ORDER = (
    (Script.LATIN, "Latin"),
    (Script.HANGUL, "Hangul"),
    (Script.HAN, "Han (Hanja or Chinese characters)"),
    (Script.CYRILLIC, "Cyrillic"),
    (Script.KANA, "Japanese kana"),
    (Script.ARABIC, "Arabic"),
    (Script.OTHER, "Other scripts"),
)


def name_script(value: str) -> Script:
    """The one script a name is filed under. A name mixing Hangul with Hanja is Korean (Hangul); one
    mixing Han with kana is Japanese; Latin only when nothing else is there (`Kim 金正恩` is Han)."""
    found = name_scripts(value)
    for script in (Script.HANGUL, Script.KANA, Script.HAN, Script.CYRILLIC, Script.ARABIC, Script.OTHER):
        if script in found:
            return script
    return Script.LATIN if Script.LATIN in found else Script.OTHER


def _script_groups(names: Sequence[tuple[str, ValueView]]) -> tuple[ScriptGroup, ...]:
    by_script: dict[Script, list[ScriptName]] = defaultdict(list)
    seen: set[tuple[str, str | None]] = set()
    for kind, view in names:
        if (view.value, view.lang) in seen:
            continue
        seen.add((view.value, view.lang))
        by_script[name_script(view.value)].append(ScriptName(view, kind))
    return tuple(
        ScriptGroup(script.value, label, tuple(by_script[script]))
        for script, label in SCRIPT_ORDER
        if by_script.get(script)
    )


def _neighbours(
    page_relations: Sequence[RelationGroup], links: Sequence[FieldView], detail: EntityDetail
) -> list[Neighbour]:
    """The entities the page names as related: the other side of each relation (a link, an ownership),
    an entity that itself points here (an aircraft whose operator this is), and the entity's own entity
    values (a vessel's owner)."""
    found: list[Neighbour] = []
    pointing = {rel.key: rel for rel, _ in detail.relations}

    def add(relation: str, view: ValueView) -> None:
        key = view.code or ""
        ref = detail.referents.get(key)
        if ref is None or view.link is None:
            return
        found.append(Neighbour(relation, key, ref.caption, ref.schema, ref.is_current, view.link))

    for group in page_relations:
        for rel in group.items:
            for other in rel.others:
                add(group.label, other)
            if not rel.others and rel.key in pointing:
                row = pointing[rel.key]
                found.append(
                    Neighbour(
                        group.label, row.key, row.caption, row.schema, row.is_current, entity_url(row.key)
                    )
                )
    for f in links:
        for v in f.values:
            if v.current:
                add(f.label, v)
    return found


def _history_rows(detail: EntityDetail, history: Sequence[ListingEvent]) -> tuple[HistoryRow, ...]:
    """Newest first: what an analyst checks is the latest change."""
    schema = model.get(detail.entity.schema)
    rows = []
    for event in history:
        # A list's versions are numbered 1, 2, 3...: the diff that shows this event is against the version
        # before (the first version of a list has none, and an unchanged entity is in no diff section).
        diff_url = None
        if event.seq > 1 and event.kind != "unchanged":
            old = event.seq - 1
            section = "added" if event.kind == "relisted" else event.kind
            diff_url = f"/lists/{quote(event.list_name)}?old={old}&new={event.seq}#{section}"
        fields = tuple(_field_change(schema, c) for c in event.changes)
        rows.append(HistoryRow(event.list_name, event.seq, event.label, event.kind, fields, diff_url))
    return tuple(reversed(rows))


def entity_page(
    detail: EntityDetail, history: Sequence[ListingEvent] = (), twins: Sequence[Twin] = ()
) -> EntityPage:
    row = detail.entity
    schema = model.get(row.schema)
    korean = _is_korean(detail)
    latest = _latest_listing(detail)
    grouped: dict[str, list[StatementView]] = defaultdict(list)
    for prop, items in detail.by_prop().items():
        if prop not in HIDDEN_PROPS:
            grouped[prop].extend(items)
    sections: dict[str, list[FieldView]] = defaultdict(list)
    names: list[tuple[str, ValueView]] = []
    for prop, title in NAME_GROUPS:
        if prop in grouped:
            values = _values(schema, grouped.pop(prop), detail.referents, korean, latest)
            sections["names"].append(FieldView(prop, title, values, "name"))
            names.extend((_prop_label(schema, prop), v) for v in values)
    for prop in sorted(grouped, key=lambda p: (p not in NAME_PARTS, _prop_label(schema, p))):
        values = _values(schema, grouped[prop], detail.referents, korean, latest)
        field = FieldView(prop, _prop_label(schema, prop), values, _prop_type(schema, prop))
        sections[_section_of(schema, prop)].append(field)
    relation_groups: dict[str, list[RelationView]] = defaultdict(list)
    for rel, statements in detail.relations:
        label, view = _relation_view(row.key, rel, statements, detail.referents, korean)
        relation_groups[label].append(view)
    relations = tuple(
        RelationGroup(label, tuple(sorted(items, key=lambda r: r.others[0].display if r.others else r.key)))
        for label, items in sorted(relation_groups.items())
    )
    links = [f for f in sections.get("links", []) if f.kind == "entity"]
    graph = relation_graph(row.key, row.caption, row.schema, _neighbours(relations, links, detail))
    return EntityPage(
        entity=row,
        schema_label=schema_label(row.schema),
        heading=short(row.caption),
        scripts=_script_groups(names),
        sections=tuple(
            SectionView(sid, title, tuple(sections[sid])) for sid, title in SECTIONS if sections.get(sid)
        ),
        relations=relations,
        more_relations=detail.more_relations,
        listings=tuple(_provenance(s) for s in detail.presence()),
        graph=graph,
        history=_history_rows(detail, history),
        twins=twin_views(row.key, twins),
        dates=list_dates(detail),
    )


def other_matches(hit: LookupHit) -> list[tuple[str, str, str | None]]:
    """(label, name, lang) of the matched names a search result shows besides its caption."""
    schema = model.get(hit.entity.schema)
    return [
        (_prop_label(schema, prop).lower(), value, html_lang(value, None))
        for prop, value in hit.matched
        if value != hit.entity.caption
    ][:3]


# -- lists ---------------------------------------------------------------------------------------------


def entity_counts(version: VersionInfo) -> tuple[int, int]:
    """(entities, relations) of a version: people, companies, vessels... apart from the links between them."""
    held = version_counts(version).held
    return held.entities, held.links


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int
    show_label: bool = False


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    description: str
    labelled: bool = False
    baseline: float = 0.0


# Geometry of the inline SVG charts: at most this many versions (the latest) fit one row of bars.
CHART_MAX_BARS = 12
CHART_GAP = 3
CHART_MAX_BAR_WIDTH = 28.0
# Room for the count above each bar and the version label below, in labelled charts.
CHART_TEXT_TOP = 16
CHART_TEXT_BOTTOM = 18
# A version label ("2024-05-03") needs about this much room; narrower slots label only the ends.
CHART_LABEL_WIDTH = 72
# Unlabelled sparklines keep bars this close, so that two versions read as a pair, not as far-apart marks.
CHART_SPARK_SLOT = 16


def bar_chart(
    points: Sequence[tuple[str, int]], *, width: int = 168, height: int = 44, labelled: bool = False
) -> Chart:
    """Bars scaled to the largest value, with a text description for screen readers."""
    points = list(points)[-CHART_MAX_BARS:]
    top = max((v for _, v in points), default=0) or 1
    baseline = float(height - (CHART_TEXT_BOTTOM if labelled else 0))
    room = baseline - (CHART_TEXT_TOP if labelled else 2)
    slot = width / max(len(points), 1)
    if not labelled:
        slot = min(slot, CHART_SPARK_SLOT)
    bar_width = min(slot - CHART_GAP, CHART_MAX_BAR_WIDTH if not labelled else slot * 0.6)
    every = slot >= CHART_LABEL_WIDTH
    bars = []
    for i, (label, value) in enumerate(points):
        h = max(2.0, room * value / top) if value else 0.0
        x = i * slot + (slot - bar_width) / 2 if labelled else i * slot
        shown = labelled and (every or i in (0, len(points) - 1))
        bars.append(
            Bar(round(x, 1), round(baseline - h, 1), round(bar_width, 1), round(h, 1), label, value, shown)
        )
    description = "; ".join(f"{label}: {value:,}" for label, value in points)
    return Chart(width, height, tuple(bars), description, labelled, baseline)


def overview_chart(
    overview: ListOverview, *, width: int = 168, height: int = 44, labelled: bool = False
) -> Chart:
    points = [(v.label, entity_counts(v)[0]) for v in overview.versions]
    return bar_chart(points, width=width, height=height, labelled=labelled)


# -- diffs ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Segment:
    kind: str  # "same" | "added" | "removed" | "gap"
    text: str


@dataclass(frozen=True, slots=True)
class FieldChange:
    label: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    # For one long value replaced by another (OFAC remarks), the words that changed in their context.
    segments: tuple[Segment, ...] | None = None


@dataclass(frozen=True, slots=True)
class ChangeRow:
    key: str
    caption: str
    schema_label: str
    url: str
    fields: tuple[FieldChange, ...]


# A replaced value longer than this is shown as a word diff rather than as two long blocks.
TEXT_DIFF_CHARS = 80
# Unchanged words kept on each side of a change; longer unchanged runs are elided.
CONTEXT_WORDS = 8
# Added or removed text beyond this is cut in the page (the JSON diff has it whole).
CHANGED_TEXT_CHARS = 600


def _cut(text: str) -> str:
    if len(text) <= CHANGED_TEXT_CHARS:
        return text
    return f"{text[:CHANGED_TEXT_CHARS].rstrip()} … ({len(text) - CHANGED_TEXT_CHARS:,} more characters)"


def text_change(old: str, new: str) -> tuple[Segment, ...]:
    """The words that differ between two versions of a text, with a little unchanged context."""
    a, b = old.split(" "), new.split(" ")
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    opcodes = matcher.get_opcodes()
    segments: list[Segment] = []
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            words = a[i1:i2]
            first, last = index == 0, index == len(opcodes) - 1
            head = [] if first else words[:CONTEXT_WORDS]
            tail = [] if last else words[-CONTEXT_WORDS:]
            if len(words) <= len(head) + len(tail):
                segments.append(Segment("same", " ".join(words)))
                continue
            if head:
                segments.append(Segment("same", " ".join(head)))
            segments.append(Segment("gap", "…"))
            if tail:
                segments.append(Segment("same", " ".join(tail)))
            continue
        if i2 > i1:
            segments.append(Segment("removed", _cut(" ".join(a[i1:i2]))))
        if j2 > j1:
            segments.append(Segment("added", _cut(" ".join(b[j1:j2]))))
    return tuple(segments)


@dataclass(frozen=True, slots=True)
class DiffSection:
    """Added, removed or changed entities, or the links (relations) among them, counted apart."""

    id: str
    title: str
    total: int
    rows: tuple[ChangeRow, ...]
    links: bool = False

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


@dataclass(frozen=True, slots=True)
class DiffView:
    diff: ListDiff
    sections: tuple[DiffSection, ...]

    @property
    def counts(self) -> DiffCounts:
        return diff_counts(self.diff)


def _field_change(schema: Schema | None, change: PropChange) -> FieldChange:
    label = _prop_label(schema, change.prop)
    if len(change.added) == len(change.removed) == 1:
        old, new = change.removed[0], change.added[0]
        if max(len(old), len(new)) > TEXT_DIFF_CHARS:
            return FieldChange(label, change.added, change.removed, text_change(old, new))
    return FieldChange(label, change.added, change.removed)


def _change_row(c: EntityChange) -> ChangeRow:
    schema = model.get(c.schema)
    fields = tuple(_field_change(schema, p) for p in c.changes)
    return ChangeRow(c.key, c.caption, schema_label(c.schema), entity_url(c.key), fields)


def diff_view(diff: ListDiff, *, show_all: bool = False) -> DiffView:
    """Sections of entities added, removed and changed, each followed by its links when it has any."""
    limit = None if show_all else DIFF_ROWS
    sections: list[DiffSection] = []
    for sid, title, changes in (
        ("added", "Added", diff.added),
        ("removed", "Removed", diff.removed),
        ("changed", "Changed", diff.changed),
    ):
        entities, links = split_changes(changes)
        sections.append(
            DiffSection(sid, title, len(entities), tuple(_change_row(c) for c in entities[:limit]))
        )
        if links:
            rows = tuple(_change_row(c) for c in links[:limit])
            sections.append(DiffSection(f"{sid}-links", f"{title} links", len(links), rows, links=True))
    return DiffView(diff, tuple(sections))
