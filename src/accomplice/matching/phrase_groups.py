"""rigour's person-name tagging from a table of its tagger's phrases, without building the tagger.

rigour finds the name groups of a person's name with an Aho-Corasick tagger over about 550,000 phrases
(Wikidata name forms, name parts, nicknames, ordinals), which it builds on first use: 7.5 s of CPU, paid
by every process that meets a word the persisted index does not already know (`accomplice screen --name
김정은`). The tagger matches phrases on word boundaries of the name's normalised form, and each match
becomes a span over the name's parts; so the spans are those of every run of consecutive parts whose
text is a phrase. Given the phrase table (built once beside the index, store.name_phrases), `PhraseTagger`
gives the same `Name` from rigour's cheap analysis (parts only, `symbols=False`) and table lookups.
"""

from __future__ import annotations

from collections.abc import Callable

from rigour.names import Name, NameTypeTag, Symbol, analyze_names
from rigour.names.symbol import SymbolCategory

__all__ = ["PHRASE_SEPARATOR", "PhraseLookup", "PhraseTagger", "encode_symbol"]

# Joins the symbols of one phrase in the table.
PHRASE_SEPARATOR = "\x1f"

# The symbols of a normalised phrase ("jong chol") as the table holds them; None: not a phrase.
PhraseLookup = Callable[[str], "str | None"]

# A symbol is kept as one letter for its category and its id ("NQ12617221"): the same id may stand for a
# name and a nickname, and rigour keeps those apart.
CATEGORY_LETTERS = {
    Symbol.Category.NAME: "N",
    Symbol.Category.SYMBOL: "S",
    Symbol.Category.NICK: "K",
    Symbol.Category.NUMERIC: "#",
}
_LETTER_CATEGORIES = {letter: category for category, letter in CATEGORY_LETTERS.items()}


def encode_symbol(category: SymbolCategory, symbol_id: str) -> str:
    return CATEGORY_LETTERS[category] + symbol_id


class PhraseTagger:
    """Tags person names as rigour's person tagger does, from its phrase table."""

    def __init__(self, phrases: PhraseLookup) -> None:
        self._phrases = phrases

    def name(self, text: str) -> Name | None:
        """The name as `analyze_names(PER, [text], phonetics=False, numerics=False)` gives it, when that
        gives exactly one (None otherwise)."""
        names = analyze_names(NameTypeTag.PER, [text], symbols=False, phonetics=False, numerics=False)
        if len(names) != 1:
            return None
        name = next(iter(names))
        forms = [part.form for part in name.parts]
        # Phrases in the order the tagger reports them: by where they end, the longer first.
        for end in range(1, len(forms) + 1):
            for start in range(end):
                phrase = " ".join(forms[start:end])
                found = self._phrases(phrase)
                if not found:
                    continue
                for symbol in found.split(PHRASE_SEPARATOR):
                    name.apply_phrase(phrase, Symbol(_LETTER_CATEGORIES[symbol[0]], symbol[1:]))
        return name
