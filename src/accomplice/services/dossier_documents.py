"""A dossier as a document: PDF (cover, summary, identity, legal bases, evidence with footnoted sources,
figures, annexes), DOCX for editing, and the FollowTheMoney JSON annex.

All three are made from the dossier's JSON (services.dossiers.dossier_json), so that a stored version
renders the same document years later without rebuilding it from today's lists.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from accomplice.errors import InputError
from accomplice.render import DocxWriter, pdf_from_html
from accomplice.services.dossier_figures import paths_svg, relations_svg
from accomplice.services.dossiers import claims_of

__all__ = [
    "DOCUMENT_FORMATS",
    "dossier_document",
    "dossier_docx",
    "dossier_ftm",
    "dossier_html",
    "dossier_pdf",
]

DOCUMENT_FORMATS = ("pdf", "docx", "json")

# The PDF's page, autoescaped: every value comes from list data, sources and analysts' text.
_ENV = Environment(
    loader=PackageLoader("accomplice.services", "documents"),
    autoescape=select_autoescape(default=True, default_for_string=True),
)


def dossier_html(
    content: Mapping[str, Any],
    *,
    version: str | None = None,
    comments: Mapping[str, Sequence[Mapping[str, str]]] | None = None,
    basis_texts: Sequence[Mapping[str, str]] = (),
) -> str:
    claims = claims_of(content)
    names = dict(content.get("names", {}))
    target = content["target"]
    relations = relations_svg(target["key"], target["caption"], claims, names)
    criteria = content.get("criteria", [])
    return _ENV.get_template("dossier.html").render(
        d=content,
        version=version,
        numbers={c["id"]: i for i, c in enumerate(content.get("claims", []), start=1)},
        met=[c for c in criteria if c["meets_own_standard"]],
        unmet=[c for c in criteria if not c["meets_own_standard"]],
        comments=comments or {},
        relations=relations,
        has_relations=any(c.related_key and c.related_key != target["key"] for c in claims),
        paths=paths_svg(content.get("supply_paths", [])),
        bases=basis_texts,
    )


def dossier_pdf(content: Mapping[str, Any], **kwargs: Any) -> bytes:
    return pdf_from_html(dossier_html(content, **kwargs))


def dossier_docx(content: Mapping[str, Any]) -> bytes:
    target = content["target"]
    doc = DocxWriter(f"Designation dossier: {target['caption']}")
    doc.heading(f"Designation dossier: {target['caption']}", 0)
    doc.paragraph(f"Target {target['key']} ({target['schema']}), as of {content['as_of']}.")
    doc.paragraph(content["designation_gap"]["summary"] + ".")
    if content.get("not_searched"):
        doc.paragraph("Not searched: " + "; ".join(content["not_searched"]), bold=True)
    doc.heading("Identity", 1)
    doc.table(
        ["field", "value", "script", "source"],
        [[r["field"], r["value"], r["script"], r["source"]] for r in content["identity"]],
    )
    doc.heading("Listings", 1)
    doc.table(
        ["list", "entry", "since", "programs"],
        [[x["list"], x["key"], x["since"] or "", ", ".join(x["programs"])] for x in content["listings"]],
    )
    doc.heading("Legal basis", 1)
    doc.table(
        ["criterion", "standard", "meets it", "standards met"],
        [
            [
                f"{c['id']}: {c['label']}",
                c["standard"],
                "yes" if c["meets_own_standard"] else "no",
                ", ".join(c["met"]) or "none",
            ]
            for c in content["criteria"]
        ],
    )
    doc.heading("Evidence", 1)
    rows = []
    for i, c in enumerate(content["claims"], start=1):
        s = c["source"]
        source = (
            "UNSOURCED" if s is None else f"{s['title']} ({s['grade']}){', ' + s['url'] if s['url'] else ''}"
        )
        rows.append([i, c["kind"], c["text"], source])
    doc.table(["#", "kind", "claim", "source (grade)"], rows)
    return doc.to_bytes()


def dossier_ftm(content: Mapping[str, Any]) -> list[dict[str, Any]]:
    """FollowTheMoney entities: the target with its identity, each related entity, one UnknownLink per tie
    (the claim's kind as role) and one Sanction per listing. Values FtM refuses for a schema are dropped."""
    from followthemoney import model

    target = content["target"]
    schema = target["schema"] if model.get(target["schema"]) else "LegalEntity"
    entity = model.make_entity(schema)
    entity.id = target["key"]
    for row in content["identity"]:
        if row["field"] in entity.schema.properties:
            entity.add(row["field"], row["value"], quiet=True)
    entity.add("name", target["caption"], quiet=True)
    found = [entity.to_dict()]
    names = content.get("names", {})
    for key in sorted(
        {c["related_key"] for c in content["claims"] if c.get("related_key")} - {target["key"]}
    ):
        other = model.make_entity("LegalEntity")
        other.id = key
        other.add("name", names.get(key, key))
        found.append(other.to_dict())
    for claim in content["claims"]:
        related = claim.get("related_key")
        if related and related != target["key"]:
            link = model.make_entity("UnknownLink")
            link.id = f"{target['key']}-{claim['id']}"
            link.add("subject", target["key"])
            link.add("object", related)
            link.add("role", claim["kind"])
            link.add("summary", claim["text"])
            if claim["source"] and claim["source"]["url"]:
                link.add("sourceUrl", claim["source"]["url"], quiet=True)
            found.append(link.to_dict())
    for listing in content["listings"]:
        sanction = model.make_entity("Sanction")
        sanction.id = f"{listing['key']}-sanction-{listing['list']}"
        sanction.add("entity", target["key"])
        sanction.add("authority", listing["list"])
        sanction.add("program", listing["programs"])
        sanction.add("startDate", listing["since"], quiet=True)
        found.append(sanction.to_dict())
    return found


def dossier_document(content: Mapping[str, Any], fmt: str, **kwargs: Any) -> bytes:
    """The dossier in `fmt` (pdf, docx, json: the dossier with its FtM entities)."""
    if fmt == "pdf":
        return dossier_pdf(content, **kwargs)
    if fmt == "docx":
        return dossier_docx(content)
    if fmt == "json":
        annex = {**content, "entities": dossier_ftm(content)}
        return json.dumps(annex, ensure_ascii=False, indent=1).encode("utf-8")
    raise InputError("output format", f"one of {', '.join(DOCUMENT_FORMATS)}, not {fmt!r}")
