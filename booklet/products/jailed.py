"""Where every render of user content enters the jail (booklet.base.jail): cards, booklets,
diagrams, validate's trial render, batch variants and the page's previews.

A render is described by plain data (`Render`): what to make, from which libraries, in which
language, with which request. In the jail it becomes bytes: the PDF, and PNG previews when asked
for. Where the platform forks, the child gets the library this process already loaded (no second
parse); elsewhere the spawned child loads it from the same folders.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, NamedTuple

from booklet.base import jail
from booklet.base.errors import BookletError, display_path, printable
from booklet.base.jail import MIB, Limits
from booklet.data.library import Library, load_library

# One render: about 40 MB is a normal card; the limits leave room for the largest booklet.
LIMITS = Limits(memory=192 * MIB, cpu=6.0, wall=8.0)
LOGO_ALLOWANCE = 256 * MIB  # decoding a 4000-pixel logo and embedding it
# A spare child made ready for its render (get_ready) holds a second copy of the libraries: one
# larger or slower to read or take than this is left to the command alone (the spare ends, and
# the render is handed the command's copy, as before there were spares).
READY_LIMITS = Limits(memory=64 * MIB, cpu=1.5, wall=8.0)
PREVIEW_ALLOWANCE = 64 * MIB  # PNG previews of every page


class Render(NamedTuple):
    """What to make, as plain data that can cross into the jail."""

    kind: str  # card, book or diagram
    roots: tuple[str, ...]  # the user libraries, in order
    lang: str | None
    routine: str | None
    techniques: tuple[str, ...]
    request: Any  # CardRequest, BookRequest or DiagramRequest
    previews: float = 0.0  # PNG previews at this many dpi as well (0: none)
    grayscale: bool = False  # the previews in shades of grey


class DiagramRequest(NamedTuple):
    technique: str
    suffix: str  # .pdf, .png or .svg
    width: float
    grayscale: bool


class Rendered(NamedTuple):
    data: bytes  # the PDF (or, for a diagram, the file's bytes)
    notes: tuple[str, ...]  # what the user should know (an imposition's sheet, its creep)
    previews: tuple[bytes, ...]  # PNG pages, when asked for
    facts: dict[str, str]  # what it was made with: the layout and size (for its file name)


def label(render: Render) -> str:
    """How a stopped render is named: by the layout (or technique) it was made with."""
    if render.kind == "diagram":
        return f"technique '{render.request.technique}'"
    return f"layout '{render.request.layout}'"


def limits_for(render: Render) -> Limits:
    """A render's limits: more memory for a logo or previews, and it reads only its libraries
    and its logo of what anyone gave it."""
    limits = LIMITS.reading(render_reads(render))
    personal = getattr(render.request, "personal", None)
    if personal is not None and (personal.logo is not None or personal.logo_image is not None):
        limits = limits.more_memory(LOGO_ALLOWANCE)
    if render.previews:
        limits = limits.more_memory(PREVIEW_ALLOWANCE)
    return limits


def render_reads(render: Render) -> list[str]:
    """What a render reads of what anyone gave it: its libraries, and its logo."""
    return [*render.roots, *logo_paths(render.request)]


def logo_paths(request: Any) -> list[str]:
    """The logo file a request names, as the render will read it (none, or one): a file only,
    never the folder a logo option might name instead (the render says what is wrong)."""
    personal = getattr(request, "personal", None)
    logo = getattr(personal, "logo", None)
    if not isinstance(logo, str):
        return []
    path = Path(logo).expanduser().absolute()
    return [str(path)] if path.is_file() else []


def make(render: Render, library: Library | None = None) -> Rendered:
    """The render's bytes, made in the jail. `library` is the one this process has loaded for
    `render.roots` in `render.lang`, if any: a forked child uses it as it is. A spare child
    made ready for these libraries (`get_ready`: handed a copy of this process's, or having
    read its own from the same folders) takes the render if it can; it never reads them within
    the render's limits."""
    if jail.has_spare() and _readied == (render.roots, render.lang):
        try:
            reply = jail.run_in_spare(_made, render, limits=limits_for(render), label=label(render))
            return rendered_from(reply)
        except jail.NoSpare:  # it ended (a library too large for its limits) or is late
            pass
    if library is not None and jail.HAS_FORK:
        reply = jail.run(
            _made_with, library, render, limits=limits_for(render), label=label(render)
        )
    else:
        reply = jail.run(_made, render, limits=limits_for(render), label=label(render))
    return rendered_from(reply)


