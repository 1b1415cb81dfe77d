"""What the SQL guard allows: node types, statement kinds, schemas and dangerous functions, and
the words of what sqlglot leaves unparsed (EXPLAIN options, SHOW settings, view options).

Data for `db.sql_guard`, kept apart so the policy can be read (and reviewed) on its own.
"""

from __future__ import annotations

from sqlglot import exp

READ_SCHEMAS = frozenset({"public", "dash", "pg_catalog", "information_schema"})
FUNCTION_SCHEMAS = frozenset({"public", "dash", "pg_catalog"})
# Catalog relations that show other sessions' SQL (other people's questions) or credentials.
PRIVATE_CATALOG_RELATIONS = frozenset(
    {
        "pg_stat_activity",
        "pg_stat_statements",
        "pg_prepared_statements",
        "pg_authid",
        "pg_shadow",
        "pg_user_mappings",
        "pg_user_mapping",
        "pg_hba_file_rules",
        "pg_ident_file_mappings",
        "pg_file_settings",
        "pg_largeobject",
        "pg_statistic",
    }
)

# Matched as name prefixes, so `pg_sleep` also covers pg_sleep_for and pg_sleep_until.
DANGEROUS_FUNCTIONS: dict[str, str] = {
    **dict.fromkeys(
        ("pg_read_", "pg_ls_", "pg_stat_file", "pg_file_", "pg_current_logfile"),
        "it reads the server's files",
    ),
    **dict.fromkeys(("lo_", "loread", "lowrite"), "it reads or writes large objects"),
    "dblink": "it connects to other databases",
    **dict.fromkeys(("pg_advisory", "pg_try_advisory"), "advisory locks block other sessions"),
    "pg_sleep": "sleeping only holds a connection",
    **dict.fromkeys(
        ("pg_terminate_backend", "pg_cancel_backend", "pg_signal_", "pg_notify"), "it signals other sessions"
    ),
    **dict.fromkeys(
        (
            "set_config",
            "pg_reload_conf",
            "pg_rotate_logfile",
            "pg_promote",
            "pg_switch_wal",
            "pg_create_",
            "pg_drop_replication",
            "pg_replication_",
            "pg_logical_",
            "pg_backup_",
            "pg_start_backup",
            "pg_stop_backup",
            "pg_wal_replay",
            "pg_stat_reset",
            "pg_import_snapshot",
            "pg_export_snapshot",
            "pg_log_",
            "pg_copy_",
            "pg_prewarm",
            "pg_truncate_visibility_map",
            "brin_summarize",
            "brin_desummarize",
            "gin_clean_pending_list",
            "binary_upgrade_",
            "pg_nextoid",
        ),
        "it changes server settings or state",
    ),
    **dict.fromkeys(("nextval", "setval"), "it changes a sequence"),
    **dict.fromkeys(
        (
            "query_to_xml",
            "table_to_xml",
            "cursor_to_xml",
            "schema_to_xml",
            "database_to_xml",
            "ts_stat",
            "ts_rewrite",
        ),
        "it runs SQL hidden inside a string",
    ),
}


def dangerous_function(name: str) -> bool:
    return any(name.startswith(prefix) for prefix in DANGEROUS_FUNCTIONS)


def function_reason(name: str) -> str:
    return next(why for prefix, why in DANGEROUS_FUNCTIONS.items() if name.startswith(prefix))


# ---- statements sqlglot leaves unparsed, read word by word (words are upper case when unquoted) ----

# `EXPLAIN (name [value], ...)`: the values each option takes; "" means the value may be left out.
# ANALYZE runs the explained query, which must pass the analyst's guard like any other query.
BOOLEAN_WORDS = frozenset({"", "TRUE", "FALSE", "ON", "OFF"})
EXPLAIN_OPTIONS: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        (
            "ANALYZE",
            "ANALYSE",
            "VERBOSE",
            "COSTS",
            "SETTINGS",
            "BUFFERS",
            "WAL",
            "TIMING",
            "SUMMARY",
            "MEMORY",
            "GENERIC_PLAN",
        ),
        BOOLEAN_WORDS,
    ),
    "SERIALIZE": frozenset({"", "NONE", "TEXT", "BINARY"}),
    "FORMAT": frozenset({"TEXT", "JSON", "YAML", "XML"}),
}
# `EXPLAIN (SELECT ...)` explains a parenthesized query: these reserved words never name an option.
QUERY_START_WORDS = frozenset({"SELECT", "WITH", "TABLE", "("})

