"""Words and agreement figures from scikit-learn (graph layer; the only user of
scikit-learn).

`distinctive_words` labels groups of papers by class-based TF-IDF: each group's titles
and abstracts are one document, a word's weight in a group is its frequency there
(normalised by the group's length) times log(1 + A / f), A the average number of words
per group and f the word's frequency over all groups; so a word common to every group
weighs little. `adjusted_mutual_information` compares two labellings of the same papers
(0: no more agreement than chance, 1: the same partition).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Tokens: words of three or more letters (digits and one-letter noise left out), after
# scikit-learn's English stop words.
TOKEN_PATTERN = r"(?u)\b[^\W\d_]{3,}\b"


def distinctive_words(groups: Sequence[str], count: int = 5) -> list[list[str]]:
    """The `count` most distinctive words of each group's text, heaviest first (ties by
    the word), by class-based TF-IDF against the other groups."""
    from sklearn.feature_extraction.text import CountVectorizer

    if not groups:
        return []
    vectoriser = CountVectorizer(stop_words="english", token_pattern=TOKEN_PATTERN)
    try:
        counts = vectoriser.fit_transform(groups)
    except ValueError:  # no word in any group (titles of digits, empty texts)
        return [[] for _ in groups]
    words = vectoriser.get_feature_names_out()
    matrix = counts.toarray().astype(np.float64) if len(words) * len(groups) < 10**7 else None
    totals = np.asarray(counts.sum(axis=1)).ravel().astype(np.float64)
    frequency = np.asarray(counts.sum(axis=0)).ravel().astype(np.float64)
    average = float(totals.mean())
    idf = np.log1p(average / frequency)
    found: list[list[str]] = []
    for row in range(len(groups)):
        if matrix is not None:
            dense = matrix[row]
        else:
            dense = np.asarray(counts[row].todense()).ravel().astype(np.float64)
        if totals[row] == 0:
            found.append([])
            continue
        weight = dense / totals[row] * idf
        present = np.flatnonzero(dense)
        order = present[np.lexsort((words[present], -weight[present]))]
        found.append([str(words[i]) for i in order[:count]])
    return found


def adjusted_mutual_information(first: Sequence[int], second: Sequence[int]) -> float:
    """Adjusted mutual information of two labellings of the same items, rounded to four
    places; 1.0 for identical partitions, about 0 for unrelated ones."""
    from sklearn.metrics import adjusted_mutual_info_score

    if len(first) < 2:
        return 1.0 if len(first) == 1 else 0.0
    return round(float(adjusted_mutual_info_score(list(first), list(second))), 4)
