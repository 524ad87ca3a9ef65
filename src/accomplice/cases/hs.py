"""HS sections: the 21 groups of the Harmonized System's 97 chapters, as CBP's dashboard groups industries."""

from __future__ import annotations

__all__ = ["hs_heading", "hs_section"]

# (first chapter, last chapter, section number, title) from the HS nomenclature's table of sections.
_SECTIONS = (
    (1, 5, "I", "Live animals; animal products"),
    (6, 14, "II", "Vegetable products"),
    (15, 15, "III", "Fats and oils"),
    (16, 24, "IV", "Prepared foodstuffs, beverages, tobacco"),
    (25, 27, "V", "Mineral products"),
    (28, 38, "VI", "Chemical products"),
    (39, 40, "VII", "Plastics and rubber"),
    (41, 43, "VIII", "Hides, leather, furskins"),
    (44, 46, "IX", "Wood and articles of wood"),
    (47, 49, "X", "Pulp, paper"),
    (50, 63, "XI", "Textiles and textile articles"),
    (64, 67, "XII", "Footwear, headgear"),
    (68, 70, "XIII", "Stone, ceramic, glass"),
    (71, 71, "XIV", "Pearls, precious stones and metals"),
    (72, 83, "XV", "Base metals"),
    (84, 85, "XVI", "Machinery and electrical equipment"),
    (86, 89, "XVII", "Vehicles, aircraft, vessels"),
    (90, 92, "XVIII", "Instruments, clocks, musical instruments"),
    (93, 93, "XIX", "Arms and ammunition"),
    (94, 96, "XX", "Miscellaneous manufactured articles"),
    (97, 97, "XXI", "Works of art"),
)
UNKNOWN = "unknown"


def hs_heading(code: str | None) -> str:
    """The 4-digit heading of an HS code ("6110.20" → "6110"), or "unknown"."""
    digits = "".join(ch for ch in code or "" if ch.isdigit())
    return digits[:4] if len(digits) >= 4 else UNKNOWN


def hs_section(code: str | None) -> str:
    """The section of an HS code as "XI Textiles and textile articles", or "unknown"."""
    digits = "".join(ch for ch in code or "" if ch.isdigit())
    if len(digits) < 2:
        return UNKNOWN
    chapter = int(digits[:2])
    for first, last, number, title in _SECTIONS:
        if first <= chapter <= last:
            return f"{number} {title}"
    return UNKNOWN
