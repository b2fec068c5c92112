"""One name per venue in the report: a venue as entries spell it -> its short form (report
layer). The entry keeps the user's spelling; only the report groups and shows it so.

A venue is matched, ignoring case, accents and punctuation, by the full name of a venue
in `VENUES` appearing in it as whole words (`Proceedings of the IEEE/CVF Conference on
Computer Vision and Pattern Recognition (CVPR)` holds `Computer Vision and Pattern
Recognition`), or by being one of the short forms or their old names, perhaps with a
year or `Proc.` (`NIPS 2017`). A workshop keeps `Workshops` after the short form. Any
other venue ending in a parenthesised abbreviation (`Journal of Things (JoT)`) is shown
as that; the rest as written.
"""

from __future__ import annotations

import re

from survey.textnorm import normalize_title

# (short form, full names, other short names), the most specific full names first: a
# venue takes the first match. Full names are written as they appear inside the longer
# names proceedings carry.
VENUES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("CVPR", ("Computer Vision and Pattern Recognition",), ()),
    ("ICCV", ("International Conference on Computer Vision",), ()),
    ("ECCV", ("European Conference on Computer Vision",), ()),
    ("ACCV", ("Asian Conference on Computer Vision",), ()),
    ("WACV", ("Winter Conference on Applications of Computer Vision",), ()),
    ("BMVC", ("British Machine Vision Conference",), ()),
    ("NeurIPS", ("Neural Information Processing Systems",), ("NIPS",)),
    ("ICML", ("International Conference on Machine Learning",), ()),
    ("ICLR", ("International Conference on Learning Representations",), ()),
    ("AAAI", ("AAAI Conference on Artificial Intelligence",), ()),
    ("IJCAI", ("International Joint Conference on Artificial Intelligence",), ()),
    ("ACL", ("Annual Meeting of the Association for Computational Linguistics",), ()),
    ("NAACL", ("North American Chapter of the Association for Computational Linguistics",), ()),
    ("EMNLP", ("Empirical Methods in Natural Language Processing",), ()),
    ("KDD", ("Knowledge Discovery and Data Mining",), ("SIGKDD",)),
    ("ACM MM", ("ACM International Conference on Multimedia",), ("ACMMM",)),
    ("SIGGRAPH", ("Conference on Computer Graphics and Interactive Techniques",), ()),
    ("TPAMI", ("Transactions on Pattern Analysis and Machine Intelligence",), ("PAMI",)),
    ("IJCV", ("International Journal of Computer Vision",), ()),
    ("TIP", ("IEEE Transactions on Image Processing",), ()),
    ("JMLR", ("Journal of Machine Learning Research",), ()),
    ("arXiv", ("arXiv preprint",), ("CoRR",)),
)
_FULL = tuple((short, f" {normalize_title(name)} ") for short, names, _ in VENUES for name in names)
_SHORT = {normalize_title(name): short for short, _, more in VENUES for name in (short, *more)}
# Words around a short form that do not change the venue: `Proc. CVPR 2019`, `IEEE ICCV`.
_FILLER = re.compile(
    r"^(?:\d{2}|\d{4}|\d+(?:st|nd|rd|th)|proc|proceedings|the|of|in|ieee|cvf|acm)$"
)
_WORKSHOP = re.compile(r"^workshops?$")
_ABBREVIATION = re.compile(r"\(([A-Z][A-Za-z0-9-]*(?:[ -][A-Z0-9][A-Za-z0-9-]*)?)\)\s*$")


def venue_name(venue: str) -> str:
    """The venue's short form (`CVPR`, `NeurIPS`), or the venue as written."""
    text = normalize_title(venue)
    workshop = any(_WORKSHOP.match(word) for word in text.split())
    short = _by_full_name(text) or _by_short_name(text)
    if short is None:
        match = _ABBREVIATION.search(venue)
        if match is None:
            return venue
        short = _SHORT.get(normalize_title(match.group(1)), match.group(1))
        workshop = False  # the abbreviation names the workshop itself (`ICCVW`)
    return f"{short} Workshops" if workshop else short


def _by_full_name(text: str) -> str | None:
    padded = f" {text} "
    return next((short for short, name in _FULL if name in padded), None)


def _by_short_name(text: str) -> str | None:
    words = [w for w in text.split() if not _FILLER.match(w) and not _WORKSHOP.match(w)]
    return _SHORT.get(words[0]) if len(words) == 1 else None
