"""Turn OFAC's free-text remarks ("DOB 18 Jun 1964; POB Kaesong, DPRK; Passport 381420754 ...") into values.

OFAC's legacy CSV puts most of what it knows about an entry in one remarks field, as clauses separated by
"; ". Each clause starts with a label. We recognise the labels OFAC actually uses; a clause we do not
recognise is not lost, because the whole remark is kept as the entity's `notes`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Clause", "parse_dates", "parse_remarks", "split_clauses"]

MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
    )
}


@dataclass(frozen=True, slots=True)
class Clause:
    """A recognised remark clause: the FtM property it feeds, the value, and an optional country hint."""

    prop: str
    value: str
    country: str | None = None


_TRAILING_ABBREVIATION = re.compile(r"\b(?:[A-Za-z]\.){2,}$|\b(?:Inc|Ltd|Co|Corp|S\.A|L\.L\.C)\.$")


def _split_outside_brackets(remarks: str) -> list[str]:
    if "(" not in remarks and "'" not in remarks:
        return remarks.split(";")
    clauses: list[str] = []
    depth = 0
    quoted = False
    start = 0
    for i, char in enumerate(remarks):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == "'" and (i == 0 or remarks[i - 1] in " ;"):
            quoted = True
        elif char == "'" and quoted and (i + 1 == len(remarks) or remarks[i + 1] in ";. "):
            quoted = False
        elif char == ";" and depth == 0 and not quoted:
            clauses.append(remarks[start:i])
            start = i + 1
    clauses.append(remarks[start:])
    return clauses


def split_clauses(remarks: str) -> list[str]:
    """Split at ';' outside parentheses and quoted aliases, and drop each clause's final full stop."""
    cleaned = []
    for clause in _split_outside_brackets(remarks):
        clause = clause.strip()
        if clause.endswith(".") and not _TRAILING_ABBREVIATION.search(clause):
            clause = clause[:-1].rstrip()
        if clause and clause != "-0-":
            cleaned.append(clause)
    return cleaned


_DATE = re.compile(
    r"(?:(?P<day>\d{1,2}) )?(?:(?P<month>[A-Za-z]{3})[a-z]* )?(?P<year>\d{4})",
)


def parse_dates(text: str) -> list[str]:
    """OFAC date expressions to ISO prefixes: '18 Jun 1964' -> 1964-06-18, 'circa 1947' -> 1947,
    '1960 to 1962' -> both years."""
    found = []
    for m in _DATE.finditer(text):
        year = m.group("year")
        month = MONTHS.get((m.group("month") or "").lower()[:3])
        day = m.group("day")
        if month and day:
            found.append(f"{year}-{month:02d}-{int(day):02d}")
        elif month:
            found.append(f"{year}-{month:02d}")
        else:
            found.append(year)
    return found


# Identifier labels as OFAC writes them, mapped to FollowTheMoney properties.
ID_LABELS: dict[str, str] = {
    "Passport": "passportNumber",
    "Diplomatic Passport": "passportNumber",
    "National ID No.": "idNumber",
    "Cedula No.": "idNumber",
    "D.N.I.": "idNumber",
    "C.U.R.P.": "idNumber",
    "Identification Number": "idNumber",
    "Personal ID Card": "idNumber",
    "National Foreign ID Number": "idNumber",
    "Residency Number": "idNumber",
    "Kenyan ID No.": "idNumber",
    "Birth Certificate Number": "idNumber",
    "Driver's License No.": "idNumber",
    "Tax ID No.": "taxNumber",
    "R.F.C.": "taxNumber",
    "RFC": "taxNumber",
    "NIT #": "taxNumber",
    "RUC #": "taxNumber",
    "RIF #": "taxNumber",
    "V.A.T. Number": "vatCode",
    "Registration Number": "registrationNumber",
    "Registration ID": "registrationNumber",
    "Business Registration Number": "registrationNumber",
    "Business Registration Document #": "registrationNumber",
    "Company Number": "registrationNumber",
    "Commercial Registry Number": "registrationNumber",
    "Commercial Registration Number": "registrationNumber",
    "C.R. No.": "registrationNumber",
    "Folio Mercantil No.": "registrationNumber",
    "Matricula Mercantil No": "registrationNumber",
    "Government Gazette Number": "registrationNumber",
    "Trade License Number": "registrationNumber",
    "Economic Register Number (CBLS)": "registrationNumber",
    "Public Registration Number": "registrationNumber",
    "Chamber of Commerce Number": "registrationNumber",
    "Enterprise Number": "registrationNumber",
    "Certificate of Incorporation Number": "registrationNumber",
    "License": "registrationNumber",
    "Legal Entity Number": "leiCode",
    "Unified Social Credit Code (USCC)": "uscCode",
    "D-U-N-S Number": "dunsCode",
    "SWIFT/BIC": "swiftBic",
    "MMSI": "mmsi",
    "Aircraft Tail Number": "registrationNumber",
    "Aircraft Manufacturer's Serial Number (MSN)": "serialNumber",
    "Aircraft Construction Number (also called L/N or S/N or F/N)": "serialNumber",
}

