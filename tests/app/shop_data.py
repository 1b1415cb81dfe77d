"""A second, unrelated dataset for tests: a small online shop selling outdoor gear, 2022-03 .. 2023-09.

Deterministic by seed, written as a plain SQL dump (what `dash db load` takes). Nothing in it
resembles the sample: other company, other tables, other dates, money in EUR.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

FIRST_DAY = date(2022, 3, 1)
LAST_DAY = date(2023, 9, 30)
COMPANY = {
    "name": "Fernwood Outfitters",
    "description": "Fernwood Outfitters is an online shop selling hiking and camping gear to"
    " households in Ireland and the UK, shipped from one warehouse in Galway.",
    "currency": "EUR",
    "fiscal_year_start_month": 7,
    "timezone": "Europe/Dublin",
}
TABLES = ("shoppers", "products", "orders", "order_lines", "returns")
DDL = """
CREATE TABLE shoppers (shopper_id integer PRIMARY KEY, joined_on date NOT NULL, country text NOT NULL);
CREATE TABLE products (product_id integer PRIMARY KEY, title text NOT NULL, category text NOT NULL,
    launched_on date NOT NULL, price_eur numeric(8,2) NOT NULL);
CREATE TABLE orders (order_id integer PRIMARY KEY, shopper_id integer NOT NULL REFERENCES shoppers,
    placed_at timestamptz NOT NULL, shipped_on date, status text NOT NULL, total_eur numeric(10,2) NOT NULL);
CREATE TABLE order_lines (order_id integer NOT NULL REFERENCES orders, line_no integer NOT NULL,
    product_id integer NOT NULL REFERENCES products, quantity integer NOT NULL,
    PRIMARY KEY (order_id, line_no));
CREATE TABLE returns (order_id integer PRIMARY KEY REFERENCES orders, returned_on date NOT NULL,
    reason text NOT NULL);
"""
CATEGORIES = ("tents", "boots", "jackets", "stoves", "backpacks")


def shop_sql(seed: int = 7, shoppers: int = 150, orders: int = 900) -> str:
    """The whole dataset as one SQL script."""
    rng = random.Random(seed)
    days = (LAST_DAY - FIRST_DAY).days
    joined = [FIRST_DAY + timedelta(days=rng.randrange(days // 2)) for _ in range(shoppers)]
    rows = {
        "shoppers": [(i + 1, joined[i], rng.choice(("IE", "GB"))) for i in range(shoppers)],
        "products": [
            (p, f"Item {p}", CATEGORIES[p % 5], FIRST_DAY - timedelta(days=30 * p), 20 + 7 * p)
            for p in range(1, 31)
        ],
    }
    rows.update(_orders(rng, joined, orders))
    return DDL + "".join(_insert(table, values) for table, values in rows.items())


def _orders(rng: random.Random, joined: list[date], count: int) -> dict[str, list[tuple[object, ...]]]:
    orders, lines, returns = [], [], []
    for order_id in range(1, count + 1):
        shopper = rng.randrange(len(joined))
        day = joined[shopper] + timedelta(days=rng.randrange((LAST_DAY - joined[shopper]).days + 1))
        placed = datetime.combine(day, time(rng.randrange(7, 22), rng.randrange(60)), UTC)
        picks = [(rng.randrange(1, 31), rng.randrange(1, 4)) for _ in range(rng.randrange(1, 4))]
        total = sum((20 + 7 * p) * q for p, q in picks)
        shipped = day + timedelta(days=2) if day + timedelta(days=2) <= LAST_DAY else None
        orders.append((order_id, shopper + 1, placed, shipped, "shipped" if shipped else "paid", total))
        lines += [(order_id, n + 1, p, q) for n, (p, q) in enumerate(picks)]
        if shipped and rng.random() < 0.08 and shipped + timedelta(days=9) <= LAST_DAY:
            returns.append(
                (order_id, shipped + timedelta(days=9), rng.choice(("size", "damaged", "changed mind")))
            )
    return {"orders": orders, "order_lines": lines, "returns": returns}


def _insert(table: str, rows: list[tuple[object, ...]]) -> str:
    values = ",\n".join("(" + ", ".join(_literal(v) for v in row) + ")" for row in rows)
    return f"INSERT INTO {table} VALUES\n{values};\n"


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def write_dump(folder: Path) -> Path:
    path = folder / "fernwood.sql"
    path.write_text(shop_sql())
    return path