# Settings the analyst may SHOW: how values are formatted, limits that explain an error, versions.
# Not SHOW ALL, nor custom (dotted) settings: an operator may keep a secret in one.
SHOW_SETTINGS = frozenset(
    {
        "timezone",
        "datestyle",
        "intervalstyle",
        "lc_monetary",
        "lc_numeric",
        "lc_time",
        "server_version",
        "server_version_num",
        "server_encoding",
        "client_encoding",
        "standard_conforming_strings",
        "extra_float_digits",
        "search_path",
        "statement_timeout",
        "lock_timeout",
        "default_transaction_read_only",
        "transaction_read_only",
        "transaction_isolation",
        "max_connections",
        "work_mem",
        "max_parallel_workers_per_gather",
        "default_text_search_config",
    }
)
SHOW_ALIASES = {("TIME", "ZONE"): "timezone", ("TRANSACTION", "ISOLATION", "LEVEL"): "transaction_isolation"}

# `CREATE [OR REPLACE] VIEW name WITH (name [= value], ...) AS`. None of them widens what a reader
# sees: security_invoker = false (the default) reads the base tables as the view's owner, who may
# read only public and dash, as the analyst may anyway; true reads them as the caller. Storage
# options (and any option on a materialized view) are refused: agents have no use for them.
VIEW_OPTIONS: dict[str, frozenset[str]] = {
    "SECURITY_BARRIER": BOOLEAN_WORDS,
    "SECURITY_INVOKER": BOOLEAN_WORDS,
    "CHECK_OPTION": frozenset({"LOCAL", "CASCADED"}),
}
# Clauses that end a CREATE ... AS query, and the CREATE kinds they may end. The guard checks the
# statement without them (sqlglot cannot parse some of them), then checks that they fit.
WITH_DATA_KINDS = ("MATERIALIZED VIEW", "TABLE ... AS")
TRAILING_CLAUSES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("WITH", "DATA"): WITH_DATA_KINDS,
    ("WITH", "NO", "DATA"): WITH_DATA_KINDS,
    ("WITH", "CHECK", "OPTION"): ("VIEW",),
    ("WITH", "LOCAL", "CHECK", "OPTION"): ("VIEW",),
    ("WITH", "CASCADED", "CHECK", "OPTION"): ("VIEW",),
}

QUERY_ROOTS: tuple[type[exp.Expr], ...] = (exp.Select, exp.SetOperation, exp.Values, exp.Subquery)
# Everything a read query is made of. Func, Condition, Binary and Unary cover expressions and
# calls; functions are checked by name separately.
QUERY_NODES: tuple[type[exp.Expr], ...] = (
    *QUERY_ROOTS,
    exp.Func,
    exp.Condition,
    exp.Binary,
    exp.Unary,
    exp.DataType,
    exp.DataTypeParam,
    exp.Identifier,
    exp.Star,
    exp.Alias,
    exp.TableAlias,
    exp.From,
    exp.Join,
    exp.Where,
    exp.Group,
    exp.Having,
    exp.Order,
    exp.Ordered,
    exp.Limit,
    exp.Offset,
    exp.Fetch,
    exp.LimitOptions,
    exp.With,
    exp.CTE,
    exp.Table,
    exp.Tuple,
    exp.Distinct,
    exp.Lateral,
    exp.Window,
    exp.WindowSpec,
    exp.Filter,
    exp.WithinGroup,
    exp.Interval,
    exp.Var,
    exp.Dot,
    exp.ColumnDef,
    exp.Kwarg,
    exp.Rollup,
    exp.Cube,
    exp.GroupingSets,
    exp.TableSample,
    exp.JSONPath,
    exp.JSONPathPart,
    exp.Slice,
    exp.Paren,
    exp.Qualify,
    exp.Heredoc,
)
NEVER_NODES: tuple[type[exp.Expr], ...] = (
    exp.Into,
    exp.Lock,
    exp.Command,
    exp.Set,
    exp.SetItem,
    exp.Copy,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.Merge,
    exp.Grant,
    exp.Revoke,
    exp.UserDefinedFunction,
    exp.TemporaryProperty,
    exp.SessionParameter,
)

