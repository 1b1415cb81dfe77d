"""Load the data team's files into `public`: SQL dumps (plain or custom format) and CSV files.

Every load is all-or-nothing: a plain dump runs in one transaction with ON_ERROR_STOP, a custom
dump with `pg_restore --single-transaction --exit-on-error`, and a CSV with one COPY inside one
transaction (the table is created from the header, with inferred types, when it does not exist).
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import psycopg
from psycopg import sql

from db.bootstrap import admin_dsn
from db.embedded import binaries_dir
from db.engines import DatabaseTarget

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
CUSTOM_DUMP_MAGIC = b"PGDMP"


class LoadError(RuntimeError):
    """The file could not be loaded; nothing was changed."""


def load_file(target: DatabaseTarget, path: Path, *, table: str | None = None) -> str:
    if not path.is_file():
        raise LoadError(f"{path}: no such file")
    if path.suffix.lower() == ".csv":
        if not table:
            raise LoadError(f"{path}: a CSV needs --table NAME (the table in `public` to load into)")
        return load_csv(target, path, table)
    with path.open("rb") as handle:
        custom = handle.read(5) == CUSTOM_DUMP_MAGIC
    return _restore_custom(target, path) if custom else _run_plain_dump(target, path)


def _client_env(target: DatabaseTarget) -> dict[str, str]:
    url = target.admin_url
    env = dict(os.environ)
    env.update(
        PGHOST=str(url.host or "127.0.0.1"),
        PGPORT=str(url.port or 5432),
        PGUSER=str(url.username),
        PGPASSWORD=str(url.password or ""),
        PGDATABASE=str(url.database),
        PGOPTIONS="-c search_path=public",
    )
    return env


def _run_client(argv: list[str], target: DatabaseTarget, path: Path) -> None:
    result = subprocess.run(  # noqa: S603 - our own bundled client binaries
        argv, env=_client_env(target), capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise LoadError(f"{path}: load failed, nothing was changed: {' | '.join(detail[-3:])}")


def _run_plain_dump(target: DatabaseTarget, path: Path) -> str:
    argv = [
        str(binaries_dir() / "psql"),
        "-X",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "--single-transaction",
        "-f",
        str(path),
    ]
    _run_client(argv, target, path)
    return f"loaded SQL dump {path.name}"


def _restore_custom(target: DatabaseTarget, path: Path) -> str:
    argv = [
        str(binaries_dir() / "pg_restore"),
        "--single-transaction",
        "--exit-on-error",
        "--no-owner",
        "--no-privileges",
        "-d",
        str(target.admin_url.database),
        str(path),
    ]
    _run_client(argv, target, path)
    return f"restored dump {path.name}"


def load_csv(target: DatabaseTarget, path: Path, table: str) -> str:
    if not IDENTIFIER.match(table):
        raise LoadError(f"--table {table!r}: use a lower-case name of letters, digits and underscores")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header:
            raise LoadError(f"{path}: the file is empty; a header row is required")
        rows = list(reader)
    columns = [_column_name(name, i, path) for i, name in enumerate(header)]
    for line_no, row in enumerate(rows, start=2):
        if len(row) != len(columns):
            raise LoadError(f"{path}, line {line_no}: {len(row)} fields, the header has {len(columns)}")
    ident = sql.Identifier("public", table)
    with psycopg.connect(admin_dsn(target)) as conn:  # one transaction: all or nothing
        exists = conn.execute("SELECT to_regclass(%s)", (f"public.{table}",)).fetchone()
        if not exists or exists[0] is None:
            types = [infer_type([r[i] for r in rows]) for i in range(len(columns))]
            defs = sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t))
                for c, t in zip(columns, types, strict=True)
            )
            conn.execute(sql.SQL("CREATE TABLE {} ({})").format(ident, defs))
        cols = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
        try:
            with conn.cursor().copy(sql.SQL("COPY {} ({}) FROM STDIN").format(ident, cols)) as copy:
                for row in rows:
                    copy.write_row([value if value != "" else None for value in row])
        except psycopg.Error as exc:
            conn.rollback()
            raise LoadError(f"{path}: load failed, nothing was changed: {exc}".strip()) from exc
    return f"loaded {len(rows)} rows into public.{table}"


def _column_name(name: str, index: int, path: Path) -> str:
    cleaned = re.sub(r"[^a-z0-9_]+", "_", name.strip().lower()).strip("_")
    if not cleaned:
        raise LoadError(f"{path}, line 1: column {index + 1} has no usable name")
    return cleaned if cleaned[0].isalpha() or cleaned[0] == "_" else f"c_{cleaned}"


def infer_type(values: list[str]) -> str:
    """The narrowest PostgreSQL type that holds every non-empty value of a CSV column."""
    present = [v for v in values if v != ""]
    if not present:
        return "text"
    for type_name, accepts in (
        ("bigint", _is_int),
        ("numeric", _is_decimal),
        ("boolean", lambda v: v.lower() in {"true", "false", "t", "f"}),
        ("date", _is_date),
        ("timestamptz", _is_timestamp),
    ):
        if all(accepts(v) for v in present):
            return type_name
    return "text"


def _is_int(value: str) -> bool:
    return re.fullmatch(r"[-+]?\d{1,18}", value) is not None


def _is_decimal(value: str) -> bool:
    try:
        return Decimal(value).is_finite()
    except InvalidOperation:
        return False


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _is_timestamp(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True
