"""Turn OFAC's free-text remarks ("DOB 18 Jun 1964; POB Kaesong, DPRK; Passport 381420754 ...") into values.

OFAC's legacy CSV puts most of what it knows about an entry in one remarks field, as clauses separated by
"; ". Each clause starts with a label. We recognise the labels OFAC actually uses; a clause we do not
recognise is not lost, because the whole remark is kept as the entity's `notes`.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

__all__ = [
    "DATE_LABELS",
    "ID_LABELS",
    "TEXT_LABELS",
    "Clause",
    "is_imo_number",
    "parse_dates",
    "parse_remarks",
    "phone_forms",
    "split_clauses",
]

MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
    )
}
# A date range "1960 to 1962" becomes every year in it, so that a record born in 1961 agrees with it, as the
# UN loader does for BETWEEN. The widest range in the OFAC files is three years; a wider one is more likely
# two alternative dates than a span, and only its ends are kept.
MAX_RANGE_YEARS = 10


@dataclass(frozen=True, slots=True)
class Clause:
    """A recognised remark clause: the FtM property it feeds, the value, and an optional country hint."""

    prop: str
    value: str
    country: str | None = None


_TRAILING_ABBREVIATION = re.compile(r"\b(?:[A-Za-z]\.){2,}$|\b(?:Inc|Ltd|Co|Corp|S\.A|L\.L\.C)\.$")
# Only parentheses change how ';' is read, so only they are visited when splitting a remark.
_PARENS = re.compile(r"[();]")


def _split_outside_brackets(remarks: str) -> list[str]:
    """Split at ';' outside parentheses ("(Following data derived from ...: Alt. DOB ...; ...)").

    Quotes are not brackets here: no alias in the OFAC files holds a ';', while an apostrophe opens many
    Arabic names ("POB al 'Amarah, Iraq; ...") and would join the clauses after it. A parenthesis that is
    never closed (a remark cut short) would swallow every later clause, so such a remark is split plainly.
    """
    if "(" not in remarks:
        return remarks.split(";")
    clauses: list[str] = []
    depth = 0
    start = 0
    for m in _PARENS.finditer(remarks):
        char = m.group()
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            clauses.append(remarks[start : m.start()])
            start = m.end()
    if depth:
        return remarks.split(";")
    clauses.append(remarks[start:])
    return clauses


def split_clauses(remarks: str) -> list[str]:
    """Split at ';' outside parentheses, and drop each clause's final full stop."""
    cleaned = []
    for clause in _split_outside_brackets(remarks):
        clause = clause.strip()
        if clause.endswith(".") and not _TRAILING_ABBREVIATION.search(clause):
            clause = clause[:-1].rstrip()
        if clause and clause != "-0-":
            cleaned.append(clause)
    return cleaned


_ONE_DATE = (
    r"(?:(?P<{p}day>\d{{1,2}})\s+)?"
    r"(?:(?P<{p}month>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+)?"
    r"(?<!\d)(?P<{p}year>\d{{4}})(?!\d)"
)
_DATE = re.compile(
    _ONE_DATE.format(p="a") + r"(?:\s*(?:to|-)\s*" + _ONE_DATE.format(p="b") + r")?",
    re.IGNORECASE,
)


def _one_date(m: re.Match[str], p: str) -> tuple[int, int | None, int | None]:
    year = int(m.group(f"{p}year"))
    month_name = m.group(f"{p}month")
    month = MONTHS[month_name.lower()[:3]] if month_name else None
    day = int(m.group(f"{p}day")) if m.group(f"{p}day") and month else None
    if month and day and not 1 <= day <= calendar.monthrange(year or 2000, month)[1]:
        day = None  # "31 Feb 1960": the month and year still say something, the day does not
    return year, month, day


def _iso(year: int, month: int | None, day: int | None) -> str:
    if month and day:
        return f"{year:04d}-{month:02d}-{day:02d}"
    if month:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}"


