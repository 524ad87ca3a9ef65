"""Named value transforms for CSV mappings: what FollowTheMoney's mapping format cannot express.

A mapping file's `accomplice: derived:` block defines new columns computed from source columns by one of
these transforms; FtM property mappings then read the derived columns like any other. A transform takes
the source values of one row (in the order the mapping lists the columns; None for empty cells) and
returns zero or more output values. Transforms never raise on odd input: a value they cannot read passes
through unchanged, so that FollowTheMoney's cleaning rejects it and the import reports it as a warning.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

__all__ = ["TRANSFORMS", "Transform", "TransformError", "get_transform", "slug"]

Params = Mapping[str, object]
TransformFn = Callable[[Sequence[str | None], Params], list[str]]


class TransformError(ValueError):
    """A transform was configured wrongly in a mapping file (unknown name, bad parameter)."""


@dataclass(frozen=True, slots=True)
class Transform:
    name: str
    fn: TransformFn
    doc: str
    params: frozenset[str] = frozenset()


# -- dates ------------------------------------------------------------------------------------------

# Years outside this range in a sanctions list are typos or not years at all (street numbers, counts).
MIN_YEAR = 1800
MAX_YEAR = 2100

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE_PATTERN = re.compile(
    r"(?<![\d/.\-])(?:"
    r"(?P<iso_y>\d{4})-(?P<iso_m>\d{2})-(?P<iso_d>\d{2})"
    r"|(?P<d>\d{1,2})\s*[./\-]\s*(?P<m>\d{1,2})\s*[./\-]\s*(?P<y>\d{4}|\d{2})"
    rf"|(?:(?P<nd>\d{{1,2}})\s+)?(?P<nm>{_MONTH_NAMES})\.?\s+(?P<ny>\d{{4}})"
    r"|(?P<year>\d{4})"
    r")(?![\d/\-]|\.\d)",
    re.IGNORECASE,
)


def _iso(year: int, month: int, day: int) -> str | None:
    """ISO date prefix; 0 marks an unknown month or day (UK lists write 00/00/1980 for 'some day in 1980')."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    if month == 0 or month > 12:
        return f"{year:04d}" if month == 0 else None
    if day == 0:
        return f"{year:04d}-{month:02d}"
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


# "born 1967-1969": both ends of a year range are candidate dates.
_YEAR_RANGE = re.compile(r"(?<!\d)(\d{4})\s*[-–]\s*(\d{4})(?!\d)")


def _dates(values: Sequence[str | None], params: Params) -> list[str]:
    century = params.get("century")
    assert century is None or isinstance(century, int)
    out: list[str] = []
    for value in values:
        if not value:
            continue
        found: list[str] = []
        unreadable = False
        for match in _DATE_PATTERN.finditer(_YEAR_RANGE.sub(r"\1 or \2", value)):
            groups = match.groupdict()
            if groups["iso_y"]:
                iso = _iso(int(groups["iso_y"]), int(groups["iso_m"]), int(groups["iso_d"]))
            elif groups["y"]:
                year = int(groups["y"])
                if len(groups["y"]) == 2:
                    # 13.07.20: only with the mapping's word for the century; otherwise not a date.
                    year = year + century if century is not None else -1
                iso = _iso(year, int(groups["m"]), int(groups["d"]))
            elif groups["ny"]:
                month = _MONTHS[groups["nm"].lower()]
                iso = _iso(int(groups["ny"]), month, int(groups["nd"] or 0))
            else:
                iso = _iso(int(groups["year"]), 0, 0)
            if iso is None:
                unreadable = True
            elif iso not in found:
                found.append(iso)
        if found and not unreadable:
            out.extend(found)
        else:
            # Nothing date-like, or an impossible date (31/02/1980): pass the text on for FtM to reject,
            # so that the import reports it instead of silently dropping it.
            out.append(value)
    return out


# -- lists ------------------------------------------------------------------------------------------

# One item marker: "1)", "(1)", "a)", "(a)"; a run of markers ("(1)-(2)", "(1) (2)", "(1) to (6)") counts
# as one. Markers must start the text or follow a space, so "(2007)." inside an item is not one.
_MARKER = r"\(?(?:\d{1,2}|[a-z])\)"
_MARKERS = re.compile(rf"(?:(?<=\s)|^)\s*{_MARKER}(?:\s*(?:-|–|to|,)?\s*{_MARKER})*\s*", re.IGNORECASE)
_ITEM_TRIM = " \t,;.-–"


def _numbered_list(values: Sequence[str | None], params: Params) -> list[str]:
    out: list[str] = []
    for value in values:
        if not value:
            continue
        if not _MARKERS.match(value):
            out.append(value.strip())
            continue
        for part in _MARKERS.split(value):
            item = part.strip(_ITEM_TRIM)
            if item and item not in out:
                out.append(item)
    return out


_PARENTHESES = re.compile(r"\s*\([^()]*\)")


def _drop_parentheses(values: Sequence[str | None], params: Params) -> list[str]:
    out = []
    for value in values:
        item = _PARENTHESES.sub("", value or "").strip(_ITEM_TRIM)
        if item and item not in out:
            out.append(item)
    return out


_QUOTES = '"“”„«»'


