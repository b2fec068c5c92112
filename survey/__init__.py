"""survey: a literature-survey knowledge base and citation graph.

Top of the package; the layers live in the submodules (see DESIGN in the README).
"""

__version__ = "0.1.0"
