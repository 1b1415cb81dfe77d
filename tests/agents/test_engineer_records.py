"""Which dash object an allowed engineer statement defined or dropped: what the system records."""

from __future__ import annotations

import pytest

from agents.engineer import changed_object


@pytest.mark.parametrize(
    ("sql", "change"),
    [
        ("CREATE VIEW dash.v AS SELECT 1 AS one", ("recorded", "v")),
        ("CREATE OR REPLACE VIEW dash.v WITH (security_barrier) AS SELECT 1 AS one", ("recorded", "v")),
        ("CREATE VIEW dash.v AS SELECT 1 AS one WITH LOCAL CHECK OPTION", ("recorded", "v")),
        ("CREATE MATERIALIZED VIEW dash.mv AS SELECT 1 AS one WITH NO DATA;", ("recorded", "mv")),
        ("CREATE TABLE dash.t AS SELECT 1 AS one WITH DATA", ("recorded", "t")),
        ("COMMENT ON VIEW dash.v IS 'monthly'", ("recorded", "v")),
        ("DROP MATERIALIZED VIEW dash.mv", ("dropped", "mv")),
        ("DROP VIEW IF EXISTS dash.v", ("dropped", "v")),
        ("REFRESH MATERIALIZED VIEW CONCURRENTLY dash.mv", None),
        ("SELECT 1", None),
        ("not sql at all (", None),
    ],
)
def test_changed_object(sql: str, change: tuple[str, str] | None) -> None:
    assert changed_object(sql) == change