def _split(values: Sequence[str | None], params: Params) -> list[str]:
    separators = params.get("separators", [";"])
    assert isinstance(separators, list)
    pattern = re.compile("|".join(re.escape(str(s)) for s in separators))
    out: list[str] = []
    for value in values:
        if not value:
            continue
        for part in pattern.split(value):
            item = part.strip().strip(_QUOTES).strip()
            # EU annexes end enumerations with "and": "a@x.kp; b@y.kp; and c@z.kp".
            if item.lower().startswith("and "):
                item = item[4:].strip()
            if item and item not in out:
                out.append(item)
    return out


def _strip_quotes(values: Sequence[str | None], params: Params) -> list[str]:
    out = []
    for value in values:
        item = (value or "").strip().strip(_QUOTES).strip()
        if item:
            out.append(item)
    return out


# -- keys -------------------------------------------------------------------------------------------


def slug(text: str) -> str:
    """A key fragment that survives case, accent, spacing and punctuation changes of the same name."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", "-", bare.casefold()).strip("-")


def _slug(values: Sequence[str | None], params: Params) -> list[str]:
    out = []
    for value in values:
        if value:
            fragment = slug(value)
            if fragment:
                out.append(fragment)
    return out


def _match(values: Sequence[str | None], params: Params) -> list[str]:
    pattern = params["pattern"]
    assert isinstance(pattern, re.Pattern)
    keep = not params.get("invert", False)
    return [v for v in values if v and bool(pattern.search(v)) is keep]


def _join(values: Sequence[str | None], params: Params) -> list[str]:
    separator = str(params.get("separator", " "))
    parts = [v.strip() for v in values if v and v.strip()]
    return [separator.join(parts)] if parts else []


def _unless_equal(values: Sequence[str | None], params: Params) -> list[str]:
    first, *others = values
    if not first or first in others:
        return []
    return [first]


def _coalesce(values: Sequence[str | None], params: Params) -> list[str]:
    for value in values:
        if value and value.strip():
            return [value.strip()]
    return []


TRANSFORMS: dict[str, Transform] = {
    t.name: t
    for t in (
        Transform(
            "dates",
            _dates,
            "Every date in the text, day first (13.10.1944, 02/09/1965, 12 March 2022, 1980); "
            "00 means an unknown day or month (00/00/1980 -> 1980). Several dates give several values. "
            "Two-digit years (13.07.20) are read only with `century` (e.g. 2000).",
            params=frozenset({"century"}),
        ),
        Transform(
            "numbered_list",
            _numbered_list,
            "Split '1) Saudi Arabia 2) Qatar', '(1) German (2) Moroccan' or 'a) General b) Major General' "
            "into items; text without markers is one item.",
        ),
        Transform(
            "drop_parentheses",
            _drop_parentheses,
            "Remove remarks in parentheses: 'Afghanistan (since 2009)' -> 'Afghanistan', so that a "
            "strict country lookup finds it (FtM's fuzzy lookup reads 'Republic of Montenegro' as Nauru).",
        ),
        Transform(
            "split",
            _split,
            "Split on any of `separators` (default ';'), trimming spaces, quotes and a leading 'and '.",
            params=frozenset({"separators"}),
        ),
        Transform(
            "strip_quotes", _strip_quotes, "Remove quotes around a value; a value of only quotes is empty."
        ),
        Transform(
            "slug",
            _slug,
            "Case-, accent- and punctuation-insensitive key fragment of a name: 'Co., Ltd.' -> 'co-ltd'.",
        ),
        Transform(
            "match",
            _match,
            "The values that match the regular expression `pattern` (with `invert: true`, those that do "
            "not): route mixed identifiers, e.g. IMO numbers to imoNumber and the rest elsewhere.",
            params=frozenset({"pattern", "invert"}),
        ),
        Transform(
            "join",
            _join,
            "The non-empty values of the listed columns joined by `separator` (default a space), as one "
            "value that other properties can list beside further columns.",
            params=frozenset({"separator"}),
        ),
        Transform(
            "unless_equal",
            _unless_equal,
            "The first column's value unless it equals one of the other columns' (no self-reference: a "
            "company named as its own parent).",
        ),
        Transform(
            "coalesce",
            _coalesce,
            "The first non-empty value of the listed columns.",
        ),
    )
}


def get_transform(name: str, params: dict[str, object]) -> Transform:
    """The named transform, with `params` checked (and a regular expression compiled in place)."""
    transform = TRANSFORMS.get(name)
    if transform is None:
        raise TransformError(f"unknown transform {name!r}; known: {', '.join(sorted(TRANSFORMS))}")
    unknown = set(params) - transform.params
    if unknown:
        raise TransformError(f"transform {name!r} takes no parameter {', '.join(sorted(unknown))}")
    if "separator" in params and not isinstance(params["separator"], str):
        raise TransformError(f"transform {name!r}: separator must be a text")
    century = params.get("century")
    if century is not None and (not isinstance(century, int) or isinstance(century, bool) or century % 100):
        raise TransformError(f"transform {name!r}: century must be a whole century such as 2000")
    if name == "match":
        pattern = params.get("pattern")
        if not isinstance(pattern, str):
            raise TransformError("transform 'match' needs a pattern (a regular expression)")
        try:
            params["pattern"] = re.compile(pattern)
        except re.error as exc:
            raise TransformError(f"transform 'match': bad pattern {pattern!r}: {exc}") from None
        if not isinstance(params.get("invert", False), bool):
            raise TransformError("transform 'match': invert must be true or false")
    if "separators" in params:
        seps = params["separators"]
        if not isinstance(seps, list) or not seps or not all(isinstance(s, str) and s for s in seps):
            raise TransformError(f"transform {name!r}: separators must be a list of non-empty strings")
    return transform
