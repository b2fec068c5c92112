"""A bullet of Markdown notes -> the paper it names: title, hints, annotation, keys and
identifiers (core layer).

The common list styles are read: `title (VENUE YEAR) annotation`, `[Title](url), Authors,
VENUE YEAR`, `**Title**. Authors.`, `Authors. "Title." VENUE`, `[[pdf]](url) Title`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from survey.sources.notes.inline import Inline, clean_inline
from survey.sources.notes.tree import NoteMention

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
# Link texts that label a link rather than name a paper: [pdf], [code], [project].
_LINK_WORDS = frozenset(
    [
        "pdf",
        "paper",
        "code",
        "github",
        "project",
        "page",
        "website",
        "blog",
        "video",
        "bibtex",
        "bibtext",
        "bib",
        "arxiv",
        "slides",
        "poster",
        "demo",
        "talk",
        "supp",
        "supplementary",
        "dataset",
        "data",
        "model",
        "models",
        "doi",
        "html",
        "openreview",
        "cvf",
        "official",
        "unofficial",
        "pytorch",
        "tensorflow",
        "jax",
        "colab",
        "youtube",
        "link",
        "abs",
        "homepage",
        "site",
        "notes",
        "review",
        "reviews",
    ]
)
_QUOTED = re.compile(r"[\"“”]([^\"“”]{8,})[\"“”]")
# A leading venue label: [CVPR 2020], [NeurIPS'21], [ECCV 2022 Oral].
_VENUE_TAG = re.compile(r"^\s*\[([A-Za-z][A-Za-z&-]{1,12}\s*'?\d{2,4}(?:\s+\w+)?)\]\s*")
_ARXIV_LINK = re.compile(
    r"arxiv\.org/(?:abs|pdf|html)/((?:\d{4}\.\d{4,5})|(?:[a-z-]+(?:\.[A-Z]{2})?/\d{7}))", re.I
)
_DOI_LINK = re.compile(r"(?:dx\.)?doi\.org/(10\.\d{4,9}/[^\s?#]+)", re.I)


def is_detail_line(text: str) -> bool:
    """True for a line that gives facts of a paper rather than naming one: only links,
    a venue and year, an author list, or a `Field: value` label."""
    cleaned = clean_inline(text)
    plain = cleaned.text
    if not plain:
        return bool(cleaned.links)
    if cleaned.links and all(_is_link_word(t) for t, *_ in cleaned.links):
        rest = plain
        for t, *_ in cleaned.links:
            rest = rest.replace(t, " ")
        if not re.sub(r"[\W_]+", "", rest):
            return True
    if _FIELD_LABEL.match(plain):
        return True
    pieces = [p.strip() for p in _HINT_SPLIT.split(plain) if p.strip()]
    return bool(pieces) and all(_is_fact(p) for p in pieces)


def detail_hints(text: str) -> list[str]:
    """The hints a detail line gives: its venue/year and author pieces, links dropped."""
    cleaned = clean_inline(text)
    plain = cleaned.text
    for link_text, *_ in cleaned.links:
        if _is_link_word(link_text):
            plain = plain.replace(link_text, " ")
    plain = _FIELD_LABEL.sub("", plain)
    pieces = (p.strip(" .") for p in _HINT_SPLIT.split(plain))
    return [p for p in pieces if p and not _is_link_word(p)]


def _is_link_word(text: str) -> bool:
    words = re.sub(r"[\W_]+", " ", text).lower().split()
    return bool(words) and all(w in _LINK_WORDS for w in words)


# Hints are separated by commas, semicolons, bars, or a full stop ending a part.
_HINT_SPLIT = re.compile(r"[,;|]|\.\s")
_FIELD_LABEL = re.compile(
    r"^(?:authors?|venue|conference|journal|year|code|paper|published|in)\s*[:：]\s*", re.I
)
_NAME_WORD = re.compile(r"^(?:[A-Z][\w'’.-]*|[A-Z]\.|de|van|von|der|da|di|del|le|la)$")
_VENUE_YEAR_TEXT = re.compile(r"^[A-Za-z][\w&. -]*?\s*'?(?:19|20)?\d{2}\b.*$")


def _is_fact(piece: str) -> bool:
    """An author name, `et al.`, a year, or a venue with its year."""
    text = piece.strip(" .*")
    if not text:
        return True
    if re.fullmatch(r"(?:19|20)\d{2}", text) or "et al" in text:
        return True
    words = text.replace("and ", "").split()
    if 1 < len(words) <= 4 and all(_NAME_WORD.match(w) for w in words):
        return True
    venue = re.match(r"^([A-Za-z][A-Za-z&-]*)\s*'?((?:19|20)\d{2}|\d{2})\b", text)
    return bool(venue) and len(text.split()) <= 4


def parse_mention(text: str, line: int) -> NoteMention | None:
    """Split a bullet into the title it names, its hints and its annotation.

    `cross-X learning ... (ICCV2019) 注释` -> title, hints ["ICCV2019"], annotation "注释".
    `[Title](url), Authors, VENUE 2020 | [code](url) <!--key-->` -> the link text is the
    title, the authors and venue are hints, the comment a key to try first.
    `**Title**. Authors. VENUE 2020.` and `Authors. "Title." VENUE 2020.` likewise.
    A pandoc citation `[@key]` names the paper outright. A bullet that is only links
    inside the page (a table of contents) names no paper: None.
    """
    cleaned = clean_inline(text)
    plain = cleaned.text
    if not plain and not cleaned.citekeys and not cleaned.soft_keys:
        return None
    if in_page_links(cleaned):
        return None
    mention = NoteMention(
        line=line,
        text=text,
        title=plain,
        citekeys=cleaned.citekeys,
        soft_keys=cleaned.soft_keys,
        identifiers=link_identifiers(href for _, href, *_ in cleaned.links),
    )
    styled = _styled_title(cleaned)
    if styled is not None:
        title, rest = styled
        mention.title = _trim_title(title.strip().rstrip("."))
        mention.hints = detail_hints(rest) if rest.strip() else []
        return mention
    title, hints, annotation = plain, [], ""
    opening = _first_parenthesis(plain)
    if opening is not None:
        closing = _matching_parenthesis(plain, opening)
        title = plain[:opening].strip()
        inside = plain[opening + 1 : closing if closing is not None else len(plain)]
        hints = [h.strip() for h in re.split(r"[,，、;；]", inside) if h.strip()]
        annotation = plain[closing + 1 :].strip() if closing is not None else ""
    else:
        cjk = _CJK.search(plain)
        if cjk and cjk.start() > 0 and re.search(r"[A-Za-z]", plain[: cjk.start()]):
            title, annotation = plain[: cjk.start()].strip(), plain[cjk.start() :].strip()
    mention.title = _trim_title(title)
    mention.hints = hints
    mention.annotation = annotation
    return mention


def in_page_links(cleaned: Inline) -> list[str]:
    """The anchors a bullet links to when it is only links inside the page (a table of
    contents, a cross-index), else []."""
    if not cleaned.links or not all(h.startswith("#") for _, h, *_ in cleaned.links):
        return []
    rest = cleaned.text
    for link_text, *_ in cleaned.links:
        rest = rest.replace(link_text, " ")
    if re.sub(r"[\W_]+", "", rest):
        return []
    return [h[1:] for _, h, *_ in cleaned.links if len(h) > 1]


def names_no_paper(mention: NoteMention) -> bool:
    """True for a bullet that reads as a statistic or a label (`Papers: 174`, `Last
    update 2024-06`) rather than a paper: what a list's title block holds."""
    if mention.citekeys or mention.soft_keys or mention.identifiers:
        return False
    plain = clean_inline(mention.text).text
    label = _LABEL_VALUE.match(plain)
    if label and (re.search(r"\d", label.group(1)) or len(label.group(1).split()) <= 3):
        return True
    words = [w for w in re.findall(r"[^\W\d_]{2,}", plain)]
    return bool(re.search(r"\d", plain)) and len(words) <= 5


