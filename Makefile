# `make test` is the one command that runs the whole suite (lint, types, tests); CI runs it too.
.PHONY: test lint typecheck pytest up

test: lint typecheck pytest

lint:
	uv run --frozen ruff check .
	uv run --frozen ruff format --check .

typecheck:
	uv run --frozen mypy core app agents db evals scripts benchmarks

pytest:
	uv run --frozen pytest -q -n 3

up:
	uv run --frozen dash up
