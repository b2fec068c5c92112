"""Clean BibTeX of the selected papers (export layer).

Each entry is written from its stored field values, LaTeX kept, every value in braces,
`@string` macros expanded and crossref fields already inherited (so `crossref` itself is
left out): `survey load` reads the file back to the same papers, and BibTeX accepts it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from survey.bib import raw_field_values
from survey.export import write_text

# Fields whose stored value is a decoded column, not the entry's text: these are taken
# from the stored entry text when it has them.
_FROM_TEXT = ("title", "author", "abstract", "shorthand", "year", "doi")


def bibtex_text(papers: list[dict[str, Any]]) -> str:
    originals = raw_field_values([p["raw"] for p in papers if p["raw"]])
    chunks = []
    for paper in sorted(papers, key=lambda p: p["key"]):
        values = _values(paper, originals.get(paper["key"], {}))
        lines = [f"@{paper['entry_type']}{{{paper['key']},"]
        width = max((len(name) for name in values), default=0)
        for name, value in values.items():
            lines.append(f"  {name.ljust(width)} = {{{_balanced(value)}}},")
        lines[-1] = lines[-1].rstrip(",")
        lines.append("}")
        chunks.append("\n".join(lines))
    return "\n\n".join(chunks) + ("\n" if chunks else "")


def _values(paper: dict[str, Any], original: dict[str, str]) -> dict[str, str]:
    stored: dict[str, str] = paper["fields"]
    values: dict[str, str] = {}
    for name, value in original.items():
        if name == "crossref":
            continue
        values[name] = stored.get(name, value)
    for name, value in stored.items():
        if name not in values and name != "crossref":
            values[name] = value
    # Without the entry text (or a field missing from it), fall back to the columns.
    if "title" not in values and paper["title"]:
        values["title"] = _escape(paper["title"])
    if "author" not in values and paper["authors"]:
        values["author"] = " and ".join(_name(a) for a in paper["authors"])
    if "year" not in values and paper["year"] is not None:
        values["year"] = str(paper["year"])
    if "doi" not in values and paper["doi"]:
        values["doi"] = paper["doi"]
    return values


def _name(author: dict[str, str]) -> str:
    """A person as `von Last, Jr, First`; a name of several words and no given name is
    braced, so BibTeX keeps it whole (a corporate author)."""
    family = _escape(" ".join(p for p in (author["von"], author["family"]) if p))
    if not author["given"] and not author["suffix"]:
        return f"{{{family}}}" if " " in family else family
    if author["suffix"]:
        return f"{family}, {_escape(author['suffix'])}, {_escape(author['given'])}"
    return f"{family}, {_escape(author['given'])}"


def _escape(text: str) -> str:
    """Plain text -> a BibTeX value: TeX specials escaped."""
    for char in "\\{}":
        text = text.replace(char, {"\\": "\\textbackslash{}", "{": "\\{", "}": "\\}"}[char])
    for char in "&%$#_":
        text = text.replace(char, "\\" + char)
    return text.replace("~", "\\textasciitilde{}").replace("^", "\\textasciicircum{}")


def _balanced(value: str) -> str:
    """A value whose braces do not balance would end the entry early: escape them."""
    depth = 0
    for char in value:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            break
    if depth == 0:
        return value.replace("\n", " ")
    return value.replace("{", "\\{").replace("}", "\\}").replace("\n", " ")


def write_bibtex(data: dict[str, Any], path: Path) -> None:
    write_text(path, bibtex_text(data["papers"]))
