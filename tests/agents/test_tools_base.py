"""Tools from typed functions: the schema the model sees, and what a broken call returns."""

from __future__ import annotations

import asyncio
import datetime
import json
import threading
from dataclasses import dataclass
from typing import Any, Literal

import pytest

from agents.tools.base import Toolset, format_result, parse_docstring, tool


def run_sql(
    sql: str,
    limit: int = 100,
    sample: float | None = None,
    mode: Literal["fast", "exact"] = "fast",
    tables: list[str] | None = None,
    explain: bool = False,
) -> dict[str, Any]:
    """Run one read-only SQL statement and return its rows.

    The statement runs as the analyst role; this paragraph is not part of the description.

    Args:
        sql: One SELECT statement,
            possibly long.
        limit (int): Most rows to return.
        sample: Fraction of rows to sample.
        mode: How to count.
        tables: Tables the statement may read.
        explain: Return the plan instead of rows.

    Returns:
        The rows.
    """
    return {"sql": sql, "limit": limit, "sample": sample, "mode": mode, "tables": tables, "explain": explain}


def test_schema_comes_from_signature_and_docstring() -> None:
    assert tool(run_sql).schema() == {
        "type": "function",
        "function": {
            "name": "run_sql",
            "description": "Run one read-only SQL statement and return its rows.",
            "parameters": {
                "type": "object",
                "properties": {
                    "sql": {"type": "string", "description": "One SELECT statement, possibly long."},
                    "limit": {"type": "integer", "description": "Most rows to return."},
                    "sample": {"type": ["number", "null"], "description": "Fraction of rows to sample."},
                    "mode": {"type": "string", "enum": ["fast", "exact"], "description": "How to count."},
                    "tables": {
                        "type": ["array", "null"],
                        "items": {"type": "string"},
                        "description": "Tables the statement may read.",
                    },
                    "explain": {"type": "boolean", "description": "Return the plan instead of rows."},
                },
                "required": ["sql"],
                "additionalProperties": False,
            },
        },
    }


def test_summary_stops_at_a_section_without_blank_line() -> None:
    assert parse_docstring("Search knowledge.\nArgs:\n    query: Words.") == (
        "Search knowledge.",
        {"query": "Words."},
    )


def undocumented(x: int) -> int:
    return x


def missing_arg_doc(x: int) -> int:
    """Has a summary but no Args."""
    return x


def unsupported(options: dict) -> None:  # type: ignore[type-arg]
    """Takes a dict.

    Args:
        options: Anything.
    """


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (undocumented, "needs a docstring"),
        (missing_arg_doc, "not described under Args"),
        (unsupported, "unsupported type"),
    ],
    ids=["no-docstring", "parameter-not-described", "unsupported-type"],
)
def test_tools_the_model_could_not_use_are_refused_at_definition(fn: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        tool(fn)


def test_duplicate_names_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        Toolset([run_sql, tool(run_sql)])


def run(toolset: Toolset, name: str, arguments: str) -> Any:
    return asyncio.run(toolset.run(name, arguments))


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ('{"sql": ', "the arguments for run_sql are not valid JSON"),
        ("[1, 2]", "invalid arguments for run_sql: expected a JSON object, got list."),
        ("{}", "invalid arguments for run_sql: missing required argument 'sql'."),
        ('{"sql": "x", "rows": 5}', "unexpected argument 'rows'"),
        ('{"sql": 1}', "'sql': Input should be a valid string"),
        ('{"sql": "x", "limit": "10"}', "'limit': Input should be a valid integer"),
        ('{"sql": "x", "mode": "slow"}', "'mode': Input should be 'fast' or 'exact'"),
        ('{"sql": "x", "tables": ["a", 2]}', "'tables[1]': Input should be a valid string"),
    ],
    ids=[
        "bad-json",
        "not-an-object",
        "missing",
        "unexpected",
        "wrong-type",
        "no-coercion",
        "literal",
        "list-item",
    ],
)
def test_bad_arguments_come_back_as_error_text(arguments: str, error: str) -> None:
    outcome = run(Toolset([run_sql]), "run_sql", arguments)
    assert error in outcome.error and outcome.text == f"Error: {outcome.error}"


def test_valid_arguments_are_converted_and_defaults_apply() -> None:
    outcome = run(Toolset([run_sql]), "run_sql", '{"sql": "SELECT 1", "sample": 1, "tables": null}')
    assert outcome.error is None
    assert json.loads(outcome.text) == {
        "sql": "SELECT 1",
        "limit": 100,
        "sample": 1.0,
        "mode": "fast",
        "tables": None,
        "explain": False,
    }


def test_unknown_tool_lists_the_available_ones() -> None:
    assert run(Toolset([run_sql]), "drop_table", "{}").error == (
        "there is no tool named 'drop_table'. Available tools: run_sql."
    )


def test_sync_tools_run_off_the_event_loop_and_async_tools_on_it() -> None:
    def where() -> str:
        """Name the thread it runs in."""
        return threading.current_thread().name

    async def where_async() -> str:
        """Name the thread it runs in."""
        return threading.current_thread().name

    toolset = Toolset([where, where_async])
    assert run(toolset, "where", "").text != threading.current_thread().name  # "" means no arguments
    assert run(toolset, "where_async", "{}").text == threading.current_thread().name


def test_exceptions_and_timeouts_become_error_text() -> None:
    def fails() -> None:
        """Always fails."""
        raise RuntimeError('relation "custmers" does not exist')

    async def hangs() -> None:
        """Never ends."""
        await asyncio.sleep(3600)

    toolset = Toolset([fails, hangs], timeout_s=0.05)
    assert (
        run(toolset, "fails", "{}").error == 'fails failed: RuntimeError: relation "custmers" does not exist'
    )
    assert run(toolset, "hangs", "{}").error == "hangs did not finish within 0.05 seconds."


@dataclass(frozen=True)
class Row:
    day: datetime.date
    total: int


def test_results_are_formatted_for_the_model() -> None:
    assert format_result("plain text") == "plain text"
    assert format_result({"rows": [Row(datetime.date(2025, 12, 31), 3)]}) == (
        '{"rows": [{"day": "2025-12-31", "total": 3}]}'
    )
    assert format_result(Row(datetime.date(2025, 1, 1), 1)) == '{"day": "2025-01-01", "total": 1}'


def test_long_results_are_truncated_with_a_note() -> None:
    text = format_result("x" * 1000, max_chars=100)
    assert text == "x" * 100 + "\n[truncated: showing the first 100 of 1000 characters]"
    toolset = Toolset([lambda_tool], max_result_chars=200)
    assert "[truncated: showing the first 200 of" in run(toolset, "lambda_tool", "{}").text


def lambda_tool() -> list[int]:
    """Returns a long list."""
    return list(range(1000))
