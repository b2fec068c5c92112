"""XML writing shared by the GraphML and GEXF exports (export layer).

Both write their documents as text, line by line, which is several times faster than an
element tree: this module is the one place that knows XML's rules for that text --
escaping, the characters XML 1.0 cannot carry, attributes, elements and the header.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from survey.textnorm import strip_controls

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
XSI = "http://www.w3.org/2001/XMLSchema-instance"

# Besides the C0 controls, XML 1.0 forbids these two non-characters even when escaped.
_INVALID = re.compile("[\ufffe\uffff]")
# Anything xml_text changes: most values hold none of it and are returned as they are.
_SPECIAL = re.compile('[&<>"\x00-\x1f\x7f\ufffe\uffff]')

Attributes = Iterable[tuple[str, object]]


def xml_text(value: object) -> str:
    """Escape a value for element text or a double-quoted attribute; control characters
    (which XML 1.0 forbids, and no reader wants) are removed."""
    if type(value) is int or type(value) is float:
        return str(value)
    text = str(value)
    if not _SPECIAL.search(text):
        return text
    text = _INVALID.sub("\ufffd", strip_controls(text))
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\t", "&#9;")
    )


def attributes(pairs: Attributes) -> str:
    """` name="value"` for each pair, escaped, in order; a `None` value is left out."""
    text = ""
    for name, value in pairs:
        if value is None:
            continue
        # xml_text's fast paths, inlined: exports write millions of attributes.
        if (isinstance(value, str) and not _SPECIAL.search(value)) or isinstance(value, int):
            text += f' {name}="{value}"'
        else:
            text += f' {name}="{xml_text(value)}"'
    return text


def start_tag(tag: str, pairs: Attributes = ()) -> str:
    return f"<{tag}{attributes(pairs)}>"


def empty_element(tag: str, pairs: Attributes = ()) -> str:
    return f"<{tag}{attributes(pairs)}/>"


def text_element(tag: str, text: object, pairs: Attributes = ()) -> str:
    return f"<{tag}{attributes(pairs)}>{xml_text(text)}</{tag}>"


def root_start(
    tag: str, namespace: str, schema: str, prefixes: Attributes = (), *, extra: Attributes = ()
) -> str:
    """The root element's start tag: default namespace, `xmlns:prefix` declarations,
    the XSD location and any further attributes."""
    declared = [("xmlns", namespace), *((f"xmlns:{p}", uri) for p, uri in prefixes)]
    declared += [("xmlns:xsi", XSI), ("xsi:schemaLocation", f"{namespace} {schema}"), *extra]
    return start_tag(tag, declared)
