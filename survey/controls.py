"""Control characters out of text (bottom layer; only `re`, so the CLI's rendering can
use it without loading the similarity library of survey.textnorm, which re-exports it)."""

from __future__ import annotations

import re

# C0 controls but tab and newline (and DEL): no output carries them. Return, vertical tab
# and form feed separate words, so they become a space; the rest are dropped.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_SEPARATORS = {"\r": " ", "\x0b": " ", "\x0c": " "}


def strip_controls(text: str) -> str:
    """`text` without C0 control characters (tab and newline kept)."""
    if not _CONTROLS.search(text):
        return text
    return _CONTROLS.sub(lambda m: _SEPARATORS.get(m.group(), ""), text.replace("\r\n", "\n"))
