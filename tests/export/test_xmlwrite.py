"""The XML text helpers shared by the GraphML and GEXF writers, read back by a real parser."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey.export.xmlwrite import (
    XML_DECLARATION,
    empty_element,
    root_start,
    text_element,
    xml_text,
)
from survey.textnorm import strip_controls

# Reads and writes no database: run once, in the SQLite run (conftest checks it).
pytestmark = pytest.mark.backend_independent


def expected(value: str) -> str:
    """What a reader gets back: controls removed, the two non-characters replaced."""
    return strip_controls(value).replace("\ufffe", "\ufffd").replace("\uffff", "\ufffd")


@given(st.text(), st.text())
def test_text_and_attributes_round_trip(text: str, attribute: str) -> None:
    document = XML_DECLARATION + text_element("a", text, [("x", attribute), ("y", None)])
    element = ET.fromstring(document.encode("utf-8"))
    assert (element.text or "") == expected(text)
    assert element.attrib == {"x": expected(attribute)}


def test_numbers_are_written_as_python_writes_them() -> None:
    assert empty_element("size", [("value", 10.5), ("n", 3), ("none", None)]) == (
        '<size value="10.5" n="3"/>'
    )
    assert xml_text(True) == "True"


def test_root_declares_namespaces_and_schema() -> None:
    root = root_start("g", "urn:x", "urn:x/x.xsd", [("viz", "urn:v")], extra=[("version", "1")])
    parsed = ET.fromstring(root + "</g>")
    assert parsed.tag == "{urn:x}g"
    assert parsed.attrib == {
        "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation": "urn:x urn:x/x.xsd",
        "version": "1",
    }
