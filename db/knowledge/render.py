"""Render parsed knowledge into documents: the text people and agents read, and search indexes.

The same text feeds full-text search and the embedder, so it leads with what a question would name
(the table, the metric, what it is for) before the detail: the local model reads 256 tokens at most.
"""

from __future__ import annotations

import re
from typing import Any

import sqlglot

from db.knowledge.problems import Document
from db.knowledge.queries import ValidatedQuery, tables_of
from db.knowledge.search_terms import table_search_terms


def table_document(
    value: dict[str, Any], file: str, line: int, profile: dict[str, Any] | None = None
) -> Document:
    """A table's document; with a profile, keys, joins, value lists and date ranges ride along."""
    name = value["table_name"].strip()
    columns = value["table_columns"]
    description = value["table_description"].strip()
    measured: dict[str, Any] = profile if isinstance(profile, dict) else {}
    parts = [f"Table {name}: {description or _undescribed(columns)}"]
    parts += profile_lines(measured)
    parts += _section("Use cases", value.get("use_cases", []))
    parts += _section("Data quality notes", value.get("data_quality_notes", []))
    stats: dict[str, Any] = measured.get("columns") or {}
    parts += ["Columns:"] + [_column_line(c, stats.get(c["name"])) for c in columns]
    parts += _extras(value, TABLE_FIELDS)
    metadata = {"columns": [c["name"] for c in columns], "file": file}
    # Undescribed (drafted) tables are found by their names, columns and measured values; search only.
    summary = " ".join([description, *value.get("use_cases", [])]).strip()
    summary = f"{summary}\n{table_search_terms(value, measured)}".strip()
    return Document("table", name, f"Table {name}", "\n".join(parts), metadata, file, line, summary)


def _undescribed(columns: list[dict[str, Any]], shown: int = 8) -> str:
    # The first line is the table's entry in every prompt's table list: name its columns meanwhile.
    names = [c["name"] for c in columns]
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return f"(not described yet) columns {', '.join(names[:shown])}{more}"


TABLE_FIELDS = {
    "table_name",
    "table_description",
    "use_cases",
    "data_quality_notes",
    "table_columns",
    "profile",
    "drafted",
}


def profile_lines(profile: dict[str, Any]) -> list[str]:
    """The measured part, compact: size and freshness, keys, join paths (declared and inferred)."""
    if not profile:
        return []
    lines = [_size_line(profile)]
    if profile.get("primary_key"):
        lines.append(f"Primary key: {', '.join(profile['primary_key'])}")
    joins = [
        f"{', '.join(fk['columns'])} -> {fk['references']}.{', '.join(fk['ref_columns'])}"
        for fk in profile.get("foreign_keys", [])
    ]
    joins += [
        f"{j['column']} -> {j['references']}.{j['ref_column']} (inferred from the name)"
        for j in profile.get("inferred_joins", [])
    ]
    if joins:
        lines.append(f"Joins: {'; '.join(joins)}")
    return lines


def _size_line(profile: dict[str, Any]) -> str:
    rows = profile.get("rows")
    count = (
        "row count unknown"
        if rows is None
        else f"{'about ' if profile.get('rows_estimated') else ''}{rows:,} rows"
    )
    sampled = (
        f", statistics from a sample of {profile.get('sample_rows', 0):,} rows"
        if profile.get("sampled")
        else ""
    )
    kind = profile.get("kind", "table")
    sql = f", in SQL: {profile['sql_name']}" if profile.get("sql_name") else ""
    measured = str(profile.get("measured_at", ""))[:10]
    return f"Profile ({kind}{sql}): {count}{sampled}; measured {measured}"


def _column_line(column: dict[str, Any], stats: Any) -> str:
    head = f"- {column['name']} ({column['type']})"
    text = f"{head}: {column['description']}" if column["description"].strip() else head
    facts = _column_facts(stats) if isinstance(stats, dict) else []
    return f"{text} [{'; '.join(facts)}]" if facts else text


def _column_facts(stats: dict[str, Any]) -> list[str]:
    facts = []
    if stats.get("values") is not None:
        facts.append("values: " + ", ".join(_quote(v) for v in stats["values"]))
    if stats.get("min") is not None:
        facts.append(f"range {stats['min']} to {stats['max']}")
    share = stats.get("null_share")
    if isinstance(share, int | float) and share >= 0.01:
        facts.append(f"{share:.0%} empty")
    return facts


