"""How survey's scripts start Debian's Chromium for the graph page: the browser tests,
the graph-page benchmark and docs/graph_png.py share these flags."""

from __future__ import annotations

# The flags that work on this kind of machine, as root, with no network.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
