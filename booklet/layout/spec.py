"""Layouts: settings data plus short Jinja2 snippets, rendered in a sandbox.

A layout is a folder with `layout.yaml` (page size, margins, fonts, colours, the ordered blocks of
each side) and `.j2` snippets producing paragraph markup (see booklet.text.paragraph).
`extends: NAME` reuses another layout: settings merge (child wins) and snippets are looked up
in the child's folder first.
Template authors cannot break geometry: blocks are Python builders (their kinds and options are
declared in booklet.layout.blocks); snippets only make text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from booklet.base.errors import BookletError, Problem, ValidationError, display_path
from booklet.base.errors import shown as quoted
from booklet.data.schema import Reader, did_you_mean, type_name
from booklet.data.yamlfile import Document, join, load_yaml
from booklet.layout.blocks import Block, parse_blocks
from booklet.text.fonts import FAMILY_NAMES, FILE_FONT, font_file_problem

if TYPE_CHECKING:
    from booklet.data.library import Library
    from booklet.layout.sandbox import SnippetSandbox

MIN_SAFE_MARGIN = 3 * 72 / 25.4  # 3 mm: a laminating pouch's seal must cut no text
LAYOUT_KINDS = ("card", "book")
BOOK_SNIPPETS = (
    "cover.j2",
    "dedication.j2",
    "before.j2",
    "safety.j2",
    "pressure.j2",
    "technique.j2",
    "facts.j2",
    "routine.j2",
    "back.j2",
    "client.j2",
    "link.j2",
    "log.j2",
)
LAYOUT_FIELDS = (
    "kind",
    "name",
    "description",
    "extends",
    "size",
    "landscape",
    "sides",
    "overflow",
    "margin",
    "font",
    "display_font",
    "body_size",
    "min_body_size",
    "title_scale",
    "colours",
    "front",
    "back",
)
COLOUR_NAMES = ("text", "muted", "accent", "warning", "background", "panel")
DEFAULT_COLOURS = {
    "text": "#1F1F1F",
    "muted": "#555555",
    "accent": "#0072B2",
    "warning": "#B34700",
    "background": "#FFFFFF",
    "panel": "#F3F6F9",
}
_HEX = re.compile(r"#[0-9a-fA-F]{6}")


class Layout(NamedTuple):
    kind: str
    name: str
    description: str
    size: str
    landscape: bool
    sides: int
    margin: float
    font: str
    body_size: float
    min_body_size: float
    title_scale: float
    colours: dict[str, str]
    front: tuple[Block, ...]
    back: tuple[Block, ...]
    folders: tuple[Path, ...]  # snippet search path, most specific first
    path: Path
    display_font: str = ""  # titles and the cover; the text font when empty
    overflow: bool = False  # a side's blocks that do not fit go on to a side of their own


def load_layout(name: str, library: Library) -> Layout:
    """Resolve a layout by name through the stacked libraries, following `extends`."""
    if name not in library.layouts:
        raise BookletError(
            f"no layout '{name}'.{did_you_mean(name, library.layouts)} "
            f"Known: {', '.join(sorted(library.layouts))}. See `booklet layouts`."
        )
    cached = library.loaded_layouts.get(name)
    if cached is None:  # parsed once per library: a batch worker reads each layout once
        cached = library.loaded_layouts[name] = _load(
            name, len(library.layouts[name]) - 1, library, []
        )
    return cached


MAX_EXTENDS = 8  # layouts built on layouts, at most this deep


def read_ahead(name: str, library: Library) -> None:
    """Read a layout's layout.yaml, and those of the layouts it extends, into the library
    without compiling a snippet: the command does this before it hands the render its library,
    so the render's child parses no YAML (and never loads PyYAML). Only ahead of time: whatever
    is wrong with them is left for the render to say, as it would have."""
    index = len(library.layouts.get(name, [])) - 1
    for _ in range(MAX_EXTENDS + 2):
        if index < 0:
            return
        try:
            doc = _document(library.layouts[name][index], library)
        except BookletError:
            return
        base = doc.data.get("extends") if isinstance(doc.data, dict) else None
        if not isinstance(base, str):
            return
        name, index = base, _base_index(name, index, base, library)


def _document(folder: Path, library: Library) -> Document:
    """A layout folder's layout.yaml, parsed once per library."""
    path = folder / "layout.yaml"
    doc = library.layout_documents.get(path)
    if doc is None:
        doc = library.layout_documents[path] = load_yaml(path)
    return doc