def parse_dates(text: str) -> list[str]:
    """OFAC date expressions to ISO prefixes: '18 Jun 1964' -> 1964-06-18, 'circa 1947' -> 1947,
    'Jan 1960' -> 1960-01, '1960 to 1962' -> 1960, 1961, 1962, '01 Feb 1960 to 29 Feb 1960' -> 1960-02."""
    found: list[str] = []
    for m in _DATE.finditer(text):
        low = _one_date(m, "a")
        if m.group("byear") is None:
            found.append(_iso(*low))
            continue
        high = _one_date(m, "b")
        if low == high:
            found.append(_iso(*low))
        elif low[0] == high[0]:
            # Both ends in one year: the month if they share it, else the year.
            same_month = low[1] is not None and low[1] == high[1]
            found.append(_iso(low[0], low[1] if same_month else None, None))
        elif low[0] < high[0] <= low[0] + MAX_RANGE_YEARS:
            found.extend(str(year) for year in range(low[0], high[0] + 1))
        else:
            found.extend((_iso(*low), _iso(*high)))
    return list(dict.fromkeys(found))


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
    "Citizen's Card Number": "idNumber",
    "Turkish Identification Number": "idNumber",
    "Travel Document Number": "idNumber",
    "Numero de Identidad": "idNumber",
    "Electoral Registry No.": "idNumber",
    "Credencial electoral": "idNumber",
    "SSN": "idNumber",
    "Tax ID No.": "taxNumber",
    "R.F.C.": "taxNumber",
    "RFC": "taxNumber",
    "NIT #": "taxNumber",
    "RUC #": "taxNumber",
    "RIF #": "taxNumber",
    "RTN": "taxNumber",
    "C.U.I.T.": "taxNumber",
    "US FEIN": "taxNumber",
    "Italian Fiscal Code": "taxNumber",
    "V.A.T. Number": "vatCode",
    "Registration Number": "registrationNumber",
    "Registration ID": "registrationNumber",
    "Business Registration Number": "registrationNumber",
    "Business Registration Document #": "registrationNumber",
    "Business Number": "registrationNumber",
    "Company Number": "registrationNumber",
    "UK Company Number": "registrationNumber",
    "Commercial Registry Number": "registrationNumber",
    "Commercial Registration Number": "registrationNumber",
    "Central Registration System Number": "registrationNumber",
    "C.R. No.": "registrationNumber",
    "Folio Mercantil No.": "registrationNumber",
    "Matricula Mercantil No": "registrationNumber",
    "Government Gazette Number": "registrationNumber",
    "Trade License Number": "registrationNumber",
    "Trade License No.": "registrationNumber",
    "Registered Charity No.": "registrationNumber",
    "Branch Unit Number": "registrationNumber",
    "Economic Register Number (CBLS)": "registrationNumber",
    "Public Registration Number": "registrationNumber",
    "Chamber of Commerce Number": "registrationNumber",
    "Enterprise Number": "registrationNumber",
    "Certificate of Incorporation Number": "registrationNumber",
    "License": "registrationNumber",
    "Vessel Registration Identification": "registrationNumber",
    "Legal Entity Number": "leiCode",
    "Unified Social Credit Code (USCC)": "uscCode",
    "United Social Credit Code Certificate (USCCC)": "uscCode",
    "D-U-N-S Number": "dunsCode",
    "SWIFT/BIC": "swiftBic",
    "MMSI": "mmsi",
    "Other Vessel Call Sign": "callSign",
    "Aircraft Tail Number": "registrationNumber",
    "Previous Aircraft Tail Number": "registrationNumber",
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
    "Nationality of Registration": "country",
    "Other Vessel Type": "type",
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

