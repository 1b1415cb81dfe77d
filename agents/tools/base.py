"""Tools are plain typed functions with docstrings; this module turns them into model tools.

The JSON schema comes from the signature (str, int, float, bool, list[...] of those, Literal,
Optional; a default makes a parameter optional) and the Google-style docstring (first paragraph
is the description, `Args:` describes the parameters). A broken call from the model -- bad JSON,
an unknown tool, wrong arguments, or an exception inside the tool -- becomes an error string the
model reads and can act on; it never ends the run.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import json
import re
import textwrap
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

import pydantic

SCALARS: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}
DEFAULT_MAX_CHARS = 20_000
_ARG_LINE = re.compile(r"^(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_SECTION = re.compile(r"^[A-Z]\w*( \w+)?:\s*$")


@dataclass(frozen=True)
class ToolOutcome:
    """What the model reads back (`text`) and, when the call failed, the error alone (`error`);
    `value` is what the function returned (for the trace: never shown to the model as is)."""

    text: str
    error: str | None = None
    value: Any = None


@dataclass(frozen=True)
class Tool:
    """One callable the model may use. Build it with `tool(fn)`."""

    name: str
    description: str
    parameters: dict[str, Any]
    fn: Callable[..., Any]
    adapters: dict[str, pydantic.TypeAdapter[Any]]

    def schema(self) -> dict[str, Any]:
        """The entry for the Chat Completions `tools` list."""
        function = {"name": self.name, "description": self.description, "parameters": self.parameters}
        return {"type": "function", "function": function}

    def validate(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """Checked and converted arguments; raises ValueError listing every problem."""
        required = set(self.parameters["required"])
        problems = [f"missing required argument {name!r}" for name in sorted(required - arguments.keys())]
        problems += [f"unexpected argument {name!r}" for name in arguments if name not in self.adapters]
        checked = {}
        for name, value in arguments.items():
            if name in self.adapters:
                try:
                    checked[name] = self.adapters[name].validate_python(value, strict=True)
                except pydantic.ValidationError as exc:
                    first = exc.errors()[0]
                    where = name + "".join(f"[{part}]" for part in first["loc"])
                    problems.append(f"{where!r}: {first['msg']}")
        if problems:
            raise ValueError("; ".join(problems))
        return checked

    async def invoke(self, arguments: dict[str, Any]) -> Any:
        """Run the function: awaited when async, in a worker thread when sync (it may block)."""
        if inspect.iscoroutinefunction(self.fn):
            return await self.fn(**arguments)
        return await asyncio.to_thread(self.fn, **arguments)


def tool(fn: Callable[..., Any], *, name: str | None = None) -> Tool:
    """A `Tool` from a typed, documented function. Raises TypeError for what the model can't use."""
    tool_name = name or fn.__name__
    # Tool factories make new closures for every run, but closures made by one `def` share their
    # code object: build each schema and its validators once, not once per run.
    key = (getattr(fn, "__code__", None), tool_name)
    spec = _SPECS.get(key) if key[0] is not None else None
    if spec is None:
        spec = _spec(fn, tool_name)
        if key[0] is not None:
            _SPECS[key] = spec
    description, parameters, adapters = spec
    return Tool(tool_name, description, parameters, fn, adapters)


_Spec = tuple[str, dict[str, Any], dict[str, Any]]
_SPECS: dict[tuple[Any, str], _Spec] = {}