def rendered_from(reply: Any) -> Rendered:
    """The child's answer (plain data) as a Rendered."""
    facts = reply.get("facts", {})
    return Rendered(
        bytes(reply["data"]),
        tuple(printable(str(n)) for n in reply.get("notes", [])),
        tuple(bytes(p) for p in reply.get("previews", [])),
        {printable(str(k)): printable(str(v)) for k, v in facts.items()}
        if isinstance(facts, dict)
        else {},
    )


# --- a spare child, made ready while the command reads its input ------------------------------


def warm_up(kind: str) -> None:
    """Import what a render of this kind (card, book or diagram) needs: our own modules,
    nobody's input."""
    from booklet.base.internals import reportlab_without_harfbuzz

    reportlab_without_harfbuzz()
    import booklet.layout.spec
    import booklet.press.finish  # noqa: F401

    if kind == "card":
        import booklet.products.card
    elif kind == "book":
        import booklet.products.booklet
    elif kind == "diagram":
        import booklet.products.diagram  # noqa: F401


def get_ready(render: Render, library: Library | None = None) -> None:
    """Make the spare child, if there is one, ready for the render before it is handed it:
    - given `library` (this process's, for the render's libraries and language), hand it a
      copy, its layout's YAML read ahead: it then parses nothing of its own, and never loads
      PyYAML (half of the time it took to read them itself);
    - a copy too large for its pipe: let it read the libraries itself, unless the copy is
      larger than any pipe holds (a library of a thousand techniques), which it would take
      longer to read than a child forked with this process's copy takes to start: no spare;
    - without `library`: let it read its own.
    Either way the render then has the whole of its limits for the layout and the drawing,
    as a child forked later would."""
    global _readied
    if not jail.has_spare():
        return
    # it reads only what the render will, from its first step on
    limits = READY_LIMITS.reading(render_reads(render))
    if library is not None:
        layout = getattr(render.request, "layout", None)
        if isinstance(layout, str):
            from booklet.layout.spec import read_ahead

            read_ahead(layout, library)
        copy = library_bytes(library)
        if jail.prepare_spare(_take, render.roots, render.lang, copy, limits=limits):
            _readied = (render.roots, render.lang)
            return
        if len(copy) > jail.LARGE_STEP:
            jail.drop_spare()
            return
    if jail.prepare_spare(_ready, render.roots, render.lang, limits=limits):
        _readied = (render.roots, render.lang)


def library_bytes(library: Library) -> bytes:
    """The library as bytes for a child of this process (pickle: a child trusts its parent,
    and nothing ever unpickles what a child sends back). Its read-only views (MappingProxyType)
    go as the dicts they show and come back as views."""
    import copyreg
    import io
    import pickle
    from types import MappingProxyType

    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    table = copyreg.dispatch_table.copy()
    table[MappingProxyType] = lambda view: (_read_only, (dict(view),))
    pickler.dispatch_table = table  # this pickler only: nothing else in the process changes
    pickler.dump(library)
    return buffer.getvalue()


def _read_only(entries: dict[Any, Any]) -> Any:
    from types import MappingProxyType

    return MappingProxyType(entries)


_readied: tuple[tuple[str, ...], str | None] | None = None  # what the spare was made ready for


def _ready(roots: tuple[str, ...], lang: str | None) -> None:
    library_of(roots, lang)


def _take(roots: tuple[str, ...], lang: str | None, copy: bytes) -> None:
    """In the spare: the library its command handed over, as the one for these roots."""
    import pickle

    _LOADED[(roots, lang)] = pickle.loads(copy)


