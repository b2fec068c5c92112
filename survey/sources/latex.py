"""LaTeX in BibTeX values -> display Unicode (pure string code, bottom layer).

Table-driven and regex-based rather than a full TeX interpreter: BibTeX fields use a
small, well-known subset of LaTeX, and loading 100k entries must stay close to the
bare parse time, so a value without any TeX syntax is returned untouched.
"""

from __future__ import annotations

import re
import unicodedata

# Accent commands -> combining characters; the result is NFC-normalised.
_ACCENTS = {
    "`": "\u0300",
    "'": "\u0301",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    "u": "\u0306",
    ".": "\u0307",
    '"': "\u0308",
    "r": "\u030a",
    "H": "\u030b",
    "v": "\u030c",
    "d": "\u0323",
    "c": "\u0327",
    "k": "\u0328",
    "b": "\u0331",
}

# Commands that stand for a character or a short text.
_SYMBOLS = {
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
    "dh": "ð",
    "DH": "Ð",
    "th": "þ",
    "TH": "Þ",
    "ng": "ŋ",
    "NG": "Ŋ",
    "textendash": "–",
    "textemdash": "—",
    "textquoteright": "’",
    "textquoteleft": "‘",
    "textquotedblleft": "“",
    "textquotedblright": "”",
    "textregistered": "®",
    "texttrademark": "™",
    "textcopyright": "©",
    "copyright": "©",
    "textdegree": "°",
    "textbackslash": "\\",
    # A literal tilde is a placeholder until `~` (a tie) has become a space.
    "textasciitilde": "\ue004",
    "textasciicircum": "^",
    "textbraceleft": "\ue002",
    "textbraceright": "\ue003",
    "textdollar": "\ue001",
    "textbar": "|",
    "textless": "<",
    "textgreater": ">",
    "textunderscore": "_",
    "ldots": "…",
    "dots": "…",
    "textellipsis": "…",
    "S": "§",
    "P": "¶",
    "dag": "†",
    "euro": "€",
    "pounds": "£",
    "LaTeX": "LaTeX",
    "TeX": "TeX",
    "BibTeX": "BibTeX",
    "times": "×",
    "texttimes": "×",
    "pm": "±",
    "cdot": "·",
    "infty": "∞",
    "leq": "≤",
    "geq": "≥",
    "neq": "≠",
    "approx": "≈",
    "rightarrow": "→",
    "leftarrow": "←",
    "to": "→",
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    # TeX's \\epsilon and \\phi are the lunate and the closed forms; the var- forms are not.
    "epsilon": "ϵ",
    "varepsilon": "ε",
    "zeta": "ζ",
    "eta": "η",
    "theta": "θ",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "μ",
    "nu": "ν",
    "xi": "ξ",
    "pi": "π",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "phi": "ϕ",
    "varphi": "φ",
    "chi": "χ",
    "psi": "ψ",
    "omega": "ω",
    "Gamma": "Γ",
    "Delta": "Δ",
    "Theta": "Θ",
    "Lambda": "Λ",
    "Pi": "Π",
    "Sigma": "Σ",
    "Phi": "Φ",
    "Psi": "Ψ",
    "Omega": "Ω",
    "upsilon": "υ",
    "iota": "ι",
    "omicron": "ο",
    "varpi": "ϖ",
    "varrho": "ϱ",
    "varsigma": "ς",
    "vartheta": "ϑ",
    "Xi": "Ξ",
    "Upsilon": "Υ",
    "ell": "ℓ",
    "hbar": "ħ",
    "aleph": "ℵ",
    "wp": "℘",
    "partial": "∂",
    "nabla": "∇",
    "sum": "∑",
    "prod": "∏",
    "int": "∫",
    "in": "∈",
    "notin": "∉",
    "ni": "∋",
    "forall": "∀",
    "exists": "∃",
    "emptyset": "∅",
    "neg": "¬",
    "wedge": "∧",
    "vee": "∨",
    "cup": "∪",
    "cap": "∩",
    "subset": "⊂",
    "subseteq": "⊆",
    "supset": "⊃",
    "supseteq": "⊇",
    "setminus": "∖",
    "oplus": "⊕",
    "otimes": "⊗",
    "perp": "⊥",
    "parallel": "∥",
    "top": "⊤",
    "sim": "∼",
    "simeq": "≃",
    "cong": "≅",
    "equiv": "≡",
    "propto": "∝",
    "le": "≤",
    "ge": "≥",
    "ne": "≠",
    "ll": "≪",
    "gg": "≫",
    "mid": "|",
    "ast": "∗",
    "star": "⋆",
    "circ": "∘",
    "bullet": "∙",
    "dagger": "†",
    "angle": "∠",
    "cdots": "⋯",
    "vdots": "⋮",
    "ddots": "⋱",
    "Rightarrow": "⇒",
    "Leftarrow": "⇐",
    "leftrightarrow": "↔",
    "uparrow": "↑",
    "downarrow": "↓",
    "mapsto": "↦",
    "langle": "⟨",
    "rangle": "⟩",
    "lbrace": "\ue002",
    "rbrace": "\ue003",
    # Operator names print as their names.
    "log": "log",
    "ln": "ln",
    "exp": "exp",
    "max": "max",
    "min": "min",
    "arg": "arg",
    "det": "det",
    "lim": "lim",
    "sup": "sup",
    "inf": "inf",
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "quad": " ",
    "qquad": " ",
    "par": " ",
    "newline": " ",
    "relax": "",
    "protect": "",
    "allowbreak": "",
    "xspace": "",
}

