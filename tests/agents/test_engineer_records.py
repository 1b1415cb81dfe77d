"""Which dash objects an allowed engineer statement defined or dropped: what the system records.

The answer comes from the guard's decision (its resolved targets), not from parsing the SQL again.
"""

from __future__ import annotations

import pytest

from agents.engineer import changed_objects
from db.sql_guard import Catalog, check_engineer


@pytest.mark.parametrize(
    ("sql", "changes"),
    [
        ("CREATE VIEW dash.v AS SELECT 1 AS one", [("recorded", "v")]),
        ("CREATE OR REPLACE VIEW dash.v WITH (security_barrier) AS SELECT 1 AS one", [("recorded", "v")]),
        ("CREATE VIEW dash.v AS SELECT 1 AS one WITH LOCAL CHECK OPTION", [("recorded", "v")]),
        ("CREATE MATERIALIZED VIEW dash.mv AS SELECT 1 AS one WITH NO DATA;", [("recorded", "mv")]),
        ("CREATE TABLE dash.t AS SELECT 1 AS one WITH DATA", [("recorded", "t")]),
        ("CREATE VIEW Monthly AS SELECT 1 AS one", [("recorded", "monthly")]),  # as Postgres names it
        ("COMMENT ON VIEW dash.v IS 'monthly'", [("recorded", "v")]),
        ("ALTER TABLE dash.t ADD COLUMN two int", [("recorded", "t")]),
        ("DROP MATERIALIZED VIEW dash.mv", [("dropped", "mv")]),
        ("DROP VIEW IF EXISTS dash.v, dash.w", [("dropped", "v"), ("dropped", "w")]),
        ("REFRESH MATERIALIZED VIEW CONCURRENTLY dash.mv", []),
        ("INSERT INTO dash.t VALUES (1)", []),
        ("SELECT 1", []),
        ("not sql at all (", []),
    ],
)
def test_changed_objects(sql: str, changes: list[tuple[str, str]]) -> None:
    assert changed_objects(check_engineer(sql, Catalog())) == changes