ENGINEER_ROOTS: tuple[type[exp.Expr], ...] = (
    exp.Create,
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.TruncateTable,
    exp.Drop,
    exp.Alter,
    exp.Comment,
)
ENGINEER_NODES: tuple[type[exp.Expr], ...] = (
    *QUERY_NODES,
    *ENGINEER_ROOTS,
    exp.Schema,
    exp.ColumnConstraint,
    exp.ColumnConstraintKind,
    exp.Constraint,
    exp.PrimaryKey,
    exp.ForeignKey,
    exp.Reference,
    exp.Index,
    exp.IndexParameters,
    exp.Properties,
    exp.MaterializedProperty,
    exp.UnloggedProperty,
    exp.AlterRename,
    exp.AlterColumn,
    exp.RenameColumn,
    exp.Returning,
    exp.OnConflict,
    exp.LikeProperty,
    exp.IndexColumnConstraint,
)
ENGINEER_CREATE_KINDS = frozenset({"TABLE", "VIEW", "INDEX"})
ENGINEER_DROP_KINDS = frozenset({"TABLE", "VIEW", "INDEX"})
ENGINEER_KINDS = (
    "allowed: CREATE [OR REPLACE] VIEW / MATERIALIZED VIEW / TABLE [AS], CREATE INDEX, INSERT, UPDATE, "
    "DELETE, TRUNCATE, DROP VIEW / TABLE / MATERIALIZED VIEW / INDEX, "
    "REFRESH MATERIALIZED VIEW [CONCURRENTLY], ALTER TABLE / VIEW, COMMENT ON, all inside schema dash"
)

NODE_REASONS: tuple[tuple[type[exp.Expr], str], ...] = (
    (
        exp.Into,
        "SELECT ... INTO creates a table; only reads are allowed (the engineer uses "
        "CREATE TABLE dash.<name> AS ...)",
    ),
    (exp.Lock, "locking clauses (FOR UPDATE / FOR SHARE) are not allowed: they lock rows"),
    (
        exp.DML,
        "data-modifying statements (INSERT/UPDATE/DELETE/MERGE) are not allowed here, "
        "not even inside a WITH clause",
    ),
    (exp.DDL, "schema changes (CREATE/DROP/ALTER) are not allowed here"),
    (exp.Set, "SET/RESET would change session settings; Dash sets them itself"),
    (exp.SetItem, "SET/RESET would change session settings; Dash sets them itself"),
    (exp.Copy, "COPY reads or writes files and programs on the server"),
    (exp.Transaction, "transaction control is not allowed: Dash runs each statement in its own transaction"),
    (exp.Commit, "transaction control is not allowed: Dash runs each statement in its own transaction"),
    (exp.Rollback, "transaction control is not allowed: Dash runs each statement in its own transaction"),
    (exp.Grant, "GRANT/REVOKE change privileges"),
    (exp.Revoke, "GRANT/REVOKE change privileges"),
    (exp.UserDefinedFunction, "creating functions or procedures is not allowed"),
    (exp.TemporaryProperty, "temporary tables are not allowed"),
    (
        exp.Property,
        "table and view options (WITH (...), TABLESPACE, USING ...) are not allowed; only a plain view "
        "may take WITH (security_barrier | security_invoker | check_option = local | cascaded), right before AS",
    ),
)


def node_reason(node: exp.Expr) -> str:
    if isinstance(node, exp.Command):
        return (
            f"{str(node.this).upper()} statements are not allowed for agents (SET/RESET, DO, COPY, "
            "CALL, GRANT, LISTEN/NOTIFY, PREPARE/EXECUTE, LOCK, VACUUM ... are refused)"
        )
    for kind, reason in NODE_REASONS:
        if isinstance(node, kind):
            return reason
    return f"{node.key.upper()} is not allowed in an agent's SQL"
