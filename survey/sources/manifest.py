"""A survey folder's manifest, `survey.toml` (sources layer).

title = "..."            # optional: else the notes' only H1, else the folder's name
id = "..."               # optional: the survey's identity in a database (else from the title)
bibliography = ["papers.bib", "citations/*.bib"]   # paths or glob patterns
notes = "notes.md"       # optional: a bibliography-only survey builds too
exclude = ["Table of Contents", "Talks"]            # headings whose subtree is no section

[slugs]                 # heading label as written -> slug
"细粒度视觉识别" = "fine-grained"

[aliases]               # a name the notes use -> citekey
"Bilinear CNN" = "lin2015bilinear"

[curated]               # section path -> papers filed there by the curator
"fine-grained/datasets" = ["wah2011the", "khosla2011novel"]
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from survey.errors import InputFileError
from survey.inputs import decode_utf8, read_input

MANIFEST = "survey.toml"
_KNOWN = {
    "title",
    "id",
    "exclude",
    "bibliography",
    "notes",
    "citations",
    "slugs",
    "aliases",
    "curated",
    "description",
}


@dataclass(slots=True)
class Manifest:
    folder: Path
    path: Path
    title: str
    bibliography: list[Path]
    notes: Path | None
    citations: list[Path] = field(default_factory=list)
    survey_id: str = ""
    exclude: list[str] = field(default_factory=list)
    description: str = ""
    slugs: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    curated: dict[str, list[str]] = field(default_factory=dict)
    text: str = ""
    _keys: dict[str, int] | None = None

    def line_of(self, needle: str) -> int | None:
        """The first line of the manifest holding the string or key `needle` (quoted,
        `'"x"'`, or bare), for messages; an index made once, so a check that names
        every entry of a large table stays linear."""
        if self._keys is None:
            self._keys = {}
            for number, line in enumerate(self.text.splitlines(), start=1):
                for match in _QUOTED_OR_BARE.finditer(line):
                    self._keys.setdefault(match.group(), number)
        if needle in self._keys:
            return self._keys[needle]
        return self._keys.get(needle[1:-1]) if needle.startswith('"') else None


# A TOML basic string, or a bare key before `=`: what line_of looks up.
_QUOTED_OR_BARE = re.compile(r'"(?:[^"\\]|\\.)*"|^\s*[A-Za-z0-9_-]+(?=\s*=)')


def _expand(
    folder: Path,
    patterns: list[str],
    fail: Callable[[str, str | None], InputFileError],
    inside: Callable[[Path, str], Path],
) -> list[Path]:
    """Bibliography entries: a path, or a glob pattern (`citations/*.bib`) matching files."""
    found: list[Path] = []
    for pattern in patterns:
        if any(char in pattern for char in "*?["):
            inside(folder / pattern.split("*")[0].split("?")[0].split("[")[0], pattern)
            matches = sorted(p for p in folder.glob(pattern) if p.is_file())
            if not matches:
                raise fail(f"bibliography pattern {pattern!r} matches no file", pattern)
            for match in matches:
                inside(match, pattern)
            found.extend(m for m in matches if m not in found)
        elif inside(folder / pattern, pattern) not in found:
            found.append(folder / pattern)
    return found


# The most entries one manifest table ([slugs], [aliases], [curated]) may hold, and the
# most citekeys one [curated] section may list: far more than a survey curates by hand,
# and a bound on what checking a manifest may cost.
MAX_TABLE_ENTRIES = 100_000
ALLOW_OUTSIDE = "--allow-outside"


def _within(path: Path, folders: list[Path]) -> bool:
    return any(path == folder or path.is_relative_to(folder) for folder in folders)


def read_manifest(folder: Path, allow_outside: Sequence[Path] = ()) -> Manifest:
    """Read and check `folder/survey.toml`; every problem is an `InputFileError` with its line.

    A path the manifest names must stay inside `folder` once resolved (absolute paths,
    `..`, and symlinks leading out are refused), unless it is inside one of
    `allow_outside`: building a folder someone else wrote must not publish files from
    this machine.
    """
    path, text, data = _read_toml(folder)
    allowed = [folder.resolve(), *(p.expanduser().resolve() for p in allow_outside)]

    def fail(message: str, needle: str | None = None) -> InputFileError:
        return InputFileError(f"{_where(text, path, needle)}: {message}")

    def inside(named: Path, written: str) -> Path:
        real = named.resolve()
        if not _within(real, allowed):
            shown = f"{written!r}" + (f" (resolves to {real})" if str(real) != written else "")
            raise InputFileError(
                f"{_where(text, path, written)}: {shown} is outside the survey folder "
                f"{allowed[0]}; survey reads only inside it",
                f"if you trust this survey, allow it: survey build {ALLOW_OUTSIDE} {real}",
            )
        return named

    unknown = sorted(set(data) - _KNOWN)
    if unknown:
        raise fail(
            f"unknown setting {unknown[0]!r} (known: {', '.join(sorted(_KNOWN))})", unknown[0]
        )
    _refuse_controls(data, fail)
    for name in ("title", "notes", "id"):
        if name in data and (not isinstance(data[name], str) or not data[name].strip()):
            raise fail(f"{name!r} must be a non-empty string", name)
    bibliography = _string_list(data, "bibliography")
    if not bibliography or not all(b.strip() for b in bibliography):
        raise fail("'bibliography' must list at least one .bib file", "bibliography")
    exclude = _string_list(data, "exclude")
    if exclude is None:
        raise fail("'exclude' must list headings, as written in the notes", "exclude")
    citations = _string_list(data, "citations")
    if citations is None:
        raise fail("'citations' must list citations .csv files", "citations")
    slugs, aliases, curated = _tables(data, fail)
    return Manifest(
        folder=folder,
        path=path,
        title=str(data.get("title", "")).strip(),
        survey_id=str(data.get("id", "")).strip(),
        exclude=[e.strip() for e in exclude if e.strip()],
        description=str(data.get("description", "")),
        bibliography=_expand(folder, bibliography, fail, inside),
        notes=inside(folder / data["notes"], data["notes"]) if "notes" in data else None,
        citations=[inside(folder / c, c) for c in citations],
        slugs=slugs,
        aliases=aliases,
        curated=curated,
        text=text,
    )


def _where(text: str, path: Path, needle: str | None) -> str:
    """`path:line` of the first line holding `needle` (or `path`), for messages."""
    if needle:
        for number, row in enumerate(text.splitlines(), start=1):
            if needle in row:
                return f"{path}:{number}"
    return str(path)


# C0 controls but tab, newline and carriage return, and DEL: a NUL in a path or an
# identity is a traceback (or a NUL stored in the database) further on.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _refuse_controls(
    data: dict[str, Any], fail: Callable[[str, str | None], InputFileError]
) -> None:
    """Every string of the manifest, keys too, without control characters; the message
    names the line of the setting or table entry holding it (an iterative walk)."""
    pending: list[tuple[Any, str | None]] = [(data, None)]
    while pending:
        value, setting = pending.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                pending.append((key, setting))
                pending.append((item, key if _CONTROLS.search(key) is None else setting))
        elif isinstance(value, list):
            pending.extend((item, setting) for item in value)
        elif isinstance(value, str) and (bad := _CONTROLS.search(value)):
            shown = value if len(value) < 60 else value[:57] + "..."
            raise fail(
                f"{shown!r} holds the control character U+{ord(bad.group()):04X}; "
                "remove it (a manifest holds text)",
                setting,
            )


def _read_toml(folder: Path) -> tuple[Path, str, dict[str, Any]]:
    """The manifest's path, text and parsed table."""
    if not folder.exists():
        raise InputFileError(f"{folder}: no such folder", "give a survey folder with survey.toml")
    if not folder.is_dir():
        raise InputFileError(f"{folder}: not a folder", "give the folder holding survey.toml")
    path = folder / MANIFEST
    data_bytes = read_input(path, "TOML manifest", f"a survey folder needs a {MANIFEST} manifest")
    text = decode_utf8(data_bytes, str(path), "save survey.toml as UTF-8")
    try:
        return path, text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputFileError(f"{path}: not valid TOML: {exc}") from exc
    except RecursionError:
        raise InputFileError(
            f"{path}: nested too deeply to read (arrays or tables inside each other)",
            "a survey.toml needs only a few levels: flatten it",
        ) from None


