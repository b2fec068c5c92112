"""Normalised text, similarity and "did you mean" (bottom layer; the only user of rapidfuzz)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz import fuzz, process

# Re-exported: the code lives in a module without rapidfuzz, for the CLI's start-up.
from survey.controls import strip_controls as strip_controls

_NON_WORD = re.compile(r"[\W_]+")
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def normalize_title(title: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a title, for duplicate checks."""
    text = title.casefold()
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return _NON_WORD.sub(" ", text).strip()


_PLUSES = re.compile(r"\+\+|\+")
_MINUSES = re.compile(r"(?<=\w)--(?=\W|$)")


def normalize_name(name: str) -> str:
    """Like `normalize_title`, for short names: `NeRF++`, `NeRF--` and `NeRF` stay three
    names (the pluses and minuses are spelled out instead of dropped as punctuation)."""
    text = _MINUSES.sub(" minusminus ", name)
    text = _PLUSES.sub(lambda m: " plusplus " if len(m.group(0)) == 2 else " plus ", text)
    return normalize_title(text)


def similarity(a: str, b: str) -> float:
    """0-100 similarity of two strings (normalised Indel distance)."""
    return float(fuzz.ratio(a, b))


def closest(query: str, choices: Iterable[str], limit: int = 3, cutoff: float = 50) -> list[str]:
    """The choices most similar to `query` (ignoring case), best first, for "did you mean"."""
    matches = process.extract(
        query.lower(), list(choices), processor=str.lower, limit=limit, score_cutoff=cutoff
    )
    return [choice for choice, _score, _index in matches]
