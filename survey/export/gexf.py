"""GEXF 1.2 for Gephi's timeline (export layer).

The graph is `mode="dynamic"` with integer years as its time format: a paper appears
in the year it was published (`start`), a citation in the year of the citing paper, so
Gephi's timeline replays how the field grew. Colour and size are GEXF viz elements, as
in the GraphML export.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from survey.export import write_with
from survey.export.graphml import node_label, node_size
from survey.export.xmltext import xml_text

ATTRIBUTES = [
    ("citekey", "string"),
    ("title", "string"),
    ("year", "integer"),
    ("venue", "string"),
    ("doi", "string"),
    ("section", "string"),
    ("section_path", "string"),
    ("citations", "integer"),
    ("pagerank", "double"),
]


def write_gexf(data: dict[str, Any], path: Path) -> None:
    write_with(path, lambda stream: _write(data, stream))


def _write(data: dict[str, Any], out: IO[str]) -> None:
    write = out.write
    years = {p["key"]: p["year"] for p in data["papers"]}
    write('<?xml version="1.0" encoding="UTF-8"?>\n')
    write(
        '<gexf xmlns="http://www.gexf.net/1.2draft" '
        'xmlns:viz="http://www.gexf.net/1.2draft/viz" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.gexf.net/1.2draft '
        'http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">\n'
    )
    write("  <meta>\n    <creator>survey</creator>\n  </meta>\n")
    write('  <graph mode="dynamic" defaultedgetype="directed" timeformat="integer">\n')
    write('    <attributes class="node" mode="static">\n')
    for index, (name, kind) in enumerate(ATTRIBUTES):
        write(f'      <attribute id="{index}" title="{name}" type="{kind}"/>\n')
    write("    </attributes>\n    <nodes>\n")
    for paper in data["papers"]:
        start = f' start="{paper["year"]}"' if paper["year"] is not None else ""
        write(
            f'      <node id="{xml_text(paper["key"])}" '
            f'label="{xml_text(node_label(paper))}"{start}>\n        <attvalues>\n'
        )
        values = {
            "citekey": paper["key"],
            "title": paper["title"],
            "year": paper["year"],
            "venue": paper["venue"],
            "doi": paper["doi"],
            "section": paper["top_section"],
            "section_path": "; ".join(s["path"] for s in paper["sections"]),
            "citations": paper["citations"],
            "pagerank": paper["pagerank"],
        }
        for index, (name, _kind) in enumerate(ATTRIBUTES):
            value = values[name]
            if value is None or value == "":
                continue
            write(f'          <attvalue for="{index}" value="{xml_text(value)}"/>\n')
        r, g, b = paper["colour"]
        write(
            "        </attvalues>\n"
            f'        <viz:color r="{r}" g="{g}" b="{b}"/>\n'
            f'        <viz:size value="{node_size(paper["citations"])}"/>\n'
            "      </node>\n"
        )
    write("    </nodes>\n    <edges>\n")
    for index, edge in enumerate(data["edges"]):
        year = years.get(edge["citing"])
        start = f' start="{year}"' if year is not None else ""
        label = f' label="{xml_text(edge["relation"])}"' if edge["relation"] else ""
        write(
            f'      <edge id="{index}" source="{xml_text(edge["citing"])}" '
            f'target="{xml_text(edge["cited"])}" weight="1.0"{label}{start}/>\n'
        )
    write("    </edges>\n  </graph>\n</gexf>\n")
