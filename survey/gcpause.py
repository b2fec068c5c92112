"""Pausing the cyclic garbage collector around allocation-heavy work (bottom layer, stdlib
only)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector around allocation-heavy, cycle-free work.

    Parsing a bibliography or walking a large lineage creates 10^5-10^6 small objects
    and no reference cycles; each automatic collection would walk all of them again.
    Reference counting still frees memory.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
