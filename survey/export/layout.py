"""The HTML graph page's layouts (export layer): a module of its own, with no imports
beyond the standard library, so `survey export --layout` costs nothing at start-up."""

from __future__ import annotations

from enum import StrEnum


class Layout(StrEnum):
    timeline = "timeline"
    force = "force"