def _spec(fn: Callable[..., Any], tool_name: str) -> _Spec:
    description, arg_docs = parse_docstring(inspect.getdoc(fn) or "")
    if not description:
        raise TypeError(
            f"tool {tool_name}: needs a docstring; its first paragraph tells the model what it does"
        )
    hints = typing.get_type_hints(fn)
    properties, required, adapters = {}, [], {}
    for param in inspect.signature(fn).parameters.values():
        annotation = hints.get(param.name, param.empty)
        properties[param.name] = _property(annotation, arg_docs, f"{tool_name}.{param.name}")
        adapters[param.name] = pydantic.TypeAdapter(annotation)
        if param.default is param.empty:
            required.append(param.name)
    parameters = {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    return description, parameters, adapters


def _property(annotation: Any, arg_docs: dict[str, str], where: str) -> dict[str, Any]:
    name = where.rsplit(".", 1)[1]
    if name not in arg_docs:
        raise TypeError(f"tool parameter {where}: not described under Args: in the docstring")
    return {**json_type(annotation, where), "description": arg_docs[name]}


class Toolset:
    """The tools of one agent, by name, and the one place a model's tool call is executed."""

    def __init__(
        self,
        tools: Iterable[Tool | Callable[..., Any]] = (),
        *,
        max_result_chars: int = DEFAULT_MAX_CHARS,
        timeout_s: float | None = None,
    ) -> None:
        built = [t if isinstance(t, Tool) else tool(t) for t in tools]
        self.tools = {t.name: t for t in built}
        if len(self.tools) != len(built):
            raise ValueError(f"duplicate tool names in {[t.name for t in built]}")
        self.max_result_chars = max_result_chars
        self.timeout_s = timeout_s

    def schemas(self) -> list[dict[str, Any]]:
        return [t.schema() for t in self.tools.values()]

    async def run(self, name: str, arguments: str) -> ToolOutcome:
        """Execute one call; every failure comes back as an outcome with `error` set, never raised."""
        chosen = self.tools.get(name)
        if chosen is None:
            return _failed(
                f"there is no tool named {name!r}. Available tools: {', '.join(self.tools) or 'none'}."
            )
        try:
            checked = chosen.validate(parse_arguments(arguments))
        except json.JSONDecodeError as exc:
            return _failed(f"the arguments for {name} are not valid JSON ({exc}). Send one JSON object.")
        except ValueError as exc:
            return _failed(f"invalid arguments for {name}: {exc}.")
        try:
            value = await asyncio.wait_for(chosen.invoke(checked), self.timeout_s)
        except TimeoutError:
            return _failed(f"{name} did not finish within {self.timeout_s:g} seconds.")
        except Exception as exc:  # a failing tool is data for the model, not the end of the run
            return _failed(f"{name} failed: {type(exc).__name__}: {exc}")
        return ToolOutcome(format_result(value, self.max_result_chars), value=value)


def parse_arguments(arguments: str) -> dict[str, Any]:
    """The model's JSON arguments as a dict; an empty string means no arguments (some servers send it)."""
    parsed = json.loads(arguments) if arguments.strip() else {}
    if not isinstance(parsed, dict):
        raise ValueError(f"expected a JSON object, got {type(parsed).__name__}")
    return parsed


def _failed(message: str) -> ToolOutcome:
    return ToolOutcome(f"Error: {message}", error=message)


def format_result(value: Any, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Text the model reads: strings as they are, everything else as JSON, cut at `max_chars`."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=_jsonable)
    if len(text) <= max_chars:
        return text
    return f"{text[:max_chars]}\n[truncated: showing the first {max_chars} of {len(text)} characters]"


def _jsonable(value: Any) -> Any:
    """json.dumps fallback, at any depth: dataclasses and pydantic models as objects, the rest as str."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json")
    return str(value)


def json_type(annotation: Any, where: str) -> dict[str, Any]:
    """The JSON schema of one supported annotation; TypeError for anything else."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation in SCALARS:
        return {"type": SCALARS[annotation]}
    if origin is Literal and all(type(a) in SCALARS for a in args):
        return {"type": SCALARS[type(args[0])], "enum": list(args)}
    if origin is list and len(args) == 1:
        return {"type": "array", "items": json_type(args[0], where)}
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        inner = json_type(next(a for a in args if a is not type(None)), where)
        return {**inner, "type": [inner["type"], "null"]}
    raise TypeError(f"tool parameter {where}: unsupported type {annotation!r}")


def parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """(first paragraph on one line, {argument: description}) from a cleaned Google-style docstring."""
    lines = doc.splitlines()
    end = next((i for i, line in enumerate(lines) if not line.strip() or _SECTION.match(line)), len(lines))
    description = " ".join(" ".join(lines[:end]).split())
    args: dict[str, str] = {}
    current = None
    for line in _section(lines, "Args"):
        match = _ARG_LINE.match(line)
        if match and not line[0].isspace():
            current = match[1]
            args[current] = match[2].strip()
        elif current and line.strip():
            args[current] = f"{args[current]} {line.strip()}".strip()
    return description, args


def _section(lines: list[str], title: str) -> list[str]:
    """The dedented body of one docstring section; it ends at the next line in column 0."""
    body: list[str] = []
    inside = False
    for line in lines:
        if inside and line.strip() and not line[0].isspace():
            break
        if inside:
            body.append(line)
        inside = inside or line.rstrip() == f"{title}:"
    return textwrap.dedent("\n".join(body)).splitlines()