def _base_index(name: str, index: int, base: str, library: Library) -> int:
    """Which copy of `base` a layout extends: a layout that extends its own name builds on
    the copy one library further down; any other, on the last library's."""
    return index - 1 if base == name else len(library.layouts.get(base, [])) - 1


def _load(name: str, index: int, library: Library, chain: list[str]) -> Layout:
    folder = library.layouts[name][index]
    doc = _document(folder, library)
    problems: list[Problem] = []
    data = Reader(doc, problems).fields(doc.data, "", (), LAYOUT_FIELDS, "a layout")
    if problems or data is None:
        raise ValidationError(problems)
    parent: Layout | None = None
    base = data.get("extends")
    if base is not None:
        if not isinstance(base, str):
            raise BookletError(
                f"expected a layout name, got {type_name(base)}.",
                file=doc.path,
                line=doc.line("extends"),
                field="extends",
            )
        base_index = _base_index(name, index, base, library)
        here = f"{name}@{index}"
        if f"{base}@{base_index}" in [*chain, here] or len(chain) > MAX_EXTENDS:
            names = [step.split("@")[0] for step in [*chain, here]] + [base]
            raise BookletError(
                f"layouts extend each other in a loop ({' -> '.join(names)}). "
                "Remove one `extends`.",
                file=doc.path,
                line=doc.line("extends"),
                field="extends",
            )
        if base not in library.layouts or base_index < 0:
            raise BookletError(
                f"extends '{base}', which is not a layout.{did_you_mean(base, library.layouts)}"
                f" Known: {', '.join(sorted(library.layouts))}.",
                file=doc.path,
                line=doc.line("extends"),
                field="extends",
            )
        parent = _load(base, base_index, library, [*chain, f"{name}@{index}"])
    return parse_layout(doc, name, folder, parent)