# --- inside the jail ---------------------------------------------------------------------------


def _made(render: Render) -> dict[str, Any]:
    return _made_with(library_of(render.roots, render.lang), render)


def library_of(roots: tuple[str, ...], lang: str | None) -> Library:
    """The libraries at `roots`, in `lang`: loaded once per process (a spawned worker)."""
    key = (roots, lang)
    if key not in _LOADED:
        base = _LOADED.get((roots, None)) or load_library([Path(r) for r in roots])
        _LOADED[(roots, None)] = base
        _LOADED[key] = base.in_language(lang)
    return _LOADED[key]


_LOADED: dict[tuple[tuple[str, ...], str | None], Library] = {}


def _made_with(library: Library, render: Render) -> dict[str, Any]:
    return made_with(library, render)


def made_with(library: Library, render: Render, hints: Any = None) -> dict[str, Any]:
    """Inside the jail: the render's bytes, notes, previews and facts, as plain data. `hints`
    let a batch's similar cards start fitting where the last one ended (the same bytes)."""
    from booklet.base.internals import reportlab_without_harfbuzz

    reportlab_without_harfbuzz()  # a process of our own: HarfBuzz only if a script needs it
    notes: list[str] = []
    facts: dict[str, str] = {}
    if render.kind == "diagram":
        data = _diagram(library, render.request)
    else:
        from booklet.layout.spec import load_layout

        layout = load_layout(render.request.layout, library)
        facts = {"layout": layout.name, "size": render.request.size or layout.size}
        plan = library.plan(render.routine, render.techniques)
        if render.kind == "card":
            from booklet.products.card import render_card

            data = render_card(library, plan, render.request, hints, notes, facts)
        else:
            from booklet.products.booklet import render_book

            data = render_book(library, plan, render.request, notes)
        from booklet.products.personal import logo_resolution

        notes += logo_resolution(render.request.personal, data)
    previews: list[bytes] = []
    if render.previews:
        from booklet.press.preview import pdf_to_pngs

        previews = pdf_to_pngs(data, render.previews, render.grayscale, marked=True)
    return {"data": data, "notes": notes, "previews": previews, "facts": facts}


def _diagram(library: Library, request: DiagramRequest) -> bytes:
    from booklet.draw.pieces import typeset_key
    from booklet.products.diagram import diagram_bytes

    technique = library.technique(request.technique)
    return diagram_bytes(
        technique, request.suffix, request.width, request.grayscale, typeset_key(library.words)
    )


# --- validate's trial render -------------------------------------------------------------------


def trial(
    folder: Path,
    library: Library | None,
    roots: tuple[str, ...],
    notes: list[str] | None = None,
    kind: str = "card",
    clock: TrialClock | None = None,
) -> None:
    """Render a layout folder (of `kind`, card or book) with a built-in routine in the jail, so
    errors that only show when its snippets run (and anything that would run away) are found
    by validate: in the library's language first, as before, then in each other language with
    text of its own (longer words, right to left, glyphs the layout's font may lack), each in
    a child of its own with a render's limits. The other languages of every layout one
    validate checks share `clock` (TRIAL_BUDGET): those left untried are said in `notes`, as
    is a language not tried because its own files have problems."""
    from booklet.base.errors import Problem, ValidationError
    from booklet.data.language import language_name

    name = f"layout '{folder.name}'"
    _trial_in(folder, library, roots, None, name)
    if library is None:
        return
    notes = notes if notes is not None else []
    broken = [c for c in library.language_codes if c != library.lang and not _loads(library, c)]
    if broken:
        notes.append(
            f"{display_path(folder)} was not tried in {', '.join(broken)}: "
            f"{'its files have' if len(broken) == 1 else 'their files have'} problems. "
            "`booklet validate` on the language's folder lists them."
        )
    codes = [c for c in library.language_codes if c not in broken and _has_own_text(library, c)]
    clock = clock if clock is not None else TrialClock()
    problems: list[Problem] = []
    for tried, code in enumerate(codes):
        if clock.out():
            notes.append(
                f"{display_path(folder)} was tried in {tried + 1} of its {len(codes) + 1} "
                f"languages within the {TRIAL_BUDGET:g} s validate gives them; not in "
                f"{', '.join(codes[tried:])}. {_try_it(folder, kind)}"
            )
            break
        try:
            _trial_in(folder, library, roots, code, name)
        except BookletError as exc:
            found = exc.problems if isinstance(exc, ValidationError) else [exc.problem]
            english = language_name(code)[0]
            problems += [p._replace(message=f"in {english} (--lang {code}): {p.message}")
                         for p in found]  # fmt: skip
    if problems:
        raise ValidationError(problems)


