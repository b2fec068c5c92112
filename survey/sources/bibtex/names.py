"""BibTeX names as BibTeX splits them (`format.name$`): von, last, jr, first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from survey.naming import person_name
from survey.sources.latex import latex_to_unicode


@dataclass(slots=True, frozen=True)
class Person:
    """One author, split the way BibTeX splits names."""

    family: str
    given: str = ""
    von: str = ""
    suffix: str = ""

    @property
    def display(self) -> str:
        return person_name(self.family, self.given, self.von, self.suffix)


def split_authors(value: str) -> tuple[list[Person], bool]:
    """Split a BibTeX name list; returns the people and whether it ended in `and others`."""
    people: list[Person] = []
    more = False
    for name in _split_name_list(value):
        if name.strip().lower() == "others":
            more = True
            continue
        person = _parse_person(name)
        if person is not None:
            people.append(person)
    return people, more


class NameParts(NamedTuple):
    """One name's four parts as BibTeX's `format.name$` sees them: raw TeX, not decoded."""

    first: str
    von: str
    last: str
    jr: str


def split_name_parts(value: str) -> list[NameParts]:
    """A name list as BibTeX splits it (`{ff}`, `{vv}`, `{ll}`, `{jj}` of each name);
    `others` is a name here, as in `num.names$`."""
    parts = (_name_parts(name) for name in _split_name_list(value))
    return [p for p in parts if p is not None]


# BibTeX's `and`: any case, white space (not a tie) on both sides, outside braces.
_AND = re.compile(r"[ \t\r\n]+and[ \t\r\n]+", re.IGNORECASE)


# The name lists of an entry, whose length is capped (MAX_NAMES in values.py).
NAME_FIELDS = frozenset({"author", "editor"})


def count_names(value: str) -> int:
    """How many names a name list holds at most (every `and` counted, braced or not):
    cheap, for the cap checked before the list is split."""
    return sum(1 for _ in _AND.finditer(value)) + 1


def _split_name_list(value: str) -> list[str]:
    """The names of a name list, split at each `and` at brace depth 0."""
    value = value.strip()
    names = _AND.split(value)
    # Every piece balanced means no split fell inside braces: the common case, and fast.
    if "{" not in value or all(n.count("{") == n.count("}") for n in names):
        return names
    names = []
    start = 0
    for match in _AND.finditer(value):
        # BibTeX counts every brace (it knows no escapes), so depth is a difference of counts.
        at = match.start()
        if value.count("{", start, at) == value.count("}", start, at):
            names.append(value[start:at])
            start = match.end()
    names.append(value[start:])
    return names


# The same people appear in many entries of a bibliography: parse each spelling once.
@lru_cache(maxsize=65536)
def _parse_person(name: str) -> Person | None:
    parts = _name_parts(name)
    if parts is None or not parts.last:
        return None
    return _person(parts)


def _name_parts(name: str) -> NameParts | None:
    # BibTeX drops trailing white space, ties, hyphens and commas (with a warning).
    name = name.rstrip(" \t\r\n~-,")
    if "{" in name:
        words = _top_level_words(name)
    else:
        words = name.replace(",", " , ").replace("~", " ").split()
    return _name_from_words(words) if words else None


# A name word: runs of characters outside braces and braced groups (two levels deep).
_NAME_WORD = re.compile(r"(?:[^\s{},~]+|\{(?:[^{}]|\{[^{}]*\})*\})+|,")


def _top_level_words(text: str) -> list[str]:
    """Words of a name, splitting on white space and ties outside braces; commas kept as words.

    Unlike BibTeX, a hyphen does not split a word: `Jean-Paul` stays one word of one part.
    """
    words = _NAME_WORD.findall(text)
    # The regex handles braces two levels deep; deeper nesting loses braces: go slow then.
    if sum(w.count("{") for w in words) == text.count("{"):
        return words
    return _top_level_words_slow(text)


def _top_level_words_slow(text: str) -> list[str]:
    """The same as `_top_level_words` for braces nested deeper than the regex handles."""
    words: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        if depth == 0 and (char.isspace() or char == "~" or char == ","):
            if current:
                words.append("".join(current))
                current = []
            if char == ",":
                words.append(",")
            continue
        current.append(char)
    if current:
        words.append("".join(current))
    return words


# BibTeX's special characters {\x...}: the case of a few is known by their command.
_SPECIAL_LOWER = frozenset({"i", "j", "oe", "ae", "aa", "o", "l", "ss"})
_SPECIAL_UPPER = frozenset({"OE", "AE", "AA", "O", "L"})
_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _is_lower(word: str) -> bool:
    """Whether a word starts a von part: BibTeX's `von_token_found`.

    The first letter at brace depth 0 decides; a braced group is skipped, unless it is a
    special character `{\\...}`, whose case is its command's (`{\\ss}`, `{\\O}`) or else
    that of the first letter after the command (`{\\'e}`, `{\\relax Ch}`). Unlike BibTeX,
    whose 8-bit reader skips every byte of a UTF-8 letter, a non-ASCII letter decides by its
    Unicode case (`Élodie` is not a von word).
    """
    first = word[:1]
    if first in _ASCII_LETTERS:
        return first.islower()
    index = 0
    length = len(word)
    while index < length:
        char = word[index]
        if char == "{":
            index += 1
            if index + 2 < length and word[index] == "\\":
                return _special_is_lower(word, index + 1)
            depth = 1
            while depth and index < length:
                char = word[index]
                if char == "}":
                    depth -= 1
                elif char == "{":
                    depth += 1
                index += 1
            continue
        if char.isalpha():
            return char.islower()
        index += 1
    return False


def _special_is_lower(word: str, index: int) -> bool:
    """The case of a special character whose command starts at `word[index]`."""
    end = index
    while end < len(word) and word[end] in _ASCII_LETTERS:
        end += 1
    command = word[index:end]
    if command in _SPECIAL_LOWER:
        return True
    if command in _SPECIAL_UPPER:
        return False
    depth = 1
    for char in word[end:]:
        if char.isalpha():
            return char.islower()
        if char == "}":
            depth -= 1
            if not depth:
                break
        elif char == "{":
            depth += 1
    return False


def _name_from_words(words: list[str]) -> NameParts | None:
    """BibTeX's three name forms: First von Last; von Last, First; von Last, Jr, First."""
    if "," not in words:
        tokens = words
        # von runs from the first to the last lower-case word; the last word is never von.
        lower = [i for i, w in enumerate(tokens[:-1]) if _is_lower(w)]
        if lower:
            start, end = lower[0], lower[-1] + 1
            return _parts(tokens[:start], tokens[start:end], tokens[end:], [])
        return _parts(tokens[:-1], [], tokens[-1:], [])
    groups: list[list[str]] = [[]]
    for word in words:
        if word == ",":
            groups.append([])
        else:
            groups[-1].append(word)
    von_last = groups[0]
    # BibTeX reads past a third comma as more of the First part.
    first = groups[1] if len(groups) == 2 else [w for g in groups[2:] for w in g]
    jr = groups[1] if len(groups) > 2 else []
    # von is everything up to the last lower-case word before the last word.
    end = len(von_last) - 1
    while end > 0 and not _is_lower(von_last[end - 1]):
        end -= 1
    end = max(end, 0)
    return _parts(first, von_last[:end], von_last[end:], jr)


def _parts(first: list[str], von: list[str], last: list[str], jr: list[str]) -> NameParts:
    return NameParts(" ".join(first), " ".join(von), " ".join(last), " ".join(jr))


def _person(parts: NameParts) -> Person:
    def text(raw: str) -> str:
        return latex_to_unicode(raw) if ("{" in raw or "\\" in raw) else raw

    return Person(
        family=text(parts.last), given=text(parts.first), von=text(parts.von), suffix=text(parts.jr)
    )
