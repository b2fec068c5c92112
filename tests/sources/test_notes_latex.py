"""Surveys written in LaTeX as notes (tests/fixtures/latex: one with natbib and `\\input`
chains, one with biblatex and subfiles, in the shape of arXiv survey sources), their
hostile inputs, and notes of any format that yield nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES
from helpers import Cli
from sqlalchemy import Engine

from survey.db import session_scope
from survey.errors import InputFileError
from survey.ingest.folder import build_survey
from survey.review.mentions import list_mentions
from survey.sources.notes import Notes, load_notes

LATEX = FIXTURES / "latex"
NATBIB = LATEX / "natbib"
BIBLATEX = LATEX / "biblatex"


def load(folder: Path, name: str) -> Notes:
    notes, _size = load_notes(folder / name, folder)
    return notes


def cited(notes: Notes) -> dict[str, list[str]]:
    return {n.path: [k for m in n.mentions for k in m.citekeys] for n in notes.nodes}


def test_natbib_survey_sections_are_the_taxonomy() -> None:
    notes = load(NATBIB, "survey.tex")
    assert [(n.path, n.level, n.label) for n in notes.nodes] == [
        ("introduction", 1, "Introduction"),
        # \label and math never reach the slug; the label shows the math decoded.
        ("convolutional-backbones", 1, "Convolutional backbones C"),
        ("attention-backbones", 1, "Attention backbones"),
        ("attention-backbones/sequence-models", 2, "Sequence models"),
        ("attention-backbones/vision-transformers", 2, "Vision transformers"),
    ]
    assert not notes.diagnostics


def test_natbib_citations_land_where_they_stand() -> None:
    notes = load(NATBIB, "survey.tex")
    # Comments, verbatim, the preamble, the abstract before the first section and the
    # text after \end{document} name nothing in a section; captions, footnotes, tables
    # and items do.
    assert cited(notes) == {
        "introduction": ["krizhevsky2012imagenet", "simonyan2015very"],
        "convolutional-backbones": [
            "simonyan2015very",  # the footnote, closed before its paragraph ends
            "he2016deep",
            "he2016deep",  # the caption's \citet
            "simonyan2015very",
            "he2016deep",  # the table row
        ],
        "attention-backbones": [],
        "attention-backbones/sequence-models": ["vaswani2017attention", "bahdanau2015neural"],
        "attention-backbones/vision-transformers": [
            "dosovitskiy2021image",
            "liu2021swin",
            "touvron2021training",
        ],
    }
    assert [m.citekeys for m in notes.root.mentions] == [["he2016deep"]]


def test_lines_point_into_the_included_file() -> None:
    notes = load(NATBIB, "survey.tex")
    vit = notes.nodes[-1]
    placed = [(Path(m.file).relative_to(NATBIB).as_posix(), m.line) for m in vit.mentions]
    assert placed == [
        ("sections/methods/vit.tex", 1),
        ("sections/methods/vit.tex", 5),
        ("sections/methods/vit.tex", 8),
    ]
    heading = notes.nodes[3]
    assert (Path(heading.file).name, heading.line) == ("attention.tex", 1)


def test_the_sentence_decoded_is_the_annotation() -> None:
    notes = load(NATBIB, "survey.tex")
    intro = notes.nodes[0].mentions
    # \"u decoded, ~ a space, the user's \etal and the citation itself left out.
    assert (
        intro[0].annotation
        == "Deep networks changed image recognition when Krizhevsky won ImageNet."
    )
    assert intro[1].annotation == "Very deep plain networks came next."
    footnote = notes.nodes[1].mentions[0]
    assert footnote.annotation == "Plain stacks of 3×3 convolutions degrade past 20 layers."
    assert all("ResNet" not in m.annotation for m in intro)  # prose names nothing


def test_biblatex_survey_with_subfiles_and_multicites() -> None:
    notes = load(BIBLATEX, "thesis.tex")
    # \chapter is the shallowest level used: level 1; the starred \chapter* counts too.
    assert [(n.path, n.level) for n in notes.nodes] == [
        ("preface", 1),
        ("foundations", 1),
        ("foundations/attention", 2),
        ("foundations/convolution", 2),
        ("vision", 1),
        ("vision/transformers-for-images", 2),
    ]
    found = cited(notes)
    # \Textcite, \textcite and \autocite[6]{...}; \nocite{*} names no one paper.
    assert found["foundations/attention"] == [
        "bahdanau2015neural",
        "vaswani2017attention",
        "vaswani2017attention",
    ]
    # \cites with two key groups and their pre- and postnotes, then a \footcite.
    assert found["foundations/convolution"] == [
        "he2016deep",
        "simonyan2015very",
        "krizhevsky2012imagenet",
        "he2016deep",
    ]
    # \parencite* and \parencites(global note)()[]{a}[]{b}.
    assert found["vision/transformers-for-images"] == [
        "dosovitskiy2021image",
        "liu2021swin",
        "touvron2021training",
    ]


@pytest.mark.parametrize("folder", [NATBIB, BIBLATEX], ids=["natbib", "biblatex"])
def test_latex_survey_builds_every_mention_resolved(engine: Engine, folder: Path) -> None:
    with session_scope(engine, write=True) as session:
        report = build_survey(session, folder)
    assert not report.has_errors and report.open_mentions == []
    assert report.mentions == report.resolved > 0
    with session_scope(engine) as session:
        methods = {m.method for m in list_mentions(session)}
    assert methods == {"citation"}


def test_build_other_notes_given_as_tex(cli: Cli, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(NATBIB, tmp_path / "survey"))
    (folder / "other.tex").write_text(
        "\\section{Only one}\nResNets~\\cite{he2016deep}.\n", encoding="utf-8"
    )
    result = cli("build", folder, "--notes", folder / "other.tex")
    assert result.exit_code == 0, result.stderr
    assert "only-one" in cli("taxonomy", "--format", "csv").stdout


def test_an_unknown_key_is_an_open_mention_at_its_file_and_line(
    engine: Engine, tmp_path: Path
) -> None:
    folder = Path(shutil.copytree(NATBIB, tmp_path / "survey"))
    vit = folder / "sections" / "methods" / "vit.tex"
    vit.write_text(vit.read_text(encoding="utf-8") + "Tokens~\\cite{noSuchKey2020}.\n")
    with session_scope(engine, write=True) as session:
        report = build_survey(session, folder)
    (open_mention,) = report.open_mentions
    assert (open_mention.file, open_mention.line) == (str(vit), 10)
    assert open_mention.title == "noSuchKey2020"


def write_survey(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder / "main.tex"


MAIN = "\\documentclass{article}\n\\begin{document}\n"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        pytest.param(
            {"main.tex": MAIN + "\\section{A}\nText {unclosed \\cite{a}\n\n\\section{B}\n"},
            r"main\.tex:4: open brace opened here is never closed",
            id="unbalanced_brace",
        ),
        pytest.param(
            {"main.tex": MAIN + "\\section{A}\nText } extra\n\\end{document}\n"},
            r"main\.tex:4: Unexpected mismatching closing brace",
            id="extra_closing_brace",
        ),
        pytest.param(
            {"main.tex": MAIN + "\\begin{itemize}\n\\item x \\cite{a}\n\\end{document}\n"},
            r"main\.tex:3: .*itemize.* never closed",
            id="unclosed_environment",
        ),
        pytest.param(
            {"main.tex": MAIN + "\\section{A}\n\\input{sections/missing}\n\\end{document}\n"},
            r"main\.tex:4: \\input\{sections/missing\}: no such file \(looked for .*missing\.tex",
            id="missing_input",
        ),
        pytest.param(
            {
                "main.tex": MAIN + "\\section{A}\n\\input{a}\n\\end{document}\n",
                "a.tex": "\\subsection{B}\n\\input{b}\n",
                "b.tex": "\\cite{x}\n\\include{a}\n",
            },
            r"b\.tex:2: \\include\{a\} inputs .*a\.tex again.*cycle",
            id="input_cycle",
        ),
        pytest.param(
            {"main.tex": MAIN + "\\section{A}\n\\input{main}\n\\end{document}\n"},
            r"main\.tex:4: \\input\{main\} inputs .*main\.tex again",
            id="inputs_itself",
        ),
        pytest.param(
            {"main.tex": MAIN + "\\section{A}\n\\input{../outside}\n\\end{document}\n"},
            r"main\.tex:4: \\input\{\.\./outside\} points outside the survey folder",
            id="outside_the_folder",
        ),
        pytest.param(
            {
                "main.tex": MAIN + "\\section{A}\n\\input{part}\n\\end{document}\n",
                "part.tex": "Fine.\n\nBroken $x \\cite{a}\n\nmore\n",
            },
            r"part\.tex:3: math mode .* never closed",
            id="unclosed_math_in_input",
        ),
        pytest.param(
            {"main.tex": MAIN + "\\section{A}\n\\input{}\n\\end{document}\n"},
            r"main\.tex:4: \\input\{\} names no file",
            id="empty_input",
        ),
    ],
)
def test_hostile_latex_is_refused_with_file_and_line(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    folder = tmp_path / "survey"
    (tmp_path / "outside.tex").write_text("\\section{Outside}\n", encoding="utf-8")
    main = write_survey(folder, files)
    with pytest.raises(InputFileError, match=message):
        load_notes(main, folder)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        pytest.param("notes.md", "Just a paragraph about papers.\n\nAnother.\n", id="markdown"),
        pytest.param("notes.md", "", id="empty_markdown"),
        pytest.param(
            "notes.tex",
            "\\documentclass{article}\n\\begin{document}\nProse, no sections.\n\\end{document}\n",
            id="latex_without_sections_or_cites",
        ),
        pytest.param(
            "notes.tex",
            "\\documentclass{article}\n\\title{\\cite{a}}\n\\begin{document}\n\\end{document}\n",
            id="latex_citing_only_in_the_preamble",
        ),
    ],
)
def test_notes_that_yield_nothing_are_an_error(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError) as raised:
        load_notes(path, tmp_path)
    assert str(path) in str(raised.value) and "no heading and no mention" in str(raised.value)
    assert "Markdown" in str(raised.value) and "LaTeX" in str(raised.value)


def test_build_refuses_empty_notes_with_one_red_line(cli: Cli, tmp_path: Path) -> None:
    folder = Path(shutil.copytree(NATBIB, tmp_path / "survey"))
    (folder / "survey.tex").write_text("Nothing here.\n", encoding="utf-8")
    result = cli("build", folder)
    assert result.exit_code == 1
    assert "survey.tex: holds no heading and no mention" in result.stderr
