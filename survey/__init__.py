"""survey: a literature-survey knowledge base and citation graph.

Top of the package; the layers live in the submodules (docs/architecture.md).
"""

# The one place the version is written: pyproject.toml reads it (`dynamic`).
__version__ = "0.1.0"
# The name on the package index (`survey` there is an unrelated project); the import
# package and the command stay `survey`.
DISTRIBUTION = "survey-kb"
