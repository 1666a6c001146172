"""`booklet init` and `booklet new`: commented starting points for a user library."""

from __future__ import annotations

from pathlib import Path
from string import Template

from booklet.base.errors import BookletError
from booklet.data.schema import id_problem

STARTER = Path(__file__).parent / "starter_files"
EXAMPLE_TECHNIQUE = "shoulder-glide"
EXAMPLE_ROUTINE = "my-routine"
EXAMPLE_LAYOUT = "my-card"


def _text(file: str, **values: str) -> str:
    return Template((STARTER / file).read_text(encoding="utf-8")).substitute(values)


def _title(ident: str) -> str:
    return ident.replace("-", " ").capitalize()


def _write_new(files: dict[Path, str]) -> list[Path]:
    """Write files that must not exist yet; refuse before writing anything."""
    clash = [p for p in files if p.exists()]
    if clash:
        raise BookletError(
            "already exists; nothing was written. Choose another name or folder.", file=clash[0]
        )
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(files)


def init_library(root: Path) -> list[Path]:
    if root.exists() and not root.is_dir():
        raise BookletError("is a file, not a folder. Choose a new folder name.", file=root)
    files = {
        root / "techniques" / f"{EXAMPLE_TECHNIQUE}.yaml": _text(
            "technique.yaml", id=EXAMPLE_TECHNIQUE, name="Neck glide"
        ),
        root / "techniques" / "routines" / f"{EXAMPLE_ROUTINE}.yaml": _text(
            "routine.yaml", name="My routine", technique=EXAMPLE_TECHNIQUE
        ),
        root / "layouts" / EXAMPLE_LAYOUT / "layout.yaml": _text("layout.yaml"),
        root / "layouts" / EXAMPLE_LAYOUT / "title.j2": _text("title.j2"),
    }
    return _write_new(files)


def new_file(kind: str, ident: str, root: Path) -> Path:
    problem = id_problem(ident)
    if problem:
        raise BookletError(problem.replace("Rename the file.", "Choose another id."))
    if kind == "technique":
        path = root / "techniques" / f"{ident}.yaml"
        text = _text("technique.yaml", id=ident, name=_title(ident))
    else:
        path = root / "techniques" / "routines" / f"{ident}.yaml"
        text = _text("routine.yaml", name=_title(ident), technique="fan-stroke")
    return _write_new({path: text})[0]
