"""`booklet validate`: find the data files under the given paths, check them all, report once."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from booklet.base.errors import BookletError, Problem, ValidationError
from booklet.data.library import (
    SETTING_FILE,
    Library,
    builtin_root,
    data_files,
    entries,
    language_folders,
    load_language,
    load_library,
    load_library_in_part,
    load_or_note,
)
from booklet.data.model import is_language_code
from booklet.data.schema import (
    duplicate_ids,
    id_problem,
    parse_routine,
    parse_setting,
    parse_technique,
)
from booklet.data.yamlfile import Document, load_yaml

if TYPE_CHECKING:
    from booklet.products.jailed import TrialClock

TECHNIQUE, ROUTINE, SETTING, LAYOUT, BATCH = "technique", "routine", "setting", "layout", "batch"
LANGUAGE = "language"
BatchChecker = Callable[[Path, Sequence[Path]], list[Problem]]


def is_batch_file(path: Path) -> bool:
    """A data file whose top level has `variants`: a batch, not a technique."""
    try:
        doc = load_yaml(path)
    except BookletError:
        return False
    return isinstance(doc.data, dict) and "variants" in doc.data


def classify_file(path: Path) -> str:
    if path.name == "layout.yaml":
        return LAYOUT
    if path.name == SETTING_FILE:
        return SETTING
    if path.parent.name == "routines":
        return ROUTINE
    return TECHNIQUE


def is_library_folder(path: Path) -> bool:
    return path.is_dir() and ((path / "techniques").is_dir() or (path / "layouts").is_dir())


def language_folder_of(path: Path) -> Path | None:
    """The language folder (techniques/es) that `path` is or lies in (its routines/, a file):
    only right under a folder named techniques is a two-letter folder a language."""
    given = [path, path.parent, path.parent.parent]
    for shown, folder in zip(given, (Path(os.path.abspath(p)) for p in given), strict=True):
        if folder.parent.name == "techniques":
            return shown if folder.is_dir() and is_language_code(folder.name) else None
    return None


def collect(path: Path) -> list[tuple[str, Path]]:
    """Every checkable file under a path, with what kind of file it is."""
    if not path.exists():
        raise BookletError("no such file or folder. Check the path.", file=path)
    language = language_folder_of(path)
    if language is not None:  # techniques/es, or a file in it: a translation
        return [(LANGUAGE, language)]
    if path.is_file():
        if (path.parent / "layout.yaml").is_file():  # a layout's snippet: the layout
            return [(LAYOUT, path.parent)]
        kind = classify_file(path)
        return [(kind, path.parent if kind == LAYOUT else path)]
    found: list[tuple[str, Path]] = []
    if (path / "layout.yaml").is_file():
        return [(LAYOUT, path)]
    if is_library_folder(path):
        for sub in ("techniques", "layouts"):
            if (path / sub).is_dir():
                found += collect(path / sub)
        return found
    if path.name == "layouts":
        return [(LAYOUT, sub) for sub in entries(path) if (sub / "layout.yaml").is_file()]
    kind = ROUTINE if path.name == "routines" else TECHNIQUE
    found += [(kind, p) for p in data_files(path)]
    if (path / SETTING_FILE).is_file():
        found.append((SETTING, path / SETTING_FILE))
    if kind == TECHNIQUE and (path / "routines").is_dir():
        found += [(ROUTINE, p) for p in data_files(path / "routines")]
    if kind == TECHNIQUE:
        found += [(LANGUAGE, folder) for folder in language_folders(path)]
    return found


def check_paths(
    paths: Sequence[Path],
    library_roots: Sequence[Path],
    check_batch: BatchChecker | None = None,
    notes: list[str] | None = None,
) -> int:
    """Check every file; return how many were checked, or raise with every problem found.
    Batch files are recognised by their `variants` and handed to `check_batch`. What was not
    checked (a layout's languages past the trial's time) goes to `notes`."""
    items: list[tuple[str, Path]] = []
    for path in paths:
        items += collect(path)
    items = list({_same(path): (kind, path) for kind, path in items}.values())  # each file once
    items = [
        (BATCH if kind == TECHNIQUE and is_batch_file(path) else kind, path) for kind, path in items
    ]
    if not items:
        raise BookletError(
            "no technique, routine, layout or setting files found here.", file=paths[0]
        )
    from booklet.products.jailed import TrialClock

    clock = TrialClock()  # the time this check gives layouts' other languages, in all
    problems: list[Problem] = []
    problems += duplicate_ids([p for kind, p in items if kind in (TECHNIQUE, ROUTINE)])
    named = list(library_roots)
    library_roots = with_enclosing_libraries(paths, library_roots)
    # A file with problems keeps the library from loading for a render; here its problems
    # are reported, and every other file is still checked against the good techniques and
    # layouts (built-in and the user's), not against nothing. A library that is only the
    # one a checked path lies in gives context: its other files' problems are not this
    # check's to report.
    library, load_problems = load_library_in_part(library_roots)
    asked = [*named, *paths]
    # a batch file in a techniques folder: the library reads it as a technique; say that once
    misplaced = {_same(p) for kind, p in items if kind == BATCH and p.parent.name == "techniques"}
    problems += [
        Problem(
            "is a batch file inside a techniques folder, where every file is read as a "
            "technique. Move it out of techniques/.",
            p,
        )
        for kind, p in items
        if kind == BATCH and _same(p) in misplaced
    ]
    problems += [
        p
        for p in load_problems
        if p.file is None or (_within(p.file, asked) and _same(p.file) not in misplaced)
    ]
    known: set[str] = set(library.techniques)
    unparsed: set[str] = set(library.technique_files)
    docs: dict[Path, Document | None] = {}
    for kind, path in items:
        if kind not in (LAYOUT, LANGUAGE):
            docs[path] = load_or_note(path, problems)
    for kind, path in items:
        doc = docs.get(path)
        if kind == TECHNIQUE and id_problem(path.stem) is None:
            unparsed.add(path.stem)  # its own problems say what is wrong with it
        if kind == TECHNIQUE and doc is not None:
            if id_problem(path.stem) is None:
                known.add(path.stem)
            parse_technique(doc, problems, str(path.parent))
    for kind, path in items:
        doc = docs.get(path)
        if kind == ROUTINE and doc is not None:
            parse_routine(doc, problems, str(path.parent), known, unparsed)
        elif kind == SETTING and doc is not None:
            parse_setting(doc, problems)
        elif kind == LAYOUT:
            problems += check_layout_folder(path, library, library_roots, notes, clock)
        elif kind == LANGUAGE:
            from dataclasses import replace

            load_language(replace(library, languages={}), path, problems)
        elif kind == BATCH and check_batch is not None:
            problems += check_batch(path, library_roots)
    if problems:  # a library's and a path's, once, however the path was spelled
        unique: dict[tuple[object, ...], Problem] = {}
        for p in problems:
            unique.setdefault((p.message, _same(p.file), p.line, p.field), p)
        raise ValidationError(list(unique.values()))
    return len(items)


def _within(file: Path | str, folders: Sequence[Path]) -> bool:
    """Whether `file` is one of `folders` (a file given itself) or lies in one."""
    here = _same(file)
    return any(
        here == top or here.startswith(top.rstrip(os.sep) + os.sep) for top in map(_same, folders)
    )


def _same(path: Path | str | None) -> str:
    """One spelling for a path, whichever way it was given (relative, absolute, a link)."""
    return "" if path is None else os.path.realpath(path)


def with_enclosing_libraries(paths: Sequence[Path], roots: Sequence[Path]) -> list[Path]:
    """The library roots, and each library a checked path is or lies in (its layouts may
    extend each other, its routines use its techniques), with or without --library naming
    it; each library once, the built-in one never twice."""
    seen = {_same(builtin_root())} | {_same(root) for root in roots}
    out = list(roots)
    for path in paths:
        library = enclosing_library(path)
        if library is not None and _same(library) not in seen:
            seen.add(_same(library))
            out.append(library)
    return out


def enclosing_library(path: Path) -> Path | None:
    """The library folder `path` is, or lies in (within its techniques/ or layouts/)."""
    if is_library_folder(path):
        return path
    here = Path(os.path.abspath(path))
    for parent in list(here.parents)[:4]:
        for sub in ("techniques", "layouts"):
            top = parent / sub
            if top.is_dir() and (here == top or top in here.parents):
                return parent
    return None


def check_layout_folder(
    folder: Path,
    library: Library | None,
    roots: Sequence[Path] = (),
    notes: list[str] | None = None,
    clock: TrialClock | None = None,
) -> list[Problem]:
    """Parse a layout folder, then render it with a built-in routine in each language, in the
    jail (booklet.products.jailed.trial), so snippet errors that only show when they run (a
    missing field, a budget exceeded, bad markup, text that does not fit, a font that runs
    away) are found by `validate` too."""
    from booklet.layout.spec import load_layout_folder
    from booklet.products.jailed import trial

    try:
        layout, _ = load_layout_folder(folder, library or Library())
    except ValidationError as exc:
        return exc.problems
    except BookletError as exc:
        return [exc.problem]
    if library is None or library.setting is None or not library.routines:
        return []
    try:
        trial(folder, library, tuple(str(r) for r in roots), notes, layout.kind, clock)
    except ValidationError as exc:
        return [in_layout(p, folder) for p in exc.problems]
    except BookletError as exc:
        return [in_layout(exc.problem, folder)]
    return []


def in_layout(problem: Problem, folder: Path) -> Problem:
    """A trial render's problem that names no file (a size too small to hold the card, a
    side that does not fit) is the layout's: it names its layout.yaml."""
    return problem if problem.file is not None else problem._replace(file=folder / "layout.yaml")


def builtin_overrides(paths: Sequence[Path]) -> list[tuple[Path, str, str]]:
    """The files under `paths` that replace a built-in technique or routine of the same id:
    (file, kind, id). Allowed (that is how a library rewords one), but worth saying."""
    builtin = load_library([])
    found = []
    for path in paths:
        for kind, item in collect(path):
            ids: set[str] = set(
                builtin.techniques
                if kind == TECHNIQUE
                else builtin.routines
                if kind == ROUTINE
                else ()
            )
            if item.stem in ids and item.parent.resolve() != _builtin_folder(kind):
                found.append((item, kind, item.stem))
    return found


def _builtin_folder(kind: str) -> Path:
    from booklet.data.library import builtin_root

    folder = builtin_root() / "techniques"
    return (folder / "routines" if kind == ROUTINE else folder).resolve()
