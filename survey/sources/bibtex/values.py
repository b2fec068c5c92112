"""Field values: `@string` and month macros, `#` concatenation, `crossref` inheritance."""

from __future__ import annotations

import re

# BibTeX's standard styles define these month macros.
MONTH_MACROS = {
    "jan": "January",
    "feb": "February",
    "mar": "March",
    "apr": "April",
    "may": "May",
    "jun": "June",
    "jul": "July",
    "aug": "August",
    "sep": "September",
    "oct": "October",
    "nov": "November",
    "dec": "December",
}

# Fields that become columns or rows of their own; the rest stay in `Paper.fields`.


def _split_concatenation(value: str) -> list[str]:
    """Split `a # {b} # "c"` at top-level `#` signs."""
    parts: list[str] = []
    depth = 0
    in_quotes = False
    start = 0
    for index, char in enumerate(value):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            in_quotes = not in_quotes
        elif char == "#" and depth == 0 and not in_quotes:
            parts.append(value[start:index].strip())
            start = index + 1
    parts.append(value[start:].strip())
    return parts


# A `%` after an even number of backslashes (none included) is a raw one: bibtex and
# survey read it as a character, pandoc as the start of a comment that cuts the value.
_RAW_PERCENT = re.compile(r"(?<!\\)((?:\\\\)*)%")
# Fields read verbatim by BibTeX styles and biblatex: a `%` there is a character (`%20`).
VERBATIM_FIELDS = frozenset({"url", "doi", "eprint", "file"})


def has_raw_percent(value: str) -> bool:
    return _RAW_PERCENT.search(value) is not None


def escape_raw_percents(value: str) -> str:
    """Each raw `%` of a value written `\\%`."""
    return _RAW_PERCENT.sub(lambda m: m.group(1) + "\\%", value)


MACRO_NAME = re.compile(r"^[^\s\d\"#%'(),={}][^\s\"#%'(),={}]*$")


# No real field value comes near this; macros nested to double at each step (an 832-byte
# file can ask for gigabytes) are stopped here instead of exhausting memory, and so is
# one field written that long.
MAX_VALUE_CHARS = 1_000_000
# The most people one name list (author, editor) may name: the longest real author lists
# (particle physics) hold a few thousand; past this, the entry is an error.
MAX_NAMES = 10_000


class ValueTooLong(ValueError):
    """A field or @string value that expands past MAX_VALUE_CHARS."""


def resolve_value(
    raw: str, macros: dict[str, str], undefined: list[str], used: list[str] | None = None
) -> str:
    """The text of a field value: enclosing removed, macros and `#` resolved.

    Macro names that were expanded are appended to `used`; unknown names, and pieces that
    cannot be a macro name at all (a missing comma between fields), to `undefined`.
    Raises `ValueTooLong` when the value would pass MAX_VALUE_CHARS.
    """
    value = raw.strip()
    if len(value) > MAX_VALUE_CHARS + 2:
        raise ValueTooLong(f"is longer than {MAX_VALUE_CHARS:,} characters")
    if "#" not in value and value[:1] == "{" and value[-1:] == "}":
        return value[1:-1]
    parts = [value] if "#" not in value else _split_concatenation(value)
    pieces: list[str] = []
    for part in parts:
        if len(part) >= 2 and (
            (part[0] == "{" and part[-1] == "}") or (part[0] == '"' and part[-1] == '"')
        ):
            pieces.append(part[1:-1])
        elif part.isdigit():
            pieces.append(part)
        elif not MACRO_NAME.match(part):
            undefined.append(part)
            pieces.append(part)
        else:
            name = part.lower()
            if name in macros:
                pieces.append(macros[name])
                if used is not None:
                    used.append(f"{name}={macros[name]}")
            elif name in MONTH_MACROS:
                pieces.append(MONTH_MACROS[name])
            else:
                undefined.append(part)
                pieces.append(part)
        if sum(len(p) for p in pieces) > MAX_VALUE_CHARS:
            raise ValueTooLong(f"expands to more than {MAX_VALUE_CHARS:,} characters")
    return "".join(pieces)


def inherit(values: dict[str, str], parent_type: str, parent: dict[str, str]) -> dict[str, str]:
    """BibTeX crossref: fill the child's missing fields from the parent; returns what was taken."""
    taken: dict[str, str] = {}
    for name, value in parent.items():
        if name in ("crossref", "ids", "shorthand", "key"):
            continue
        target = name
        if name == "title" and parent_type in ("proceedings", "book", "collection"):
            target = "booktitle"
        if target not in values:
            values[target] = taken[target] = value
    return taken
