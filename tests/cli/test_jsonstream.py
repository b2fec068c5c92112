"""The CLI's streamed JSON is byte for byte `json.dumps(value, indent=2, ensure_ascii=False)`:
rows of scalars through the C encoder, nested containers laid out around them."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.cli.jsonstream import write_json

# Reads and writes no database: run once, in the SQLite run (conftest checks it).
pytestmark = pytest.mark.backend_independent

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text()
)
VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=40,
)


ROWS = st.lists(
    st.sampled_from(["key", "year", "100%", 'é"x', ""]), min_size=1, max_size=4, unique=True
).flatmap(
    lambda keys: st.lists(
        st.fixed_dictionaries({k: SCALARS for k in keys}), min_size=1, max_size=12
    )
)


def written(value: Any, **kwargs: Any) -> str:
    stream = io.StringIO()
    write_json(value, stream, **kwargs)
    return stream.getvalue()


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_same_bytes_as_the_standard_library(value: Any) -> None:
    assert written(value) == json.dumps(value, indent=2, ensure_ascii=False) + "\n"


@settings(max_examples=300, deadline=None)
@given(ROWS, st.integers(min_value=0, max_value=2))
def test_rows_same_bytes_as_the_standard_library(rows: list[dict[str, Any]], depth: int) -> None:
    """Lists of rows with the same keys (the lineage and check rows) take the fast path."""
    value: Any = rows
    for _ in range(depth):
        value = {"papers": value, "n": len(rows)}
    assert written(value) == json.dumps(value, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize(
    "value",
    [
        pytest.param({}, id="empty-object"),
        pytest.param([], id="empty-list"),
        pytest.param({"a": [], "b": {}, "c": [{}]}, id="empty-inside"),
        pytest.param({"k": 'quote " and \\ and \n and \u2028 and 𝄞 and 中文'}, id="escapes"),
        pytest.param(
            {1: "int key", False: "bool key", None: "none key", 2.5: "x", "s": [1, {}]}, id="keys"
        ),
        pytest.param({"rows": [{"a": 1}, {"a": [1, {"b": None}]}]}, id="mixed-rows"),
        pytest.param({"x": float("inf"), "y": float("-inf")}, id="infinity"),
    ],
)
def test_edge_cases(value: Any) -> None:
    assert written(value) == json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def test_keys_renamed_everywhere() -> None:
    value = {"paper": {"key": "a"}, "papers": [{"key": "b", "via": "a"}, {"key": "c", "n": [1]}]}
    text = written(value, rename=lambda k: "citekey" if k == "key" else k)
    assert json.loads(text) == {
        "paper": {"citekey": "a"},
        "papers": [{"citekey": "b", "via": "a"}, {"citekey": "c", "n": [1]}],
    }


def test_large_output_arrives_whole() -> None:
    """More than one chunk of rows and of output: nothing lost or doubled at the boundaries."""
    rows = [{"key": f"k{i}", "title": "t\0%s" * 5, "generation": i % 7} for i in range(9000)]
    rows[4096]["title"] = None
    value = {"papers": rows}
    assert written(value) == json.dumps(value, indent=2, ensure_ascii=False) + "\n"
