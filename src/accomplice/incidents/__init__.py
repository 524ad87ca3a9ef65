"""Documentation of abuses after HURIDOCS Events Standard Formats: the record model, its controlled
vocabularies (labels in English, Korean, Chinese and Russian), dates with their precision (EDTF), the
Admiralty grading of information, consent and the redacted public version. Values in, values out: no I/O."""
