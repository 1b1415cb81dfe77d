"""`dash knowledge draft`: table files from the live catalog that validate, keep human text, refuse
nothing the catalog holds and never list values of personal-data columns."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine
from typer.testing import CliRunner

from app.cli import cli
from db.engines import DatabaseTarget
from db.knowledge.draft import draft_knowledge
from db.knowledge.files import read_knowledge
from db.knowledge.profile import ProfileOptions, profile_tables
from db.knowledge.sensitive import ColumnPolicy
from tests.conftest import connect, fresh_database

REPO = Path(__file__).parents[2]
SAMPLE_TABLES = {"customers", "subscriptions", "plan_changes", "invoices", "usage_metrics", "support_tickets"}

UNUSUAL = """
CREATE TYPE mood AS ENUM ('calm', 'busy', 'closed');
CREATE TABLE oddities (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    doc jsonb, tags text[], counts integer[], state mood, wait interval, price money,
    blob bytea, ratio numeric, seen_at timestamptz, spot point, "weird:col%" text
);
INSERT INTO oddities (doc, tags, counts, state, wait, price, blob, ratio, seen_at, spot, "weird:col%")
SELECT jsonb_build_object('n', g), ARRAY['a', 'b'], ARRAY[g, g], (ARRAY['calm', 'busy'])[1 + g % 2]::mood,
       make_interval(mins => g), g * 1.5, '\\x0102'::bytea, g / 7.0, now() - make_interval(days => g),
       point(g, g), 'x'
FROM generate_series(1, 50) g;
CREATE TABLE "MixedCase" ("OrderID" integer PRIMARY KEY, "Status Code" text, "customerId" integer);
CREATE TABLE "Mixed Case" (n integer);
CREATE TABLE "Mixed_Case" (m integer);
INSERT INTO "MixedCase" VALUES (1, 'Open', 5), (2, 'Closed', 6);
CREATE VIEW oddity_moods AS SELECT state, count(*) AS n FROM oddities GROUP BY state;
CREATE MATERIALIZED VIEW oddity_days AS SELECT seen_at::date AS day, count(*) AS n FROM oddities GROUP BY 1;
CREATE TABLE events (event_id bigint, happened_on date NOT NULL, kind text) PARTITION BY RANGE (happened_on);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO events SELECT g, date '2024-06-01' + g, (ARRAY['click', 'view'])[1 + g % 2] FROM generate_series(1, 400) g;
CREATE TABLE people (
    person_id integer PRIMARY KEY, email text, phone_number text, full_name text, name text,
    home_address text, api_token text, birth_date date, client_ip text, status text, plan_name text
);
INSERT INTO people SELECT g, 'p' || g % 3 || '@x.org', '555-' || g % 3, 'Ann ' || g % 3, 'N' || g % 3,
       'Main St ' || g % 3, 't' || g % 3, date '1990-01-01' + g, '10.0.0.' || g % 3,
       (ARRAY['active', 'paused'])[1 + g % 2], (ARRAY['gold', 'silver'])[1 + g % 2]
