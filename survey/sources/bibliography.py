"""Bibliography files of any format -> records: which reader a file needs, by its
extension and its content (sources layer).

BibTeX (`.bib`) is parsed piece by piece by `survey.sources.bibtex`; RIS (`.ris`) and
CSL-JSON (`.json`) are small enough to be read whole here. The content decides when it
plainly is another format than the extension says (a `.txt` RIS export, a `.bib` that
holds JSON); otherwise the extension does, and a file with neither is read as BibTeX.
"""

from __future__ import annotations

import re
from pathlib import Path

from survey.sources.bibtex import BibParse
from survey.sources.csljson import parse_csljson
from survey.sources.ris import parse_ris

BIBTEX, RIS, CSLJSON = "bibtex", "ris", "csljson"
EXTENSIONS = {
    ".bib": BIBTEX,
    ".bibtex": BIBTEX,
    ".ris": RIS,
    ".json": CSLJSON,
    ".csljson": CSLJSON,
}
NAMES = {BIBTEX: "BibTeX", RIS: "RIS", CSLJSON: "CSL-JSON"}
_RIS_START = re.compile(r"^TY  -", re.MULTILINE)
_BIBTEX_ENTRY = re.compile(r"^[ \t]*@[ \t]*\w+[ \t]*[{(]", re.MULTILINE)
# How much of the file the content check reads.
_SNIFF_CHARS = 65536


def detect_format(path: Path, text: str) -> str:
    """BIBTEX, RIS or CSLJSON for a file's text."""
    head = text[:_SNIFF_CHARS].lstrip("\ufeff \t\r\n")
    by_extension = EXTENSIONS.get(path.suffix.lower())
    if head[:1] in ("[", "{") and not _BIBTEX_ENTRY.search(head):
        return CSLJSON
    if head.startswith("TY  -") or (by_extension is None and _RIS_START.search(head)):
        return RIS
    if by_extension is not None and by_extension != BIBTEX and _BIBTEX_ENTRY.match(head):
        return BIBTEX
    return by_extension or BIBTEX


def parse_records(kind: str, text: str, filename: str) -> BibParse:
    """The records of a RIS or CSL-JSON text (BibTeX goes through `iter_bibtex_pieces`)."""
    if kind == RIS:
        return parse_ris(text, filename)
    if kind == CSLJSON:
        return parse_csljson(text, filename)
    raise ValueError(f"not a whole-file format: {kind}")