def parse_layout(doc: Document, name: str, folder: Path, parent: Layout | None) -> Layout:
    problems: list[Problem] = []
    r = Reader(doc, problems)
    data = doc.data
    p = parent
    colours = dict(p.colours if p else DEFAULT_COLOURS)
    if "colours" in data:
        value = r.fields(data["colours"], "colours", (), COLOUR_NAMES, "colours")
        for key, colour in (value or {}).items():
            if key in COLOUR_NAMES:
                if isinstance(colour, str) and _HEX.fullmatch(colour):
                    colours[key] = colour
                else:
                    r.problem(
                        join("colours", key),
                        f"colour {colour!r} is not a hex colour. Write it like '#0072B2'.",
                    )
    margin = p.margin if p else 12.0
    if "margin" in data:
        from booklet.base.units import parse_length

        try:
            margin = parse_length(str(data["margin"]), what="margin")
        except BookletError as exc:
            r.problem("margin", exc.problem.message)
        else:
            if margin < MIN_SAFE_MARGIN:
                r.problem(
                    "margin",
                    f"{data['margin']} is inside the 3 mm laminating safe zone. Use 3mm or more.",
                )
    size = r.text(data, "size", "", default=p.size if p else "4x6")
    if "size" in data and size:
        from booklet.base.units import parse_size

        try:
            parse_size(size)
        except BookletError as exc:
            r.problem("size", exc.problem.message)
    body = r.number(
        data, "body_size", "", low=5, high=30, default=p.body_size if p else 9.0, unit=" pt"
    )
    minimum = r.number(
        data, "min_body_size", "", low=7, high=30, default=p.min_body_size if p else 7.0, unit=" pt"
    )
    if body is not None and minimum is not None and minimum > body:
        r.problem("min_body_size", f"{minimum} pt is larger than body_size ({body} pt).")
    front = parse_blocks(r, data, "front", p.front if p else ())
    back = parse_blocks(r, data, "back", p.back if p else ())
    sides = r.number(data, "sides", "", low=1, high=2, integer=True, default=p.sides if p else 1)
    kind = r.choice(data, "kind", "", LAYOUT_KINDS, "layout kind", default=p.kind if p else "card")
    if kind == "card" and sides == 2 and not back:
        r.problem("sides", "is 2 but the layout has no `back` blocks. Add them or use sides: 1.")
    if kind == "book":
        for key in ("landscape", "sides", "overflow", "front", "back"):
            if key in data:
                r.problem(key, f"applies to card layouts only; a booklet layout has no {key}.")
    if kind == "card" and not front and not data.get("front"):  # (blocks it lists that are
        r.problem("front", "the layout has no `front` blocks. List at least one.")  # wrong say so)
    layout = Layout(
        kind=kind or "card",
        name=name,
        description=r.text(data, "description", "", default=p.description if p else "") or "",
        size=size or "4x6",
        landscape=r.boolean(data, "landscape", "", default=p.landscape if p else False),
        sides=sides or 1,
        margin=margin,
        font=layout_font(r, data, "font", folder, p.font if p else "sans") or "sans",
        body_size=body or 9.0,
        min_body_size=minimum or 7.0,
        title_scale=r.number(
            data, "title_scale", "", low=1, high=4, default=p.title_scale if p else 1.6
        )
        or 1.6,
        colours=colours,
        front=front,
        back=back,
        folders=(folder, *(p.folders if p else ())),
        path=doc.path,
        display_font=layout_font(r, data, "display_font", folder, p.display_font if p else "")
        or "",
        overflow=bool(r.boolean(data, "overflow", "", default=p.overflow if p else False)),
    )
    # Every snippet named must exist and compile; report all problems together.
    if layout.kind == "book":
        for name in BOOK_SNIPPETS:
            problems.extend(template_problems(layout, name, doc, ""))
    for side in ("front", "back"):
        for i, block in enumerate(getattr(layout, side)):
            if block.template:
                problems.extend(
                    template_problems(layout, block.template, doc, join(join("", side), i))
                )
    if problems:
        raise ValidationError(sorted(problems, key=lambda p: (str(p.file), p.line or 0)))
    return layout


# --- snippets ----------------------------------------------------------------------------------


_ENV_CACHE: dict[tuple[Path, ...], Any] = {}


def environment(layout: Layout) -> SnippetSandbox:
    """The sandbox for a layout's folders, made once per process: compiling is the costly part
    and compiled snippets are never written to disk (nothing read back may run)."""
    key = _resolved(layout.folders)
    env = _ENV_CACHE.get(key)
    if env is None:
        from jinja2 import pass_context

        from booklet.layout.sandbox import snippet_environment

        filters: dict[str, Any] = {
            "minutes": pass_context(minutes_filter),
            "say": pass_context(say_filter),
            "after_colon": pass_context(after_colon_filter),
        }
        env = _ENV_CACHE[key] = snippet_environment(key, filters)
    return env


def _resolved(folders: tuple[Path, ...]) -> tuple[Path, ...]:
    """The folders as absolute paths (not relative to where we are), resolved once per
    working folder: every snippet a card renders asks, and resolving walks the disk."""
    import os

    key = (os.getcwd(), folders)
    resolved = _RESOLVED.get(key)
    if resolved is None:
        if len(_RESOLVED) > 256:
            _RESOLVED.clear()
        resolved = _RESOLVED[key] = tuple(folder.resolve() for folder in folders)
    return resolved


_RESOLVED: dict[tuple[str, tuple[Path, ...]], tuple[Path, ...]] = {}


def _context_words(context: Any) -> tuple[Any, str]:
    words = context.get("words") if hasattr(context, "get") else None
    if words is None:
        return {}, "en"
    return words, str(words.get("lang", "en"))


def minutes_filter(context: Any, minutes: float) -> str:
    """`5`, `7.5`, or `7,5` where the language writes a decimal comma."""
    from booklet.data.language import shown

    return shown(minutes, _context_words(context)[0])


