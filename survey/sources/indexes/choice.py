"""Which citation indexes a run asks (sources layer): the ones named, or by default every
one usable with the keys that are set."""

from __future__ import annotations

import os
from collections.abc import Sequence

from survey.errors import SurveyError
from survey.sources.indexes.records import IndexClient
from survey.vocab import INDEX_ORIGINS, Origin

ALL = "all"


def open_clients(
    names: Sequence[str] | None, *, offline: bool = False, refresh: bool = False
) -> tuple[list[IndexClient], list[str]]:
    """The clients of the indexes `names` (None: the default set), in the order runs ask
    them, and one line per index left out of the default and why."""
    from survey.sources.indexes import openalex

    wanted = list(names or [])
    notes: list[str] = []
    if not wanted:
        wanted = [str(o) for o in INDEX_ORIGINS]
        if not os.environ.get(openalex.API_KEY_ENV):
            wanted.remove(Origin.OPENALEX)
            notes.append(
                f"OpenAlex left out: no {openalex.API_KEY_ENV} is set (without a key OpenAlex "
                "allows only a few cents of calls a day; a free key: "
                f"{openalex.KEY_PAGE}); --source openalex asks it anyway"
            )
    elif ALL in wanted:
        wanted = [str(o) for o in INDEX_ORIGINS]
    if Origin.OPENALEX in wanted and not os.environ.get(openalex.API_KEY_ENV) and names:
        notes.append(
            f"OpenAlex without {openalex.API_KEY_ENV}: single-work lookups are free, but "
            "list calls and searches spend a daily allowance of a few cents that a large "
            f"survey exhausts (a free key: {openalex.KEY_PAGE})"
        )
    unknown = sorted(set(wanted) - {str(o) for o in INDEX_ORIGINS})
    if unknown:
        raise SurveyError(
            f"unknown citation index {', '.join(unknown)}",
            "choose openalex, semanticscholar, opencitations or all",
        )
    clients: list[IndexClient] = []
    for origin in INDEX_ORIGINS:
        if origin in wanted:
            clients.append(_client(origin, offline, refresh))
    return clients, notes


def _client(origin: Origin, offline: bool, refresh: bool) -> IndexClient:
    if origin is Origin.OPENALEX:
        from survey.sources.indexes.openalex import OpenAlexClient

        return OpenAlexClient.from_env(offline=offline, refresh=refresh)
    if origin is Origin.SEMANTICSCHOLAR:
        from survey.sources.indexes.semanticscholar import SemanticScholarClient

        return SemanticScholarClient.from_env(offline=offline, refresh=refresh)
    from survey.sources.indexes.opencitations import OpenCitationsClient

    return OpenCitationsClient.from_env(offline=offline, refresh=refresh)
