"""LaTeX -> Unicode decoding of display fields."""

from __future__ import annotations

import pytest

from survey.sources.latex import latex_to_unicode

# Reads and writes no database: run once, in the SQLite run (conftest checks it).
pytestmark = pytest.mark.backend_independent


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        pytest.param('M{\\"u}ller', "Müller", id="braced_umlaut"),
        pytest.param('M\\"uller', "Müller", id="bare_umlaut"),
        pytest.param("Caf\\'e", "Café", id="acute"),
        pytest.param("Caf\\'{e}", "Café", id="acute_braced_argument"),
        pytest.param("{\\'E}mile", "Émile", id="capital_acute"),
        pytest.param("Garc{\\'\\i}a", "García", id="dotless_i"),
        pytest.param("\\c{c}a va", "ça va", id="cedilla"),
        pytest.param("Erd\\H{o}s", "Erdős", id="hungarian_umlaut"),
        pytest.param("\\v{S}koda", "Škoda", id="caron"),
        pytest.param("{\\o}rsted", "ørsted", id="slashed_o"),
        pytest.param("Stra{\\ss}e", "Straße", id="eszett"),
        pytest.param("Fish \\& Chips", "Fish & Chips", id="ampersand"),
        pytest.param("pages 1--10", "pages 1–10", id="en_dash"),
        pytest.param("yes---no", "yes—no", id="em_dash"),
        pytest.param("{CNN}s for {F}ine-Grained", "CNNs for Fine-Grained", id="protective_braces"),
        pytest.param("$\\alpha$-{GAN}", "α-GAN", id="math_greek"),
        pytest.param("\\textit{in vivo} study", "in vivo study", id="formatting_command"),
        pytest.param("50\\% of \\$5", "50% of $5", id="escaped_specials"),
        pytest.param("``quoted''", "“quoted”", id="tex_quotes"),
        pytest.param("Jos\\'e~Garc\\'ia", "José García", id="tie"),
        pytest.param("a \\{b\\} c", "a {b} c", id="escaped_braces_survive"),
        pytest.param("  spaced\n  out  ", "spaced out", id="whitespace_collapsed"),
        pytest.param("x.org/\\~{}user", "x.org/~user", id="tilde_over_nothing"),
        pytest.param("2\\^{}10", "2^10", id="circumflex_over_nothing"),
        pytest.param("a\\textasciitilde{}b", "a~b", id="textasciitilde_is_not_a_tie"),
        pytest.param("\\textasciicircum{}", "^", id="textasciicircum"),
        pytest.param("\\textbraceleft{}x\\textbraceright{}", "{x}", id="textbraces"),
        pytest.param("\\'{} and \\\"{}", "\u00b4 and \u00a8", id="spacing_accents"),
        pytest.param("Plain title", "Plain title", id="plain_untouched"),
        pytest.param(
            "the 5\\textsuperscript{th} Workshop",
            "the 5th Workshop",
            id="unknown_command_keeps_its_argument",
        ),
        pytest.param("\\frobnicate{x}{y} z", "xy z", id="unknown_command_two_arguments"),
        pytest.param("\\href{http://x.org}{the site}", "the site", id="href_shows_its_text"),
        pytest.param("\\noopsort{a}Zed", "Zed", id="noopsort_prints_nothing"),
        pytest.param("$a \\times b$", "a × b", id="math_keeps_its_blanks"),
        pytest.param("\\ss x", "ßx", id="text_swallows_blank_after_command"),
        pytest.param("$O(n \\log n)$", "O(n log n)", id="operator_names"),
        pytest.param("$\\frac{1}{2}$, $\\sqrt{2}$", "1/2, √(2)", id="fraction_and_root"),
        pytest.param("$\\epsilon$, $\\varepsilon$", "ϵ, ε", id="lunate_epsilon"),
        pytest.param("?`Qu\\'e? !`Ay!", "¿Qué? ¡Ay!", id="inverted_marks"),
    ],
)
def test_decodes(tex: str, text: str) -> None:
    assert latex_to_unicode(tex) == text


def test_unknown_command_alone_stays_visible() -> None:
    # Without an argument it is most likely a user's macro, whose name is the text.
    assert latex_to_unicode("a \\frobnicate b") == "a \\frobnicate b"
    assert latex_to_unicode("\\BERT{} model") == "\\BERT model"
