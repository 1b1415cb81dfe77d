"""Knowledge file validation: every problem names file, line and field; shipped files are valid."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from db.knowledge.files import read_knowledge
from db.knowledge.queries import parse_query_text
from tests.knowledge.conftest import FIXTURES

REPO = Path(__file__).parents[2]

BROKEN = [
    # id, file, line, field, words in the message
    ("bad-json", "tables/bad_json.json", 6, "(json)", "not valid JSON"),
    (
        "missing-field",
        "tables/missing_field.json",
        6,
        "table_columns[1].description",
        "missing required field",
    ),
    ("wrong-type", "business/wrong_type.json", 4, "metrics[1].definition", "must be a string"),
    ("untagged-query", "queries/untagged.sql", 7, "query", "untagged query"),
]


@pytest.mark.parametrize(
    ("file", "line", "field", "words"), [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN]
)
def test_each_broken_file_is_reported_with_file_line_and_field(
    file: str, line: int, field: str, words: str
) -> None:
    problems = read_knowledge(FIXTURES / "broken").problems
    mine = [p for p in problems if p.file.endswith(file)]
    assert len(mine) == 1, problems
    assert (mine[0].line, mine[0].field) == (line, field)
    assert words in mine[0].message
    assert str(mine[0]).startswith(f"{FIXTURES / 'broken' / file}:{line}: {field}: ")


QUERY_CASES = [
    ("no-description", "-- <query a>\n-- <query>\nSELECT 1;\n-- </query>\n", 1, "description"),
    ("not-closed", "-- <query a>\n-- <description>d</description>\n-- <query>\nSELECT 1;\n", 1, "query"),
    ("no-open-tag", "-- <query a>\n-- <description>d</description>\nSELECT 1;\n", 1, "query"),
    (
        "bad-name",
        "-- <query Bad Name>\n-- <description>d</description>\n-- <query>\nSELECT 1;\n-- </query>\n",
        1,
        "name",
    ),
    ("empty-sql", "-- <query a>\n-- <description>d</description>\n-- <query>\n-- </query>\n", 4, "sql"),
    (
        "two-statements",
        "-- <query a>\n-- <description>d</description>\n-- <query>\nSELECT 1; SELECT 2;\n-- </query>\n",
        4,
        "sql",
    ),
    ("open-without-header", "-- <query>\nSELECT 1;\n-- </query>\n", 1, "query"),
]


@pytest.mark.parametrize(
    ("text", "line", "field"), [c[1:] for c in QUERY_CASES], ids=[c[0] for c in QUERY_CASES]
)
def test_query_file_problems(text: str, line: int, field: str) -> None:
    _, problems = parse_query_text(text, "q.sql")
    assert [(p.line, p.field) for p in problems][:1] == [(line, field)], problems


def test_a_query_is_never_split_and_multiline_descriptions_join() -> None:
    queries, problems = parse_query_text(
        (FIXTURES / "valid" / "queries" / "revenue.sql").read_text(), "r.sql"
    )
    assert problems == []
    assert [(q.name, q.line) for q in queries] == [("current_mrr", 3), ("mrr_by_plan", 11)]
    assert queries[1].description == "MRR split by plan, trials excluded"
    assert queries[1].sql.startswith("SELECT plan") and queries[1].sql.endswith("ORDER BY mrr DESC;")


def test_duplicate_names_across_files_are_reported(tmp_path: Path) -> None:
    (tmp_path / "queries").mkdir(parents=True)
    body = "-- <query a>\n-- <description>d</description>\n-- <query>\nSELECT 1;\n-- </query>\n"
    (tmp_path / "queries" / "one.sql").write_text(body)
    (tmp_path / "queries" / "two.sql").write_text(body)
    problems = read_knowledge(tmp_path).problems
    assert [(p.file.endswith("two.sql"), p.field) for p in problems] == [(True, "name")]
    assert "one.sql:1" in problems[0].message


def test_validate_command_passes_on_the_shipped_files() -> None:
    result = CliRunner().invoke(cli, ["knowledge", "validate", "--path", str(REPO / "knowledge")])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_validate_command_fails_listing_every_problem() -> None:
    result = CliRunner().invoke(cli, ["knowledge", "validate", "--path", str(FIXTURES / "broken")])
    assert result.exit_code == 1
    for case in BROKEN:
        assert f"{case[1]}:{case[2]}: {case[3]}:" in result.output
