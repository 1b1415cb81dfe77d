"""knowledge/company.json: validated with file, line and field; loaded with the knowledge; COMPANY_*
settings win field by field; with neither there is no profile."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from app.cli import cli
from db.embeddings import LocalEmbedder
from db.knowledge.company import CompanyProfile, company_profile, describe_company
from db.knowledge.files import read_knowledge
from db.knowledge.loader import load_knowledge
from tests.conftest import test_settings

GOOD = {
    "name": "Northwind Traders",
    "description": "Sells speciality foods to shops across Europe.",
    "currency": "EUR",
    "fiscal_year_start_month": 4,
    "timezone": "Europe/Berlin",
}
BROKEN = [
    # id, file text (one field per line from line 2), field, line, words in the message
    ("no-name", {"description": "d"}, "name", 1, "missing required field"),
    ("empty-description", {"name": "N", "description": " "}, "description", 3, "must not be empty"),
    ("currency", {**GOOD, "currency": "euro"}, "currency", 4, "ISO 4217"),
    (
        "month-type",
        {**GOOD, "fiscal_year_start_month": "April"},
        "fiscal_year_start_month",
        5,
        "whole number",
    ),
    ("month-range", {**GOOD, "fiscal_year_start_month": 13}, "fiscal_year_start_month", 5, "1 to 12"),
    ("timezone", {**GOOD, "timezone": "Mars/Olympus"}, "timezone", 6, "unknown time zone"),
]


def write(folder: Path, profile: dict[str, object] | str) -> Path:
    folder.mkdir(exist_ok=True)
    body = profile if isinstance(profile, str) else json.dumps(profile, indent=1)
    (folder / "company.json").write_text(body)
    return folder


@pytest.mark.parametrize(
    ("profile", "field", "line", "words"), [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN]
)
def test_a_broken_company_file_is_reported_with_file_line_and_field(
    tmp_path: Path, profile: dict[str, object], field: str, line: int, words: str
) -> None:
    problems = read_knowledge(write(tmp_path / "k", profile)).problems
    assert len(problems) == 1, problems
    assert problems[0].file.endswith("k/company.json")
    assert (problems[0].field, problems[0].line) == (field, line)
    assert words in problems[0].message


def test_dash_knowledge_validate_reports_the_company_file(tmp_path: Path) -> None:
    folder = write(tmp_path / "k", {**GOOD, "timezone": "Nowhere"})
    result = CliRunner().invoke(cli, ["knowledge", "validate", "--path", str(folder)])
    assert result.exit_code == 1
    assert "company.json:6: timezone: unknown time zone" in result.output


def test_the_shipped_sample_knowledge_describes_its_company() -> None:
    knowledge = read_knowledge(Path(__file__).parents[2] / "knowledge")
    assert not knowledge.problems and knowledge.company is not None
    assert knowledge.company["name"] == "Acme Analytics"


def test_loading_stores_the_profile_and_settings_win_field_by_field(
    tmp_path: Path, engine: Engine, embedder: LocalEmbedder
) -> None:
    load_knowledge(engine, embedder, write(tmp_path / "k", GOOD))
    settings = test_settings(tmp_path, company_name="Northwind GmbH", company_timezone="UTC")
    profile = company_profile(engine, settings)
    assert profile == CompanyProfile("Northwind GmbH", GOOD["description"], "EUR", 4, "UTC")
    assert company_profile(engine, test_settings(tmp_path)) == CompanyProfile(**GOOD)  # type: ignore[arg-type]


def test_removing_the_file_removes_the_profile_and_nothing_says_the_company(
    tmp_path: Path, engine: Engine, embedder: LocalEmbedder
) -> None:
    folder = write(tmp_path / "k", GOOD)
    load_knowledge(engine, embedder, folder)
    (folder / "company.json").unlink()
    (folder / "docs").mkdir()
    (folder / "docs" / "readme.md").write_text("# Notes\nNothing about the company.")
    load_knowledge(engine, embedder, folder)
    assert company_profile(engine, test_settings(tmp_path)) is None
    only_settings = company_profile(engine, test_settings(tmp_path, company_name="Solo Ltd"))
    assert only_settings is not None and describe_company(only_settings).startswith("Solo Ltd:")


def test_the_description_names_currency_fiscal_year_and_time_zone() -> None:
    text = describe_company(CompanyProfile(**GOOD))  # type: ignore[arg-type]
    assert text.startswith("Northwind Traders: Sells speciality foods")
    assert "EUR" in text and "April" in text and "Europe/Berlin" in text


def test_the_fiscal_year_start_is_the_last_start_month_on_or_before_today() -> None:
    april = CompanyProfile(fiscal_year_start_month=4)
    assert april.fiscal_year_start(date(2026, 3, 31)) == date(2025, 4, 1)
    assert april.fiscal_year_start(date(2026, 4, 1)) == date(2026, 4, 1)
    assert CompanyProfile().fiscal_year_start(date(2026, 7, 9)) == date(2026, 1, 1)


def test_settings_refuse_an_unknown_time_zone_or_currency(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        test_settings(tmp_path, company_timezone="Europe/Atlantis")
    with pytest.raises(ValueError, match="COMPANY_CURRENCY|company_currency"):
        test_settings(tmp_path, company_currency="dollars")
