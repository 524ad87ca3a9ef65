"""Briefs for a hearing: one dated document (PDF and DOCX) on a topic — a country (china, russia), a
sector (seafood, construction), a listed entity (its key) or a COI item (90a) — with its charts, key facts
and their sources, from public data only (list entries, the COI tracker), so anyone may make one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape

from accomplice.errors import InputError, NotFoundError
from accomplice.render import DocxWriter, pdf_from_html
from accomplice.services.auth import Principal, record_audit
from accomplice.services.dashboard_lists import (
    DATES_NOTE,
    country_is,
    designation_listings,
    is_dprk,
    year_chart,
)
from accomplice.services.dashboards import Chart, chart_svg
from accomplice.services.lists import entity_detail
from accomplice.services.oversight import STATUS_LABELS, ItemView, coi_item, coi_items
from accomplice.store import Store
from accomplice.store.oversight_stats import Listing

__all__ = ["COUNTRIES", "SECTORS", "Brief", "brief_docx", "brief_html", "brief_pdf", "html_pdf", "make_brief"]

COUNTRIES = {"china": ("cn", "China"), "russia": ("ru", "Russia")}
# Words in a listed entity's names that place it in a sector (English, and the Chinese and Russian
# words the lists write): a screening aid for the brief, not a classification.
SECTORS = {
    "seafood": ("seafood", "fish", "fishery", "fisheries", "marine product", "水产", "海产", "渔业", "рыб"),
    "construction": ("construction", "building", "engineering", "建设", "建筑", "工程", "строит"),
}
# Named entities shown in a brief's table; the counts cover them all.
MAX_ENTITIES = 20


@dataclass(frozen=True, slots=True)
class Brief:
    topic: str
    title: str
    as_of: str
    facts: tuple[str, ...]
    charts: tuple[Chart, ...]
    tables: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, ...], ...]], ...]  # heading, header, rows
    sources: tuple[tuple[str, str], ...]  # title, address
    notes: tuple[str, ...] = field(default=())

    @property
    def file_stem(self) -> str:
        return f"brief-{re.sub(r'[^a-z0-9]+', '-', self.topic.lower()).strip('-')}-{self.as_of}"


def _names(store: Store, keys: Sequence[str]) -> dict[str, str]:
    """Each entity's names and aliases, a few in Latin script and those in its own (Korean, Chinese,
    Cyrillic): a staffer reads the name as the target writes it."""
    names = store.values_of(keys, "name")
    aliases = store.values_of(keys, "alias")
    shown = {}
    for key in keys:
        every = sorted(names.get(key, set()) | aliases.get(key, set()))
        latin = [n for n in every if n.isascii()][:2]
        native = [n for n in every if not n.isascii()][:2]
        shown[key] = " / ".join([*latin, *native])
    return shown


def _entities_table(store: Store, chosen: Sequence[Listing]) -> tuple[tuple[str, ...], ...]:
    latest = sorted(chosen, key=lambda x: (x.listed_on or "", x.key), reverse=True)[:MAX_ENTITIES]
    names = _names(store, [x.key for x in latest])
    return tuple((x.key, names.get(x.key, ""), x.list_name, x.listed_on or "no date") for x in latest)


def _coi_rows(views: Sequence[ItemView]) -> tuple[tuple[str, ...], ...]:
    return tuple(
        (
            v.item.label,
            v.item.addressee,
            STATUS_LABELS[v.status],
            str(len(v.events)),
            "summary" if v.item.text_is_summary else "verbatim",
        )
        for v in views
    )


def _event_sources(views: Sequence[ItemView]) -> list[tuple[str, str]]:
    return list(dict.fromkeys((e.source.title, e.source.url) for v in views for e in v.events))


COI_HEADER = ("item", "addressee", "status", "events", "text")


def _country_brief(store: Store, topic: str, as_of: str) -> Brief:
    code, name = COUNTRIES[topic]
    listed = [
        x
        for x in designation_listings(store)
        if code in x.countries and (not x.listed_on or x.listed_on <= as_of)
    ]
    dprk = [x for x in listed if is_dprk(x)]
    per_list = Counter(x.list_name for x in listed if x.is_current)
    charts = (
        year_chart(
            store,
            f"designations-{topic}",
            f"{name}: targets designated per year, by list",
            country_is(code),
            DATES_NOTE,
            as_of,
        ),
    )
    views = [
        v
        for v in coi_items(store, as_of)
        if name in v.item.addressee or any(name in e.summary for e in v.events)
    ]
    by_list = ", ".join(f"{n}: {c:,}" for n, c in sorted(per_list.items()))
    facts = (
        f"{len(listed):,} entries with a {name} country, nationality or citizenship on the UN, OFAC, "
        f"EU and UK lists loaded ({by_list} listed now).",
        f"{len(dprk):,} of them under North Korea programmes.",
        f"{len(views)} COI recommendations bear on {name} or name it in a follow-up; "
        + ", ".join(f"{v.item.label} {STATUS_LABELS[v.status]}" for v in views[:8])
        + ".",
    )
    tables = (
        (
            f"{name}: North Korea programme entries (latest first)",
            ("key", "names", "list", "listed on"),
            _entities_table(store, dprk),
        ),
        ("COI recommendations", COI_HEADER, _coi_rows(views)),
    )
    return Brief(
        topic,
        f"{name} and North Korea's sanctions evasion",
        as_of,
        facts,
        charts,
        tables,
        tuple(_event_sources(views)),
    )


def _sector_brief(store: Store, topic: str, as_of: str) -> Brief:
    words = SECTORS[topic]
    listed = [x for x in designation_listings(store) if not x.listed_on or x.listed_on <= as_of]
    names = store.values_of([x.key for x in listed], "name")
    hits = [x for x in listed if any(w in n.lower() for n in names.get(x.key, ()) for w in words)]
    keys = {x.key for x in hits}
    dprk = [x for x in hits if is_dprk(x)]
    charts = (
        year_chart(
            store,
            f"designations-{topic}",
            f"Entries named for {topic}, per year, by list",
            lambda x: x.key in keys,
            DATES_NOTE,
            as_of,
        ),
    )
    facts = (
        f"{len(hits):,} entries on the UN, OFAC, EU and UK lists carry a {topic} word in a name "
        f"({', '.join(words)}); {len(dprk):,} of them under North Korea programmes.",
        "By list: "
        + ", ".join(f"{n}: {c:,}" for n, c in sorted(Counter(x.list_name for x in hits).items()))
        + ".",
    )
    tables = (
        (
            f"North Korea programme entries named for {topic}",
            ("key", "names", "list", "listed on"),
            _entities_table(store, dprk),
        ),
        (
            f"All entries named for {topic} (latest first)",
            ("key", "names", "list", "listed on"),
            _entities_table(store, hits),
        ),
    )
    return Brief(
        topic,
        f"The {topic} sector in the sanctions lists",
        as_of,
        facts,
        charts,
        tables,
        (),
        ("Sector by words in listed names: a lead for a staffer, not a classification.",),
    )


def _item_brief(store: Store, topic: str, as_of: str) -> Brief:
    view = coi_item(store, topic, as_of)
    item = view.item
    by_year: Counter[tuple[str, str]] = Counter((e.at[:4], e.relation) for e in view.events)
    years = sorted({y for y, _ in by_year})
    from accomplice.render import ChartSeries

    relations = ("advances", "partially_advances", "contravenes", "context")
    chart = Chart(
        f"coi-{item.id}",
        f"{item.label}: follow-up events per year",
        "grouped",
        "year",
        tuple(years),
        tuple(
            ChartSeries(r.replace("_", " "), tuple(float(by_year[(y, r)]) for y in years)) for r in relations
        ),
    )
    facts = (
        f"{item.label}, addressed to {item.addressee} ({item.actor}): "
        f"{STATUS_LABELS[view.status]} as of {as_of}.",
        (
            "Text: our English summary (" + item.text_basis + ")."
            if item.text_is_summary
            else "Text: the report's words."
        )
        + " "
        + item.text,
        f"{len(view.events)} dated, sourced follow-up events.",
    )
    tables = (
        (
            "Asks",
            ("#", "ask", "status"),
            tuple(
                (str(i + 1), a, STATUS_LABELS[s])
                for i, (a, s) in enumerate(zip(item.asks, view.ask_statuses, strict=True))
            ),
        ),
        (
            "Follow-up events",
            ("date", "relation", "event", "source"),
            tuple((e.at, e.relation.replace("_", " "), e.summary, e.source.title) for e in view.events),
        ),
    )
    sources = [(item.source_title, item.source_url), *_event_sources([view])]
    return Brief(topic, f"COI recommendation {item.label}", as_of, facts, (chart,), tables, tuple(sources))


def _entity_brief(store: Store, topic: str, as_of: str) -> Brief:
    detail = entity_detail(store, topic)
    names = sorted(
        {s.value for s in detail.statements if s.prop == "name"}, key=lambda n: (not n.isascii(), n)
    )
    mine = [x for x in designation_listings(store) if x.key == topic]
    facts = (
        f"{detail.entity.caption} ({detail.entity.schema}), "
        f"{'listed' if detail.entity.is_current else 'no longer listed'} "
        f"on {', '.join(detail.entity.lists) or 'no list'}.",
        "Names: " + "; ".join(names[:8]),
    )
    rows = tuple(
        (s.prop, s.value, s.list_name, s.first_seen) for s in detail.statements if s.prop not in {"name"}
    )[:40]
    listed = tuple((x.list_name, x.listed_on or "no date") for x in mine)
    tables: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, ...], ...]], ...] = (
        ("Listed facts", ("property", "value", "list", "first seen"), rows),
        ("Listing dates", ("list", "listed on"), listed),
    )
    return Brief(topic, detail.entity.caption, as_of, facts, (), tables, ())


def make_brief(store: Store, principal: Principal, topic: str, as_of: str | None = None) -> Brief:
    """The brief on `topic` as of `as_of` (today when None). Public data only; audited."""
    day = as_of or date.today().isoformat()
    try:
        date.fromisoformat(day)
    except ValueError as exc:
        raise InputError("as_of", f"{day!r} is not a date (YYYY-MM-DD)") from exc
    wanted = topic.strip()
    if wanted.lower() in COUNTRIES:
        brief = _country_brief(store, wanted.lower(), day)
    elif wanted.lower() in SECTORS:
        brief = _sector_brief(store, wanted.lower(), day)
    elif ":" in wanted:
        brief = _entity_brief(store, wanted, day)
    else:
        try:
            brief = _item_brief(store, wanted, day)
        except NotFoundError as exc:
            raise InputError(
                "topic",
                f"{wanted!r} is no country ({', '.join(COUNTRIES)}), sector ({', '.join(SECTORS)}), "
                "entity key (un:KPi.029) or COI item (90a)",
            ) from exc
    if principal.is_authenticated:
        record_audit(store, principal, "brief.make", brief.topic, {"as_of": day})
    sources = list(brief.sources) + [
        (i.title, i.source_url) for i in store.lists() if i.name in _LIST_SOURCES
    ]
    return Brief(
        brief.topic,
        brief.title,
        brief.as_of,
        brief.facts,
        brief.charts,
        brief.tables,
        tuple(dict.fromkeys(sources)),
        brief.notes,
    )


_LIST_SOURCES = ("un", "ofac", "ofac_cons", "eu_prk", "eu_rus", "eu_ukr", "uk")


def _table_html(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def brief_html(brief: Brief) -> str:
    """The brief as one HTML document (for the PDF and the page)."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{escape(brief.title)}</title></head><body><h1>{escape(brief.title)}</h1>",
        f"<p class='muted'>Brief as of {escape(brief.as_of)} · accomplice · public data only</p>",
        "<h2>Key facts</h2><ul>" + "".join(f"<li>{escape(f)}</li>" for f in brief.facts) + "</ul>",
    ]
    for c in brief.charts:
        parts.append(f"<h2>{escape(c.title)}</h2>{chart_svg(c, width=600, height=240)}")
        parts.append(
            _table_html(
                [c.category_header, *(s.name for s in c.series)],
                [(cat, *(f"{v:,.0f}" for v in vals)) for cat, vals in c.rows()],
            )
        )
        if c.note:
            parts.append(f"<p class='muted'>{escape(c.note)}</p>")
    for heading, header, rows in brief.tables:
        parts.append(f"<h2>{escape(heading)}</h2>" + (_table_html(header, rows) if rows else "<p>None.</p>"))
    for note in brief.notes:
        parts.append(f"<p class='muted'>{escape(note)}</p>")
    parts.append(
        "<h2>Sources</h2><ol>"
        + "".join(f"<li>{escape(t)} — {escape(u)}</li>" for t, u in brief.sources)
        + "</ol></body></html>"
    )
    return "".join(parts)


