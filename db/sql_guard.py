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
those are read here token by token against explicit allowlists, and whatever statement they wrap
is parsed and checked like any other.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError
from sqlglot.tokens import Token, TokenType

from db.sql_guard_rules import (
    ENGINEER_CREATE_KINDS,
    ENGINEER_DROP_KINDS,
    ENGINEER_KINDS,
    ENGINEER_NODES,
    ENGINEER_ROOTS,
    EXPLAIN_OPTIONS,
    FUNCTION_SCHEMAS,
    NEVER_NODES,
    PRIVATE_CATALOG_RELATIONS,
    QUERY_NODES,
    QUERY_ROOTS,
    QUERY_START_WORDS,
    READ_SCHEMAS,
    SHOW_ALIASES,
    SHOW_SETTINGS,
    TRAILING_CLAUSES,
    VIEW_OPTIONS,
    dangerous_function,
    function_reason,
    node_reason,
)

DIALECT = "postgres"
# sqlglot warns on every statement it falls back to `Command` for; the guard refuses those anyway.
logging.getLogger("sqlglot").setLevel(logging.ERROR)
QUOTED_TOKENS = frozenset(
    {
        TokenType.IDENTIFIER,
        TokenType.STRING,
        TokenType.NATIONAL_STRING,
        TokenType.RAW_STRING,
        TokenType.HEREDOC_STRING,
        TokenType.BIT_STRING,
        TokenType.HEX_STRING,
        TokenType.BYTE_STRING,
        TokenType.UNICODE_STRING,
    }
)
END = "<end of statement>"  # closes every list of words, so reading one past the last is safe


@dataclass(frozen=True)
class Decision:
    """The guard's verdict: `reason` is written for the person (or model) who sent the SQL."""

    allowed: bool
    reason: str = ""

    @property
    def label(self) -> str:
        return "allowed" if self.allowed else "refused"


ALLOWED = Decision(True)


class Refused(Exception):
    """Raised inside the walk; turned into a refused Decision at the edge."""


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


