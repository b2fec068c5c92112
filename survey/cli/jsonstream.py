"""Indented JSON written as it is encoded (CLI layer, standard library only).

`survey query lineage --format json` and `survey check --format json` write 10^5 rows.
The standard library encodes indented JSON only in Python (its C encoder runs for
compact, one-shot output), which made writing those rows slower than computing them.
Here the rows are still written with `indent=2`, byte for byte what `json.dumps(value,
indent=2, ensure_ascii=False)` gives, but a container holding only scalars (a row) is
encoded by the C encoder in one call: its separators carry the newline and the
indentation, so the C encoder lays the items out as the indented form would.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from itertools import chain
from typing import Any, TextIO

INDENT = 2
ROWS_PER_CALL = 4096
_SCALARS = (str, int, float, bool, type(None))
# The exact types a row's values are checked against in one pass (a subclass, such as an
# enum member, sends the list down the general path, which writes the same bytes).
_SCALAR_TYPES = frozenset(_SCALARS)


def write_json(value: Any, stream: TextIO, rename: Callable[[str], str] = str) -> None:
    """`value` as indented JSON on `stream`, a newline after it; each object key passes
    through `rename` (the same key names in every row, so a lookup table suffices)."""
    chunks: list[str] = []
    size = 0

    def emit(text: str) -> None:
        nonlocal chunks, size
        chunks.append(text)
        size += len(text)
        if size >= 1 << 16:
            stream.write("".join(chunks))
            chunks, size = [], 0

    _encode(value, 0, emit, rename)
    chunks.append("\n")
    stream.write("".join(chunks))


def _is_flat(items: Sequence[Any]) -> bool:
    return all(isinstance(v, _SCALARS) for v in items)


def _flat(container: Mapping[str, Any] | Sequence[Any], level: int) -> str:
    """A container of scalars, indented as at `level`, in one C-encoder call."""
    inner = "\n" + " " * (INDENT * (level + 1))
    text = json.dumps(container, ensure_ascii=False, separators=("," + inner, ": "))
    if len(text) == 2:  # {} or []: the indented form writes them the same
        return text
    return text[0] + inner + text[1:-1] + "\n" + " " * (INDENT * level) + text[-1]


def _encode(
    value: Any, level: int, emit: Callable[[str], None], rename: Callable[[str], str]
) -> None:
    if isinstance(value, Mapping):
        renamed = {rename(k) if isinstance(k, str) else k: v for k, v in value.items()}
        if _is_flat(list(renamed.values())):
            emit(_flat(renamed, level))
            return
        _container(list(renamed.items()), "{}", level, emit, rename)
    elif isinstance(value, list | tuple):
        if _is_flat(value):
            emit(_flat(list(value), level))
            return
        if not _rows(value, level, emit, rename):
            _container(list(value), "[]", level, emit, rename)
    else:
        emit(json.dumps(value, ensure_ascii=False))


def _rows(
    rows: Sequence[Any], level: int, emit: Callable[[str], None], rename: Callable[[str], str]
) -> bool:
    """A list of rows (objects of scalars with the same keys in the same order), written
    with the C encoder over all their values at once; False, writing nothing, for any
    other list. Encoded JSON never holds a raw NUL, so NUL separates the values."""
    first = rows[0]
    if not isinstance(first, dict) or not first or not all(isinstance(k, str) for k in first):
        return False
    keys = tuple(first)
    # Every row a dict with the same keys in the same order, every value a scalar: checked
    # by C-level iteration (10^5 rows; a loop over them in Python took a third of a second).
    if not all(type(row) is dict for row in rows) or not all(map(keys.__eq__, map(tuple, rows))):
        return False
    if not set(map(type, chain.from_iterable(map(dict.values, rows)))) <= _SCALAR_TYPES:
        return False
    inner = "\n" + " " * (INDENT * (level + 2))
    outer = "\n" + " " * (INDENT * (level + 1))
    # One row: "{", each field on its own line, "}" back at the row's indentation.
    names = [json.dumps(rename(k), ensure_ascii=False).replace("%", "%%") for k in keys]
    template = "{" + inner + ("," + inner).join(f"{name}: %s" for name in names) + outer + "}"
    width = len(keys)
    emit("[")
    for start in range(0, len(rows), ROWS_PER_CALL):
        chunk = rows[start : start + ROWS_PER_CALL]
        values = [v for row in chunk for v in row.values()]
        tokens = json.dumps(values, ensure_ascii=False, separators=("\0", ":"))[1:-1].split("\0")
        emit(
            "".join(
                ("," if start or n else "")
                + outer
                + template % tuple(tokens[n * width : (n + 1) * width])
                for n in range(len(chunk))
            )
        )
    emit("\n" + " " * (INDENT * level) + "]")
    return True


def _container(
    items: list[Any],
    brackets: str,
    level: int,
    emit: Callable[[str], None],
    rename: Callable[[str], str],
) -> None:
    inner = "\n" + " " * (INDENT * (level + 1))
    emit(brackets[0])
    for number, item in enumerate(items):
        emit(("," if number else "") + inner)
        if brackets == "{}":
            key, item = item
            emit(json.dumps(_key(key), ensure_ascii=False) + ": ")
        _encode(item, level + 1, emit, rename)
    emit("\n" + " " * (INDENT * level) + brackets[1])


def _key(key: Any) -> str:
    """An object key as json.dumps writes it: strings as they are, scalars as text."""
    if isinstance(key, str):
        return key
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, float):
        return json.dumps(key)
    return str(key)
