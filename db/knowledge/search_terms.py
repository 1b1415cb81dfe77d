"""Words a question would use for a table, drawn from the table itself: for search, not for reading.

A drafted table has no description yet, and its names are the engineers' shorthand (`hr_emp_comp`,
`wms_inv_txn`), while people ask in words ("employee pay", "inventory movements"). So a table's
search text adds its name and column names split into words, common abbreviations spelled out,
and the categorical values its profile measured ("inpatient", "no_show"), which people do type.
It feeds full-text search and the embedder only; the document the agents read is unchanged.
"""

from __future__ import annotations

import re
from typing import Any

# Shorthand that data teams use in table and column names everywhere, not one company's jargon.
ABBREVIATIONS = {
    "acct": "account",
    "addr": "address",
    "adj": "adjustment",
    "adt": "admission discharge transfer",
    "amt": "amount",
    "appt": "appointment",
    "ats": "applicant tracking recruiting",
    "avg": "average",
    "bal": "balance",
    "bom": "bill of materials",
    "cat": "category",
    "cnt": "count",
    "comp": "compensation",
    "csat": "customer satisfaction",
    "cust": "customer",
    "dept": "department",
    "desc": "description",
    "dt": "date",
    "dx": "diagnosis",
    "ecom": "online ecommerce",
    "ehs": "environment health safety",
    "emp": "employee",
    "fte": "full time equivalent",
    "hos": "hours of service",
    "hr": "human resources",
    "inv": "inventory invoice",
    "lat": "latitude location",
    "lon": "longitude location",
    "maint": "maintenance",
    "mes": "manufacturing execution",
    "mfg": "manufacturing",
    "mgr": "manager",
    "mkt": "marketing",
    "mph": "miles per hour speed",
    "ncr": "non conformance",
    "num": "number",
    "pct": "percent",
    "perf": "performance",
    "po": "purchase order",
    "pos": "point of sale store",
    "proc": "procedure procurement",
    "prod": "product production",
    "pt": "patient",
    "pto": "paid time off",
    "qa": "quality",
    "qty": "quantity",
    "req": "requisition request",
    "rx": "prescription medication",
    "sku": "stock keeping unit",
    "tms": "transportation freight",
    "ts": "timestamp",
    "txn": "transaction",
    "uom": "unit of measure",
    "wms": "warehouse",
    "wo": "work order",
}
NOISE = frozenset({"id", "pk", "fk", "key", "is", "the", "of"})
MAX_VALUES = 12  # per column: the most frequent values are the ones questions name


def name_words(name: str) -> list[str]:
    """`hr_emp_comp` -> hr human resources emp employee comp compensation (camelCase split too)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    words = [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w and w not in NOISE]
    return [part for w in words for part in (w, *ABBREVIATIONS.get(w, "").split()) if part]


def table_search_terms(value: dict[str, Any], profile: dict[str, Any] | None = None) -> str:
    """Name words, column words and measured values (of `profile`) of a table, each word once, in order."""
    columns = [c.get("name", "") for c in value.get("table_columns", [])]
    words = [" ".join(name_words(c)) for c in columns]
    values = _values(profile)
    parts = [
        " ".join(name_words(value.get("table_name", ""))),
        "columns: " + ", ".join(words) if words else "",
        "values: " + ", ".join(values) if values else "",
    ]
    return "\n".join(_unique_words(p) for p in parts if p)


def _values(profile: Any) -> list[str]:
    columns = profile.get("columns", {}) if isinstance(profile, dict) else {}
    found = []
    for stats in columns.values() if isinstance(columns, dict) else []:
        values = stats.get("values") if isinstance(stats, dict) else None
        found += [" ".join(name_words(str(v))) for v in (values or [])[:MAX_VALUES]]
    return found


def _unique_words(text: str) -> str:
    seen: set[str] = set()
    out = []
    for token in re.findall(r"[\w/.+-]+:?|,", text):
        word = token.rstrip(":,").lower()
        if word and word in seen:
            continue
        seen.add(word)
        out.append(token)
    return " ".join(out).replace(" ,", ",").strip(", ")