# Commands whose braced argument is kept as plain text (formatting only).
_WRAPPERS = frozenset(
    {
        "textit",
        "textbf",
        "textsc",
        "texttt",
        "textrm",
        "textsf",
        "textsl",
        "textup",
        "textnormal",
        "emph",
        "mathrm",
        "mathbf",
        "mathit",
        "mathsf",
        "mathtt",
        "mathcal",
        "mathbb",
        "boldsymbol",
        "url",
        "mbox",
        "hbox",
        "text",
        "ensuremath",
        "uppercase",
        "lowercase",
        "MakeUppercase",
        "MakeLowercase",
    }
)

# Commands whose (first) braced argument prints nothing: `\\noopsort{a}` only sorts, and
# `\\href{url}{text}` shows its text.
_DROPPED_ARGUMENT = "noopsort|href|hspace|vspace|label"

# Escaped specials become private-use placeholders so brace removal leaves them alone.
_ESCAPES = {"&": "&", "%": "%", "$": "\ue001", "#": "#", "_": "_", "{": "\ue002", "}": "\ue003"}
_RESTORE = str.maketrans({"\ue001": "$", "\ue002": "{", "\ue003": "}", "\ue004": "~"})

# An accent over nothing (`\~{}`, `\^{}`) is the accent itself as a spacing character.
_SPACING_ACCENTS = {
    "`": "`",
    "'": "\u00b4",
    "^": "^",
    "~": "\ue004",
    "=": "\u00af",
    "u": "\u02d8",
    ".": "\u02d9",
    '"': "\u00a8",
    "r": "\u02da",
    "H": "\u02dd",
    "v": "\u02c7",
    "c": "\u00b8",
    "k": "\u02db",
}

_NEEDS_DECODING = re.compile(r"[\\{}~$]|--|''|``|[?!]`")

_TOKEN = re.compile(
    r"""
    \\(?P<sym_accent>[`'^"~=.])\s*
        (?:\{\s*(?P<sa_braced>\\[ij](?![A-Za-z])|[^{}\\]?)\s*\}|(?P<sa_bare>\\[ij](?![A-Za-z])|[A-Za-z]))
    | \\(?P<let_accent>[uvHckrdb])(?![A-Za-z])\s*
        (?:\{\s*(?P<la_braced>\\[ij](?![A-Za-z])|[^{}\\]?)\s*\}|(?P<la_bare>\\[ij](?![A-Za-z])|[A-Za-z]))
    | \\(?P<escape>[&%$\#_{}])
    | \\(?P<drop>{DROPPED})(?![A-Za-z])\*?\s*\{(?:[^{}]|\{[^{}]*\})*\}
    | \\frac\s*\{(?P<numerator>[^{}\\$]*)\}\s*\{(?P<denominator>[^{}\\$]*)\}
    | \\sqrt\s*\{(?P<radicand>[^{}\\$]*)\}
    | \\(?P<command>[A-Za-z]+)(?P<blank>\s*)(?P<empty>\{\})?
    | \\(?P<space>[\s,;:!])
    | \\\\
    | (?P<math>\$)
    """.replace("{DROPPED}", _DROPPED_ARGUMENT),
    re.VERBOSE,
)

