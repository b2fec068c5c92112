"""GEXF 1.2 for Gephi's timeline (export layer).

The graph is `mode="dynamic"` with integer years as its time format: a paper appears
in the year it was published (`start`), a citation in the year of the citing paper, so
Gephi's timeline replays how the field grew. Colour and size are GEXF viz elements, as
in the GraphML export (the colour by `colour_section`, the graph page's).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from survey.export import write_with
from survey.export.collect import node_size
from survey.export.graphml import CLUSTER_KEY, has_clusters
from survey.export.xmlwrite import (
    XML_DECLARATION,
    attributes,
    empty_element,
    root_start,
    start_tag,
    text_element,
)
from survey.naming import paper_label
from survey.shapes import ExportData

GEXF = "http://www.gexf.net/1.2draft"
GEXF_XSD = "http://www.gexf.net/1.2draft/gexf.xsd"

ATTRIBUTES = [
    ("citekey", "string"),
    ("title", "string"),
    ("year", "integer"),
    ("venue", "string"),
    ("doi", "string"),
    ("section", "string"),
    ("section_path", "string"),
    ("colour_section", "string"),
    ("citations", "integer"),
    ("pagerank", "double"),
]


def write_gexf(data: ExportData, path: Path) -> None:
    write_with(path, lambda stream: _write(data, stream))


def _write(data: ExportData, out: IO[str]) -> None:
    write = out.write
    years = {p["key"]: p["year"] for p in data["papers"]}
    write(XML_DECLARATION)
    viz = [("viz", f"{GEXF}/viz")]
    write(root_start("gexf", GEXF, GEXF_XSD, viz, extra=[("version", "1.2")]) + "\n")
    write(f"  <meta>\n    {text_element('creator', 'survey')}\n  </meta>\n")
    graph = [("mode", "dynamic"), ("defaultedgetype", "directed"), ("timeformat", "integer")]
    write(f"  {start_tag('graph', graph)}\n")
    write(f"    {start_tag('attributes', [('class', 'node'), ('mode', 'static')])}\n")
    declared_attributes = ATTRIBUTES + ([(CLUSTER_KEY[0], "integer")] if has_clusters(data) else [])
    for index, (name, kind) in enumerate(declared_attributes):
        declared = [("id", index), ("title", name), ("type", kind)]
        write(f"      {empty_element('attribute', declared)}\n")
    write("    </attributes>\n    <nodes>\n")
    # One opening per attribute, built once: the loop below writes one per value.
    opening = [
        f"<attvalue{attributes([('for', index)])}" for index in range(len(declared_attributes))
    ]
    for paper in data["papers"]:
        node = [("id", paper["key"]), ("label", paper_label(paper)), ("start", paper["year"])]
        write(f"      {start_tag('node', node)}\n        <attvalues>\n")
        values = {
            "citekey": paper["key"],
            "title": paper["title"],
            "year": paper["year"],
            "venue": paper["venue"],
            "doi": paper["doi"],
            "section": paper["top_section"],
            "section_path": "; ".join(s["path"] for s in paper["sections"]),
            "colour_section": paper["colour_section"],
            "citations": paper["citations"],
            "pagerank": paper["pagerank"],
            "cluster": paper.get("cluster"),
        }
        for index, (name, _kind) in enumerate(declared_attributes):
            value = values[name]
            if value is None or value == "":
                continue
            write(f"          {opening[index]}{attributes([('value', value)])}/>\n")
        r, g, b = paper["colour"]
        size = node_size(paper["citations"])
        write(
            "        </attvalues>\n"
            f"        {empty_element('viz:color', [('r', r), ('g', g), ('b', b)])}\n"
            f"        {empty_element('viz:size', [('value', size)])}\n"
            "      </node>\n"
        )
    write("    </nodes>\n    <edges>\n")
    for index, edge in enumerate(data["edges"]):
        ends = [
            ("id", index),
            ("source", edge["citing"]),
            ("target", edge["cited"]),
            ("weight", "1.0"),
            ("label", edge["relation"] or None),
            ("start", years.get(edge["citing"])),
        ]
        write(f"      {empty_element('edge', ends)}\n")
    write("    </edges>\n  </graph>\n</gexf>\n")
