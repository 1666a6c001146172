"""A card layout's blocks: each kind declared once, with the options a layout may give it and
the snippet it reads, and a layout's block lists read against those declarations.

The layout layer owns what a block kind is and takes; the card registers a builder for each
kind by the same name (booklet.products.card.blocks), and checks that every kind has one.
Adding a kind is one `BlockKind` here and one builder there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from booklet.data.schema import Reader, type_name
from booklet.data.yamlfile import join

TEXT_STYLES = ("body", "muted", "heading", "title")
MAX_COLUMNS = 6
MAX_WEEKS = 26
MAX_SPACE = 10.0  # in lines of body text


class Block(NamedTuple):
    """One block of a side, as a layout lists it: its kind, snippet and typed options."""

    kind: str
    template: str | None = None
    options: Mapping[str, Any] = MappingProxyType({})


class BlockKind(NamedTuple):
    """What a kind of block is: its name, the options it takes (the renderer reads exactly
    these), and the snippet it reads when the layout names none. A kind that takes a
    `template` reads a snippet, so it must have one: its own or the layout's."""

    name: str
    options: tuple[str, ...] = ()
    template: str | None = None


KINDS: dict[str, BlockKind] = {
    kind.name: kind
    for kind in (
        BlockKind("title", ("template",), "title.j2"),
        BlockKind("text", ("template", "style", "box")),
        BlockKind("steps", ("template", "gauge"), "step.j2"),
        BlockKind("diagrams", ("template", "columns", "legend", "key", "optional"), "caption.j2"),
        BlockKind("key"),
        BlockKind("warning", ("template",), "spine.j2"),
        BlockKind("list", ("template", "box")),
        BlockKind("rule"),
        BlockKind("space", ("height",)),
        BlockKind("client", ("template",), "client.j2"),
        BlockKind("link", ("template",), "link.j2"),
        BlockKind("log", ("template", "weeks"), "log.j2"),
    )
}
BLOCK_KINDS = tuple(KINDS)

# How each option is read: its typed value, or None (a problem was noted, or nothing to set).
OptionReader = Callable[[Reader, dict[str, Any], str], Any]


def _flag(key: str, default: bool) -> OptionReader:
    return lambda r, spec, path: r.boolean(spec, key, path, default=default)


def _whole(key: str, high: int) -> OptionReader:
    return lambda r, spec, path: r.number(spec, key, path, low=1, high=high, integer=True)


def _style(r: Reader, spec: dict[str, Any], path: str) -> str | None:
    return r.choice_value(spec["style"], join(path, "style"), TEXT_STYLES, "text style")


def _height(r: Reader, spec: dict[str, Any], path: str) -> float | None:
    height = r.number(spec, "height", path, low=0.1, high=MAX_SPACE, unit=" lines")
    return None if height is None else float(height)


# Every option a block may have, besides `block` and `template`, in the order layouts list them.
OPTION_READERS: dict[str, OptionReader] = {
    "style": _style,
    "box": _flag("box", False),
    "columns": _whole("columns", MAX_COLUMNS),
    "legend": _flag("legend", False),
    "key": _flag("key", False),
    "optional": _flag("optional", False),  # gives way when the side cannot hold everything
    "gauge": _flag("gauge", True),
    "height": _height,
    "weeks": _whole("weeks", MAX_WEEKS),
}
BLOCK_OPTIONS = ("block", "template", *OPTION_READERS)


def parse_blocks(
    r: Reader, data: dict[str, Any], key: str, inherited: tuple[Block, ...]
) -> tuple[Block, ...]:
    """A side's blocks (`front` or `back`), or the parent layout's if this one lists none."""
    if key not in data:
        return inherited
    value = data[key]
    if value is None:
        return ()
    if not isinstance(value, list):
        r.problem(key, f"expected a list of blocks, got {type_name(value)}.")
        return ()
    blocks = []
    for i, item in enumerate(value):
        block = parse_block(r, item, join(key, i))
        if block is not None:
            blocks.append(block)
    return tuple(blocks)


def parse_block(r: Reader, item: Any, path: str) -> Block | None:
    """One block: `- steps` or `- block: steps` with its options; None if it cannot be read."""
    if isinstance(item, str):
        item = {"block": item}
    spec = r.fields(item, path, ("block",), BLOCK_OPTIONS[1:], "a block")
    if spec is None:
        return None
    name = r.choice_value(spec.get("block"), join(path, "block"), BLOCK_KINDS, "block kind")
    if name is None:
        return None
    kind = KINDS[name]
    template = spec.get("template", kind.template)
    if "template" in kind.options and not template:
        r.problem(path, f"a {name} block needs `template: NAME.j2`.")
        return None
    if template is not None and (not isinstance(template, str) or not template.endswith(".j2")):
        r.problem(join(path, "template"), "expected a snippet file name ending in .j2.")
        return None
    stray = [k for k in spec if k in BLOCK_OPTIONS and k not in ("block", *kind.options)]
    for key in stray:
        takes = ", ".join(kind.options) or "no options"
        r.problem(join(path, key), f"a {name} block does not take '{key}' (it takes {takes}).")
    return Block(name, template, block_options(r, kind, spec, path))


def block_options(r: Reader, kind: BlockKind, spec: dict[str, Any], path: str) -> dict[str, Any]:
    """The options of one block, typed and within the limits the renderer can honour."""
    options: dict[str, Any] = {}
    for key, read in OPTION_READERS.items():
        if key in spec and key in kind.options:
            value = read(r, spec, path)
            if value is not None:
                options[key] = value
    return options
