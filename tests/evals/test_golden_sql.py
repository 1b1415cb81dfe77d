"""Every golden SQL in the accuracy cases runs on the generated data, as the analyst, with rows."""

from __future__ import annotations

import pytest

from db.engines import DatabaseTarget
from evals.accuracy import CATEGORY
from evals.category import load_cases
from tests.conftest import connect

THRESHOLD, CASES = load_cases(CATEGORY.path)


def test_there_are_at_least_forty_accuracy_cases_with_a_threshold() -> None:
    assert len(CASES) >= 40 and THRESHOLD is not None
    assert all(case.get("golden_sql") for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_golden_sql_runs_as_the_analyst(sample_db: DatabaseTarget, case: dict[str, str]) -> None:
    with connect(sample_db, "analyst") as conn:
        conn.execute("SET TRANSACTION READ ONLY")
        rows = conn.execute(case["golden_sql"]).fetchall()  # type: ignore[call-overload]
    assert rows and all(value is not None for value in rows[0][-1:]), case["id"]