TRIAL_BUDGET = 30.0  # seconds a validate spends on layouts' other languages, at most, in all


class TrialClock:
    """The time one validate gives its layouts' other languages, in all: from the first."""

    def __init__(self) -> None:
        self.ends: float | None = None

    def out(self) -> bool:
        if self.ends is None:
            self.ends = time.monotonic() + TRIAL_BUDGET
        return time.monotonic() > self.ends


def _try_it(folder: Path, kind: str) -> str:
    """How to try a layout folder in one language by hand."""
    product = "book" if kind == "book" else "card"
    if folder.parent.name == "layouts":
        library = display_path(folder.parent.parent)
        return (
            f"Try one with `booklet --library {library} --lang CODE {product} "
            f"--layout {folder.name}`."
        )
    return f"Put it in a library's layouts/ folder to try one with `booklet --lang CODE {product}`."


def _loads(library: Library, code: str) -> bool:
    """Whether a language's own files load (their problems are reported where they are read)."""
    try:
        library.in_language(code)
    except BookletError:
        return False
    return True


def _has_own_text(library: Library, code: str) -> bool:
    """Whether a language other than the library's own prints any text of its own: one that
    has none prints as the library's language does."""
    if code == library.lang:
        return False
    pack = library.languages[code]
    return bool(pack.words or pack.setting or pack.techniques or pack.routines)


def _trial_in(
    folder: Path, library: Library | None, roots: tuple[str, ...], lang: str | None, name: str
) -> None:
    limits = LIMITS.reading([*roots, str(folder)])
    if library is not None and jail.HAS_FORK:
        jail.run(_trial_with, folder, library, lang, limits=limits, label=name)
    else:
        jail.run(_trial, folder, roots, lang, limits=limits, label=name)


def _trial(folder: Path, roots: tuple[str, ...], lang: str | None) -> None:
    _trial_with(folder, library_of(roots, None), lang)


def _trial_with(folder: Path, library: Library, lang: str | None) -> None:
    """In the jail: the layout's card or booklet in `lang` (None: the library's own, whose
    card must fit the layout's own size)."""
    from booklet.layout.spec import load_layout_folder

    layout, stacked = load_layout_folder(folder, library)
    routine = "classic" if "classic" in stacked.routines else sorted(stacked.routines)[0]
    _try_layout(layout, stacked.in_language(lang), routine, own_size=lang is None)


def _try_layout(layout: Any, library: Library, routine: str, *, own_size: bool) -> None:
    """Make the layout's booklet, or lay out its card, in the library's language. `own_size`:
    the layout's own size must hold the card (in its first language; in a longer one, a card
    that needs more room is made larger, and says so)."""
    plan = library.plan(routine)
    if layout.kind == "book":
        from booklet.products.booklet import BookRequest, render_book

        render_book(library, plan, BookRequest(layout=layout.name))
    else:
        from booklet.base.errors import FitError
        from booklet.products.card import CardRequest, build_card

        facts: dict[str, str] = {}
        build_card(library, plan, CardRequest(layout=layout.name), facts=facts)
        if own_size and "larger_than_its_own" in facts:  # a layout's own size holds its card
            raise FitError(facts["larger_than_its_own"])