FROM generate_series(1, 30) g;
CREATE TABLE orders (order_id integer PRIMARY KEY, person_id integer, line_item_id integer, total numeric);
CREATE TABLE line_items (line_item_id integer PRIMARY KEY, sku text);
CREATE TABLE categories (id integer PRIMARY KEY, label text);
CREATE TABLE products (product_id integer PRIMARY KEY, category_id integer);
CREATE TABLE big AS SELECT g AS n, g % 4 AS bucket FROM generate_series(1, 60000) g;
ANALYZE big;
"""


def run_admin(target: DatabaseTarget, sql: str) -> None:
    with connect(target, "admin", autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture
def analyst(sample_db: DatabaseTarget) -> Iterator[Engine]:
    engine = create_engine(sample_db.analyst_url, pool_size=2)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def unusual(pg_server: DatabaseTarget) -> Iterator[DatabaseTarget]:
    """One database holding every kind of relation and type the catalog can (read-only tests)."""
    with fresh_database(pg_server) as target:
        run_admin(target, UNUSUAL)
        yield target


@pytest.fixture
def unusual_engine(unusual: DatabaseTarget) -> Iterator[Engine]:
    engine = create_engine(unusual.analyst_url, pool_size=2)
    yield engine
    engine.dispose()


def table_file(root: Path, name: str) -> dict[str, Any]:
    value: dict[str, Any] = json.loads((root / "tables" / f"{name}.json").read_text())
    return value


def test_draft_of_the_sample_data_validates_with_warnings_only(analyst: Engine, tmp_path: Path) -> None:
    report = draft_knowledge(analyst, tmp_path, schemas=["public"])
    assert {t.table for t in report.tables} == SAMPLE_TABLES
    assert {t.status for t in report.tables} == {"written"}
    knowledge = read_knowledge(tmp_path)
    assert knowledge.problems == []
    assert any("column plan has no description yet" in w.message for w in knowledge.warnings)
    plan = table_file(tmp_path, "subscriptions")["profile"]["columns"]["plan"]
    assert plan["values"] == sorted(plan["values"], key=plan["values"].index)  # most frequent first
    assert set(plan["values"]) == {"starter", "growth", "business", "enterprise"}


def test_redrafting_the_shipped_knowledge_keeps_every_word_people_wrote(
    analyst: Engine, tmp_path: Path
) -> None:
    shutil.copytree(REPO / "knowledge", tmp_path, dirs_exist_ok=True)
    before = {f.name: json.loads(f.read_text()) for f in (tmp_path / "tables").glob("*.json")}
    report = draft_knowledge(analyst, tmp_path, schemas=["public"])
    assert {t.status for t in report.tables} == {"refreshed"}
    for name, old in before.items():
        new = json.loads((tmp_path / "tables" / name).read_text())
        assert {k: v for k, v in new.items() if k != "profile"} == old
    knowledge = read_knowledge(tmp_path)
    assert knowledge.problems == [] and knowledge.warnings == []
    again = draft_knowledge(analyst, tmp_path, schemas=["public"])
    assert {t.status for t in again.tables} == {"unchanged"}


def test_an_edited_description_survives_a_redraft_and_schema_changes_are_reported(
    db: DatabaseTarget, tmp_path: Path
) -> None:
    engine = create_engine(db.analyst_url, pool_size=2)
    try:
        draft_knowledge(engine, tmp_path, tables=["customers"])
        file = tmp_path / "tables" / "customers.json"
        value = json.loads(file.read_text())
        value["table_description"] = "One row per company that signed up."
        value["table_columns"][1]["description"] = "Legal name of the company."
        file.write_text(json.dumps(value))
        run_admin(db, "ALTER TABLE customers ADD COLUMN tier text; ALTER TABLE customers DROP COLUMN country")
        report = draft_knowledge(engine, tmp_path, tables=["customers"])
    finally:
        engine.dispose()
    (outcome,) = report.tables
    assert (outcome.status, outcome.added, outcome.dropped) == ("refreshed", ("tier",), ("country",))
    assert "new columns: tier; no longer in the table, remove from the file: country" in outcome.line()
    value = json.loads(file.read_text())
    assert value["table_description"] == "One row per company that signed up."
    assert value["table_columns"][1]["description"] == "Legal name of the company."
    assert value["table_columns"][-1] == {"name": "tier", "type": "text", "description": ""}
    warnings = [w.message for w in read_knowledge(tmp_path).warnings]
    assert "column country is no longer in the table" in warnings


def test_every_kind_of_relation_and_type_is_drafted_without_error(
    unusual_engine: Engine, tmp_path: Path
) -> None:
    report = draft_knowledge(unusual_engine, tmp_path, schemas=["public"])
    assert [t for t in report.tables if t.status != "written"] == []
    knowledge = read_knowledge(tmp_path)
    assert knowledge.problems == []
    kinds = {d.name: d.content for d in knowledge.documents}
    assert "(view," in kinds["oddity_moods"] and "(materialized view," in kinds["oddity_days"]
    assert "(partitioned table," in kinds["events"] and "400 rows" in kinds["events"]
    assert "events_2024" not in kinds  # partitions fold into their parent
    assert table_file(tmp_path, "Mixed_Case")["table_name"] == "Mixed Case"  # one file per table, always
    assert table_file(tmp_path, "Mixed_Case-2")["table_name"] == "Mixed_Case"
    mixed = table_file(tmp_path, "MixedCase")
    assert mixed["profile"]["sql_name"] == 'public."MixedCase"'
    assert mixed["profile"]["columns"]["Status Code"]["values"] == ["Closed", "Open"]
    odd = table_file(tmp_path, "oddities")["profile"]["columns"]
    assert odd["state"]["values"] == ["busy", "calm"]
    assert odd["price"]["min"] == "$1.50" and odd["wait"]["max"] == "00:50:00"
    assert odd["weird:col%"]["distinct"] == 1 and odd["doc"]["distinct"] == 50


def test_personal_data_columns_never_get_value_lists(unusual_engine: Engine) -> None:
    (people,) = profile_tables(unusual_engine, ["public"], ["people"])
    columns = {c.name: c for c in people.columns}
    personal = [
        "email",
        "phone_number",
        "full_name",
        "name",
        "home_address",
        "api_token",
        "birth_date",
        "client_ip",
    ]
    for name in personal:
        assert columns[name].values is None and columns[name].min is None, name
        assert columns[name].personal and columns[name].distinct == (3 if name != "birth_date" else 30)
    assert columns["status"].values == ("active", "paused") and columns["plan_name"].values == (
        "gold",
        "silver",
    )
    excluded = ProfileOptions(policy=ColumnPolicy.from_setting("people.status, *_name"))
    (again,) = profile_tables(unusual_engine, ["public"], ["people"], excluded)
    assert [c.name for c in again.columns if c.values] == []


def test_joins_are_inferred_from_names_where_no_key_is_declared(unusual_engine: Engine) -> None:
    profiles = {
        p.name: p for p in profile_tables(unusual_engine, ["public"], ["orders", "products", "MixedCase"])
    }
    joins = {(j.column, j.references, j.ref_column) for j in profiles["orders"].inferred_joins}
    assert joins == {("person_id", "people", "person_id"), ("line_item_id", "line_items", "line_item_id")}
    (category,) = profiles["products"].inferred_joins
    assert (category.references, category.ref_column) == ("categories", "id")
    assert profiles["MixedCase"].inferred_joins == ()  # customerId: no customers table here


def test_a_big_table_is_sampled_and_says_so(unusual_engine: Engine) -> None:
    (big,) = profile_tables(unusual_engine, ["public"], ["big"], ProfileOptions(sample_rows=3000))
    assert big.sampled and big.rows_estimated and big.rows == 60000
    assert 0 < big.sample_rows < 20000
    assert "statistics from a sample of" in "\n".join(_doc_lines(big.to_json()))


def _doc_lines(profile: dict[str, Any]) -> list[str]:
    from db.knowledge.render import profile_lines

    return profile_lines(profile)


def test_validate_warns_about_undescribed_columns_and_passes(analyst: Engine, tmp_path: Path) -> None:
    draft_knowledge(analyst, tmp_path, tables=["plan_changes"])
    result = CliRunner().invoke(cli, ["knowledge", "validate", "--path", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "warning: column change_type has no description yet" in result.output
    assert "all knowledge files are valid (11 warning(s) to review)" in result.output
    (tmp_path / "tables" / "broken.json").write_text('{"table_name": "x"}')
    broken = CliRunner().invoke(cli, ["knowledge", "validate", "--path", str(tmp_path)])
    assert broken.exit_code == 1 and "missing required field" in broken.output


def test_a_relation_that_fails_is_reported_and_the_others_are_drafted(
    unusual: DatabaseTarget, unusual_engine: Engine, tmp_path: Path
) -> None:
    analyst = unusual.analyst.role
    run_admin(
        unusual,
        "CREATE SCHEMA broken; CREATE VIEW broken.boom AS SELECT 1 / (n - n) AS x FROM generate_series(1, 3) n;"
        f" CREATE TABLE broken.fine (n integer); GRANT USAGE ON SCHEMA broken TO {analyst};"
        f" GRANT SELECT ON ALL TABLES IN SCHEMA broken TO {analyst}",
    )
    report = draft_knowledge(unusual_engine, tmp_path, schemas=["broken"])
    outcomes = {t.table: t for t in report.tables}
    assert outcomes["broken.fine"].status == "written"
    assert (
        outcomes["broken.boom"].status == "failed" and "division by zero" in outcomes["broken.boom"].message
    )
    assert not (tmp_path / "tables" / "broken.boom.json").exists()
    assert report.summary() == "2 table(s): 1 written, 0 refreshed, 0 unchanged, 1 failed, 0 skipped"
