"""XML text helpers shared by the GraphML and GEXF writers (export layer)."""

from __future__ import annotations

import re

# Characters XML 1.0 forbids even when escaped (C0 controls but tab, newline, return).
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value: object) -> str:
    """Escape a value for element text or a double-quoted attribute."""
    text = _INVALID.sub("\ufffd", str(value))
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\r", "&#13;")
        .replace("\n", "&#10;")
        .replace("\t", "&#9;")
    )
