"""`POST /v1/knowledge/reload` also measures the data coverage again, so new tables reach the agents."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from db.engines import DatabaseTarget
from db.knowledge.coverage import read_coverage
from tests.app.api_fixtures import Api
from tests.app.shop_data import COMPANY
from tests.conftest import connect


def test_a_knowledge_reload_measures_tables_added_since_start_up(
    start_api: Callable[..., Api], db: DatabaseTarget, tmp_path: Path
) -> None:
    (tmp_path / "company.json").write_text(json.dumps(COMPANY))
    api = start_api(knowledge_path=tmp_path)
    measured = {t.qualified for t in read_coverage(api.engine).tables}
    assert measured and "public.targets" not in measured, "measured at start-up"
    with connect(db, "admin", autocommit=True) as conn:
        conn.execute("CREATE TABLE targets (month date, amount numeric)")
        conn.execute("INSERT INTO targets VALUES ('2031-01-01', 5), ('2031-06-01', 7)")
        conn.execute("GRANT SELECT ON targets TO " + db.analyst.role)
    with api.client() as http:
        assert http.post("/v1/knowledge/reload").status_code == 200
    targets = {t.qualified: t for t in read_coverage(api.engine).tables}["public.targets"]
    assert targets.row_count == 2 and (targets.dates[0].min, targets.dates[0].max) == (
        "2031-01-01",
        "2031-06-01",
    )
