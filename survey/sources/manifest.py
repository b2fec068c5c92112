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

import tomllib
from collections.abc import Callable
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

    def line_of(self, needle: str) -> int | None:
        """The first line of the manifest containing `needle`, for messages."""
        for number, line in enumerate(self.text.splitlines(), start=1):
            if needle in line:
                return number
        return None


def _expand(
    folder: Path, patterns: list[str], fail: Callable[[str, str | None], InputFileError]
) -> list[Path]:
    """Bibliography entries: a path, or a glob pattern (`citations/*.bib`) matching files."""
    found: list[Path] = []
    for pattern in patterns:
        if any(char in pattern for char in "*?["):
            matches = sorted(p for p in folder.glob(pattern) if p.is_file())
            if not matches:
                raise fail(f"bibliography pattern {pattern!r} matches no file", pattern)
            found.extend(m for m in matches if m not in found)
        elif folder / pattern not in found:
            found.append(folder / pattern)
    return found


def read_manifest(folder: Path) -> Manifest:
    """Read and check `folder/survey.toml`; every problem is an `InputFileError` with its line."""
    path, text, data = _read_toml(folder)

    def fail(message: str, needle: str | None = None) -> InputFileError:
        line = None
        if needle:
            for number, row in enumerate(text.splitlines(), start=1):
                if needle in row:
                    line = number
                    break
        where = f"{path}:{line}" if line else str(path)
        return InputFileError(f"{where}: {message}")

    unknown = sorted(set(data) - _KNOWN)
    if unknown:
        raise fail(
            f"unknown setting {unknown[0]!r} (known: {', '.join(sorted(_KNOWN))})", unknown[0]
        )
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
        bibliography=_expand(folder, bibliography, fail),
        notes=folder / data["notes"] if "notes" in data else None,
        citations=[folder / c for c in citations],
        slugs=slugs,
        aliases=aliases,
        curated=curated,
        text=text,
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
        tables[name] = value
    for name in ("slugs", "aliases"):
        for key, value in tables[name].items():
            if not isinstance(value, str) or not value.strip():
                raise fail(f"[{name}] {key!r} must map to a non-empty string", key)
    curated: dict[str, list[str]] = {}
    for node, keys in tables["curated"].items():
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise fail(f"[curated] {node!r} must be a list of citekeys", node)
        curated[node.strip("/")] = list(keys)
    slugs = {k: str(v) for k, v in tables["slugs"].items()}
    aliases = {k: str(v) for k, v in tables["aliases"].items()}
    return slugs, aliases, curated
