"""The drafter's pure decisions, as tables of cases: which column names are personal data, how table
files merge, which profile a document shows, how an undescribed table reads in the table list."""

from __future__ import annotations

import pytest

from db.knowledge.catalog import Relation
from db.knowledge.draft import merge_table
from db.knowledge.files import fresher
from db.knowledge.profile import choose_sampling
from db.knowledge.render import table_document
from db.knowledge.sensitive import ColumnPolicy, looks_personal

PERSONAL = [
    ("email", True),
    ("customerEmail", True),
    ("phone_number", True),
    ("first_name", True),
    ("contact_name", True),
    ("name", True),
    ("username", True),
    ("home_address", True),
    ("client_ip", True),
    ("ip_addr", True),
    ("date_of_birth", True),
    ("api_token", True),
    ("password_hash", True),
    ("iban", True),
    ("ssn", True),
    ("company_name", False),
    ("plan_name", False),
    ("tip_amount", False),
    ("shipping_method", False),
    ("status", False),
    ("zip_code", True),
]


@pytest.mark.parametrize(("column", "personal"), PERSONAL, ids=[c for c, _ in PERSONAL])
def test_personal_column_names(column: str, personal: bool) -> None:
    assert looks_personal(column) is personal


def test_extra_patterns_match_column_or_table_dot_column() -> None:
    policy = ColumnPolicy.from_setting("*_note, Users.City")
    assert policy.personal("orders", "delivery_note") and policy.personal("users", "city")
    assert not policy.personal("shops", "city")


PROFILE = {
    "measured_at": "2026-01-02T00:00:00+00:00",
    "columns": {"a": {"type": "integer"}, "b": {"type": "text"}},
}


def test_a_merge_keeps_human_fields_adds_columns_and_reports_dropped_ones() -> None:
    current = {
        "table_name": "t",
        "table_description": "Mine.",
        "notes_for_team": "kept too",
        "table_columns": [
            {"name": "a", "type": "int4", "description": "A."},
            {"name": "gone", "type": "x", "description": "G."},
        ],
    }
    merge = merge_table(current, "t", PROFILE)
    assert (merge.changed, merge.added, merge.dropped) == (True, ("b",), ("gone",))
    assert merge.value["table_description"] == "Mine." and merge.value["notes_for_team"] == "kept too"
    assert merge.value["table_columns"][:2] == current["table_columns"]
    same = merge_table(merge.value, "t", {**PROFILE, "measured_at": "2026-02-01T00:00:00+00:00"})
    assert not same.changed and same.value["profile"]["measured_at"] == PROFILE["measured_at"]


def test_the_later_profile_wins() -> None:
    old, new = {"measured_at": "2026-01-01T00:00:00+00:00"}, {"measured_at": "2026-03-01T00:00:00+00:00"}
    assert fresher(new, old) is new and fresher(old, new) is new
    assert fresher(None, old) is old and fresher(new, None) is new


def test_an_undescribed_table_is_listed_by_its_columns() -> None:
    columns = [{"name": f"c{i}", "type": "text", "description": ""} for i in range(10)]
    value = {"table_name": "t", "table_description": "", "table_columns": columns}
    doc = table_document(value, "tables/t.json", 1)
    assert (
        doc.content.splitlines()[0]
        == "Table t: (not described yet) columns c0, c1, c2, c3, c4, c5, c6, c7 and 2 more"
    )
    assert "columns: c0, c1" in doc.summary  # search text: every column, named in words


def relation(relkind: str, estimated_rows: float, size: int = 0) -> Relation:
    return Relation(1, "public", "t", relkind, "public.t", estimated_rows, size)


SAMPLING = [
    # id, relation, expected TABLESAMPLE percent, expected LIMIT
    ("small-table-read-whole", relation("r", 5_000), None, None),
    ("big-table-sampled", relation("r", 1_000_000), 10.0, None),
    ("never-analysed-sized-by-bytes", relation("r", -1, 100 * 400_000), 25.0, None),
    ("never-analysed-small", relation("r", -1, 8192), None, None),
    ("partitioned-table-sampled", relation("p", 400_000), 25.0, None),
    ("view-limited", relation("v", -1), None, 100_000),
]


@pytest.mark.parametrize(("rel", "percent", "limit"), [c[1:] for c in SAMPLING], ids=[c[0] for c in SAMPLING])
def test_how_a_relation_is_read(rel: Relation, percent: float | None, limit: int | None) -> None:
    sampling = choose_sampling(rel, 100_000)
    assert (sampling.percent, sampling.limit) == (percent, limit)
