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

from booklet.errors import BookletError

if TYPE_CHECKING:
    import yaml

MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 24
MAX_NODES = 50_000


@cache
def _loader_class() -> type:
    """PyYAML, imported on first use: a run that finds its data in the cache never needs it."""
    import yaml

    # the C loader is several times faster; fall back when PyYAML was built without it
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    """Read a UTF-8 data file with size and encoding checks that name the file."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise BookletError("file not found. Check the path.", file=path) from None
    except OSError as exc:
        raise BookletError(f"cannot read: {exc.strerror}.", file=path) from None
    if path.is_dir():
        raise BookletError("is a folder, not a file.", file=path)
    if size > MAX_FILE_BYTES:
        raise BookletError(
            f"file is {size // 1024} KiB; data files are limited to {MAX_FILE_BYTES // 1024} KiB. "
            "Split it into smaller files.",
            file=path,
        )
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BookletError(
            f"byte 0x{raw[exc.start]:02x} is not UTF-8 text. Save the file as UTF-8.",
            file=path,
            line=line,
        ) from None


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
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise BookletError(
                        "a key must be a plain word, not a list or mapping.",
                        file=self.doc.path,
                        line=key_node.start_mark.line + 1,
                        field=path or None,
                    )
                key = self.loader.construct_object(key_node)
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
        try:
            return self.loader.construct_object(node)
        except yaml.YAMLError as exc:
            raise BookletError(
                f"cannot read this value: {exc}.",
                file=self.doc.path,
                line=node.start_mark.line + 1,
                field=path or None,
            ) from None
