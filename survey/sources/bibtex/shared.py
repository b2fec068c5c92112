"""One bibliography over several BibTeX files: the `@string` macros and `crossref` parents
the files of one survey (or one `survey load`) share, in the order given, as bibtex
shares them across the files of one run."""

from __future__ import annotations

import re

from bibtexparser.entrypoint import parse_string

from survey.errors import Diagnostic
from survey.sources.bibtex.parse import _ENTRY_KEY
from survey.sources.bibtex.pieces import _STRING_AT, _block_end, _string_starts, _uses_crossref
from survey.sources.bibtex.values import ValueTooLong, resolve_value
from survey.vocab import Severity

# An entry's parents, by lower-cased key: (entry type, field values).
Parents = dict[str, tuple[str, dict[str, str]]]
_CROSSREF_VALUE = re.compile(r"\bcrossref\s*=\s*[{\"]?\s*([^,{}\"\s]+)", re.IGNORECASE)


def defines_macros(text: str) -> bool:
    """True when the text holds an `@string` definition at the start of a line."""
    return next(_string_starts(text, len(text)), None) is not None


def shared_macros(files: list[tuple[str, str]]) -> tuple[dict[str, str], list[Diagnostic]]:
    """The macros of (name, text) BibTeX files read in order, and a warning for each macro
    another file defines again with another value (naming both places; the later wins).

    A macro defined twice in one file is that file's parse's to report.
    """
    macros: dict[str, str] = {}
    places: dict[str, tuple[str, int]] = {}
    diagnostics: list[Diagnostic] = []
    for name, text in files:
        for start in _string_starts(text, len(text)):
            opening = _STRING_AT.match(text, start)
            assert opening is not None
            block = text[start : _block_end(text, opening.end() - 1)]
            line = text.count("\n", 0, start) + 1
            for string in parse_string(block, parse_stack=[]).strings:
                macro = string.key.lower()
                try:
                    value = resolve_value(str(string.value), macros, [])
                except ValueTooLong:
                    continue  # reported by the file's own parse
                first = places.get(macro)
                if first is not None and first[0] != name and macros[macro] != value:
                    diagnostics.append(
                        Diagnostic(
                            Severity.WARNING,
                            name,
                            line,
                            f"@string {string.key}",
                            f"macro redefined: first defined at {first[0]}:{first[1]}, again "
                            f"at {name}:{line}; the later value is used from here on",
                        )
                    )
                macros[macro] = value
                places[macro] = (name, line)
    return macros, diagnostics


def crossref_parents(files: list[tuple[str, str]], macros: dict[str, str]) -> Parents:
    """The entries any file names in a `crossref` field, found in whichever file holds
    them (the first, in the order given), with their values resolved."""
    wanted = {
        key.lower()
        for _name, text in files
        if _uses_crossref(text)
        for key in _CROSSREF_VALUE.findall(text)
    }
    found: Parents = {}
    for _name, text in files:
        if not wanted - set(found):
            break
        for match in _ENTRY_KEY.finditer(text):
            key = match.group(2).lower()
            if key not in wanted or key in found:
                continue
            opening = text.index("{" if "{" in match.group(0) else "(", match.start())
            block = text[match.start() : _block_end(text, opening)]
            for entry in parse_string(block, parse_stack=[]).entries:
                try:
                    values = {
                        f.key.strip().lower(): resolve_value(str(f.value), macros, [])
                        for f in entry.fields
                    }
                except ValueTooLong:
                    continue
                found[key] = (entry.entry_type.lower(), values)
    return found