_DASHES_AND_QUOTES = (
    ("---", "—"),
    ("--", "–"),
    ("?`", "¿"),
    ("!`", "¡"),
    ("``", "“"),
    ("''", "”"),
)
_SPACES = re.compile(r"\s+")


def _accented(accent: str, base: str | None) -> str:
    combining = _ACCENTS[accent]
    if not base:
        return _SPACING_ACCENTS.get(accent, combining)
    if base.startswith("\\"):
        base = _SYMBOLS.get(base[1:], base[1:])
        # A dotless i or j under an accent is written \i / \j; the accent replaces the dot.
        base = {"ı": "i", "ȷ": "j"}.get(base, base)
    return unicodedata.normalize("NFC", base + combining)


class _Replacer:
    """The replacement for each token of one value; knows whether it is inside `$...$`."""

    __slots__ = ("math",)

    def __init__(self) -> None:
        self.math = False

    def __call__(self, match: re.Match[str]) -> str:
        group = match.group
        if command := group("command"):
            return self._command(match, command)
        if accent := group("sym_accent"):
            return _accented(accent, group("sa_braced") or group("sa_bare"))
        if accent := group("let_accent"):
            return _accented(accent, group("la_braced") or group("la_bare"))
        if escape := group("escape"):
            return _ESCAPES[escape]
        if group("math") is not None:
            self.math = not self.math
            return ""
        if group("drop") is not None:
            return ""
        if (numerator := group("numerator")) is not None:
            return f"{numerator}/{group('denominator')}"
        if (radicand := group("radicand")) is not None:
            return f"√({radicand})"
        return " "  # a spacing command or a forced line break

    def _command(self, match: re.Match[str], command: str) -> str:
        """A control word: its symbol, its argument's text, or itself when unknown."""
        group = match.group
        # TeX swallows the blanks after a control word; inside math they only space the
        # output, as they do for readers of the decoded text.
        blank = group("blank")
        kept = " " if blank and self.math and group("empty") is None else ""
        if command in _SYMBOLS:
            return _SYMBOLS[command] + kept
        if command in _WRAPPERS:
            return kept
        if group("empty") is None and match.string.startswith("{", match.end()):
            # An unknown command with an argument: the argument is the text
            # (`\\textsuperscript{th}` -> th).
            return kept
        # An unknown command on its own (a user macro such as `\\BERT`) stays visible.
        return "\\" + command + (" " if blank and group("empty") is None else "")


def latex_to_unicode(value: str) -> str:
    """Decode the LaTeX of one BibTeX value into display text.

    `{\\"u}` -> ü, `\\'e` -> é, `\\&` -> &, `--` -> –, `~` -> space; protective
    braces and `$` math delimiters are removed; a command that is not known keeps its
    argument (`\\textsuperscript{th}` -> th) or, without one, stays visible; whitespace is
    collapsed.
    """
    if not _NEEDS_DECODING.search(value):
        if "\n" in value or "  " in value or "\t" in value:
            return _SPACES.sub(" ", value).strip()
        return value.strip()
    text = _TOKEN.sub(_Replacer(), value) if "\\" in value else value
    for tex, char in _DASHES_AND_QUOTES:
        if tex in text:
            text = text.replace(tex, char)
    text = text.replace("~", " ").replace("{", "").replace("}", "").replace("$", "")
    text = text.translate(_RESTORE)
    return _SPACES.sub(" ", text).strip()


def strip_braces(value: str) -> str:
    """Remove BibTeX grouping braces only (for identifiers such as DOIs and keys)."""
    return value.replace("{", "").replace("}", "").strip()