def say_filter(context: Any, key: str, n: float | None = None, **values: Any) -> str:
    """`{{ "minutes"|say(n=5) }}`: a catalogue text in the card's language, its {placeholders}
    filled from the arguments and its plural form chosen for n."""
    from booklet.data.language import say

    words, lang = _context_words(context)
    if not isinstance(key, str) or key not in words:
        raise ValueError(f"say: no word '{key}' in the catalogue (techniques/_words.yaml).")
    return say(words, lang, key, n, values)


def after_colon_filter(context: Any, text: str) -> str:
    """Text that follows a label's colon, in the language's case: Spanish, French and
    Portuguese write `Presión: acuerda…`, English and German keep the capital (`after_colon:
    lower` in the catalogue). An acronym keeps its capitals."""
    words, _ = _context_words(context)
    if not isinstance(text, str):
        return text
    return after_colon_case(text, words.get("after_colon") == "lower")


def after_colon_case(text: str, lower: bool) -> str:
    """`text` as it follows a label's colon: its first letter small where the language says
    so (`lower`), unless the word is an acronym."""
    if not lower or not text or (len(text) > 1 and text[1].isupper()):
        return text
    return text[0].lower() + text[1:]


def template_problems(layout: Layout, name: str, doc: Document, where: str) -> list[Problem]:
    from jinja2 import TemplateNotFound, TemplateSyntaxError

    try:
        environment(layout).get_template(name)
    except TemplateNotFound as exc:
        missing = exc.name if exc.name != name else name
        return [
            Problem(
                f"snippet '{missing}' was not found in {display_path(layout.folders[0])}"
                + (" or the layouts it extends" if len(layout.folders) > 1 else "")
                + ". Create it or fix the name.",
                doc.path,
                doc.line(where),
                where,
            )
        ]
    except TemplateSyntaxError as exc:
        return [Problem(snippet_message(exc), exc.filename, exc.lineno)]
    except BookletError as exc:
        return [exc.problem]
    except (RecursionError, MemoryError):
        return [
            Problem(
                "the snippet is nested too deeply to compile. Simplify it.",
                snippet_path(layout, name),
            )
        ]
    return []


def render_snippet(layout: Layout, name: str, context: dict[str, Any]) -> list[str]:
    """Render a snippet to paragraph markup, one paragraph per non-empty line."""
    from jinja2 import TemplateError

    from booklet.layout.sandbox import render

    try:
        text = render(environment(layout), name, context)
    except TemplateError as exc:
        file, line = _template_position(exc, layout, name)
        raise BookletError(snippet_message(exc), file=file, line=line) from None
    except RecursionError as exc:
        file, line = _template_position(exc, layout, name)
        raise BookletError(
            "the snippet never stops: a macro, include or extends that calls itself. "
            "Remove the loop.",
            file=file,
            line=line,
        ) from None
    except Exception as exc:  # `{{ 1 / 0 }}` and the like: the snippet's error, not booklet's
        file, line = _template_position(exc, layout, name)
        raise BookletError(
            f"the snippet failed: {type(exc).__name__}: {exc}. Fix the expression.",
            file=file,
            line=line,
        ) from None
    return [line.strip() for line in text.splitlines() if line.strip()]


_NO_ATTRIBUTE = re.compile(r"^'(?:[\w.]+\.)?(\w+) object' has no attribute '(\w+)'$")