def _quote(value: Any) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def business_documents(value: dict[str, Any], file: str, lines: dict[Any, int]) -> list[Document]:
    docs = []
    for index, metric in enumerate(value.get("metrics", [])):
        docs.append(_metric(metric, file, lines.get(("metrics", index), 1)))
    for index, rule in enumerate(value.get("business_rules", [])):
        docs.append(_rule(rule, file, lines.get(("business_rules", index), 1)))
    for index, gotcha in enumerate(value.get("common_gotchas", [])):
        docs.append(_gotcha(gotcha, file, lines.get(("common_gotchas", index), 1)))
    return docs


def _metric(metric: dict[str, Any], file: str, line: int) -> Document:
    name = metric["name"].strip()
    parts = [f"Metric {name}: {metric['definition'].strip()}"]
    if metric.get("table"):
        parts.append(f"Table: {_join(metric['table'])}")
    if metric.get("calculation"):
        parts.append(f"Calculation: {metric['calculation']}")
    parts += _extras(metric, {"name", "definition", "table", "calculation"})
    meta = {"type": "metric", "file": file, "tables": _as_list(metric.get("table"))}
    title, summary = f"Metric {name}", metric["definition"].strip()
    return Document("business", f"metric:{slug(name)}", title, "\n".join(parts), meta, file, line, summary)


def _rule(rule: str | dict[str, Any], file: str, line: int) -> Document:
    text = rule if isinstance(rule, str) else "\n".join(f"{k}: {_join(v)}" for k, v in rule.items())
    title = str(rule.get("name") or rule.get("rule") or text) if isinstance(rule, dict) else text
    meta = {"type": "business_rule", "file": file}
    return Document(
        "business",
        f"rule:{slug(title)}",
        f"Business rule: {_short(title)}",
        f"Business rule: {text.strip()}",
        meta,
        file,
        line,
    )


def _gotcha(gotcha: dict[str, Any], file: str, line: int) -> Document:
    issue = gotcha["issue"].strip()
    tables = _as_list(gotcha.get("tables_affected"))
    parts = [
        f"Gotcha: {issue}",
        f"Tables affected: {', '.join(tables)}" if tables else "",
        f"Solution: {gotcha['solution'].strip()}",
    ]
    parts += _extras(gotcha, {"issue", "tables_affected", "solution"})
    meta = {"type": "gotcha", "file": file, "tables": tables}
    return Document(
        "business",
        f"gotcha:{slug(issue)}",
        f"Gotcha: {_short(issue)}",
        "\n".join(p for p in parts if p),
        meta,
        file,
        line,
    )


def query_document(query: ValidatedQuery) -> Document:
    content = f"Query {query.name}: {query.description}\nSQL:\n{query.sql}"
    meta = {
        "description": query.description,
        "sql": query.sql,
        "tables": list(query.tables),
        "file": query.file,
        "origin": "curated",
    }
    summary = query.name.replace("_", " ")  # names are how people and agents refer to a query
    return Document("query", query.name, query.description, content, meta, query.file, query.line, summary)


def tables_in(sql: str) -> list[str]:
    """Tables a query reads (CTE names excluded), so agents see what a saved query depends on."""
    try:
        tree = sqlglot.parse_one(sql, dialect="postgres")
    except sqlglot.errors.ParseError:
        return []
    return tables_of(tree)


def slug(text: str, words: int = 8) -> str:
    tokens = re.findall(r"[a-z0-9]+", text.lower())[:words]
    return "_".join(tokens) or "unnamed"


def _section(title: str, items: list[str]) -> list[str]:
    return [f"{title}:"] + [f"- {item}" for item in items] if items else []


def _extras(value: dict[str, Any], known: set[str]) -> list[str]:
    # Fields beyond the format (relationships, notes...) are kept: people add them for a reason.
    return [
        f"{key.replace('_', ' ').capitalize()}: {_join(v)}" for key, v in value.items() if key not in known
    ]


def _join(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(_join(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_join(v)}" for k, v in value.items())
    return str(value)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