def _string_list(data: dict[str, Any], name: str) -> list[str] | None:
    """Setting `name` as a list of strings (one string counts as a list of one; absent is
    empty), or None when it is something else."""
    value = data.get(name, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    return value


def _tables(
    data: dict[str, Any], fail: Callable[[str, str | None], InputFileError]
) -> tuple[dict[str, str], dict[str, str], dict[str, list[str]]]:
    """The [slugs], [aliases] and [curated] tables, checked."""
    tables: dict[str, dict[str, object]] = {}
    for name in ("slugs", "aliases", "curated"):
        value = data.get(name, {})
        if not isinstance(value, dict):
            raise fail(f"[{name}] must be a table", name)
        if len(value) > MAX_TABLE_ENTRIES:
            raise fail(
                f"[{name}] has {len(value):,} entries, more than the {MAX_TABLE_ENTRIES:,} "
                "a manifest table may hold",
                f"[{name}]",
            )
        tables[name] = value
    for name in ("slugs", "aliases"):
        for key, value in tables[name].items():
            if not isinstance(value, str) or not value.strip():
                raise fail(f"[{name}] {key!r} must map to a non-empty string", key)
    curated: dict[str, list[str]] = {}
    for node, keys in tables["curated"].items():
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise fail(f"[curated] {node!r} must be a list of citekeys", node)
        if len(keys) > MAX_TABLE_ENTRIES:
            raise fail(
                f"[curated] {node!r} lists {len(keys):,} papers, more than the "
                f"{MAX_TABLE_ENTRIES:,} one section may hold",
                node,
            )
        curated[node.strip("/")] = list(keys)
    slugs = {k: str(v) for k, v in tables["slugs"].items()}
    aliases = {k: str(v) for k, v in tables["aliases"].items()}
    return slugs, aliases, curated
