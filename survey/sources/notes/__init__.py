"""Survey notes -> a taxonomy tree with the mentions of papers under each section (core
layer): the shared model (tree), one reader per format (markdown, latex), and the file
entry point that picks the reader and refuses notes that yield nothing.
"""

from survey.sources.notes.bullets import detail_hints, is_detail_line, parse_mention
from survey.sources.notes.files import load_notes, read_notes_file
from survey.sources.notes.inline import clean_inline, clean_inline_text
from survey.sources.notes.markdown import parse_notes
from survey.sources.notes.tree import Node, NoteMention, Notes, slugify

__all__ = [
    "Node",
    "NoteMention",
    "Notes",
    "clean_inline",
    "clean_inline_text",
    "detail_hints",
    "is_detail_line",
    "load_notes",
    "parse_mention",
    "parse_notes",
    "read_notes_file",
    "slugify",
]
