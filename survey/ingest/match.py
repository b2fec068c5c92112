"""Resolving the notes' mentions to papers (ingest layer).

Order of evidence: an explicit pandoc citation `[@key]`; a citekey or alias (biblatex
shorthand, the title before a colon, an alias from the manifest) equal to the mention;
a fuzzy match of the mention against normalised titles, with the parenthetical hints
(`ICCV2019`, `NIPS2019`, an author's name) as evidence for or against each candidate.

Thresholds, on rapidfuzz's 0-100 scale over normalised titles (case, accents and
punctuation removed):

- ACCEPT = 90: at 90 and above two titles differ by a typo or two ("Guassian" for
  "Gaussian", a dropped hyphen); below it they are usually different papers that share
  most words ("... for fine-grained image recognition" / "... classification").
- MARGIN = 5: the runner-up must trail by this much, otherwise the mention is ambiguous
  and is reported with its candidates rather than attached to either.
- CONSIDER = 75: an ambiguous mention's best candidate scores at least this; below it the
  mention is unresolved.
- Hints move a candidate's score: the year of a venue hint must equal the paper's year
  (a different year vetoes the candidate: a near-miss title of another year is another
  paper; only an exact title may be a year off, for 3 points); a matching venue adds
  3, a different one takes 8; an author name adds 3.
- A mention `Name: a title of four words or more` is also scored by the part after the
  name, 2 points less sure: bibliographies often drop the name from the title.
- A link in the bullet to an arXiv abstract or a DOI that a paper has names that paper.

Candidates come from an inverted index of title words (rarest words first), so a
mention is scored against a few hundred titles, not against every paper.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from survey.sources.notes import NoteMention
from survey.textnorm import closest, normalize_name, normalize_title, similarity
from survey.vocab import ResolutionState

ACCEPT = 90.0
MARGIN = 5.0
CONSIDER = 75.0
YEAR_BONUS = 3.0
VENUE_BONUS = 3.0
VENUE_PENALTY = 8.0
AUTHOR_BONUS = 3.0
YEAR_SLACK_PENALTY = 3.0
SUBTITLE_MIN_WORDS = 4
SUBTITLE_PENALTY = 2.0
SHOWN_CANDIDATES = 3
# Postings lists of the rarest words of a mention make its candidate set.
RARE_WORDS = 3
MAX_CANDIDATES = 400

# Abbreviations used in notes -> words of the venue's full name.
VENUES: dict[str, tuple[str, ...]] = {
    "cvpr": ("computer vision and pattern recognition", "cvpr"),
    "iccv": ("international conference on computer vision", "iccv"),
    "eccv": ("european conference on computer vision", "eccv"),
    "accv": ("asian conference on computer vision", "accv"),
    "wacv": ("winter conference on applications of computer vision", "wacv"),
    "bmvc": ("british machine vision conference", "bmvc"),
    "nips": ("neural information processing systems", "nips", "neurips"),
    "neurips": ("neural information processing systems", "nips", "neurips"),
    "iclr": ("learning representations", "iclr"),
    "icml": ("international conference on machine learning", "icml"),
    "aaai": ("aaai",),
    "ijcai": ("international joint conference on artificial intelligence", "ijcai"),
    "acl": ("association for computational linguistics", "acl"),
    "emnlp": ("empirical methods in natural language processing", "emnlp"),
    "mm": ("multimedia",),
    "acmmm": ("multimedia",),
    "tpami": ("pattern analysis and machine intelligence", "tpami"),
    "pami": ("pattern analysis and machine intelligence", "tpami"),
    "tip": ("transactions on image processing",),
    "tmm": ("transactions on multimedia",),
    "ijcv": ("international journal of computer vision", "ijcv"),
    "pr": ("pattern recognition",),
    "siggraph": ("siggraph", "computer graphics"),
    "arxiv": ("arxiv",),
}
_VENUE_YEAR = re.compile(r"^([A-Za-z][A-Za-z ]*?)\s*'?(\d{4}|\d{2})$")
_YEAR = re.compile(r"^(?:19|20)\d{2}$")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "the",
        "to",
        "via",
        "with",
        "without",
        "towards",
        "toward",
        "using",
        "based",
        "learning",
    ]
)


@dataclass(frozen=True, slots=True)
class PaperRef:
    """What resolution needs to know of a paper."""

    paper_id: int
    citekey: str
    title: str  # normalised (survey.textnorm.normalize_title)
    year: int | None = None
    venue: str = ""  # normalised
    has_arxiv: bool = False
    aliases: tuple[str, ...] = ()  # normalised
    authors: frozenset[str] = frozenset()  # normalised family names
    doi: str | None = None  # lower case
    arxiv_id: str | None = None


@dataclass(frozen=True, slots=True)
class Hints:
    years: tuple[int, ...] = ()
    venues: tuple[str, ...] = ()  # abbreviations, lower case
    words: tuple[str, ...] = ()  # other hints, normalised (authors, affiliations)


@dataclass(slots=True)
class Resolution:
    status: ResolutionState
    method: str | None = None  # citation | key | alias | identifier | title
    paper: PaperRef | None = None
    score: float | None = None
    candidates: list[tuple[str, float]] = field(default_factory=list)


def parse_hints(hints: Iterable[str]) -> Hints:
    """`["ICCV2019", "中科院"]` -> years (2019,), venues ("iccv",), words ("中科院",)."""
    years: list[int] = []
    venues: list[str] = []
    words: list[str] = []
    for hint in hints:
        text = hint.strip()
        compact = text.replace(" ", "").lower()
        match = _VENUE_YEAR.match(text)
        if _YEAR.match(text):
            years.append(int(text))
        elif match and match.group(1).replace(" ", "").lower() in VENUES:
            venues.append(match.group(1).replace(" ", "").lower())
            digits = match.group(2)
            years.append(int(digits) + (2000 if len(digits) == 2 else 0))
        elif compact in VENUES:
            venues.append(compact)
        elif normalize_title(text):
            words.append(normalize_title(text))
    return Hints(tuple(years), tuple(venues), tuple(words))


class Resolver:
    """Resolves mentions against a fixed set of papers; build once, resolve many."""

    def __init__(self, papers: Iterable[PaperRef], aliases: Mapping[str, str] | None = None):
        self.papers = list(papers)
        self._by_key = {p.citekey.lower(): p for p in self.papers}
        self._by_alias: dict[str, list[PaperRef]] = {}
        for paper in self.papers:
            for alias in paper.aliases:
                self._by_alias.setdefault(alias, []).append(paper)
        # The manifest's aliases are the author's choices: they win over hints.
        self._chosen: dict[str, PaperRef] = {}
        for alias, key in (aliases or {}).items():
            named = self._by_key.get(key.lower())
            if named is not None:
                self._chosen[normalize_name(alias)] = named
        self._by_identifier: dict[tuple[str, str], PaperRef] = {}
        for paper in self.papers:
            if paper.doi:
                self._by_identifier.setdefault(("doi", paper.doi.lower()), paper)
            if paper.arxiv_id:
                self._by_identifier.setdefault(("arxiv", paper.arxiv_id.lower()), paper)
                # OpenAlex and Crossref give arXiv preprints DOIs of this form.
                doi = f"10.48550/arxiv.{paper.arxiv_id.lower()}"
                self._by_identifier.setdefault(("doi", doi), paper)
        self._postings: dict[str, list[int]] = {}
        for index, paper in enumerate(self.papers):
            for word in set(paper.title.split()):
                if word not in _STOPWORDS:
                    self._postings.setdefault(word, []).append(index)

    def resolve(self, mention: NoteMention) -> list[Resolution]:
        """One resolution per paper the mention names (several for `[@a; @b]`).

        Keys that only may be citekeys (`@key` in text, an HTML comment `<!--key-->`)
        name papers when they are citekeys; otherwise a bullet is resolved by its title,
        and a paragraph names nothing.
        """
        if mention.citekeys:
            return [self._by_citation(key) for key in mention.citekeys]
        known = [self._by_key[k.lower()] for k in mention.soft_keys if k.lower() in self._by_key]
        if known:
            return [Resolution(ResolutionState.RESOLVED, "key", paper, 100.0) for paper in known]
        if mention.prose:
            return []
        for identifier in mention.identifiers:
            paper = self._by_identifier.get(identifier)
            if paper is not None:
                return [Resolution(ResolutionState.RESOLVED, "identifier", paper, 100.0)]
        return [self.resolve_title(mention.title, parse_hints(mention.hints))]

    def _by_citation(self, key: str) -> Resolution:
        paper = self._by_key.get(key.lower())
        if paper is not None:
            return Resolution(ResolutionState.RESOLVED, "citation", paper, 100.0)
        near = closest(key, list(self._by_key), limit=SHOWN_CANDIDATES, cutoff=0)
        scored = [(self._by_key[k].citekey, round(similarity(key.lower(), k), 1)) for k in near]
        return Resolution(ResolutionState.UNRESOLVED, "citation", None, None, scored)

    def resolve_title(self, title: str, hints: Hints) -> Resolution:
        wanted = normalize_title(title)
        if not wanted:
            return Resolution(ResolutionState.UNRESOLVED)
        by_key = self._by_key.get(title.strip().lower())
        if by_key is not None:
            return Resolution(ResolutionState.RESOLVED, "key", by_key, 100.0)
        chosen = self._chosen.get(normalize_name(title))
        if chosen is not None:
            return Resolution(ResolutionState.RESOLVED, "alias", chosen, 100.0)
        named = self._by_alias.get(normalize_name(title), [])
        if named:
            fitting = [p for p in named if self._adjust(100.0, p, hints) is not None]
            if len(fitting) == 1:
                return Resolution(ResolutionState.RESOLVED, "alias", fitting[0], 100.0)
            if len(fitting) > 1:
                return Resolution(
                    ResolutionState.AMBIGUOUS,
                    "alias",
                    None,
                    None,
                    [(p.citekey, 100.0) for p in fitting],
                )
        return self._fuzzy(wanted, hints, _subtitle(title))

    def _candidates(self, wanted: str) -> list[int]:
        # Every tie is broken by value, never by set or hash order, so the same inputs
        # pick the same candidates in every process (PYTHONHASHSEED varies per run).
        words = sorted(
            {w for w in wanted.split() if w not in _STOPWORDS and w in self._postings},
            key=lambda w: (len(self._postings[w]), w),
        )
        counts: Counter[int] = Counter()
        for word in words[:RARE_WORDS]:
            counts.update(self._postings[word])
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return [index for index, _ in ranked[:MAX_CANDIDATES]]

    def _fuzzy(self, wanted: str, hints: Hints, subtitle: str = "") -> Resolution:
        titles = []
        for index in self._candidates(wanted):
            paper = self.papers[index]
            exact = paper.title == wanted or (bool(subtitle) and paper.title == subtitle)
            titles.append((paper, _title_score(wanted, paper.title, subtitle), exact))
        strict = self._rank(titles, hints, lenient=False)
        if strict.status == ResolutionState.RESOLVED or not any(exact for *_, exact in titles):
            return strict
        # No candidate fits the hints, but a title is the mention's exactly: the list may
        # give the venue's year and venue, the bibliography the preprint's.
        lenient = self._rank(titles, hints, lenient=True)
        return lenient if lenient.status != ResolutionState.UNRESOLVED else strict

    def _rank(
        self, titles: list[tuple[PaperRef, float, bool]], hints: Hints, *, lenient: bool
    ) -> Resolution:
        scored: list[tuple[float, PaperRef]] = []
        for paper, score, exact in titles:
            adjusted = self._adjust(score, paper, hints, exact=lenient and exact)
            if adjusted is not None:
                scored.append((adjusted, paper))
        scored.sort(key=lambda pair: (-pair[0], pair[1].citekey))
        shown = [(p.citekey, round(s, 1)) for s, p in scored[:SHOWN_CANDIDATES]]
        if not scored or scored[0][0] < CONSIDER:
            return Resolution(ResolutionState.UNRESOLVED, None, None, None, shown)
        best_score, best = scored[0]
        runner_up = scored[1][0] if len(scored) > 1 else 0.0
        if best_score >= ACCEPT and best_score - runner_up >= MARGIN:
            return Resolution(ResolutionState.RESOLVED, "title", best, round(best_score, 1), shown)
        return Resolution(ResolutionState.AMBIGUOUS, "title", None, None, shown)

    @staticmethod
    def _adjust(
        score: float, paper: PaperRef, hints: Hints, *, exact: bool = False
    ) -> float | None:
        """The score with the hints' evidence; None when a hint rules the paper out.

        With `exact` (a second pass, for a paper whose whole title is the mention's), a
        year off by one costs 3 points instead of ruling the paper out, and another
        venue costs nothing: lists give the venue's year, bibliographies the preprint's.
        """
        if hints.years and paper.year is not None:
            if paper.year in hints.years:
                score += YEAR_BONUS
            elif exact and any(abs(paper.year - year) <= 1 for year in hints.years):
                score -= YEAR_SLACK_PENALTY
            else:
                return None
        for venue in hints.venues:
            if venue == "arxiv":
                fits = paper.has_arxiv
            else:
                fits = any(words in paper.venue for words in VENUES[venue])
            if fits:
                score += VENUE_BONUS
            elif not exact:
                # An exact title under another venue is the same paper's other version.
                score -= VENUE_PENALTY
        if hints.words and paper.authors:
            mentioned = {w for hint in hints.words for w in hint.split()}
            if mentioned & paper.authors:
                score += AUTHOR_BONUS
        return min(score, 100.0)


def _subtitle(title: str) -> str:
    """`L2G-NeRF: Local-to-Global Registration ...` -> the normalised part after the name,
    when it is long enough to be a title of its own (bibliographies often drop the name)."""
    _, sep, rest = title.partition(":")
    rest_norm = normalize_title(rest) if sep else ""
    return rest_norm if len(rest_norm.split()) >= SUBTITLE_MIN_WORDS else ""


def _title_score(wanted: str, title: str, subtitle: str = "") -> float:
    """Similarity of a mention to a title: whole title, the part before a colon, a prefix,
    or the mention's part after its name (a little less sure)."""
    score = similarity(wanted, title)
    if subtitle:
        score = max(score, similarity(subtitle, title) - SUBTITLE_PENALTY)
    if wanted and title.startswith(wanted) and len(wanted.split()) >= 4:
        # A title cut short in the notes: the more of the title given, the surer.
        score = max(score, 80.0 + 15.0 * len(wanted) / len(title))
    return float(score)
