"""CSL-JSON, as pandoc's citeproc and Zotero read it (export layer)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from survey.export import write_text

# BibTeX entry types -> CSL item types.
TYPES = {
    "article": "article-journal",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "proceedings": "book",
    "book": "book",
    "incollection": "chapter",
    "inbook": "chapter",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "techreport": "report",
    "report": "report",
    "misc": "article",
    "online": "webpage",
    "unpublished": "manuscript",
}


def csl_item(paper: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, str] = paper["fields"]
    item: dict[str, Any] = {
        "id": paper["key"],
        "type": TYPES.get(paper["entry_type"], "article"),
        "title": paper["title"],
    }
    authors = []
    for author in paper["authors"]:
        name: dict[str, str] = {"family": author["family"]}
        if author["given"]:
            name["given"] = author["given"]
        if author["von"]:
            name["non-dropping-particle"] = author["von"]
        if author["suffix"]:
            name["suffix"] = author["suffix"]
        authors.append(name)
    if authors:
        item["author"] = authors
    if paper["year"] is not None:
        item["issued"] = {"date-parts": [[paper["year"]]]}
    if paper["venue"]:
        key = "publisher" if item["type"] in ("report", "thesis", "book") else "container-title"
        item[key] = paper["venue"]
    for source, target in (("volume", "volume"), ("number", "issue"), ("pages", "page")):
        if fields.get(source):
            item[target] = fields[source].replace("--", "-").strip("{}")
    if paper["doi"]:
        item["DOI"] = paper["doi"]
    if paper["arxiv_id"]:
        item["URL"] = f"https://arxiv.org/abs/{paper['arxiv_id']}"
        if item["type"] == "article":
            item["publisher"] = "arXiv"
    if paper["abstract"]:
        item["abstract"] = paper["abstract"]
    if paper["short"]:
        item["title-short"] = paper["short"]
    return item


def write_csljson(data: dict[str, Any], path: Path) -> None:
    items = [csl_item(p) for p in sorted(data["papers"], key=lambda p: p["key"])]
    write_text(path, json.dumps(items, ensure_ascii=False, indent=2) + "\n")
