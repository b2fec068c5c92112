"""The LaTeX commands and environments the notes reader knows, by what they mean to a
survey: sectioning, citation, input, asides, breaks, and what prints nothing (core layer).
"""

# Sectioning commands and their depth; the notes' levels are relative to the shallowest.
SECTIONING = {
    "part": 0,
    "chapter": 1,
    "section": 2,
    "subsection": 3,
    "subsubsection": 4,
    "paragraph": 5,
    "subparagraph": 6,
}

# Citation commands of LaTeX, natbib and biblatex taking one key list:
# \cmd*[pre][post]{keys}. Capitalised forms (\Citet, \Parencite) start a sentence.
_SINGLE_CITES = [
    "cite",
    "nocite",
    "citet",
    "citep",
    "citealt",
    "citealp",
    "citeauthor",
    "citefullauthor",
    "citeyear",
    "citeyearpar",
    "citenum",
    "citetitle",
    "parencite",
    "textcite",
    "autocite",
    "footcite",
    "footcitetext",
    "smartcite",
    "supercite",
    "fullcite",
    "footfullcite",
    "citeurl",
    "citedate",
    "volcite",
    "pvolcite",
    "fvolcite",
    "tvolcite",
    "avolcite",
]
SINGLE_CITES = frozenset(
    [*_SINGLE_CITES, *(n[0].upper() + n[1:] for n in _SINGLE_CITES if n != "nocite")]
)
# biblatex's multicite commands: \cites(pre)(post)[pre][post]{k1}[pre][post]{k2}...
_MULTI_CITES = ["cites", "parencites", "textcites", "autocites", "footcites", "smartcites"]
_MULTI_CITES += ["supercites"]
MULTI_CITES = frozenset([*_MULTI_CITES, *(n[0].upper() + n[1:] for n in _MULTI_CITES)])

INPUTS = frozenset(["input", "include", "subfile"])
# Text set apart from the paragraph: its citations get its own sentence.
ASIDES = frozenset(["footnote", "footnotetext", "caption", "captionof", "marginpar", "thanks"])
# Commands whose arguments print nothing a reader of the sentence needs.
DROPPED = frozenset(
    [
        "label",
        "ref",
        "eqref",
        "autoref",
        "cref",
        "Cref",
        "pageref",
        "nameref",
        "vref",
        "hyperref",
        "url",
        "includegraphics",
        "vspace",
        "hspace",
        "bibliography",
        "bibliographystyle",
        "addbibresource",
        "printbibliography",
        "maketitle",
        "tableofcontents",
        "listoffigures",
        "listoftables",
        "newcommand",
        "renewcommand",
        "providecommand",
        "def",
        "let",
        "setlength",
        "addtolength",
        "setcounter",
        "newpage",
        "clearpage",
        "centering",
        "noindent",
        "index",
        "glossary",
        "acrodef",
        "newacronym",
    ]
)
SKIPPED_ENVIRONMENTS = frozenset(
    [
        "verbatim",
        "Verbatim",
        "lstlisting",
        "minted",
        "comment",
        "equation",
        "equation*",
        "align",
        "align*",
        "gather",
        "gather*",
        "multline",
        "multline*",
        "eqnarray",
        "eqnarray*",
        "displaymath",
        "math",
        "tikzpicture",
        "thebibliography",
        "filecontents",
        "filecontents*",
    ]
)
BREAKS = frozenset(["item", "par", "bibitem"])