_LABEL_VALUE = re.compile(r"^[^:：]{1,40}[:：]\s*(.+)$")


def link_identifiers(hrefs: Iterable[str]) -> list[tuple[str, str]]:
    """The arXiv ids and DOIs that links point at, in order, once each."""
    found: list[tuple[str, str]] = []
    for href in hrefs:
        arxiv = _ARXIV_LINK.search(href)
        if arxiv:
            found.append(("arxiv", arxiv.group(1).lower()))
        doi = _DOI_LINK.search(href)
        if doi:
            found.append(("doi", doi.group(1).lower().rstrip(".")))
    return list(dict.fromkeys(found))


_TRAILING = re.compile(r"(?:\s*[:：–—]+|\s+-+)\s*$")


def _trim_title(title: str) -> str:
    """Drop a trailing colon or dash that joined the title to what followed; `NeRF--`
    keeps its dashes."""
    return _TRAILING.sub("", title.strip()).strip()


def _styled_title(cleaned: Inline) -> tuple[str, str] | None:
    """(title, rest) when the bullet marks its title: a leading link, bold, or quotes."""
    plain = cleaned.text
    # Leading labels that are not the title: [[pdf]](url), [CVPR 2020], **[CVPR 2020]**.
    start = 0
    for link_text, _href, a, b in cleaned.links:
        if a <= start + 1 and (
            _is_link_word(link_text.strip("[]"))
            or _VENUE_TAG.match("[" + link_text.strip("[]") + "]")
        ):
            start = b
            continue
        break
    lead = plain[start:]
    venue = _VENUE_TAG.match(lead)
    prefix_hints = ""
    if venue:
        prefix_hints = venue.group(1)
        start += venue.end()
    for link_text, _href, a, b in cleaned.links:
        if a < start:
            continue
        if plain[start:a].strip(" -–—*:") == "" and _looks_like_title(link_text):
            rest = prefix_hints + ", " + plain[b:] if prefix_hints else plain[b:]
            return link_text, rest
        break
    for bold, a, b in cleaned.strong:
        if a < start:
            continue
        if plain[start:a].strip(" -–—*:[]") == "" and _looks_like_title(bold):
            rest = prefix_hints + ", " + plain[b:] if prefix_hints else plain[b:]
            return bold, rest
        break
    quoted = _QUOTED.search(plain, start)
    if quoted and _looks_like_title(quoted.group(1)):
        before = plain[start : quoted.start()]
        rest = ", ".join(p for p in (prefix_hints, before, plain[quoted.end() :]) if p.strip())
        return quoted.group(1), rest
    if start > 0 and plain[start:].strip():
        # [[pdf]](url) Title, or [CVPR 2020] Title: the rest of the line is the title.
        return plain[start:], prefix_hints
    return None


def _looks_like_title(text: str) -> bool:
    words = text.split()
    return bool(words) and not _is_link_word(text) and (len(words) >= 2 or len(text) >= 4)


def _first_parenthesis(text: str) -> int | None:
    for index, char in enumerate(text):
        if char in "(（" and index > 0:
            return index
    return None


def _matching_parenthesis(text: str, opening: int) -> int | None:
    depth = 0
    for index in range(opening, len(text)):
        if text[index] in "(（":
            depth += 1
        elif text[index] in ")）":
            depth -= 1
            if depth == 0:
                return index
    return None
