"""survey: a literature-survey knowledge base and citation graph.

Top of the package; the layers live in the submodules (see DESIGN in the README).
"""

__version__ = "0.1.0"
# The name on the package index (`survey` there is an unrelated project); the import
# package and the command stay `survey`.
DISTRIBUTION = "survey-kb"