# Labels followed by free text rather than a number.
TEXT_LABELS: dict[str, str] = {
    "POB": "birthPlace",
    "nationality": "nationality",
    "citizen": "citizenship",
    "Gender": "gender",
    "Website": "website",
    "Email Address": "email",
    "EMAIL": "email",
    "Phone Number": "phone",
    "PHONE": "phone",
    "Telephone": "phone",
    "Organization Type:": "sector",
    "Target Type": "classification",
    "Aircraft Model": "model",
    "Former Vessel Flag": "pastFlags",
    "Other Vessel Flag": "pastFlags",
    "Linked To:": "linkedTo",
    "Aircraft Operator": "operatorName",
}

DATE_LABELS: dict[str, str] = {
    "DOB": "birthDate",
    "Organization Established Date": "incorporationDate",
    "Aircraft Manufacture Date": "buildDate",
    "Vessel Year of Build": "buildDate",
}

_IMO = re.compile(r"\bIMO\s*(\d{7})\b")
_ALIAS = re.compile(r"^(?P<kind>a\.k\.a\.|f\.k\.a\.|n\.k\.a\.)\s*'(?P<name>.+)'$", re.IGNORECASE)
_ID_TAIL = re.compile(r"^(?P<number>.+?)(?:\s*\((?P<country>[^()]*)\))?(?:\s+(?:issued|expires)\b.*)?$")
ALIAS_PROPS = {"a.k.a.": "alias", "n.k.a.": "alias", "f.k.a.": "previousName"}


def _label_pattern(labels: dict[str, str]) -> re.Pattern[str]:
    # Longest label first so "Registration Number" wins over "Registration"; a label must be followed by
    # a space or a colon (or end with one), so "Passport" does not match "Passports".
    alternatives = "|".join(re.escape(label) for label in sorted(labels, key=len, reverse=True))
    return re.compile(rf"^(?P<label>{alternatives})(?:(?<=:)|(?=[ :]))[ :]*(?P<rest>.*)$", re.DOTALL)


_LABEL_PATTERNS: dict[int, re.Pattern[str]] = {}


def _labelled(clause: str, labels: dict[str, str]) -> tuple[str, str] | None:
    pattern = _LABEL_PATTERNS.get(id(labels))
    if pattern is None:
        pattern = _LABEL_PATTERNS[id(labels)] = _label_pattern(labels)
    m = pattern.match(clause)
    if m is None or not m.group("rest"):
        return None
    return labels[m.group("label")], m.group("rest")


def _parse_clause(clause: str) -> list[Clause]:
    clause = re.sub(r"^alt\.\s+", "", clause)
    alias = _ALIAS.match(clause)
    if alias:
        return [Clause(ALIAS_PROPS[alias.group("kind").lower()], alias.group("name").strip())]
    if "IMO" in clause and (
        "Identification Number IMO" in clause or "Vessel Registration Identification" in clause
    ):
        return [Clause("imoNumber", m) for m in _IMO.findall(clause)]
    dated = _labelled(clause, DATE_LABELS)
    if dated:
        prop, rest = dated
        return [Clause(prop, d) for d in parse_dates(rest)]
    ident = _labelled(clause, ID_LABELS)
    if ident:
        prop, rest = ident
        m = _ID_TAIL.match(rest)
        if m and m.group("number").strip():
            return [Clause(prop, m.group("number").strip(), m.group("country"))]
        return []
    text = _labelled(clause, TEXT_LABELS)
    if text:
        prop, rest = text
        return [Clause(prop, rest.strip())] if rest.strip() else []
    return []


def parse_remarks(remarks: str) -> list[Clause]:
    """All recognised clauses of an OFAC remark, in order."""
    found: list[Clause] = []
    for clause in split_clauses(remarks):
        found.extend(_parse_clause(clause))
    return found
