"""Pure name handling: normalisation, scripts, transliteration and romanization, legal forms, glossaries."""