def snippet_message(exc: BaseException) -> str:
    """Jinja's message, said in terms of the snippet's own fields."""
    from jinja2 import TemplateNotFound, TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import SecurityError

    message = (getattr(exc, "message", None) or str(exc)).rstrip(".")
    from booklet.layout.sandbox import SnippetLimit, SnippetRefused, SnippetTooComplex

    if isinstance(exc, SnippetTooComplex):  # says what to change in its own words
        return f"{message}."
    if isinstance(exc, SnippetLimit):
        return f"the snippet was stopped: {message}."
    if isinstance(exc, SnippetRefused):
        return f"refused by the template sandbox: {message}."
    if isinstance(exc, SecurityError):
        return f"refused by the template sandbox: {message}. Snippets may only read fields."
    if isinstance(exc, TemplateNotFound):
        return (
            f"snippet '{exc.name}' was not found. A snippet can include only files in its "
            "layout's folder or the layouts it extends."
        )
    if isinstance(exc, TemplateSyntaxError):
        return f"template syntax error: {message}."
    if isinstance(exc, UndefinedError):
        match = _NO_ATTRIBUTE.match(message)
        if match:
            owner, attr = match.groups()
            return f"'{attr}' is not a field of {owner.lower()}. See the README for the fields."
        return f"{message}. See the README for the fields snippets can use."
    return f"{message}."


def _template_position(exc: BaseException, layout: Layout, name: str) -> tuple[Path, int | None]:
    """Jinja rewrites tracebacks so the template's own frames carry its file and line."""
    tb = exc.__traceback__
    found: tuple[Path, int | None] = (snippet_path(layout, name), None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = (Path(filename), tb.tb_lineno)
        tb = tb.tb_next
    return found


def snippet_path(layout: Layout, name: str) -> Path:
    """The file a snippet name stands for: in the most specific folder that has it."""
    for folder in layout.folders:
        if (folder / name).is_file():
            return folder / name
    return layout.folders[0] / name


def layout_font(r: Reader, data: dict[str, Any], key: str, folder: Path, default: str) -> str:
    """A built-in family, or a TrueType file in the layout's own folder (CJK, or a house
    face): never a path outside it, never through a link, never a file too large to read."""
    value = data.get(key)
    if not isinstance(value, str) or not value.lower().endswith((".ttf", ".otf")):
        return r.choice(data, key, "", FAMILY_NAMES, "font", default=default) or ""
    inside = folder.resolve()
    path = (folder / value).resolve()
    if Path(value).is_absolute() or inside not in path.parents:
        r.problem(
            key, f"'{quoted(value)}' is outside the layout's folder. Put the font file in it."
        )
        return ""
    problem = font_file_problem(folder / value)
    if problem:
        r.problem(key, f"'{quoted(value)}' {problem}")
        return ""
    return FILE_FONT + str(path)


def load_layout_folder(folder: Path, library: Library) -> tuple[Layout, Library]:
    """A layout folder that may not be in any library yet, read as if it were the top one
    (`booklet validate`): the layout, and the library it now sits in."""
    from dataclasses import replace

    stacked = replace(
        library,
        layouts={k: list(v) for k, v in library.layouts.items()},
        loaded_layouts={},
        layout_origins=dict(library.layout_origins),
    )
    stacked.layouts.setdefault(folder.name, [])
    if folder not in stacked.layouts[folder.name]:
        stacked.layouts[folder.name].append(folder)
    layout = _load(folder.name, stacked.layouts[folder.name].index(folder), stacked, [])
    stacked.loaded_layouts[folder.name] = layout
    return layout, stacked


KIND_NAMES = {"card": "card", "book": "booklet"}
EXAMPLE_LAYOUTS = {"card": "bedside", "book": "gift"}


def require_kind(layout: Layout, kind: str) -> None:
    """The one check that a layout makes the product asked for."""
    if layout.kind != kind:
        raise BookletError(
            f"layout '{layout.name}' is a {KIND_NAMES[layout.kind]} layout, not a "
            f"{KIND_NAMES[kind]} layout. Choose a {KIND_NAMES[kind]} layout such as "
            f"{EXAMPLE_LAYOUTS[kind]} (see the layouts list)."
        )


def with_overrides(layout: Layout, **changes: Any) -> Layout:
    return layout._replace(**{k: v for k, v in changes.items() if v is not None})


def list_layouts(library: Library) -> list[Layout]:
    return [load_layout(name, library) for name in sorted(library.layouts)]


def side_blocks(layout: Layout, sides: int) -> Sequence[tuple[str, tuple[Block, ...]]]:
    out = [("front", layout.front)]
    if sides == 2:
        out.append(("back", layout.back))
    return out
