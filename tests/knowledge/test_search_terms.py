"""Drafted tables nobody has described yet are found by the words people ask in, not only by their
engineers' names: name and column words, abbreviations spelled out, and profiled values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from db.embeddings import LocalEmbedder
from db.knowledge.loader import load_knowledge
from db.knowledge.search import search
from db.knowledge.search_terms import name_words, table_search_terms

DRAFTED = {
    "wms_inv_txn": {"txn_type": ["receipt", "pick", "cycle_count"], "qty": None, "txn_ts": None},
    "hr_emp_comp": {"emp_id": None, "base_salary": None, "change_reason": ["merit", "promotion"]},
    "clin_appt": {"appt_dt": None, "appt_status": ["completed", "no_show", "cancelled"]},
    "fl_fuel_txn": {"gallons": None, "fuel_type": ["diesel", "gasoline"], "txn_ts": None},
}


def drafted_file(name: str, columns: dict[str, list[str] | None]) -> dict[str, object]:
    """A table file as `dash knowledge draft` writes it: no human words, a measured profile."""
    stats = {c: {"type": "text", "values": v} if v else {"type": "integer"} for c, v in columns.items()}
    return {
        "table_name": name,
        "table_description": "",
        "table_columns": [{"name": c, "type": stats[c]["type"], "description": ""} for c in columns],
        "profile": {"rows": 40, "columns": stats},
    }


@pytest.fixture
def drafted(engine: Engine, embedder: LocalEmbedder, tmp_path: Path) -> Engine:
    (tmp_path / "tables").mkdir()
    for name, columns in DRAFTED.items():
        (tmp_path / "tables" / f"{name}.json").write_text(json.dumps(drafted_file(name, columns)))
    load_knowledge(engine, embedder, tmp_path)
    return engine


def test_names_split_into_words_with_abbreviations_spelled_out() -> None:
    assert name_words("hr_emp_comp") == [
        "hr",
        "human",
        "resources",
        "emp",
        "employee",
        "comp",
        "compensation",
    ]
    assert name_words("OrderLineItem") == ["order", "line", "item"]
    assert name_words("customer_id") == ["customer"]


def test_search_text_has_name_column_and_value_words() -> None:
    value = drafted_file("wms_inv_txn", DRAFTED["wms_inv_txn"])
    assert table_search_terms(value, value["profile"]).splitlines() == [  # type: ignore[arg-type]
        "wms warehouse inv inventory invoice txn transaction",
        "columns: txn transaction type, qty quantity, ts timestamp",
        "values: receipt, pick, cycle count",
    ]


@pytest.mark.parametrize(
    ("question", "table"),
    [
        ("inventory cycle count transactions", "wms_inv_txn"),
        ("employee compensation changes for promotions", "hr_emp_comp"),
        ("how many appointments were no shows", "clin_appt"),
        ("diesel gallons bought", "fl_fuel_txn"),
    ],
)
def test_full_text_finds_an_undescribed_table_by_plain_words(
    drafted: Engine, embedder: LocalEmbedder, question: str, table: str
) -> None:
    hits = search(drafted, embedder, question, kinds=["table"], mode="fts", limit=4)
    assert hits and hits[0].name == table


def test_the_search_text_stays_out_of_what_agents_read(drafted: Engine, embedder: LocalEmbedder) -> None:
    hit = search(drafted, embedder, "employee compensation", kinds=["table"], limit=1)[0]
    assert hit.name == "hr_emp_comp" and "human resources" not in hit.content
