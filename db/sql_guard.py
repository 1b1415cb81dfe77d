"""Is this SQL allowed for the analyst or the engineer, and if not, why not?

Pure functions over sqlglot's parse tree (postgres dialect). The guard is the first line of the
defence in DESIGN.md section 3, not the last: sqlglot is a transpiler, not a validator, so the
database roles, grants and read-only transactions must stop everything on their own as well.

Policy:
- both roles: exactly one statement; every node of the tree is on an allowlist (anything sqlglot
  does not model becomes `exp.Command` and is refused); no dangerous function; never schema `ai`.
- analyst: the statement is a query (SELECT / set operation / VALUES), with no `INTO` and no
  locking clause anywhere; or `EXPLAIN [ANALYZE]` of such a query (ANALYZE runs it, under the same
  read-only transaction and timeout); or `SHOW` of one allowlisted setting.
- engineer: one of the allowed DDL/DML kinds, and every object it writes resolves to `dash`,
  resolving unqualified names the way Postgres would with the search path `dash, public`.

sqlglot leaves EXPLAIN, SHOW, REFRESH and a few CREATE clauses unparsed (or cannot parse them);
db.sql_guard_words reads those token by token against explicit allowlists, and whatever statement
they wrap is parsed and checked here like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.errors import SqlglotError

from db.sql_guard_rules import (
    ENGINEER_CREATE_KINDS,
    ENGINEER_DROP_KINDS,
    ENGINEER_KINDS,
    ENGINEER_NODES,
    ENGINEER_ROOTS,
    FUNCTION_SCHEMAS,
    NEVER_NODES,
    PRIVATE_CATALOG_RELATIONS,
    QUERY_NODES,
    QUERY_ROOTS,
    READ_SCHEMAS,
    dangerous_function,
    function_reason,
    node_reason,
)
from db.sql_guard_words import (
    Refused,
    check_show,
    engineer_statement,
    explained,
    one_statement,
    refresh_target,
    tokenize,
)

__all__ = [
    "Catalog",
    "Decision",
    "Refused",
    "Target",
    "check",
    "check_analyst",
    "check_engineer",
]


@dataclass(frozen=True)
class Target:
    """A relation an allowed engineer statement writes: where its name resolved, and what is done.

    `action` is create, alter, drop, comment, insert, update, delete, truncate, rename, index or
    refresh; `kind` is the object kind the statement names (TABLE, VIEW, COLUMN, ...) or "".
    """

    schema: str
    name: str
    action: str
    kind: str = ""


@dataclass(frozen=True)
class Decision:
    """The guard's verdict: `reason` is written for the person (or model) who sent the SQL.

    An allowed decision carries what the guard parsed, so no caller parses the same SQL again:
    `statement`, the tree it checked, and for the engineer the `targets` it resolved and allowed.
    """

    allowed: bool
    reason: str = ""
    statement: exp.Expr | None = field(default=None, compare=False, repr=False)
    targets: tuple[Target, ...] = ()

    @property
    def label(self) -> str:
        return "allowed" if self.allowed else "refused"


@dataclass(frozen=True)
class Catalog:
    """A snapshot of which relations exist, by schema, for resolving unqualified names.

    Postgres looks relations up in pg_temp, then pg_catalog, then the search path; it creates new
    ones in the first existing schema of the search path. pg_temp is always empty when a statement
    starts: the guard refuses temporary objects and the pool runs DISCARD ALL after every statement.
    """

    relations: Mapping[str, frozenset[str]] = field(default_factory=dict)
    search_path: tuple[str, ...] = ("dash", "public")

    def lookup(self, name: str) -> str | None:
        for schema in ("pg_catalog", *self.search_path):
            if name in self.relations.get(schema, frozenset()):
                return schema
        return None

    def creation_schema(self) -> str:
        existing = [s for s in self.search_path if s in self.relations]
        return existing[0] if existing else self.search_path[0]


def check_analyst(sql: str) -> Decision:
    """May the analyst run `sql`? Only one read query, over public, dash and the catalogs."""
    return _decide(lambda: _check_analyst(sql))


def check_engineer(sql: str, catalog: Catalog) -> Decision:
    """May the engineer run `sql`? Only an allowed kind, and only writing inside `dash`."""
    return _decide(lambda: _check_engineer(sql, catalog))


def check(role: str, sql: str, catalog: Catalog | None = None) -> Decision:
    """Dispatch on the agent role name ("analyst" or "engineer")."""
    if role == "analyst":
        return check_analyst(sql)
    if role == "engineer":
        return check_engineer(sql, catalog or Catalog())
    return Decision(False, f"unknown SQL role {role!r}: use analyst or engineer")


Checked = tuple[exp.Expr, tuple[Target, ...]]


def _decide(run: Callable[[], Checked]) -> Decision:
    try:
        statement, targets = run()
    except Refused as exc:
        return Decision(False, str(exc))
    except (SqlglotError, RecursionError, ValueError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Decision(False, f"the statement could not be parsed, so it is not run: {first_line}")
    return Decision(True, statement=statement, targets=targets)


def _check_analyst(sql: str) -> Checked:
    tree = one_statement(sql)
    command = str(tree.this).upper() if isinstance(tree, exp.Command) else ""
    if command == "EXPLAIN":
        _check_explained(explained(sql))
    elif command == "SHOW":
        check_show(sql)
    else:
        _check_query(sql, tree)
    return tree, ()


def _check_query(sql: str, tree: exp.Expr) -> None:
    if not isinstance(tree, QUERY_ROOTS):
        raise Refused(
            f"the analyst may only run read queries (SELECT, EXPLAIN of one, SHOW a setting); this is {_kind(sql)}"
        )
    _walk(tree, QUERY_NODES)


def _check_explained(statement: str) -> None:
    try:
        _check_query(statement, one_statement(statement))
    except Refused as exc:
        raise Refused(f"EXPLAIN is allowed only of a query the analyst may run: {exc}") from None


def _walk(tree: exp.Expr, allowed: tuple[type[exp.Expr], ...]) -> None:
    """Every node must be on the allowlist; functions and schemas are checked on the way."""
    for node in tree.walk():
        if isinstance(node, exp.Func):
            _check_function(node)
        elif isinstance(node, exp.Table | exp.Column):
            _check_relation(node)
        if not isinstance(node, allowed) or isinstance(node, NEVER_NODES):
            raise Refused(node_reason(node))


def _check_function(node: exp.Func) -> None:
    name = _function_name(node)
    if dangerous_function(name):
        raise Refused(f"the function {name}() is not allowed: {function_reason(name)}")
    schema = _dot_schema(node)
    if schema is not None and schema not in FUNCTION_SCHEMAS:
        raise Refused(f"functions from schema {schema!r} are not allowed")


def _function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql_name().lower()


def _dot_schema(node: exp.Expr) -> str | None:
    """`pg_catalog.pg_sleep(1)` parses as Dot(pg_catalog, pg_sleep(1)); FROM-clause calls as Table."""
    parent = node.parent
    if isinstance(parent, exp.Dot) and parent.expression is node:
        return _ident(parent.this)
    if isinstance(parent, exp.Table) and parent.this is node and parent.args.get("db"):
        return _ident(parent.args["db"])
    return None


def _check_relation(node: exp.Table | exp.Column) -> None:
    if node.args.get("catalog") is not None:
        raise Refused("three-part names (database.schema.table) are not allowed")
    schema = _ident(node.args["db"]) if node.args.get("db") is not None else None
    if schema is not None and schema not in READ_SCHEMAS:
        raise Refused(
            f"schema {schema!r} is off limits: only public, dash and the catalogs "
            "(pg_catalog, information_schema) may be read"
        )
    if isinstance(node, exp.Table) and schema in (None, "pg_catalog"):
        name = _ident(node.this) if isinstance(node.this, exp.Identifier) else None
        if name in PRIVATE_CATALOG_RELATIONS:
            raise Refused(f"{name} is not available to agents: it exposes other sessions or secrets")


def _ident(node: exp.Expr | str) -> str:
    """Postgres folds unquoted names to lower case and keeps quoted ones as written."""
    if isinstance(node, exp.Identifier):
        return node.this if node.quoted else node.this.lower()
    return str(node.name if isinstance(node, exp.Expr) else node).lower()


def _kind(sql: str) -> str:
    """Name the statement by its first word, as a person would (sqlglot's node names mislead)."""
    tokens = tokenize(sql)
    if not tokens:
        return "an empty statement"
    word = tokens[0].text.upper()
    return f"{'an' if word[:1] in tuple('AEIOU') else 'a'} {word} statement"


def _check_engineer(sql: str, catalog: Catalog) -> Checked:
    tree = engineer_statement(sql)
    if isinstance(tree, exp.Command) and str(tree.this).upper() == "REFRESH":
        schema, name = _check_written(refresh_target(tree.expression.name), catalog, creating=False)
        return tree, (Target(schema, name, "refresh", "MATERIALIZED VIEW"),)
    if not isinstance(tree, ENGINEER_ROOTS) and not isinstance(tree, QUERY_ROOTS):
        raise Refused(f"the engineer may not run {_kind(sql)}; {ENGINEER_KINDS}")
    _check_engineer_kind(tree)
    _walk(tree, ENGINEER_NODES)
    targets = []
    for node in tree.walk():  # breadth first: the statement's own target comes first
        for table, creating, action in _targets(node):
            schema, name = _check_written(table, catalog, creating=creating)
            targets.append(Target(schema, name, action, str(node.args.get("kind") or "").upper()))
    return tree, tuple(targets)


def _check_engineer_kind(tree: exp.Expr) -> None:
    kind = str(tree.args.get("kind") or "").upper()
    if isinstance(tree, exp.Create) and kind not in ENGINEER_CREATE_KINDS:
        raise Refused(f"the engineer may not CREATE {kind}; {ENGINEER_KINDS}")
    if isinstance(tree, exp.Drop) and kind not in ENGINEER_DROP_KINDS:
        raise Refused(f"the engineer may not DROP {kind}; {ENGINEER_KINDS}")
    if isinstance(tree, exp.Alter) and kind not in ("TABLE", "VIEW"):
        raise Refused(f"the engineer may not ALTER {kind}; {ENGINEER_KINDS}")


def _targets(node: exp.Expr) -> Iterable[tuple[exp.Table, bool, str]]:
    """The relations a node writes, whether it creates them (creation ignores lookup), and how."""
    if isinstance(node, exp.Create):
        target = node.this
        if isinstance(target, exp.Index):
            yield target.args["table"], False, "index"
        else:
            yield (target.this if isinstance(target, exp.Schema) else target), True, "create"
    elif isinstance(node, exp.Insert | exp.Update | exp.Delete | exp.Alter):
        target = node.this
        yield (target.this if isinstance(target, exp.Schema) else target), False, type(node).__name__.lower()
    elif isinstance(node, exp.Drop):
        yield from ((t, False, "drop") for t in node.args.get("tables") or [])
    elif isinstance(node, exp.TruncateTable):
        yield from ((t, False, "truncate") for t in node.expressions)
    elif isinstance(node, exp.AlterRename):
        yield node.this, True, "rename"
    elif isinstance(node, exp.Comment):
        yield _comment_target(node.this), False, "comment"


def _comment_target(node: exp.Expr) -> exp.Table:
    if isinstance(node, exp.Column):
        return exp.Table(this=node.args.get("table"), db=node.args.get("db"))
    if not isinstance(node, exp.Table):
        raise Refused("COMMENT is only allowed on tables, views and columns in dash")
    return node


def _check_written(table: exp.Expr, catalog: Catalog, *, creating: bool) -> tuple[str, str]:
    """(schema, name) of a relation the engineer writes; Refused unless it resolves to dash."""
    if not isinstance(table, exp.Table) or not isinstance(table.this, exp.Identifier):
        raise Refused("the engineer may only write named tables and views in dash")
    name = _ident(table.this)
    if table.args.get("db") is not None:
        schema = _ident(table.args["db"])
    else:
        # An unknown name cannot be public's: Postgres would create it in (or fail to find it
        # outside) the first schema of the search path, which is dash.
        schema = catalog.creation_schema() if creating else catalog.lookup(name) or "dash"
    if schema != "dash":
        where = "" if table.args.get("db") is not None else " (that is where the unqualified name resolves)"
        raise Refused(
            f"the engineer may only write objects in schema dash, and {name!r} is in {schema!r}{where}; "
            f"write dash.{name} instead"
        )
    return schema, name
