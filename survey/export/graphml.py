"""GraphML for Gephi (export layer).

Gephi maps a key by its `id`, then by `attr.name` (case-sensitive), and reads only keys
declared `for="node"` or `for="edge"`; `label`, `r`, `g`, `b` and `size` are its visual
keys. Keys are therefore declared with id == attr.name, typed (int, double, string),
and every value is written as text, escaped; a missing value is left out. Node ids are
`n1`, `n2`, ... (the XSD wants an NMTOKEN, which a key like `DBLP:conf/cvpr/FuZM17` is
not); the citekey is the `citekey` attribute. An edge's origin (bib, file, manual) is
`origin`: networkx's `to_pandas_edgelist` reserves `source` and `target`. The colour
(`r`, `g`, `b`) is the graph page's: one per section of the first taxonomy level that
splits the papers, named by `colour_section` (Gephi's partition by it gives the same groups).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from survey.export import write_with
from survey.export.collect import node_size
from survey.export.xmlwrite import (
    XML_DECLARATION,
    empty_element,
    root_start,
    start_tag,
    xml_text,
)
from survey.naming import paper_label
from survey.shapes import ExportData, ExportPaper

GRAPHML = "http://graphml.graphdrawing.org/xmlns"
GRAPHML_XSD = "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"

NODE_KEYS = [
    ("label", "string"),
    ("title", "string"),
    ("year", "int"),
    ("venue", "string"),
    ("citekey", "string"),
    ("doi", "string"),
    ("arxiv", "string"),
    ("section", "string"),
    ("section_path", "string"),
    ("provenance", "string"),
    ("colour_section", "string"),
    ("citations", "int"),
    ("pagerank", "double"),
    ("r", "int"),
    ("g", "int"),
    ("b", "int"),
    ("size", "double"),
]
# Written only when the data has clusters (survey export --clusters).
CLUSTER_KEY = ("cluster", "int")
EDGE_KEYS = [("weight", "double"), ("relation", "string"), ("origin", "string")]


def node_values(paper: ExportPaper) -> dict[str, Any]:
    sections = paper["sections"]
    r, g, b = paper["colour"]
    return {
        "label": paper_label(paper),
        "title": paper["title"],
        "year": paper["year"],
        "venue": paper["venue"],
        "citekey": paper["key"],
        "doi": paper["doi"],
        "arxiv": paper["arxiv_id"],
        "section": paper["top_section"],
        "section_path": "; ".join(s["path"] for s in sections),
        "provenance": "; ".join(sorted({s["provenance"] for s in sections})),
        "colour_section": paper["colour_section"],
        "citations": paper["citations"],
        "pagerank": paper["pagerank"],
        "r": r,
        "g": g,
        "b": b,
        "size": node_size(paper["citations"]),
        "cluster": paper.get("cluster"),
    }


def has_clusters(data: ExportData) -> bool:
    """True when the papers carry their clusters (the data was gathered with them)."""
    return any("cluster" in paper for paper in data["papers"])


def write_graphml(data: ExportData, path: Path) -> None:
    write_with(path, lambda stream: _write(data, stream))


def _write(data: ExportData, out: IO[str]) -> None:
    write = out.write
    write(XML_DECLARATION)
    write(root_start("graphml", GRAPHML, GRAPHML_XSD) + "\n")
    node_keys = NODE_KEYS + ([CLUSTER_KEY] if has_clusters(data) else [])
    for scope, keys in (("node", node_keys), ("edge", EDGE_KEYS)):
        for name, kind in keys:
            key = [("id", name), ("for", scope), ("attr.name", name), ("attr.type", kind)]
            write(f"  {empty_element('key', key)}\n")
    write(f"  {start_tag('graph', [('id', 'citations'), ('edgedefault', 'directed')])}\n")
    # One opening per key, built once: the loops below write a million of them.
    opening = {name: start_tag("data", [("key", name)]) for name, _kind in node_keys + EDGE_KEYS}
    ids = {paper["key"]: f"n{index}" for index, paper in enumerate(data["papers"], start=1)}
    for paper in data["papers"]:
        values = node_values(paper)
        write(f"    {start_tag('node', [('id', ids[paper['key']])])}\n")
        for name, _kind in node_keys:
            value = values[name]
            if value is None or value == "":
                continue
            write(f"      {opening[name]}{xml_text(value)}</data>\n")
        write("    </node>\n")
    for index, edge in enumerate(data["edges"]):
        ends = [
            ("id", f"e{index}"),
            ("source", ids[edge["citing"]]),
            ("target", ids[edge["cited"]]),
        ]
        write(f"    {start_tag('edge', ends)}\n      {opening['weight']}1.0</data>\n")
        if edge["relation"]:
            write(f"      {opening['relation']}{xml_text(edge['relation'])}</data>\n")
        write(f"      {opening['origin']}{xml_text(edge['origin'])}</data>\n    </edge>\n")
    write("  </graph>\n</graphml>\n")
