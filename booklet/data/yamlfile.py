"""Reading the YAML files people write, keeping line numbers for every field.

We compose YAML into nodes ourselves rather than calling `safe_load`, so each value remembers
the line it came from (for messages) and so aliases, which nobody needs in these files and which
make "billion laughs" bombs possible, are refused outright.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from booklet.base.errors import BookletError

if TYPE_CHECKING:
    import yaml

MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 24
MAX_NODES = 50_000


# YAML 1.2's core schema: what a plain scalar means. PyYAML follows YAML 1.1, where `1:30` is
# 90 (base 60), `012` is 10 (octal), `1_000` is 1000 and `yes`/`no`/`on`/`off` are booleans: a
# card would print "90 minutes" for `minutes: 1:30`. Under these rules those stay text, which
# the field then refuses with a message saying how to write it.
CORE_SCHEMA = (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
)
STR, BOOL, NULL, INT, FLOAT = (
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
)
MAX_NUMBER_CHARS = 40


@cache
def _loader_class() -> Any:  # a PyYAML loader class; PyYAML ships no type hints
    """PyYAML, imported on first use, with the YAML 1.2 core schema's implicit types."""
    import re

    import yaml

    # the C loader is several times faster; fall back when PyYAML was built without it
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader: Any = type("CoreSchemaLoader", (base,), {"yaml_implicit_resolvers": {}})
    for tag, pattern, first in CORE_SCHEMA:
        loader.add_implicit_resolver(tag, re.compile(pattern), list(first))
    return loader


def scalar_value(tag: str, text: str) -> Any:
    """A plain scalar as YAML 1.2's core schema reads it; ValueError for a tag we refuse."""
    if tag == STR:
        return text
    if tag == NULL:
        return None
    if tag == BOOL:
        return text.lower() == "true"
    if tag in (INT, FLOAT) and len(text) > MAX_NUMBER_CHARS:
        raise ValueError(f"numbers are limited to {MAX_NUMBER_CHARS} characters")
    if tag == INT:
        if text.startswith("0o"):
            return int(text[2:], 8)
        if text.startswith("0x"):
            return int(text[2:], 16)
        return int(text, 10)
    if tag == FLOAT:
        lowered = text.lower()
        if lowered.endswith(".inf"):
            return float("-inf") if lowered.startswith("-") else float("inf")
        if lowered == ".nan":
            return float("nan")
        return float(text)
    raise ValueError(tag)


@dataclass
class Document:
    """A parsed file: its data plus the line of every field path (`steps[2]`, `diagram.strokes`)."""

    path: Path
    data: Any
    lines: dict[str, int] = field(default_factory=dict)

    def line(self, field_path: str) -> int | None:
        """The line of a field, or of its nearest parent that has one."""
        path = field_path
        while path:
            if path in self.lines:
                return self.lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return self.lines.get("")


def join(parent: str, key: str | int) -> str:
    """Field path of a child: `steps` + 2 -> `steps[2]`."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def read_text(path: Path) -> str:
    """A UTF-8 data file, its size checked on the open file before a byte is read."""
    from booklet.base.files import read_text_bounded

    return read_text_bounded(path, MAX_FILE_BYTES)


def parse_yaml(text: str, path: Path) -> Document:
    """Parse YAML text into plain Python data with a line for every field."""
    if not text.strip():
        raise BookletError("file is empty. Add the fields this file needs.", file=path)
    import yaml

    loader = _loader_class()(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = (exc.problem or exc.context or "invalid YAML").rstrip(".")
        line = mark.line + 1 if mark else None
        col = f", column {mark.column + 1}" if mark else ""
        raise BookletError(
            f"YAML syntax error{col}: {what}. Check indentation, colons and quotes.",
            file=path,
            line=line,
        ) from None
    except yaml.YAMLError as exc:
        raise BookletError(f"YAML error: {exc}.", file=path) from None
    finally:
        loader.dispose()
    if node is None:
        raise BookletError("file is empty. Add the fields this file needs.", file=path)
    doc = Document(path=path, data=None)
    builder = _Builder(loader, doc)
    doc.data = builder.build(node, "", 0)
    return doc


def load_yaml(path: Path) -> Document:
    return parse_yaml(read_text(path), path)


class _Builder:
    """Turns YAML nodes into dicts, lists and scalars, recording lines and refusing aliases."""

    def __init__(self, loader: Any, doc: Document) -> None:
        self.loader = loader
        self.doc = doc
        self.seen: set[int] = set()

    def build(self, node: yaml.Node, path: str, depth: int) -> Any:
        import yaml

        if id(node) in self.seen:
            raise BookletError(
                "YAML aliases (*name) are not supported. Write the value out in full.",
                file=self.doc.path,
                line=node.start_mark.line + 1,
                field=path or None,
            )
        self.seen.add(id(node))
        if len(self.seen) > MAX_NODES:
            raise BookletError(
                f"more than {MAX_NODES} values; data files are limited to that. Split the file.",
                file=self.doc.path,
            )
        if depth > MAX_DEPTH:
            raise BookletError(
                f"nested more than {MAX_DEPTH} levels deep. Flatten the structure.",
                file=self.doc.path,
                line=node.start_mark.line + 1,
                field=path or None,
            )
        self.doc.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in (
            "tag:yaml.org,2002:map",
            "tag:yaml.org,2002:seq",
        ):
            raise BookletError(
                f"the YAML tag '{node.tag}' is not supported. Remove it.",
                file=self.doc.path,
                line=node.start_mark.line + 1,
                field=path or None,
            )
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge" or (
                    isinstance(key_node, yaml.ScalarNode) and key_node.value == "<<"
                ):
                    raise BookletError(
                        "YAML merge keys (<<) are not supported. Write the fields out in full.",
                        file=self.doc.path,
                        line=key_node.start_mark.line + 1,
                        field=path or None,
                    )
                if not isinstance(key_node, yaml.ScalarNode):
                    raise BookletError(
                        "a key must be a plain word, not a list or mapping.",
                        file=self.doc.path,
                        line=key_node.start_mark.line + 1,
                        field=path or None,
                    )
                key = self._scalar(key_node, path)
                child = join(path, str(key))
                if key in result:
                    raise BookletError(
                        f"'{key}' is given twice. Keep one.",
                        file=self.doc.path,
                        line=key_node.start_mark.line + 1,
                        field=path or None,
                    )
                self.doc.lines[child] = key_node.start_mark.line + 1
                result[key] = self.build(value_node, child, depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, join(path, i), depth + 1) for i, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _scalar(self, node: yaml.ScalarNode, path: str) -> Any:
        """Plain data only: an explicit tag (`!!python/...`, `!!binary`, `!!timestamp`, a
        custom `!tag`) is refused rather than turned into some other kind of object."""
        tag = node.tag
        if tag not in (STR, BOOL, NULL, INT, FLOAT):
            raise BookletError(
                f"the YAML tag '{tag}' is not supported. Remove it and write plain text "
                "or a number.",
                file=self.doc.path,
                line=node.start_mark.line + 1,
                field=path or None,
            )
        try:
            return scalar_value(tag, node.value)
        except ValueError as exc:
            raise BookletError(
                f"cannot read '{node.value[:30]}' as {tag.rsplit(':', 1)[-1]}: {exc}.",
                file=self.doc.path,
                line=node.start_mark.line + 1,
                field=path or None,
            ) from None