_KINDS: dict[str, tuple[str, str]] = {
    **{label: ("id", prop) for label, prop in ID_LABELS.items()},
    **{label: ("text", prop) for label, prop in TEXT_LABELS.items()},
    **{label: ("date", prop) for label, prop in DATE_LABELS.items()},
}
# One pattern for every label, longest first so "Registration Number" wins over "Registration"; a label
# must be followed by a space or a colon (or end with one), so "Passport" does not match "Passports".
_LABEL = re.compile(
    "^(?P<label>{})(?:(?<=:)|(?=[ :]))[ :]*(?P<rest>.*)$".format(
        "|".join(re.escape(label) for label in sorted(_KINDS, key=len, reverse=True))
    ),
    re.DOTALL,
)
_ALT = re.compile(r"^alt\.\s+")
_ALIAS = re.compile(
    r"^(?P<kind>a\.k\.a\.|aka|f\.k\.a\.|fka|n\.k\.a\.|nka)[,:]?\s*'(?P<name>.+)'$", re.IGNORECASE | re.DOTALL
)
# OFAC's newer files write alias types without dots ('aka'), older ones with ('a.k.a.').
ALIAS_PROPS = {"aka": "alias", "nka": "alias", "fka": "previousName"}
_IMO = re.compile(r"^IMO\s*(\d{7})\b")
_SEVEN_DIGITS = re.compile(r"^\d{7}$")
_ID_TAIL = re.compile(r"^(?P<number>.+?)(?:\s*\((?P<country>[^()]*)\))?(?:\s+(?:issued|expires)\b.*)?$")


def is_imo_number(digits: str) -> bool:
    """Seven digits whose last is the IMO check digit (weights 7..2 over the first six, modulo 10)."""
    if not _SEVEN_DIGITS.match(digits):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:6], range(7, 1, -1), strict=True))
    return total % 10 == int(digits[6])


def _identifier(prop: str, label: str, rest: str) -> list[Clause]:
    m = _ID_TAIL.match(rest)
    if m is None or not m.group("number").strip():
        return []
    number, country = m.group("number").strip(), m.group("country")
    imo = _IMO.match(number)
    if imo:
        # "Vessel Registration Identification IMO 8405311", "Company Number IMO 5434358": the ship's or the
        # company's IMO number, written as FtM and OpenSanctions write them so that lists compare equal.
        return [Clause("imoNumber", f"IMO{imo.group(1)}", country)]
    if label == "Vessel Registration Identification" and is_imo_number(number):
        return [Clause("imoNumber", f"IMO{number}", country)]  # a few vessels omit the "IMO"
    return [Clause(prop, number, country)]


def _parse_clause(clause: str) -> list[Clause]:
    clause = _ALT.sub("", clause)
    alias = _ALIAS.match(clause)
    if alias:
        kind = alias.group("kind").lower().replace(".", "")
        return [Clause(ALIAS_PROPS[kind], alias.group("name").strip())]
    m = _LABEL.match(clause)
    if m is None or not m.group("rest").strip():
        return []
    label, rest = m.group("label"), m.group("rest").strip()
    kind, prop = _KINDS[label]
    if kind == "date":
        return [Clause(prop, d) for d in parse_dates(rest)]
    if kind == "id":
        return _identifier(prop, label, rest)
    return [Clause(prop, rest)]


def parse_remarks(remarks: str) -> list[Clause]:
    """All recognised clauses of an OFAC remark, in order."""
    found: list[Clause] = []
    for clause in split_clauses(remarks):
        found.extend(_parse_clause(clause))
    return found


_PHONE_PREFIX = re.compile(r"^(?:No\.?|Tel\.?|Phone)\s*:?\s*", re.IGNORECASE)
_PHONE_TAIL = re.compile(r"\s*(?:ext\.?|x|/).*$", re.IGNORECASE)


def phone_forms(value: str) -> list[str]:
    """Ways to read a phone number as OFAC writes it, most literal first: '850 2 381 8221' has no '+',
    '(357)(22660766)' brackets the country code, '0097282851500' dials out with 00, 'No. 03889402' has a
    label, '850 2 18111 ext. 8221' an extension and '850 2 381 8208/4188' two line numbers."""
    text = _PHONE_TAIL.sub("", _PHONE_PREFIX.sub("", value.strip())).strip()
    forms = [value.strip(), text]
    if text.startswith("00"):
        forms.append("+" + text[2:])
    elif text and not text.startswith("+"):
        forms.append("+" + text)
    return [f for f in dict.fromkeys(forms) if f]
