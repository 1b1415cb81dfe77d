"""`dash db load`: SQL dumps and CSV files go into `public` whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.engines import DatabaseTarget
from db.loader import LoadError, infer_type, load_file
from tests.conftest import connect


def _count(db: DatabaseTarget, table: str) -> int | None:
    with connect(db, "admin") as conn:
        if conn.execute("SELECT to_regclass(%s)", (table,)).fetchone() == (None,):
            return None
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]


def test_csv_creates_a_typed_table(db: DatabaseTarget, tmp_path: Path) -> None:
    csv = tmp_path / "deals.csv"
    csv.write_text("Deal ID,amount,closed_on,won\n1,100.50,2025-01-02,true\n2,,2025-02-03,false\n")
    assert "2 rows" in load_file(db, csv, table="deals")
    with connect(db, "admin") as conn:
        types = dict(
            conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'deals'"
            ).fetchall()
        )
    assert types == {"deal_id": "bigint", "amount": "numeric", "closed_on": "date", "won": "boolean"}


def test_bad_csv_row_loads_nothing(db: DatabaseTarget, tmp_path: Path) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text("a,b\n1,2\n3\n")
    with pytest.raises(LoadError, match="line 3"):
        load_file(db, csv, table="bad")
    assert _count(db, "public.bad") is None


def test_csv_into_existing_table_with_a_type_error_loads_nothing(db: DatabaseTarget, tmp_path: Path) -> None:
    with connect(db, "admin", autocommit=True) as conn:
        conn.execute("CREATE TABLE public.points (n int)")
    csv = tmp_path / "points.csv"
    csv.write_text("n\n1\n2\nnot-a-number\n")
    with pytest.raises(LoadError, match="nothing was changed"):
        load_file(db, csv, table="points")
    assert _count(db, "public.points") == 0


def test_sql_dump_is_all_or_nothing(db: DatabaseTarget, tmp_path: Path) -> None:
    good = tmp_path / "good.sql"
    good.write_text(
        "CREATE TABLE regions (id int primary key, name text);\nINSERT INTO regions VALUES (1, 'EU');\n"
    )
    bad = tmp_path / "bad.sql"
    bad.write_text("CREATE TABLE half (id int);\nINSERT INTO half VALUES (1);\nSELECT broken syntax here;\n")
    load_file(db, good)
    assert _count(db, "public.regions") == 1
    with pytest.raises(LoadError, match="nothing was changed"):
        load_file(db, bad)
    assert _count(db, "public.half") is None


def test_csv_needs_a_table_name(db: DatabaseTarget, tmp_path: Path) -> None:
    csv = tmp_path / "x.csv"
    csv.write_text("a\n1\n")
    with pytest.raises(LoadError, match="--table"):
        load_file(db, csv)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1", "2"], "bigint"),
        (["1.5", "2"], "numeric"),
        (["2025-01-01"], "date"),
        (["2025-01-01T10:00:00+00:00"], "timestamptz"),
        (["t", "f"], "boolean"),
        (["x", "1"], "text"),
        (["", ""], "text"),
    ],
)
def test_infer_type(values: list[str], expected: str) -> None:
    assert infer_type(values) == expected
