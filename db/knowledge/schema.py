"""Check parsed JSON against a small declarative shape, reporting file, line and field per problem.

A shape is `str` (a non-empty string), `Text` (a string that may be empty), `[shape]` (a list of them), a dict of field -> shape (a field
ending in "?" is optional; unknown fields are allowed so people can add notes), `dict` (any object),
or a tuple of alternatives.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from db.knowledge.problems import Problem

Path_ = tuple[str | int, ...]


class Text:
    """A string that may be empty: a draft leaves descriptions for people to write (a warning)."""


COLUMN = {"name": str, "type": str, "description": Text}
TABLE_SHAPE = {
    "table_name": str,
    "table_description": Text,
    "use_cases?": [str],
    "data_quality_notes?": [str],
    "table_columns": [COLUMN],
    "profile?": dict,  # measured by `dash knowledge draft` (db/knowledge/profile.py), never by hand
    "drafted?": [str],  # fields a model proposed, awaiting a person's review
}
METRIC = {"name": str, "definition": str, "table?": (str, [str]), "calculation?": str}
GOTCHA = {"issue": str, "tables_affected?": ([str], str), "solution": str}
BUSINESS_SHAPE = {"metrics?": [METRIC], "business_rules?": [(str, dict)], "common_gotchas?": [GOTCHA]}


def parse_json(text: str, file: str) -> tuple[Any, dict[Path_, int], list[Problem]]:
    """The value, a map from JSON path to 1-based line, and a problem if the text is not JSON."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return (
            None,
            {},
            [Problem(file, exc.lineno, "(json)", f"not valid JSON: {exc.msg} (column {exc.colno})")],
        )
    return value, line_map(text), []


def line_map(text: str) -> dict[Path_, int]:
    """Lines of every object, list and value. JSON is YAML, and YAML's composer keeps positions."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}  # rare JSON that YAML 1.1 rejects: problems then point at line 1
    lines: dict[Path_, int] = {}
    _walk(root, (), lines)
    return lines


def _walk(node: yaml.Node | None, path: Path_, lines: dict[Path_, int]) -> None:
    if node is None:
        return
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _walk(value, (*path, str(key.value)), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines)


def field_name(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(top level)"


class Checker:
    def __init__(self, file: str, lines: dict[Path_, int]) -> None:
        self.file = file
        self.lines = lines
        self.problems: list[Problem] = []

    def line(self, path: Path_) -> int:
        while path not in self.lines and path:
            path = path[:-1]
        return self.lines.get(path, 1)

    def fail(self, path: Path_, message: str, at: Path_ | None = None) -> None:
        self.problems.append(
            Problem(self.file, self.line(at if at is not None else path), field_name(path), message)
        )

    def check(self, value: Any, shape: Any, path: Path_ = ()) -> None:
        if isinstance(shape, tuple):
            self._check_any(value, shape, path)
        elif shape is str:
            self._check_str(value, path)
        elif shape is Text:
            if not isinstance(value, str):
                self.fail(path, f"must be a string, got {_type(value)}")
        elif shape is dict:
            if not isinstance(value, dict):
                self.fail(path, f"must be an object, got {_type(value)}")
        elif isinstance(shape, list):
            self._check_list(value, shape[0], path)
        else:
            self._check_object(value, shape, path)

    def _check_str(self, value: Any, path: Path_) -> None:
        if not isinstance(value, str):
            self.fail(path, f"must be a string, got {_type(value)}")
        elif not value.strip():
            self.fail(path, "must not be empty")

    def _check_list(self, value: Any, item: Any, path: Path_) -> None:
        if not isinstance(value, list):
            self.fail(path, f"must be a list, got {_type(value)}")
            return
        for index, element in enumerate(value):
            self.check(element, item, (*path, index))

    def _check_object(self, value: Any, shape: dict[str, Any], path: Path_) -> None:
        if not isinstance(value, dict):
            self.fail(path, f"must be an object, got {_type(value)}")
            return
        for key, sub in shape.items():
            name = key.rstrip("?")
            if name in value:
                self.check(value[name], sub, (*path, name))
            elif not key.endswith("?"):
                self.fail((*path, name), "missing required field", at=path)

    def _check_any(self, value: Any, shapes: tuple[Any, ...], path: Path_) -> None:
        for shape in shapes:
            trial = Checker(self.file, self.lines)
            trial.check(value, shape, path)
            if not trial.problems:
                return
        wanted = " or ".join(_describe(s) for s in shapes)
        self.fail(path, f"must be {wanted}, got {_type(value)}")


def _describe(shape: Any) -> str:
    if shape is str or shape is Text:
        return "a string"
    if isinstance(shape, list):
        return f"a list of {_describe(shape[0]).removeprefix('a ').removeprefix('an ')}s"
    return "an object"


def _type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}
    return names.get(type(value), "a number")
