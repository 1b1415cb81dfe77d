"""What sqlglot leaves unparsed, read token by token: EXPLAIN, SHOW, REFRESH and CREATE clauses.

sqlglot keeps `EXPLAIN ...`, `SHOW ...` and `REFRESH ...` as one opaque Command, and cannot parse
view options (`WITH (security_barrier)`) or trailing `WITH [NO] DATA` / `CHECK OPTION`. Those words
are read here with sqlglot's own tokenizer (so comments, quotes and parentheses mean what they mean
to Postgres) against explicit allowlists; the statement they wrap is handed back to db.sql_guard,
which checks it like any other.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.tokens import Token, TokenType

from db.sql_guard_rules import (
    EXPLAIN_OPTIONS,
    QUERY_START_WORDS,
    SHOW_ALIASES,
    SHOW_SETTINGS,
    TRAILING_CLAUSES,
    VIEW_OPTIONS,
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


class Refused(Exception):
    """Raised inside the walk; turned into a refused Decision at the edge."""


def tokenize(sql: str) -> list[Token]:
    return Dialect.get_or_raise(DIALECT).tokenize(sql)


def one_statement(sql: str, tokens: list[Token] | None = None) -> exp.Expr:
    """Parse `sql` (or the tokens of it a caller kept) into exactly one statement."""
    tokens = tokenize(sql) if tokens is None else tokens
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
    rest = sql[tokenize(sql)[0].end + 1 :]
    return rest, tokenize(rest)


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


def explained(sql: str) -> str:
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


def check_show(sql: str) -> None:
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


def engineer_statement(sql: str) -> exp.Expr:
    """Parse one engineer statement, first setting aside the CREATE clauses sqlglot cannot parse.

    Raises Refused (or a sqlglot error) when it cannot. The tree travels on in the guard's Decision,
    with the targets it writes, so nobody parses the statement again.

    View options (`CREATE VIEW v WITH (security_barrier) AS ...`) and trailing clauses (`WITH [NO]
    DATA`, `WITH [LOCAL] CHECK OPTION`) are checked here word by word; the statement without them
    must parse as the kind of CREATE they belong to, and is then checked like any other.
    """
    tokens = tokenize(sql)
    while tokens and tokens[-1].token_type == TokenType.SEMICOLON:
        tokens = tokens[:-1]
    words = [_word(t) for t in tokens]
    # A `;` left inside means more than one statement: refuse that before reading any clause, or
    # `CREATE VIEW ... ; WITH CHECK OPTION` would pass with its tail set aside.
    if words[:1] != ["CREATE"] or any(t.token_type == TokenType.SEMICOLON for t in tokens):
        return one_statement(sql)
    clause = next((c for c in TRAILING_CLAUSES if tuple(words[-len(c) :]) == c), ())
    end = len(tokens) - len(clause)
    options = _view_options(words[:end] + [END])
    if not clause and options is None:
        return one_statement(sql)
    kept = tokens[:end] if options is None else tokens[: options[0]] + tokens[options[1] : end]
    tree = one_statement(sql, kept)
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


def refresh_target(rest: str) -> exp.Table:
    """Parse `MATERIALIZED VIEW [CONCURRENTLY] name [WITH [NO] DATA]` (sqlglot leaves it a Command)."""
    words = [t for t in tokenize(rest) if t.text != ";"]
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
