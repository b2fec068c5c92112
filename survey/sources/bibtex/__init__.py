"""BibTeX files -> normalised paper records (the only importer of bibtexparser).

Reading a file (`files`), parsing it with bibtexparser v2 (`parse`, in parallel for a
large file: `pieces`), resolving `@string` and month macros and `crossref` (`values`, shared
by the files of one bibliography: `shared`), splitting names (`names`) and normalising
each entry (`records`). Never prints;
problems become `Diagnostic`s. This module is the package's face: import from here.
"""

from survey.sources.bibtex.files import read_bib_file
from survey.sources.bibtex.names import NameParts, Person, split_authors, split_name_parts
from survey.sources.bibtex.parse import entry_keys, parse_bibtex, raw_field_values
from survey.sources.bibtex.pieces import iter_bibtex_pieces
from survey.sources.bibtex.records import VENUE_FIELDS, BibParse, BibRecord, parse_year
from survey.sources.bibtex.shared import (
    Parents,
    crossref_parents,
    defines_macros,
    shared_macros,
)
from survey.sources.bibtex.values import (
    MONTH_MACROS,
    VERBATIM_FIELDS,
    escape_raw_percents,
    has_raw_percent,
)

__all__ = [
    "MONTH_MACROS",
    "VENUE_FIELDS",
    "VERBATIM_FIELDS",
    "BibParse",
    "BibRecord",
    "NameParts",
    "Parents",
    "Person",
    "crossref_parents",
    "defines_macros",
    "entry_keys",
    "escape_raw_percents",
    "has_raw_percent",
    "iter_bibtex_pieces",
    "parse_bibtex",
    "parse_year",
    "raw_field_values",
    "read_bib_file",
    "shared_macros",
    "split_authors",
    "split_name_parts",
]
