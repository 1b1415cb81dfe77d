"""Build the eval warehouse: 110 tables from five unrelated businesses, deterministic and small.

Each domain module holds its tables as one spec string per table, a column per comma:
`name pk` (the key, always first), `name >table` (a declared foreign key), `name ~table` (a join
key with no constraint, as warehouses often have), `name=a|b|c` (a categorical text column, the
first value most frequent), or `name TYPE` with TYPE one of code, name, date, ts, num, int, bool;
`TYPE?` leaves a quarter of the rows empty (an end that has not happened yet: `term_dt date?`).
Rows come from `random.Random` seeded per table, so every run builds the same warehouse.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import psycopg
from psycopg import sql

from db.bootstrap import admin_dsn
from db.engines import DatabaseTarget
from evals.warehouse import clinical, factory, fleet, people, retail

DOMAINS = {"clinical": clinical, "fleet": fleet, "retail": retail, "people": people, "factory": factory}
ROWS = 40
START = date(2024, 1, 1)
DAYS = 730
SQL_TYPES = {
    "pk": "integer PRIMARY KEY",
    "ref": "integer",
    "category": "text",
    "code": "text",
    "name": "text",
    "date": "date",
    "ts": "timestamptz",
    "num": "numeric(12,2)",
    "int": "integer",
    "bool": "boolean",
}
FIRST = ("Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana", "Ivan", "Jo")
LAST = ("Okafor", "Silva", "Nguyen", "Schmidt", "Kowalski", "Haddad", "Park", "Moreau")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    target: str = ""  # the referenced table of a join key
    nullable: bool = False
    declared: bool = True  # whether the join key has a foreign key constraint
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    name: str
    domain: str
    columns: tuple[Column, ...]


def parse_column(spec: str) -> Column:
    spec = spec.strip()
    if "=" in spec:
        name, values = spec.split("=", 1)
        return Column(name, "category", values=tuple(values.split("|")))
    name, kind = spec.split()
    if kind.endswith("?"):
        return replace(parse_column(f"{name} {kind[:-1]}"), nullable=True)
    if kind[0] in ">~":
        return Column(name, "ref", target=kind[1:], declared=kind[0] == ">")
    if kind not in SQL_TYPES:
        raise ValueError(f"column {spec!r}: unknown type {kind!r}")
    return Column(name, kind)


def warehouse_tables() -> list[Table]:
    """Every table of every domain, in domain order."""
    return [
        Table(name, domain, tuple(parse_column(c) for c in spec.split(",")))
        for domain, module in DOMAINS.items()
        for name, spec in module.TABLES.items()
    ]


def table_rows(table: Table, seed: int) -> list[tuple[object, ...]]:
    rng = random.Random(f"{seed}:{table.name}")
    return [tuple(_value(c, i, rng) for c in table.columns) for i in range(1, ROWS + 1)]


def _value(column: Column, i: int, rng: random.Random) -> object:
    day = START + timedelta(days=rng.randrange(DAYS))
    if column.nullable and rng.random() < 0.25:
        return None
    makers = {
        "pk": lambda: i,
        "ref": lambda: rng.randint(1, ROWS),
        "category": lambda: rng.choices(column.values, [1 / (k + 1) for k in range(len(column.values))])[0],
        "code": lambda: f"{column.name.split('_')[0].upper()}-{rng.randrange(16**6):06X}",
        "name": lambda: rng.choice(LAST if column.name.startswith("last") else FIRST),
        "date": lambda: day,
        "ts": lambda: datetime(
            day.year, day.month, day.day, rng.randrange(24), rng.randrange(60), tzinfo=UTC
        ),
        "num": lambda: round(rng.uniform(1, 5000), 2),
        "int": lambda: rng.randint(0, 500),
        "bool": lambda: rng.random() < 0.3,
    }
    return makers[column.kind]()


def create_warehouse(target: DatabaseTarget, seed: int = 13) -> list[Table]:
    """Create, fill and analyse every warehouse table in `public`, in one transaction."""
    tables = warehouse_tables()
    with psycopg.connect(admin_dsn(target)) as conn:
        for table in tables:
            _create(conn, table, table_rows(table, seed))
        keys = {t.name: t.columns[0].name for t in tables}
        for table in tables:
            _constrain(conn, table, keys)
        conn.execute("ANALYZE")
    return tables


def _create(conn: psycopg.Connection, table: Table, rows: list[tuple[object, ...]]) -> None:
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(SQL_TYPES[c.kind])) for c in table.columns
    )
    conn.execute(sql.SQL("CREATE TABLE public.{} ({})").format(sql.Identifier(table.name), columns))
    names = sql.SQL(", ").join(sql.Identifier(c.name) for c in table.columns)
    copy = sql.SQL("COPY public.{} ({}) FROM STDIN").format(sql.Identifier(table.name), names)
    with conn.cursor().copy(copy) as out:
        for row in rows:
            out.write_row(row)


def _constrain(conn: psycopg.Connection, table: Table, keys: dict[str, str]) -> None:
    # After every table is filled: keys may point forward in the list, or at the table itself.
    for column in table.columns:
        if column.kind == "ref" and column.declared:
            conn.execute(
                sql.SQL("ALTER TABLE public.{} ADD FOREIGN KEY ({}) REFERENCES public.{} ({})").format(
                    sql.Identifier(table.name),
                    sql.Identifier(column.name),
                    sql.Identifier(column.target),
                    sql.Identifier(keys[column.target]),
                )
            )
