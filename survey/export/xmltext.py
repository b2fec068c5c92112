"""XML text helpers shared by the GraphML and GEXF writers (export layer)."""

from __future__ import annotations

import re

from survey.textnorm import strip_controls

# Besides the C0 controls, XML 1.0 forbids these two non-characters even when escaped.
_INVALID = re.compile("[\ufffe\uffff]")


def xml_text(value: object) -> str:
    """Escape a value for element text or a double-quoted attribute; control characters
    (which XML 1.0 forbids, and no reader wants) are removed."""
    text = _INVALID.sub("\ufffd", strip_controls(str(value)))
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\t", "&#9;")
    )