def brief_pdf(brief: Brief) -> bytes:
    return pdf_from_html(brief_html(brief), extra_css="table { font-size: 8pt; } svg { width: 100%; }")


def brief_docx(brief: Brief) -> bytes:
    doc = DocxWriter(brief.title)
    doc.paragraph(f"Brief as of {brief.as_of} · accomplice · public data only", italic=True)
    doc.heading("Key facts", 1)
    doc.bullets(brief.facts)
    for c in brief.charts:
        doc.heading(c.title, 2)
        doc.table([c.category_header, *(s.name for s in c.series)], [(cat, *vals) for cat, vals in c.rows()])
        if c.note:
            doc.paragraph(c.note, italic=True)
    for heading, header, rows in brief.tables:
        doc.heading(heading, 2)
        if rows:
            doc.table(header, rows)
        else:
            doc.paragraph("None.")
    for note in brief.notes:
        doc.paragraph(note, italic=True)
    doc.heading("Sources", 1)
    doc.bullets([f"{t} — {u}" for t, u in brief.sources])
    return doc.to_bytes()


def html_pdf(html: str) -> bytes:
    """A page of the tracker (the progress report) as PDF, in the briefs' style."""
    return pdf_from_html(html, extra_css="table { font-size: 8pt; } nav, form, .no-print { display: none; }")
