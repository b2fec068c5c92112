"""The citation relations survey knows (core layer; no imports, so the CLI's option
choices cost nothing at start-up)."""

RELATIONS = ("extends", "baseline", "compares", "uses-dataset", "related")