def _decide(run: object) -> Decision:
    try:
        run()  # type: ignore[operator]
    except Refused as exc:
        return Decision(False, str(exc))
    except (SqlglotError, RecursionError, ValueError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return Decision(False, f"the statement could not be parsed, so it is not run: {first_line}")
    return ALLOWED


# ---- parsing ------------------------------------------------------------------------------------


def _tokens(sql: str) -> list[Token]:
    return Dialect.get_or_raise(DIALECT).tokenize(sql)


def _one_statement(sql: str, tokens: list[Token] | None = None) -> exp.Expr:
    """Parse `sql` (or the tokens of it a caller kept) into exactly one statement."""
    tokens = _tokens(sql) if tokens is None else tokens
    _refuse_lexer_tricks(tokens)
    parsed = Dialect.get_or_raise(DIALECT).parser().parse(tokens, sql)
    statements = [s for s in parsed if s is not None]
    if not statements:
        raise Refused("the statement is empty")
    if len(statements) > 1:
        raise Refused(f"exactly one statement is allowed, got {len(statements)}; send them one at a time")
    return statements[0]


def _refuse_lexer_tricks(tokens: list[Token]) -> None:
    """Refuse U&"..." identifiers: sqlglot reads them as `U & "..."`, Postgres as an escaped name."""
    for before, amp, nxt in zip(tokens, tokens[1:], tokens[2:], strict=False):
        adjacent = before.end + 1 == amp.start and amp.end + 1 == nxt.start
        if amp.text == "&" and before.text.upper() == "U" and adjacent:
            raise Refused('Unicode-escaped names (U&"...") are not allowed; write the name plainly')


def _word(token: Token) -> str:
    """A token as Postgres matches keywords: unquoted upper-cased; quoted ones keep their quotes."""
    return f'"{token.text}"' if token.token_type in QUOTED_TOKENS else token.text.upper()


def _words_after_command(sql: str) -> tuple[str, list[Token]]:
    """The text after a statement's first word, and its tokens (sqlglot keeps it as one string)."""
    rest = sql[_tokens(sql)[0].end + 1 :]
    return rest, _tokens(rest)


def _option_list(
    words: list[str], at: int, allowed: Mapping[str, frozenset[str]], what: str, *, equals: bool
) -> int:
    """Check `(name [value], ...)`, or `(name [= value], ...)` when `equals`, opening at words[at].

    Every name and value must be on `allowed` ("" among the values: the value may be left out).
    `words` ends with END. Returns the index after the closing parenthesis.
    """
    form = f"({'name = value' if equals else 'name value'}, ...)"
    if words[at] != "(":
        raise Refused(f"write {what} options as {form}")
    i = at + 1
    while True:
        name, value = words[i], ""
        if name not in allowed:
            raise Refused(f"{what} option {name} is not allowed; allowed: {', '.join(allowed)}")
        i += 1
        if equals and words[i] == "=":
            value, i = words[i + 1], i + 2
        elif not equals and words[i] not in (",", ")"):
            value, i = words[i], i + 1
        if value not in allowed[name]:
            takes = " | ".join(sorted(v or "(no value)" for v in allowed[name]))
            raise Refused(f"{what} option {name} takes {takes}, not {value or '(no value)'}")
        if words[i] == ")":
            return i + 1
        if words[i] != ",":
            raise Refused(f"write {what} options as {form}")
        i += 1


# ---- the walk -----------------------------------------------------------------------------------


def _check_analyst(sql: str) -> None:
    tree = _one_statement(sql)
    command = str(tree.this).upper() if isinstance(tree, exp.Command) else ""
    if command == "EXPLAIN":
        _check_explained(_explained(sql))
    elif command == "SHOW":
        _check_show(sql)
    else:
        _check_query(sql, tree)


def _check_query(sql: str, tree: exp.Expr) -> None:
    if not isinstance(tree, QUERY_ROOTS):
        raise Refused(
            f"the analyst may only run read queries (SELECT, EXPLAIN of one, SHOW a setting); this is {_kind(sql)}"
        )
    _walk(tree, QUERY_NODES)


def _explained(sql: str) -> str:
    """The statement after `EXPLAIN [ANALYZE | ANALYSE] [VERBOSE]` or `EXPLAIN (option, ...)`.

    Read token by token, so comments, quotes and nested parentheses mean what they mean to
    Postgres, and every option must be on the allowlist. Whatever follows the options is the
    statement Postgres would plan (and, with ANALYZE, run); the caller checks it on its own.
    """
    rest, tokens = _words_after_command(sql)
    words = [_word(t) for t in tokens] + [END]
    if words[0] == "(" and words[1] not in QUERY_START_WORDS:
        start = _option_list(words, 0, EXPLAIN_OPTIONS, "EXPLAIN", equals=False)
    elif words[0] in ("ANALYZE", "ANALYSE"):
        start = 2 if words[1] == "VERBOSE" else 1
    else:
        start = 1 if words[0] == "VERBOSE" else 0
    if words[start] in (END, ";"):
        raise Refused("EXPLAIN needs a query to explain: EXPLAIN [ANALYZE] SELECT ...")
    return rest[tokens[start].start :]


def _check_explained(statement: str) -> None:
    try:
        _check_query(statement, _one_statement(statement))
    except Refused as exc:
        raise Refused(f"EXPLAIN is allowed only of a query the analyst may run: {exc}") from None


def _check_show(sql: str) -> None:
    """`SHOW <setting>` for one setting on the allowlist; never SHOW ALL or a custom setting."""
    rest, tokens = _words_after_command(sql)
    words = tuple(_word(t) for t in tokens if t.token_type != TokenType.SEMICOLON)
    name = SHOW_ALIASES.get(words) or (words[0].lower() if len(words) == 1 else "")
    if name not in SHOW_SETTINGS:
        asked = rest.strip().rstrip(";").strip() or "without a setting"
        raise Refused(
            f"SHOW {asked} is not allowed: the analyst may SHOW one of these settings "
            f"(not SHOW ALL): {', '.join(sorted(SHOW_SETTINGS))}"
        )


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
    tokens = _tokens(sql)
    if not tokens:
        return "an empty statement"
    word = tokens[0].text.upper()
    return f"{'an' if word[:1] in tuple('AEIOU') else 'a'} {word} statement"


# ---- the engineer -------------------------------------------------------------------------------


def _check_engineer(sql: str, catalog: Catalog) -> None:
    tree = engineer_statement(sql)
    if isinstance(tree, exp.Command) and str(tree.this).upper() == "REFRESH":
        _check_written(_refresh_target(tree.expression.name), catalog, creating=False)
        return
    if not isinstance(tree, ENGINEER_ROOTS) and not isinstance(tree, QUERY_ROOTS):
        raise Refused(f"the engineer may not run {_kind(sql)}; {ENGINEER_KINDS}")
    _check_engineer_kind(tree)
    _walk(tree, ENGINEER_NODES)
    for node in tree.walk():
        for table, creating in _targets(node):
            _check_written(table, catalog, creating=creating)


def engineer_statement(sql: str) -> exp.Expr:
    """Parse one engineer statement, first setting aside the CREATE clauses sqlglot cannot parse.

    Raises Refused (or a sqlglot error) when it cannot; also used to tell which dash object an
    allowed statement defined, so the knowledge base records it (agents/engineer.py).

    View options (`CREATE VIEW v WITH (security_barrier) AS ...`) and trailing clauses (`WITH [NO]
    DATA`, `WITH [LOCAL] CHECK OPTION`) are checked here word by word; the statement without them
    must parse as the kind of CREATE they belong to, and is then checked like any other.
    """
    tokens = _tokens(sql)
    if tokens and tokens[-1].token_type == TokenType.SEMICOLON:
        tokens = tokens[:-1]
    words = [_word(t) for t in tokens]
    if words[:1] != ["CREATE"]:
        return _one_statement(sql)
    clause = next((c for c in TRAILING_CLAUSES if tuple(words[-len(c) :]) == c), ())
    end = len(tokens) - len(clause)
    options = _view_options(words[:end] + [END])
    if not clause and options is None:
        return _one_statement(sql)
    kept = tokens[:end] if options is None else tokens[: options[0]] + tokens[options[1] : end]
    tree = _one_statement(sql, kept)
    if options is not None and _create_kind(tree) != "VIEW":
        raise Refused("view options WITH (...) are only allowed on CREATE [OR REPLACE] VIEW")
    if clause and _create_kind(tree) not in TRAILING_CLAUSES[clause]:
        kinds = " or ".join(f"CREATE {k}" for k in TRAILING_CLAUSES[clause])
        raise Refused(f"{' '.join(clause)} may only end a {kinds}")
    return tree


def _view_options(words: list[str]) -> tuple[int, int] | None:
    """Where `WITH (...)` sits in `CREATE [OR REPLACE] [MATERIALIZED] VIEW name [(cols)] WITH (...) AS`.

    None when the statement defines no view or gives no options; the options are checked here.
    """
    view = 3 if words[1:3] == ["OR", "REPLACE"] else 1
    materialized = words[view] == "MATERIALIZED"
    view += materialized
    if words[view] != "VIEW":
        return None
    depth, start = 0, None
    for i in range(view + 1, len(words)):
        depth += (words[i] == "(") - (words[i] == ")")
        if depth == 0 and words[i] == "AS":
            break
        if depth == 0 and words[i] == "WITH":
            start = start if start is not None else i
    else:
        return None
    if start is None:
        return None
    if materialized:
        raise Refused("materialized views take no WITH (...) options here; leave them out")
    stop = _option_list(words, start + 1, VIEW_OPTIONS, "view", equals=True)
    if words[stop] != "AS":
        raise Refused("write view options right before AS: CREATE VIEW dash.<name> WITH (...) AS SELECT ...")
    return start, stop


def _create_kind(tree: exp.Expr) -> str:
    """Which CREATE ... AS this is ("VIEW", "MATERIALIZED VIEW", "TABLE ... AS"), or "" for others."""
    if not isinstance(tree, exp.Create):
        return ""
    kind = str(tree.args.get("kind") or "").upper()
    properties = tree.args.get("properties")
    materialized = any(
        isinstance(p, exp.MaterializedProperty) for p in getattr(properties, "expressions", [])
    )
    if kind == "VIEW":
        return "MATERIALIZED VIEW" if materialized else "VIEW"
    return "TABLE ... AS" if kind == "TABLE" and tree.expression is not None else ""


def _check_engineer_kind(tree: exp.Expr) -> None:
    kind = str(tree.args.get("kind") or "").upper()
    if isinstance(tree, exp.Create) and kind not in ENGINEER_CREATE_KINDS:
        raise Refused(f"the engineer may not CREATE {kind}; {ENGINEER_KINDS}")
    if isinstance(tree, exp.Drop) and kind not in ENGINEER_DROP_KINDS:
        raise Refused(f"the engineer may not DROP {kind}; {ENGINEER_KINDS}")
    if isinstance(tree, exp.Alter) and kind not in ("TABLE", "VIEW"):
        raise Refused(f"the engineer may not ALTER {kind}; {ENGINEER_KINDS}")


def _targets(node: exp.Expr) -> Iterable[tuple[exp.Table, bool]]:
    """The relations a node writes, and whether it creates them (creation ignores lookup)."""
    if isinstance(node, exp.Create):
        target = node.this
        if isinstance(target, exp.Index):
            yield target.args["table"], False
        else:
            yield (target.this if isinstance(target, exp.Schema) else target), True
    elif isinstance(node, exp.Insert | exp.Update | exp.Delete | exp.Alter):
        target = node.this
        yield (target.this if isinstance(target, exp.Schema) else target), False
    elif isinstance(node, exp.Drop):
        yield from ((t, False) for t in node.args.get("tables") or [])
    elif isinstance(node, exp.TruncateTable):
        yield from ((t, False) for t in node.expressions)
    elif isinstance(node, exp.AlterRename):
        yield node.this, True
    elif isinstance(node, exp.Comment):
        yield _comment_target(node.this), False


def _comment_target(node: exp.Expr) -> exp.Table:
    if isinstance(node, exp.Column):
        return exp.Table(this=node.args.get("table"), db=node.args.get("db"))
    if not isinstance(node, exp.Table):
        raise Refused("COMMENT is only allowed on tables, views and columns in dash")
    return node


def _check_written(table: exp.Expr, catalog: Catalog, *, creating: bool) -> None:
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


def _refresh_target(rest: str) -> exp.Table:
    """Parse `MATERIALIZED VIEW [CONCURRENTLY] name [WITH [NO] DATA]` (sqlglot leaves it a Command)."""
    words = [t for t in _tokens(rest) if t.text != ";"]
    texts = [t.text.upper() for t in words]
    if texts[:2] != ["MATERIALIZED", "VIEW"]:
        raise Refused("only REFRESH MATERIALIZED VIEW dash.<name> is allowed")
    body = words[3:] if texts[2:3] == ["CONCURRENTLY"] else words[2:]
    tail = [t.text.upper() for t in body[3:]] if len(body) > 1 and body[1].text == "." else None
    name_tokens = body[:3] if tail is not None else body[:1]
    tail = tail if tail is not None else [t.text.upper() for t in body[1:]]
    if not name_tokens or tail not in ([], ["WITH", "DATA"], ["WITH", "NO", "DATA"]):
        raise Refused("only REFRESH MATERIALIZED VIEW [CONCURRENTLY] dash.<name> [WITH [NO] DATA] is allowed")
    parts = [exp.Identifier(this=t.text, quoted=t.token_type.name == "IDENTIFIER") for t in name_tokens[::2]]
    return exp.Table(this=parts[-1], db=parts[0] if len(parts) == 2 else None)
